"""Running a workload: trace images -> per-image work -> simulation -> counts, energy, tables.

`run_workload` is the one way to run a workload (the `run` command and sweeps call it). In single
mode each image is simulated alone; images whose work is identical (same active pixels and bits in
every map, e.g. the same crop vector at the same fraction) have identical results, so each distinct
work is simulated once and its result shared (the count is reported as `distinct_works`; how works
are built and told apart: `isaacsim.works`). With ``jobs`` > 1 the simulations run in worker
processes (`isaacsim.parallel`) and the results are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from isaacsim import accounting as acc
from isaacsim.errors import InputError, Problem
from isaacsim.parallel import ENGINES, Workers
from isaacsim.plan import ImageWork, TimingResult
from isaacsim.tables import Tables, build_tables
from isaacsim.targets.isaac.lowering import Lowered, lower
from isaacsim.traces import load_trace
from isaacsim.validate import IMAGES, JOBS
from isaacsim.workload import MODES, Workload
from isaacsim.works import layer_bits, record_key, trace_works, work_keys

_layer_bits = layer_bits  # the name the benchmarks import
__all__ = ["ENGINES", "RunOutput", "Simulated", "check_image_count", "record_key",
           "run_workload", "simulate_works", "trace_works", "work_keys"]


def _rows(result: TimingResult, start: int, stop: int | None) -> TimingResult:
    """Images `start` to `stop` of `result` (views)."""
    return TimingResult(**{k: v[start:stop] for k, v in vars(result).items()})


@dataclass(frozen=True)
class Simulated:
    """One simulated set of images (cropped or baseline). Its accounting is computed for any run of
    images on demand (`accounting`), so the tables can be built a chunk of images at a time."""

    works: list
    result: TimingResult
    charged_cycles: np.ndarray
    """[image] cycles of static power charged to the image (`accounting.static_cycles`)."""
    distinct_works: int
    lowered: Any

    def __len__(self) -> int:
        return len(self.works)

    def accounting(self, start: int = 0, stop: int | None = None) -> acc.Accounting:
        """Event counts and energy of images `start` to `stop`."""
        works = self.works[start:stop]
        counts = acc.count_events(self.lowered, works, _rows(self.result, start, stop))
        return acc.energy(self.lowered, counts, self.charged_cycles[start:stop])

    def head(self, n: int) -> "Simulated":
        """The first `n` images only."""
        if n >= len(self.works):
            return self
        return Simulated(self.works[:n], _rows(self.result, 0, n), self.charged_cycles[:n],
                         self.distinct_works, self.lowered)


@dataclass(frozen=True)
class RunOutput:
    tables: Tables
    """name -> DataFrame: images, layers, components, summary (`tables.Tables`: the layers table
    is built when asked for, or written a chunk of images at a time)."""
    meta: dict


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


def _account(lowered, works, result, distinct, mode) -> Simulated:
    """The simulated `works` (the first ones, as many as `result` holds) with the static cycles
    charged to each (`accounting.static_cycles`: in stream mode it needs the whole run)."""
    works = works[:len(result.latency_cycles)]
    arrivals = np.array([w.arrival_cycle for w in works], np.int64)
    charged = acc.static_cycles(result, arrivals, mode)
    return Simulated(works, result, charged, distinct, lowered)


def _simulate(lowered, works, records, mode, engine, progress) -> Simulated:
    """Simulate and account one set of works (only the finished ones if interrupted)."""
    result, distinct, _ = simulate_works(lowered, works, mode, engine, progress, records)
    return _account(lowered, works, result, distinct, mode)


def _run_split(lowered, workload, chosen, arrivals, mode, engine, baseline, jobs,
               progress, uncropped: bool = False) -> tuple[Simulated, Simulated | None]:
    """The cropped and baseline sets simulated on `jobs` worker processes (`isaacsim.parallel`);
    with `uncropped`, the one set (no `baseline`) is the images uncropped.

    The workers start first; in single mode each distinct work is handed to them as soon as it is
    built (the baseline's first: one work for every image), so building overlaps simulating."""
    n_sets = 1 + bool(baseline)
    tasks = n_sets if mode == "stream" else len(chosen) * n_sets
    with Workers(lowered.plan, engine, min(jobs, tasks), mode) as workers:
        sets: list = [None] * n_sets
        for s in reversed(range(n_sets)) if mode == "single" else range(n_sets):
            feed = workers.feed(s)
            works, _ = trace_works(lowered, workload, chosen, arrivals, s == 1 or uncropped,
                                   feed)
            sets[s] = (works, feed.done(works))
        outcomes = workers.collect(sets, progress)
    sims = [_account(lowered, works, result, distinct, mode)
            for (works, _), (result, distinct) in zip(sets, outcomes)]
    return sims[0], (sims[1] if baseline else None)


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


def _check_options(images: Any, mode: Any, engine: Any, baseline: Any, jobs: Any = None) -> None:
    """The options of `run_workload` as the `run` command checks them (Python callers too)."""
    problems = []
    for name, value, bound in (("images", images, IMAGES), ("jobs", jobs, JOBS)):
        if value is not None and (why := bound.problem(value)) is not None:
            problems.append(Problem("run_workload", name, why))
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
                 jobs: int | None = None,
                 progress: Callable[[int], None] | None = None) -> RunOutput:
    """Simulate the workload's traced images (and, unless disabled, the same images uncropped).
    The options override the workload's ``run`` section; a bad one is an `InputError`. With
    `jobs` > 1 the run is split over worker processes (`isaacsim.parallel`); the tables are the
    same."""
    _check_options(images, mode, engine, baseline, jobs)
    opts = workload.run
    mode = mode or opts.mode
    engine = engine or opts.engine
    images = images if images is not None else opts.images
    baseline = opts.baseline if baseline is None else baseline
    jobs = jobs if jobs is not None else opts.jobs
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
    lowered = lower(workload.simulated_network(), mapping, workload.arch)
    # with a crop predictor, the baseline is the network alone, uncropped (docs/predictor.md)
    base_lowered = lowered if workload.predictor is None else lower(
        workload.network, workload.map(predictor=False), workload.arch)
    interval = opts.arrival_interval_cycles
    arrivals = [i * interval if mode == "stream" else 0 for i in range(len(chosen))]

    def run_set(uncropped: bool, progress) -> Simulated:
        low = base_lowered if uncropped else lowered
        works, records = trace_works(low, workload, chosen, arrivals, uncropped)
        return _simulate(low, works, records, mode, engine, progress)

    if jobs > 1 and base_lowered is not lowered:
        cropped = _run_split(lowered, workload, chosen, arrivals, mode, engine, False, jobs,
                             progress)[0]
        chosen, arrivals = chosen[:len(cropped.works)], arrivals[:len(cropped.works)]
        base = _run_split(base_lowered, workload, chosen, arrivals, mode, engine, False, jobs,
                          None, uncropped=True)[0] if baseline else None
    elif jobs > 1 and (mode == "single" or baseline):
        cropped, base = _run_split(lowered, workload, chosen, arrivals, mode, engine, baseline,
                                   jobs, progress)
    else:
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
