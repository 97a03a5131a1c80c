"""Parameter sweeps: one workload run over a grid or list of overrides, in parallel, resumably.

Modules: `spec` (the sweep spec, docs/sweeps.md, validated with every point's workload loaded up
front), `points` (grid and list expanded into points with stable ids), `worker` (one point, or one
shard of a point, run in a worker; `merge_shards`), `store` (atomic per-point folders and the
merged results.csv and points.csv), `local` (a process pool), `lifeline` (workers and fork server
that end with the sweep's process, even when it is killed), `dask_backend` (a Dask cluster), `run`
(the orchestration, long single-mode points cut into shards). Public API::

    sweep = load_sweep(path, images=None)   # every point checked; sweep.points[i].warnings
    plan = plan_sweep(sweep, out)           # the folder checked or created; plan.stored, plan.todo
    plan = plan_sweep(sweep, None, force=True)   # results/sweeps/<name>/, every point to run
    outcome = run_sweep(plan, jobs=None, dask_address=None, progress=None,
                        shard_images=DEFAULT_SHARD_IMAGES)   # long single-mode points in shards
"""

from isaacsim.sweep.dask_backend import require_dask
from isaacsim.sweep.local import default_jobs
from isaacsim.sweep.points import Point, point_id
from isaacsim.sweep.run import DEFAULT_SHARD_IMAGES, SweepOutcome, SweepPlan, plan_sweep, run_sweep
from isaacsim.sweep.spec import PlannedPoint, Sweep, load_sweep

__all__ = ["DEFAULT_SHARD_IMAGES", "PlannedPoint", "Point", "Sweep", "SweepOutcome", "SweepPlan",
           "default_jobs", "load_sweep", "plan_sweep", "point_id", "require_dask", "run_sweep"]
