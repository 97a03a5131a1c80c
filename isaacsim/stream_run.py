"""Stream-mode runs: each image's work built when the engine first needs it, not held for the run.

A stream's images share one pipeline, so a stream is one simulation (docs/reports.md, "Splitting a
run"). Its works are nevertheless not all built up front: a first pass builds each image's work,
keeps what the reports need of it (`WorkFacts`, whose active-pixel counts also tell the engine
which buffers hold every pixel of the run) and frees it; during the simulation `StreamWorks` builds image i's
work again when the engine's window of image slots reaches image i (the engine copies the maps
into a slot and asks for each image once) and keeps none of them. Images whose trace record
determines the work (compact records, every baseline image) share one copy of their maps. Memory
then grows with the images only by their results, as in single mode (docs/decisions.md D60).
Building each explicit record twice costs about a third of simulating it. The reference engine
takes the works as a list.
"""

from __future__ import annotations

from collections.abc import Sequence

from isaacsim.engine import simulate_stream
from isaacsim.plan import ImageWork, TimingResult, WorkFacts
from isaacsim.single_run import ENGINES, Context
from isaacsim.targets.isaac.lowering import Lowered
from isaacsim.workload import Workload
from isaacsim.works import layer_bits, record_key, work_facts


class StreamWorks(Sequence):
    """The works of a stream's trace images, built on demand (`works[i]`)."""

    def __init__(self, lowered: Lowered, workload: Workload, images: list, arrivals: list[int],
                 uncropped: bool):
        self.lowered, self.workload, self.uncropped = lowered, workload, uncropped
        self.images, self.arrivals = images, arrivals
        self.by_record: dict = {}

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i):  # integers only (the engine asks for one image at a time)
        image = self.images[i]
        key = record_key(image, self.uncropped)
        bits = self.by_record.get(key) if key is not None else None
        if bits is None:
            bits = layer_bits(self.lowered, self.workload, image, self.uncropped).bits
            if key is not None:
                self.by_record[key] = bits
        return ImageWork(image.image_id, bits, self.arrivals[i])


def stream_facts(works: StreamWorks) -> WorkFacts:
    """The `WorkFacts` of every image, each work built and freed in turn (one copy per record
    that determines the work)."""
    lowered = works.lowered
    facts = WorkFacts.empty(len(works), len(lowered.plan.nodes))
    seen: dict = {}
    for i, image in enumerate(works.images):
        key = record_key(image, works.uncropped)
        j = seen.get(key) if key is not None else None
        if j is None:
            one = work_facts(lowered, [works[i]])
            facts.active[i], facts.row_blocks[i] = one.active[0], one.row_blocks[0]
            if key is not None:
                seen[key] = i
        else:
            facts.active[i], facts.row_blocks[i] = facts.active[j], facts.row_blocks[j]
        facts.arrival[i] = works.arrivals[i]
    return facts


def run_stream(ctx: Context, s: int, images: list, arrivals: list[int]
               ) -> tuple[TimingResult, WorkFacts]:
    """Set `s` of `ctx` over `images` arriving at `arrivals`, as one stream."""
    lowered, uncropped = ctx.sets[s]
    works = StreamWorks(lowered, ctx.workload, images, arrivals, uncropped)
    facts = stream_facts(works)
    if ctx.engine == "fast":
        result = simulate_stream(lowered.plan, works, arrivals, facts.active)
    else:
        result = ENGINES[ctx.engine](lowered.plan, [works[i] for i in range(len(works))],
                                     mode="stream")
    return result, facts
