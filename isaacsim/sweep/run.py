"""Running a sweep: find the stored points, run the others on a backend (long single-mode points cut
into shards, `shard_tasks`), store each as it finishes, then merge the tables.

    sweep = load_sweep("specs/x.json")              # validates every point up front
    plan = plan_sweep(sweep, "results/sweeps/x")     # the folder checked (or created), and which
                                                     # points are stored, which to run
    outcome = run_sweep(plan, jobs=2)                # or dask_address="tcp://host:8786"

`plan_sweep` is where the traces are read and the sweep folder is checked, once, before anything
runs: every point's trace must read for its network and hold the images asked for
(`spec.check_traces`), the folder must be new, empty or an isaacsim sweep folder
(`store.PointStore.open`), and every point folder to be written must be absent or isaacsim's own;
otherwise `InputError` and nothing is created.

A Ctrl-C while points run stops the backend (pending points are cancelled, workers ended); the
points stored so far stay, the merged tables are not written, and ``outcome.interrupted`` is set.
Running the same spec again resumes: only the missing (or failed, or stale) points run.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from isaacsim.report import versions
from isaacsim.sweep.dask_backend import run_dask
from isaacsim.sweep.local import run_local
from isaacsim.sweep.spec import PlannedPoint, Sweep, check_traces
from isaacsim.sweep.store import PointStore
from isaacsim.sweep.worker import Task, merge_shards

DEFAULT_SHARD_IMAGES = 2000
"""Images per shard of a single-mode point: a shard is some seconds of work (an image takes
milliseconds), so the shards of a long point keep every worker busy (the progress bar still counts
points: a point counts when its last shard finishes)."""


@dataclass(frozen=True)
class SweepPlan:
    sweep: Sweep
    store: PointStore
    stored: list[PlannedPoint]
    """Points with a valid stored result: not run again."""
    todo: list[PlannedPoint]
    """Points to run, in spec order."""
    images: dict[str, int] = field(default_factory=dict)
    """Images each point runs, by point id (for sharding)."""


@dataclass
class SweepOutcome:
    out: Path
    points: int
    reused: list[str] = field(default_factory=list)
    """Ids of points whose stored result was used."""
    simulated: list[str] = field(default_factory=list)
    """Ids of points run (successfully) by this call."""
    failed: list[tuple[PlannedPoint, str]] = field(default_factory=list)
    """Points that failed in this call, with their error."""
    interrupted: bool = False
    counts: dict = field(default_factory=dict)
    """From `PointStore.merge`: points, ok, failed, missing, rows (empty when interrupted)."""


def default_out(sweep: Sweep) -> Path:
    """``results/sweeps/<name>/``, the sweep folder when none is given."""
    return Path("results") / "sweeps" / sweep.name


def plan_sweep(sweep: Sweep, out: str | Path | None = None, *, force: bool = False,
               option: str = "--out") -> SweepPlan:
    """Open the sweep folder `out` and split the sweep's points into those stored there and those
    to run (all of them with `force`: stored points are computed again and replaced).

    `out` None is `default_out(sweep)`, whose parent folders are created; a given `out` must have
    an existing parent. `option` names `out` in messages. Raises `InputError` (nothing created)
    when a point's trace cannot be read or holds fewer images than asked for (`check_traces`), or
    when the folder, or a point folder to be written, is not isaacsim's to write.
    """
    images = check_traces(sweep)
    if out is None:
        store = PointStore.open(default_out(sweep), option="sweep folder", create_parents=True)
    else:
        store = PointStore.open(out, option=option)
    stored: list[PlannedPoint] = []
    todo: list[PlannedPoint] = []
    for pp in sweep.points:
        (todo if force or not store.finished(pp) else stored).append(pp)
    store.check_replaceable(todo, option=option)
    return SweepPlan(sweep, store, stored, todo, images)


def shard_tasks(plan: SweepPlan, shard_images: int | None) -> list[Task]:
    """The tasks of the plan's points: a single-mode point with more than `shard_images` images
    is cut into shards of that many (the last may be shorter), in image order; others (stream
    mode, or `shard_images` None) are one task."""
    tasks = []
    for pp in plan.todo:
        n = plan.images.get(pp.point.id, 0)
        single = pp.loaded is None or pp.loaded.run.mode == "single"
        if shard_images is None or not single or n <= shard_images:
            tasks.append(pp.task)
            continue
        tasks += [dataclasses.replace(pp.task, shard=(a, min(a + shard_images, n)))
                  for a in range(0, n, shard_images)]
    return tasks


def run_sweep(plan: SweepPlan, *, jobs: int | None = None, dask_address: str | None = None,
              progress: Callable[[int], None] | None = None,
              shard_images: int | None = DEFAULT_SHARD_IMAGES) -> SweepOutcome:
    """Run the plan's points, storing each as it finishes, then write the merged tables. A
    single-mode point with more than `shard_images` images (None: never) is run in shards of
    that many images, on any worker, and stored when its last shard finishes (`shard_tasks`,
    `worker.merge_shards`: the same result as one task)."""
    outcome = SweepOutcome(plan.store.out, len(plan.sweep.points),
                           reused=[pp.point.id for pp in plan.stored])
    by_id = {pp.point.id: pp for pp in plan.todo}
    tasks = shard_tasks(plan, shard_images)
    shards: dict[str, dict[tuple[int, int], dict]] = {}
    expected = {t.point_id: 0 for t in tasks}
    for t in tasks:
        expected[t.point_id] += 1
    backend = run_dask(tasks, dask_address) if dask_address else run_local(tasks, jobs)
    with contextlib.closing(backend) as results:
        try:
            for task, result in results:
                pp = by_id[task.point_id]
                if task.shard is not None:
                    got = shards.setdefault(task.point_id, {})
                    got[task.shard] = result
                    if len(got) < expected[task.point_id]:
                        continue
                    result = merge_shards(task.point_id, [got[k] for k in sorted(got)])
                    del shards[task.point_id]
                plan.store.write(pp, result)
                if result["status"] == "ok":
                    outcome.simulated.append(pp.point.id)
                else:
                    outcome.failed.append((pp, result["error"]))
                if progress:
                    progress(1)
        except KeyboardInterrupt:
            outcome.interrupted = True
    if not outcome.interrupted:
        outcome.counts = plan.store.merge(plan.sweep, versions())
    order = {pp.point.id: i for i, pp in enumerate(plan.sweep.points)}
    outcome.simulated.sort(key=order.__getitem__)
    outcome.failed.sort(key=lambda f: order[f[0].point.id])
    return outcome
