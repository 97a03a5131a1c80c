"""Running a workload: trace images -> per-image work -> simulation -> counts, energy, tables.

`run_workload` is the one way to run a workload (the `run` command and sweeps call it). In single
mode each image is simulated alone; images whose work is identical (same active pixels and bits in
every map, e.g. the same crop vector at the same fraction) have identical results, so each distinct
work is simulated once and its result shared (the count is reported as `distinct_works`). Works are
told apart by their trace record where it determines them (`record_key`: a compact record's crop,
fraction and bits), else by a digest of their maps; identical works share one copy of their maps,
which are stored as bytes (`isaacsim.plan.compact_map`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from isaacsim import accounting as acc
from isaacsim import engine as fast_engine
from isaacsim import reference as reference_engine
from isaacsim.errors import InputError, Problem
from isaacsim.network import IMAGE
from isaacsim.plan import ImageWork, TimingResult, compact_map
from isaacsim.tables import build_tables
from isaacsim.targets.isaac.lowering import Lowered, image_work, lower
from isaacsim.traces import CompactImage, image_bits, load_trace
from isaacsim.validate import IMAGES
from isaacsim.workload import MODES, Workload

ENGINES = {"fast": fast_engine.simulate, "reference": reference_engine.simulate}


@dataclass(frozen=True)
class Simulated:
    """One simulated set of images (cropped or baseline) with its accounting."""

    works: list
    result: TimingResult
    accounting: acc.Accounting
    distinct_works: int

    def head(self, n: int) -> "Simulated":
        """The first `n` images only."""
        if n >= len(self.works):
            return self
        result = TimingResult(**{k: v[:n] for k, v in vars(self.result).items()})
        a = self.accounting
        accounting = acc.Accounting({k: v[:n] for k, v in a.counts.items()},
                                    {k: v[:n] for k, v in a.energy_pj.items()}, a.static_pj[:n],
                                    a.table)
        return Simulated(self.works[:n], result, accounting, self.distinct_works)


@dataclass(frozen=True)
class RunOutput:
    tables: dict
    """name -> DataFrame: images, layers, components, summary."""
    meta: dict


def _layer_bits(lowered: Lowered, workload: Workload, image, uncropped: bool) -> ImageWork:
    net, prec, crop = lowered.network, workload.precision, workload.crop
    if uncropped:
        mask = np.ones(net.input_shape[:2], np.uint8)
        bits = {layer.name: np.full(layer.out_shape[:2], prec.of(layer.name).activation_bits,
                                    np.uint8) for layer in net.layers}
        return image_work(lowered, image.image_id, mask, bits)
    mask = image_bits(image, net, IMAGE, 1, rounding=crop.rounding, default_fraction=crop.fraction)
    bits = {layer.name: image_bits(image, net, layer.name, prec.of(layer.name).activation_bits,
                                   rounding=crop.rounding, default_fraction=crop.fraction)
            for layer in net.layers}
    return image_work(lowered, image.image_id, mask, bits)


def _digest(work: ImageWork) -> bytes:
    """Digest of a work's bit maps (each in its compact form, `compact_map`)."""
    h = hashlib.blake2b(digest_size=16)
    for b in work.bits:
        a = compact_map(b)
        h.update(a.dtype.str.encode())
        h.update(a.tobytes())
        h.update(b"|")
    return h.digest()


def record_key(image, uncropped: bool):
    """What determines an image's work besides the workload: nothing for the uncropped baseline;
    a compact record's crop, fraction and bits; None for an explicit (region) record, whose maps
    must be compared themselves."""
    if uncropped:
        return ("uncropped",)
    if isinstance(image, CompactImage):
        return ("compact", image.crop, image.fraction, image.all_bits, image.layer_bits)
    return None


def work_keys(works: list[ImageWork], records: list | None = None) -> list[bytes]:
    """Per work, a key that identical works share: the digest of its bit maps.

    `records[i]`, when given and not None, is a hashable that determines work i (`record_key`):
    the maps are then hashed once per distinct record instead of once per image (a 1,000-image
    compact trace: about 16 digests, not 1,000). Records that differ but give the same maps still
    share a key, so the distinct works are the same either way.
    """
    by_record: dict = {}
    keys = []
    for i, work in enumerate(works):
        rk = records[i] if records is not None else None
        if rk is None:
            keys.append(_digest(work))
            continue
        k = by_record.get(rk)
        if k is None:
            k = by_record[rk] = _digest(work)
        keys.append(k)
    return keys


def trace_works(lowered: Lowered, workload: Workload, images: list, arrivals: list[int],
                uncropped: bool) -> tuple[list[ImageWork], list]:
    """The works of trace `images` (or of the same images uncropped) and their record keys.

    A compact record's work depends only on its `record_key` and the uncropped work is the same
    for every image: each distinct one is built once and its maps shared. An explicit record's
    maps are built and hashed, and identical ones share one copy too (its record key is then
    ``("maps", digest)``)."""
    cache: dict = {}
    out, records = [], []
    for img, a in zip(images, arrivals):
        sig = record_key(img, uncropped)
        w = cache.get(sig) if sig is not None else None
        if w is None:
            w = _layer_bits(lowered, workload, img, uncropped)
            if sig is None:
                sig = ("maps", _digest(w))
                w = cache.setdefault(sig, w)
            else:
                cache[sig] = w
        out.append(ImageWork(img.image_id, w.bits, a))
        records.append(sig)
    return out, records


def simulate_works(lowered: Lowered, works: list[ImageWork], mode: str, engine: str,
                   progress: Callable[[int], None] | None = None,
                   records: list | None = None) -> tuple[TimingResult, int, int]:
    """Simulate `works`; in single mode each distinct work once (`work_keys`, with the works'
    `record_key`s when known).

    Returns (result, distinct works simulated, images finished). A KeyboardInterrupt in single mode
    stops after the images finished so far; the result then holds only those.
    """
    simulate = ENGINES[engine]
    plan = lowered.plan
    if mode == "stream":
        result = simulate(plan, works, mode="stream")
        if progress:
            progress(len(works))
        return result, len(works), len(works)
    result = TimingResult.empty(len(works), len(plan.nodes), len(plan.edges))
    seen: dict[bytes, int] = {}
    finished = 0
    try:
        keys = work_keys(works, records)
        for i, work in enumerate(works):
            k = keys[i]
            j = seen.get(k)
            one = None if j is not None else simulate(plan, [work], mode="single")
            for name in vars(result):
                row = getattr(result, name)
                row[i] = row[j] if one is None else getattr(one, name)[0]
            seen.setdefault(k, i)
            finished = i + 1
            if progress:
                progress(1)
    except KeyboardInterrupt:
        if finished == 0:
            raise
        for name in vars(result):
            setattr(result, name, getattr(result, name)[:finished])
    return result, len(seen), finished


def _simulate(lowered, works, records, mode, engine, progress) -> Simulated:
    """Simulate and account one set of works (only the finished ones if interrupted)."""
    result, distinct, finished = simulate_works(lowered, works, mode, engine, progress, records)
    works = works[:finished]
    counts = acc.count_events(lowered, works, result)
    arrivals = np.array([w.arrival_cycle for w in works], np.int64)
    charged = acc.static_cycles(result, arrivals, mode)
    return Simulated(works, result, acc.energy(lowered, counts, charged), distinct)


def check_image_count(trace, images: int | None) -> None:
    """A trace with no images, or fewer than the `images` asked for, is an `InputError` (never a
    silently shorter run)."""
    n = len(trace.images)
    if n == 0:
        raise InputError(Problem(trace.source, "", "the trace holds no images"))
    if images is not None and images > n:
        raise InputError(Problem(trace.source, "", f"holds {n:,} images, fewer than the {images:,} "
                                                   f"asked for (--images or run.images); ask for "
                                                   f"at most {n:,}"))


def _check_options(images: Any, mode: Any, engine: Any, baseline: Any) -> None:
    """The options of `run_workload` as the `run` command checks them (Python callers too)."""
    problems = []
    if images is not None and (why := IMAGES.problem(images)) is not None:
        problems.append(Problem("run_workload", "images", why))
    for name, value, allowed in (("mode", mode, MODES), ("engine", engine, tuple(ENGINES))):
        if value is not None and value not in allowed:
            problems.append(Problem("run_workload", name, f"expected one of "
                                                          f"{', '.join(allowed)}, got {value!r}"))
    if baseline is not None and not isinstance(baseline, bool):
        problems.append(Problem("run_workload", "baseline", f"expected True, False or None, got "
                                                            f"{baseline!r}"))
    if problems:
        raise InputError(problems)


def run_workload(workload: Workload, *, images: int | None = None, mode: str | None = None,
                 engine: str | None = None, baseline: bool | None = None,
                 progress: Callable[[int], None] | None = None) -> RunOutput:
    """Simulate the workload's traced images (and, unless disabled, the same images uncropped).
    The options override the workload's ``run`` section; a bad one is an `InputError`."""
    _check_options(images, mode, engine, baseline)
    opts = workload.run
    mode = mode or opts.mode
    engine = engine or opts.engine
    images = images if images is not None else opts.images
    baseline = opts.baseline if baseline is None else baseline
    if workload.trace is None and workload.trace_data is None:
        raise InputError(Problem(workload.source, "$.trace",
                                 "the workload names no trace; set \"trace\" to a trace file "
                                 "(see docs/trace-format.md) or pass --set trace=FILE"))
    if workload.trace_data is not None:
        trace = workload.trace_data
    else:
        assert workload.trace is not None  # checked above
        trace = load_trace(workload.trace, workload.network)
    check_image_count(trace, images)
    trace_images = list(trace.images)[: images if images is not None else None]
    chosen = trace_images
    mapping = workload.map()
    lowered = lower(workload.network, mapping, workload.arch)
    interval = opts.arrival_interval_cycles
    arrivals = [i * interval if mode == "stream" else 0 for i in range(len(chosen))]

    def run_set(uncropped: bool, progress) -> Simulated:
        works, records = trace_works(lowered, workload, chosen, arrivals, uncropped)
        return _simulate(lowered, works, records, mode, engine, progress)

    cropped = run_set(False, progress)
    chosen, arrivals = chosen[:len(cropped.works)], arrivals[:len(cropped.works)]
    base = run_set(True, None) if baseline else None
    if base is not None and len(base.works) < len(cropped.works):  # interrupted in the baseline
        cropped = cropped.head(len(base.works))
    interrupted = len(cropped.works) < len(trace_images)
    chosen = chosen[:len(cropped.works)]
    tables = build_tables(workload, lowered, chosen, cropped, base, mode)
    meta = {"workload": workload.to_dict(), "images": len(chosen), "mode": mode, "engine": engine,
            "baseline": bool(baseline), "distinct_works": cropped.distinct_works,
            "chips": mapping.totals.chips, "trace": str(workload.trace),
            "interrupted": interrupted, "warnings": list(workload.arch.warnings)}
    return RunOutput(tables, meta)
