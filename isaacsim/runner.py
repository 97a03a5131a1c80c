"""Running a workload: trace images -> per-image work -> simulation -> counts, energy, tables.

`run_workload` is the one way to run a workload (the `run` command and sweeps call it). In single
mode each image is simulated alone; images whose work is identical (same active pixels and bits in
every map, e.g. the same crop vector at the same fraction) have identical results, so they share
one simulation (the count of distinct works is reported as `distinct_works`; how works are built
and told apart: `isaacsim.works`). A single-mode run is simulated in chunks of images
(`isaacsim.single_run`): each image's work is built from its trace record, simulated and freed,
and only its results and `WorkFacts` are kept. In stream mode every image's work is built and the
stream simulated whole. With ``jobs`` > 1 the simulations run in worker processes
(`isaacsim.parallel`) and the results are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from isaacsim import accounting as acc
from isaacsim.errors import InputError, Problem
from isaacsim.plan import TimingResult, WorkFacts
from isaacsim.single_run import ENGINES, context, run_single
from isaacsim.stream_run import run_stream
from isaacsim.tables import Tables, build_tables
from isaacsim.targets.isaac.lowering import Lowered, lower
from isaacsim.traces import load_trace
from isaacsim.validate import IMAGES, JOBS
from isaacsim.workload import MODES, Workload
from isaacsim.works import layer_bits, record_key

_layer_bits = layer_bits  # the name the benchmarks import
__all__ = ["ENGINES", "RunOutput", "Simulated", "check_image_count", "record_key",
           "run_workload"]


@dataclass(frozen=True)
class Simulated:
    """One simulated set of images (cropped or baseline): the results and the `WorkFacts` of its
    images (their maps are gone). Its accounting is computed for any run of images on demand
    (`accounting`), so the tables can be built a chunk of images at a time."""

    facts: WorkFacts
    result: TimingResult
    charged_cycles: np.ndarray
    """[image] cycles of static power charged to the image (`accounting.static_cycles`)."""
    distinct_works: int
    lowered: Any

    def __len__(self) -> int:
        return len(self.facts)

    def accounting(self, start: int = 0, stop: int | None = None) -> acc.Accounting:
        """Event counts and energy of images `start` to `stop`."""
        counts = acc.count_events(self.lowered, self.facts.rows(start, stop),
                                  self.result.rows(start, stop))
        return acc.energy(self.lowered, counts, self.charged_cycles[start:stop])


@dataclass(frozen=True)
class RunOutput:
    tables: Tables
    """name -> DataFrame: images, layers, components, summary (`tables.Tables`: the layers table
    is built when asked for, or written a chunk of images at a time)."""
    meta: dict
    work_digests: frozenset[bytes] = frozenset()
    """Single mode: the digests of the cropped images' distinct works (`isaacsim.works.digest`),
    so that runs of parts of a trace can count the distinct works of the whole
    (`meta["distinct_works"]` is their number)."""


def _account(lowered, facts: WorkFacts, result: TimingResult, distinct: int,
             mode: str) -> Simulated:
    """The simulated images with the static cycles charged to each (`accounting.static_cycles`:
    in stream mode it needs the whole run)."""
    charged = acc.static_cycles(result, facts.arrival, mode)
    return Simulated(facts, result, charged, distinct, lowered)


def _run_stream(sets: list[tuple[Lowered, bool]], workload, chosen, arrivals, engine,
                jobs) -> list[Simulated]:
    """The cropped stream (and the baseline's), each simulated whole with its works built on
    demand (`isaacsim.stream_run`): one task each, side by side on workers when `jobs` > 1 and
    there are two."""
    ctx = context(sets, workload, engine)
    if jobs > 1 and len(sets) > 1:
        from isaacsim.parallel import Workers  # here: the pool imports the sweep's machinery
        with Workers(ctx, len(sets)) as workers:
            outs = workers.streams(chosen, arrivals)
    else:
        outs = [run_stream(ctx, s, chosen, arrivals) for s in range(len(sets))]
    return [_account(low, facts, result, len(chosen), "stream")
            for (low, _), (result, facts) in zip(sets, outs)]


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

    # the cropped images on `lowered`, and the baseline's uncropped on `base_lowered`
    sets = [(lowered, False)] + ([(base_lowered, True)] if baseline else [])
    digests: frozenset[bytes] = frozenset()
    if mode == "stream":
        sims = _run_stream(sets, workload, chosen, arrivals, engine, jobs)
        if progress:
            progress(len(chosen))
    else:
        outcome = run_single(sets, workload, engine, chosen, jobs, progress)
        sims = [_account(low, facts, result, len(d), mode)
                for (low, _), (result, facts, d) in zip(sets, outcome)]
        digests = outcome[0][2]
    cropped, base = sims[0], (sims[1] if baseline else None)
    interrupted = len(cropped) < len(trace_images)
    chosen = chosen[:len(cropped)]
    tables = build_tables(workload, lowered, chosen, cropped, base, mode)
    meta = {"workload": workload.to_dict(), "images": len(chosen), "mode": mode, "engine": engine,
            "baseline": bool(baseline), "distinct_works": cropped.distinct_works,
            "chips": mapping.totals.chips, "trace": str(workload.trace),
            "interrupted": interrupted, "warnings": list(workload.arch.warnings)}
    return RunOutput(tables, meta, digests)
