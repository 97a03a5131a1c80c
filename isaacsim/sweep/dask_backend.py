"""Running a sweep's points on a Dask distributed cluster (``pip install 'isaacsim[dask]'``).

The sweep's process is the Dask client: it submits one task per point, or per shard of a long
single-mode point (`worker.run_point`), stores each result as it arrives, and merges the tables
itself, so the workers need isaacsim installed and the input files (workload, network, trace) at
the same absolute paths (one checkout on a shared file system, or the same path on every
machine), but never the results folder. See docs/sweeps.md for starting a scheduler and workers.
"""

from __future__ import annotations

from collections.abc import Generator

from isaacsim.errors import InputError, Problem
from isaacsim.sweep.worker import Task, failure, run_point

INSTALL_HINT = "pip install 'isaacsim[dask]'"
CONNECT_TIMEOUT_S = 20


def require_dask():
    """The `dask.distributed` module, or an InputError telling how to install it."""
    try:
        import dask.distributed as dd
    except ImportError as exc:
        raise InputError(Problem("--dask", "", f"running on a Dask cluster needs dask.distributed, "
                                               f"which is not installed ({exc}); install it with "
                                               f"{INSTALL_HINT}")) from None
    return dd


def run_dask(tasks: list[Task], address: str) -> Generator[tuple[Task, dict], None, None]:
    """Yield ``(task, result)`` as the cluster at `address` finishes tasks (points or shards).

    On Ctrl-C (or any early exit) the tasks not finished are cancelled on the cluster.
    """
    dd = require_dask()
    if not tasks:
        return
    try:
        client = dd.Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(Problem(f"--dask {address}", "",
                                 f"cannot connect to a Dask scheduler there ({exc}); start one with "
                                 f"`dask scheduler` and workers with `dask worker ADDRESS`, and "
                                 f"pass the scheduler's address (tcp://HOST:8786)")) from None
    futures = []
    try:
        futures = client.map(run_point, tasks, pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        for fut in dd.as_completed(futures):
            task = by_key[fut.key]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: record, go on
                result = failure(task.point_id, f"the Dask task failed: {type(exc).__name__}: "
                                                f"{exc}")
            fut.release()
            yield task, result
    finally:
        if futures:
            client.cancel([f for f in futures if not f.done()])
        client.close()
