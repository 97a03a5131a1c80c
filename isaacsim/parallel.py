"""Splitting a run over worker processes (`run --jobs N`; docs/reports.md, "Splitting a run").

* **Single mode.** Each image is simulated alone on an empty machine, so chunks of images are
  independent tasks (`isaacsim.single_run`): a worker builds each image's work from its trace
  record, simulates it and sends back its results, never its maps. At most `IN_FLIGHT_PER_WORKER`
  chunks per worker are handed over at a time, so a long run's images wait in the trace, not in
  the pool's queue. Results are placed at their images' rows, so the tables are the same as one
  process's.
* **Stream mode.** A stream's images share one pipeline: an image's cycles depend on every image
  before it, so a stream is one task and is never split. The cropped and the baseline streams are
  independent and run side by side.

The pool is the sweep's (`isaacsim.sweep.local.start_pool`: forkserver, or spawn; Ctrl-C left to
this process; workers end with it). It is started from a thread, so that its start-up (the fork
server imports isaacsim, each worker loads the compiled kernels: 1 to 2 s) overlaps this process's
work; each worker receives the run's `Context` (lowerings, workload, engine) once. A Ctrl-C
ends the workers at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from isaacsim.errors import InputError, Problem
from isaacsim.plan import TimingResult, WorkFacts
from isaacsim.single_run import ChunkOut, ChunkSimulator, Context
from isaacsim.stream_run import run_stream

T = TypeVar("T")

IN_FLIGHT_PER_WORKER = 2
"""Chunks handed to the pool per worker at a time: one running, one waiting to start."""

_worker: dict = {}
"""In a worker process: the run's `ChunkSimulator` (`_set_up`)."""


def _set_up(ctx: Context) -> None:
    _worker.update(ctx=ctx, simulator=ChunkSimulator(ctx))


def _ready() -> None:
    """A task that only makes the pool start a worker."""


def _chunk(s: int, images: list) -> ChunkOut:
    """A task, in a worker: one chunk of set `s` of a single-mode run."""
    return _worker["simulator"].chunk(s, images)


def _stream(s: int, images: list, arrivals: list[int]) -> tuple[TimingResult, WorkFacts]:
    """A task, in a worker: the whole stream of set `s` over the trace `images`."""
    return run_stream(_worker["ctx"], s, images, arrivals)


def _broken() -> InputError:
    return InputError(Problem("--jobs", "", "a worker process ended abruptly (killed, or out of "
                                            "memory?); nothing was written. Run again, with fewer "
                                            "jobs if memory is short (--jobs 1 uses no worker)"))


def _result(fut: Future):
    try:
        return fut.result()
    except BrokenProcessPool:
        raise _broken() from None


class Workers:
    """The worker processes of one run. Use as a context manager: when the block raises (a
    Ctrl-C included) the workers are ended at once."""

    def __init__(self, ctx: Context, workers: int):
        from isaacsim.sweep.local import start_pool  # here: the sweep imports the runner
        self.workers = workers
        self.sets = ctx.sets
        self.pool = start_pool(workers, _set_up, (ctx,))
        self.stopped = False
        # a pool starts a worker per waiting task; the first start waits for the fork server to
        # import isaacsim, so the workers are started from a thread while this one goes on
        self.starter = threading.Thread(target=self._start, args=(workers,), daemon=True,
                                        name="isaacsim-run-workers")
        self.starter.start()

    def _start(self, workers: int) -> None:
        for _ in range(workers):
            try:
                self.pool.submit(_ready)
            except RuntimeError:  # stopped meanwhile
                return

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is None:
            self.starter.join()
            self.pool.shutdown(wait=True)
        else:
            self.stop()

    def stop(self) -> None:
        """End the workers now (tasks not finished are abandoned)."""
        if not self.stopped:
            from isaacsim.sweep.local import stop_pool
            self.starter.join()
            stop_pool(self.pool)
            self.stopped = True

    def _submit(self, fn: Callable, *args) -> Future:
        try:
            return self.pool.submit(fn, *args)
        except BrokenProcessPool:
            raise _broken() from None

    def chunks(self, tasks: list[T], payload: Callable[[T], tuple[int, list]]
               ) -> Iterator[tuple[T, ChunkOut]]:
        """(task, its `ChunkOut`) of every task as it finishes; `payload(task)` gives the chunk's
        (set, trace images), built only when the task is handed over."""
        pending: dict[Future, T] = {}
        queue = iter(tasks)
        limit = IN_FLIGHT_PER_WORKER * self.workers
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                task = next(queue, None)
                if task is None:
                    exhausted = True
                    break
                pending[self._submit(_chunk, *payload(task))] = task
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in [f for f in pending if f in finished]:  # in submission order
                yield pending.pop(fut), _result(fut)

    def streams(self, images: list, arrivals: list[int]) -> list[tuple[TimingResult, WorkFacts]]:
        """(result, facts) of the stream of every set of the run's `Context` over the trace
        `images`, simulated side by side."""
        futures = [self._submit(_stream, s, images, arrivals) for s in range(len(self.sets))]
        return [_result(f) for f in futures]
