"""Running a sweep's points on this machine: in this process, or in a pool of worker processes.

Workers are started with the ``forkserver`` context where the platform has it (a clean server
process that has imported isaacsim forks each worker, so workers start in well under a second; numba
loads the compiled kernels from its on-disk cache) and ``spawn`` elsewhere; never plain ``fork`` of
a process that may hold threads. Workers ignore SIGINT: Ctrl-C reaches the sweep's process, which
cancels the points not started, terminates the workers and keeps the points already stored; while it
does so, further Ctrl-Cs are ignored, so a second quick one cannot leave workers or semaphores
behind. Workers, and the fork server, end when the sweep's process ends, even by ``kill -9``
(`lifeline`). `start_pool` and `stop_pool` give the same pool to `run --jobs` (`isaacsim.parallel`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from isaacsim.sweep import lifeline
from isaacsim.sweep.worker import Task, failure, run_point

WORKER_MODULE = "isaacsim.sweep.worker"
STOP_TIMEOUT_S = 5
"""How long to wait for a terminated worker to end before killing it."""


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def run_local(tasks: list[Task], jobs: int | None = None) -> Generator[tuple[Task, dict], None, None]:
    """Yield ``(task, result)`` as tasks (points or shards) finish; with one job (or one task) run
    them in-process."""
    jobs = default_jobs() if jobs is None else jobs
    if min(jobs, len(tasks)) <= 1:
        for task in tasks:
            yield task, run_point(task)
        return
    pool = start_pool(min(jobs, len(tasks)))
    pending: dict[Future, Task] = {}
    done_cleanly = False
    try:
        pending = {pool.submit(run_point, task): task for task in tasks}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in _in_order(finished, pending):
                task = pending.pop(fut)
                yield task, _result(fut, task)
        done_cleanly = True
    finally:
        if done_cleanly:
            pool.shutdown(wait=True)
        else:
            stop_pool(pool)


def start_pool(workers: int, initializer: Callable[..., None] | None = None,
               initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of `workers` processes set up as the sweep's (context, SIGINT left to this process,
    ended with it); `initializer(*initargs)` then runs in each worker (a top-level function)."""
    ctx = _context()
    if ctx.get_start_method() == "forkserver":
        # started here, not by whichever thread first starts a worker: the fork server's
        # parent-death signal (`lifeline`) fires when the thread that started it ends
        multiprocessing.forkserver.ensure_running()
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(os.getpid(), initializer, initargs))


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End `pool`'s workers now (tasks not started are cancelled, running ones abandoned), with
    Ctrl-C ignored meanwhile so a second one cannot leave workers behind."""
    with _sigint_ignored():
        _stop(pool)


def _in_order(finished, pending: dict[Future, Task]) -> list[Future]:
    """Futures finished together, in submission order (dicts keep it)."""
    return [f for f in pending if f in finished]


def _result(fut: Future, task: Task) -> dict:
    """A future's result; a worker that died or could not run becomes a failed point."""
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001 - e.g. BrokenProcessPool when a worker is killed
        return failure(task.point_id, f"the worker process failed: {type(exc).__name__}: {exc}")


def _context():
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload([lifeline.FORKSERVER_PRELOAD, WORKER_MODULE])
    return ctx


def _init_worker(sweep_pid: int, then: Callable[..., None] | None = None,
                 args: tuple = ()) -> None:
    """In each worker: leave Ctrl-C to the sweep's process; end with it (`lifeline`); then the
    caller's own set-up, `then(*args)`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lifeline.die_with_parent()
    lifeline.watch_process(sweep_pid)
    if then is not None:
        then(*args)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while the pool is being stopped (in the main thread; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (points running are abandoned)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    procs = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown drops them
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout=STOP_TIMEOUT_S)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=STOP_TIMEOUT_S)
