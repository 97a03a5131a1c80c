"""Single-mode runs: the images simulated in chunks, in this process or on worker processes.

In single mode each image is simulated alone on an empty machine, so its result depends only on
its work (D36). A run is planned per set of images (the cropped images, and the same images
uncropped for the baseline):

* each set has its lowering (the baseline of a run with a crop predictor is the network alone);
* an image whose trace record determines its work (`isaacsim.works.record_key`: a compact record,
  or any baseline image) takes the result of the first image with the same record, and is not
  simulated again; that first image and every explicit record are *to do*;
* the images to do are cut into chunks, in trace order; a chunk is the unit of work. Whoever
  simulates a chunk (`ChunkSimulator`, in this process or in a worker) builds each image's work
  from its trace record, simulates it, keeps what the reports need of it (`WorkFacts`) and the
  digest of its maps, and frees the maps: a process holds one image's work at a time, never the
  run's. A simulator also remembers the results of the first `MEMO_WORKS` distinct maps it
  simulated, so explicit records with identical maps among them are simulated once per process;
* results are placed at their images' rows as chunks finish (in any order), so the result arrays,
  hence the tables, are the same for any number of workers and any chunking.

The distinct works of a run (`distinct_works`) are the distinct digests of its images' maps. A
Ctrl-C keeps the longest run of images from the first whose results (cropped and baseline) are
all known.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from isaacsim import engine as fast_engine
from isaacsim import reference as reference_engine
from isaacsim.plan import TimingResult, WorkFacts
from isaacsim.targets.isaac.lowering import Lowered
from isaacsim.workload import Workload
from isaacsim.works import digest, layer_bits, record_key, work_facts

ENGINES = {"fast": fast_engine.simulate, "reference": reference_engine.simulate}
"""Engine name -> ``simulate(plan, works, mode)``."""

CHUNK_IMAGES = 32
"""Images per chunk at most: enough to make a worker's task worth its messages (an image takes
milliseconds), few enough that a chunk's works (about 0.2 MB per VGG-16 image) stay small."""
CHUNKS_PER_WORKER = 4
"""With few images to do, chunks are made smaller so that every worker gets about this many."""
MEMO_WORKS = 4096
"""Results of distinct maps a simulator remembers (a few kB each): the first ones it simulates;
once full, later maps are simulated without being remembered."""


@dataclass(frozen=True)
class Context:
    """What a process needs to build and simulate any image of the run."""

    sets: tuple[tuple[Lowered, bool], ...]
    """Per set of images: its lowering and whether its images run uncropped."""
    workload: Workload
    """The run's workload, without in-memory trace data (the images come in the tasks)."""
    engine: str


def context(sets: list[tuple[Lowered, bool]], workload: Workload, engine: str) -> Context:
    return Context(tuple(sets), dataclasses.replace(workload, trace_data=None), engine)


@dataclass(frozen=True)
class ChunkOut:
    """A chunk's images: their results, facts and map digests, in the chunk's order."""

    result: TimingResult
    facts: WorkFacts
    digests: list[bytes]


class ChunkSimulator:
    """Builds, simulates and forgets the works of chunks of trace images (`chunk`)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.simulate = ENGINES[ctx.engine]
        self.memo: dict[tuple[int, bytes], tuple[TimingResult, WorkFacts]] = {}

    def chunk(self, s: int, images: list) -> ChunkOut:
        """Images `images` of set `s`."""
        lowered, uncropped = self.ctx.sets[s]
        plan = lowered.plan
        result = TimingResult.empty(len(images), len(plan.nodes), len(plan.edges))
        facts = WorkFacts.empty(len(images), len(plan.nodes))
        digests = []
        for i, image in enumerate(images):
            work = layer_bits(lowered, self.ctx.workload, image, uncropped)
            d = digest(work)
            known = self.memo.get((s, d))
            if known is None:
                known = (self.simulate(plan, [work], mode="single"), work_facts(lowered, [work]))
                if len(self.memo) < MEMO_WORKS:
                    self.memo[(s, d)] = known
            del work
            one, f = known
            for name in vars(result):
                getattr(result, name)[i] = getattr(one, name)[0]
            facts.active[i], facts.row_blocks[i] = f.active[0], f.row_blocks[0]
            digests.append(d)
        return ChunkOut(result, facts, digests)


@dataclass
class _Set:
    """One set of a run (cropped or baseline) and what is known of it."""

    uncropped: bool
    source: np.ndarray
    """[image] the image whose result it takes (itself when it is simulated)."""
    todo: list[int]
    result: TimingResult
    facts: WorkFacts
    done: np.ndarray
    digests: list
    prefix: int = 0


class SingleRun:
    """The plan of a single-mode run (`tasks`) and its results as chunks finish (`place`)."""

    def __init__(self, sets: list[tuple[Lowered, bool]], images: list):
        self.images = images
        n = len(images)
        self.sets: list[_Set] = []
        for lowered, uncropped in sets:
            nodes, edges = len(lowered.plan.nodes), len(lowered.plan.edges)
            source = np.arange(n, dtype=np.int64)
            first: dict = {}
            todo = []
            for i, image in enumerate(images):
                key = record_key(image, uncropped)
                if key is not None:
                    j = first.setdefault(key, i)
                    if j != i:
                        source[i] = j
                        continue
                todo.append(i)
            self.sets.append(_Set(uncropped, source, todo, TimingResult.empty(n, nodes, edges),
                                  WorkFacts.empty(n, nodes), np.zeros(n, bool), [None] * n))

    def tasks(self, workers: int) -> list[tuple[int, list[int]]]:
        """(set, image indices) of every chunk: the baseline's first (one work for every image
        of a compact trace), then the cropped images in trace order. In one process a chunk is an
        image (progress and Ctrl-C image by image)."""
        out = []
        for s in sorted(range(len(self.sets)), key=lambda s: not self.sets[s].uncropped):
            todo = self.sets[s].todo
            size = 1 if workers <= 1 else max(1, min(CHUNK_IMAGES, math.ceil(
                len(todo) / (CHUNKS_PER_WORKER * workers))))
            out += [(s, todo[a:a + size]) for a in range(0, len(todo), size)]
        return out

    def chunk_images(self, task: tuple[int, list[int]]) -> tuple[int, list]:
        """A task's arguments of `ChunkSimulator.chunk`: its set and its trace images."""
        s, index = task
        return s, [self.images[i] for i in index]

    def place(self, task: tuple[int, list[int]], out: ChunkOut) -> None:
        s, index = task
        st = self.sets[s]
        for name in vars(st.result):
            getattr(st.result, name)[index] = getattr(out.result, name)
        st.facts.active[index], st.facts.row_blocks[index] = out.facts.active, out.facts.row_blocks
        st.done[index] = True
        for i, d in zip(index, out.digests):
            st.digests[i] = d

    def finished(self) -> int:
        """Images from the first whose results are known in every set."""
        n = len(self.images)
        for st in self.sets:
            p = st.prefix
            while p < n and st.done[st.source[p]]:
                p += 1
            st.prefix = p
        return min(st.prefix for st in self.sets)

    def outcome(self, n: int) -> list[tuple[TimingResult, WorkFacts, frozenset[bytes]]]:
        """(result, facts, digests of the distinct works) of the first `n` images of every set."""
        out = []
        for st in self.sets:
            rows = st.source[:n]
            if np.array_equal(rows, np.arange(n)):  # every image simulated: views, no copies
                result, facts = st.result.rows(0, n), st.facts.rows(0, n)
            else:
                result, facts = st.result.take(rows), st.facts.take(rows)
            out.append((result, facts, frozenset(st.digests[j] for j in rows.tolist())))
        return out


def run_single(sets: list[tuple[Lowered, bool]], workload: Workload, engine: str, images: list,
               jobs: int = 1, progress: Callable[[int], None] | None = None
               ) -> list[tuple[TimingResult, WorkFacts, frozenset[bytes]]]:
    """(result, facts, digests of the distinct works) of every set of `images` (`sets`: its
    lowering, and whether the images run uncropped), on
    `jobs` processes. A KeyboardInterrupt keeps the images finished in every set (none:
    re-raised)."""
    run = SingleRun(sets, images)
    tasks = run.tasks(jobs)
    reported = 0

    def placed(task, out: ChunkOut) -> None:
        nonlocal reported
        run.place(task, out)
        now = run.finished()
        if now > reported:
            if progress:
                progress(now - reported)
            reported = now

    ctx = context(sets, workload, engine)
    try:
        if jobs <= 1 or len(tasks) <= 1:
            simulator = ChunkSimulator(ctx)
            for task in tasks:
                placed(task, simulator.chunk(*run.chunk_images(task)))
        else:
            from isaacsim.parallel import Workers  # here: the pool imports the sweep's machinery
            with Workers(ctx, min(jobs, len(tasks))) as workers:
                for task, out in workers.chunks(tasks, run.chunk_images):
                    placed(task, out)
    except KeyboardInterrupt:
        finished = run.finished()
        if finished == 0:
            raise
        return run.outcome(finished)
    return run.outcome(len(images))
