"""Splitting a run over worker processes (`run --jobs N`; docs/reports.md, "Splitting a run").

* **Single mode.** Each image is simulated alone on an empty machine, so distinct works (D36) are
  independent: each is one task, handed to the workers as soon as it is built, in order of its
  first image (the baseline's work, the same for every image, first), and a task's result is
  placed at every image that shares its work. The result arrays, hence the tables, are the same
  as one process's.
* **Stream mode.** A stream's images share one pipeline: an image's cycles depend on every image
  before it, so a stream is one task and is never split. The cropped and the baseline streams are
  independent and run side by side.

The pool is the sweep's (`isaacsim.sweep.local.start_pool`: forkserver, or spawn; Ctrl-C left to
this process; workers end with it). It is started before the works are built, from a thread, so
that its start-up (the fork server imports isaacsim, each worker loads the compiled kernels: 1 to
2 s) overlaps them; each worker receives the timing plan once. A Ctrl-C ends the workers and, in
single mode, keeps the images finished so far: the longest run of images from the first whose
works (cropped and baseline) are all simulated.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, as_completed
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from isaacsim import engine as fast_engine
from isaacsim import reference as reference_engine
from isaacsim.errors import InputError, Problem
from isaacsim.plan import ImageWork, TimingPlan, TimingResult
from isaacsim.works import WorkKeys

ENGINES = {"fast": fast_engine.simulate, "reference": reference_engine.simulate}
"""Engine name -> ``simulate(plan, works, mode)``."""

_worker: dict = {}
"""In a worker process: the plan and the engine of the run (`_set_up`)."""


def _set_up(plan: TimingPlan, engine: str) -> None:
    _worker.update(plan=plan, simulate=ENGINES[engine])


def _ready() -> None:
    """A task that only makes the pool start a worker."""


def _simulate(works: list[ImageWork], mode: str) -> TimingResult:
    """A task, in a worker: simulate `works` on the run's plan."""
    return _worker["simulate"](_worker["plan"], works, mode=mode)


def _prefix(keys: list, done: dict, start: int) -> int:
    """How many images from the first have their work in `done` (counting on from `start`)."""
    n = start
    while n < len(keys) and keys[n] in done:
        n += 1
    return n


def _assemble(plan: TimingPlan, keys: list, done: dict, n: int) -> TimingResult:
    """The result of the first `n` images, each row its work's one-image result."""
    result = TimingResult.empty(n, len(plan.nodes), len(plan.edges))
    if n == 0:
        return result
    distinct = list(dict.fromkeys(keys[:n]))
    position = {k: j for j, k in enumerate(distinct)}
    rows = np.array([position[k] for k in keys[:n]], np.int64)
    for name in vars(result):
        stacked = np.concatenate([getattr(done[k], name) for k in distinct])
        setattr(result, name, stacked[rows])
    return result


def _broken() -> InputError:
    return InputError(Problem("--jobs", "", "a worker process ended abruptly (killed, or out of "
                                            "memory?); nothing was written. Run again, with fewer "
                                            "jobs if memory is short (--jobs 1 uses no worker)"))


def _result(fut: Future) -> TimingResult:
    try:
        return fut.result()
    except BrokenProcessPool:
        raise _broken() from None


class Feed:
    """``feed(work, record)`` for `isaacsim.works.trace_works`: keys one set's works as they are
    built and, in single mode, hands each new distinct one to the workers."""

    def __init__(self, workers: "Workers", index: int):
        self.workers, self.index = workers, index
        self.keys: list[bytes] = []
        self.key_of = WorkKeys()
        self.seen: set[bytes] = set()

    def __call__(self, work: ImageWork, record: tuple) -> None:
        if self.workers.mode != "single":
            return
        k = self.key_of(work, record)
        self.keys.append(k)
        if k not in self.seen:
            self.seen.add(k)
            self.workers.submit(self.index, k, [work])

    def done(self, works: list[ImageWork]) -> list[bytes]:
        """The set's keys, once all its works are built (a stream is handed over whole now)."""
        if self.workers.mode == "stream":
            self.workers.submit(self.index, None, works)
        return self.keys


class Workers:
    """The worker processes of one run. Use as a context manager: when the block raises (a
    Ctrl-C included) the workers are ended at once."""

    def __init__(self, plan: TimingPlan, engine: str, workers: int, mode: str):
        from isaacsim.sweep.local import start_pool  # here: the sweep imports the runner
        self.plan, self.mode = plan, mode
        self.pool = start_pool(workers, _set_up, (plan, engine))
        self.futures: dict[Future, tuple[int, Hashable]] = {}
        self.stopped = False
        # a pool starts a worker per waiting task; the first start waits for the fork server to
        # import isaacsim, so the workers are started from a thread while this one builds works
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

    def feed(self, index: int) -> Feed:
        """The `Feed` of set `index` (0 cropped, 1 baseline)."""
        return Feed(self, index)

    def submit(self, index: int, key: Hashable, works: list[ImageWork]) -> None:
        try:
            fut = self.pool.submit(_simulate, works, self.mode)
        except BrokenProcessPool:
            raise _broken() from None
        self.futures[fut] = (index, key)

    def collect(self, sets: list[tuple[list[ImageWork], list]],
                progress: Callable[[int], None] | None = None) -> list[tuple[TimingResult, int]]:
        """Wait for the tasks of `sets` ((works, keys) per set, cropped first).

        Returns, per set, (result, distinct works) of the images finished: all of them, or after a
        Ctrl-C in single mode the longest run from the first image that every set finished
        (KeyboardInterrupt if that is none; the workers are then ended). `progress` counts those
        images.
        """
        done: list[dict] = [{} for _ in sets]
        finished = 0
        try:
            prefixes = [0] * len(sets)
            for fut in as_completed(self.futures):
                s, k = self.futures[fut]
                done[s][k] = _result(fut)
                if self.mode == "single":
                    prefixes = [_prefix(keys, done[i], prefixes[i])
                                for i, (_, keys) in enumerate(sets)]
                    now = min(prefixes)
                else:
                    now = len(sets[0][0]) if None in done[0] else 0
                if now > finished:
                    step, finished = now - finished, now
                    if progress:
                        progress(step)
        except KeyboardInterrupt:
            self.stop()
            if self.mode == "stream" or finished == 0:
                raise
            return [(_assemble(self.plan, keys, done[s], finished), len(set(keys[:finished])))
                    for s, (_, keys) in enumerate(sets)]
        if self.mode == "stream":
            return [(done[s][None], len(works)) for s, (works, _) in enumerate(sets)]
        return [(_assemble(self.plan, keys, done[s], len(keys)), len(set(keys)))
                for s, (_, keys) in enumerate(sets)]
