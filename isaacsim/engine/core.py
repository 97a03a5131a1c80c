"""The fast engine: one simpy process per node, numba kernels for the ops.

Each node's process walks its images in order and, for each image, calls
`kernels.timing.advance_node`, which computes the exact timing of as many ops (in raster order) as
the known state allows: input pixels already computed by the producers, and output slots whose
release the consumers have already decided (docs/timing-model.md s5). When a node cannot advance it
waits on a simpy event that fires when a neighbour (producer or consumer) advances. simpy thus
schedules one event per unit of work (a run of ops between two waits), never per cycle; the cycles
themselves come out of the kernels. A node that cannot advance while no neighbour can either is a
deadlock: a buffer is too small for the schedule, reported as an input error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from isaacsim.errors import InputError, Problem
from isaacsim.kernels import timing as K
from isaacsim.plan import DIGITAL, SOURCE, XBAR, ImageWork, TimingPlan, TimingResult

_KIND = {SOURCE: K.KIND_SOURCE, XBAR: K.KIND_XBAR, DIGITAL: K.KIND_DIGITAL}
_DUMMY_MAP = np.full((1, 1), -1, dtype=np.int64)
_DUMMY_VEC = np.zeros(2, dtype=np.int64)
_DUMMY_RING = np.zeros((1, 1), dtype=np.int64)


@dataclass
class _ImageState:
    """One node, one image."""

    bits: np.ndarray
    act_before: np.ndarray
    rank_base: int
    ready: np.ndarray  # [out edge, h, w]
    pos: int = 0
    stats: np.ndarray = field(default_factory=lambda: np.array([-1, -1, 0, 0, 0], np.int64))
    edge_bytes: np.ndarray | None = None


class _NodeState:
    """One node across images: replica, pipe and ring state carried over in stream mode."""

    def __init__(self, plan: TimingPlan, index: int):
        node = plan.nodes[index]
        self.index = index
        self.node = node
        self.rep_free = np.zeros(max(node.replicas, 1), np.int64)
        self.op_counter = np.zeros(1, np.int64)
        self.out_busy = np.zeros(len(node.outputs), np.int64)
        caps = [plan.edges[e].capacity_pixels for e in node.outputs]
        self.out_rings = np.zeros((max(len(caps), 1), max(caps + [1])), np.int64)
        self.images: dict[int, _ImageState] = {}
        self.current = 0  # index of the image being processed
        self.finished = False


class Engine:
    """Runs a `TimingPlan` over images in one machine (stream semantics)."""

    def __init__(self, plan: TimingPlan, images: list[ImageWork], arrivals: list[int]):
        self.plan = plan
        self.images = images
        self.arrivals = arrivals
        self.env = simpy.Environment()
        self.nodes = [_NodeState(plan, i) for i in range(len(plan.nodes))]
        self.changed = [self.env.event() for _ in plan.nodes]
        self.events = 0
        self._rank_bases = self._ranks()
        self.result = TimingResult.empty(len(images), len(plan.nodes), len(plan.edges))
        self._static = [self._static_params(i) for i in range(len(plan.nodes))]

    # -- set-up ---------------------------------------------------------------------------------
    def _ranks(self) -> np.ndarray:
        counts = np.array([[int(np.count_nonzero(img.bits[n])) for n in range(len(self.plan.nodes))]
                           for img in self.images], dtype=np.int64).reshape(len(self.images), -1)
        bases = np.zeros_like(counts)
        bases[1:] = np.cumsum(counts, axis=0)[:-1]
        return bases

    def _static_params(self, n: int):
        plan, node = self.plan, self.plan.nodes[n]
        node_p = np.zeros(K.N_NODE_P, np.int64)
        node_p[K.KIND] = _KIND[node.rule]
        node_p[K.REPLICAS] = max(node.replicas, 1)
        node_p[K.TAIL] = plan.stages.xbar_tail(node.span_cycles)
        node_p[K.DELTA] = node.op_cycles - 1
        node_p[K.WRITE] = plan.stages.write
        in_p = np.zeros((len(node.inputs), K.N_IN_P), np.int64)
        for k, e in enumerate(node.inputs):
            edge = plan.edges[e]
            g = edge.geometry
            src = plan.nodes[edge.src]
            in_p[k, [K.KH, K.KW, K.SH, K.SW, K.PH, K.PW]] = [g.kh, g.kw, g.sh, g.sw, g.ph, g.pw]
            in_p[k, K.IN_H], in_p[k, K.IN_W] = src.shape[0], src.shape[1]
            in_p[k, K.IN_CAPACITY] = edge.capacity_pixels
            in_p[k, K.RING_ROW] = src.outputs.index(e)
        out_p = np.zeros((len(node.outputs), K.N_OUT_P), np.int64)
        for j, e in enumerate(node.outputs):
            edge = plan.edges[e]
            out_p[j, K.LOCAL] = int(edge.local)
            out_p[j, K.TO_XBAR] = int(plan.nodes[edge.dst].is_crossbar)
            out_p[j, K.BYTES] = edge.bytes_per_pixel
            out_p[j, K.CAP_BYTES] = max(edge.cap_bytes_per_cycle, 1)
            out_p[j, K.LATENCY] = edge.latency_cycles
            out_p[j, K.CAPACITY] = edge.capacity_pixels
        return node_p, in_p, out_p

    def _image_state(self, n: int, i: int) -> _ImageState:
        st = self.nodes[n].images.get(i)
        if st is None:
            bits = np.ascontiguousarray(self.images[i].bits[n], dtype=np.int64)
            act_before = np.zeros(bits.size + 1, np.int64)
            np.cumsum(bits.reshape(-1) > 0, out=act_before[1:])
            n_out = len(self.plan.nodes[n].outputs)
            ready = np.full((max(n_out, 1),) + bits.shape, -1, np.int64)
            st = _ImageState(bits, act_before, int(self._rank_bases[i, n]), ready,
                             edge_bytes=np.zeros(max(n_out, 1), np.int64))
            self.nodes[n].images[i] = st
        return st

    # -- progress of neighbours -------------------------------------------------------------------
    def _avail(self, src: int, i: int) -> int:
        """Raster positions of image i that node `src` has computed."""
        ns = self.nodes[src]
        if ns.current > i or ns.finished:
            h, w = self.plan.nodes[src].shape[:2]
            return h * w
        if ns.current < i or i not in ns.images:
            return 0
        return ns.images[i].pos

    def _final_ranks(self, e: int) -> int:
        """Ranks of the producer of edge e (over all images) whose readers have all issued."""
        edge = self.plan.edges[e]
        cons = self.nodes[edge.dst]
        if cons.finished:
            return 1 << 62
        j = cons.current
        prod = self._image_state(edge.src, j)
        pos_c = cons.images[j].pos if j in cons.images else 0
        return prod.rank_base + int(prod.act_before[self._frontier(e, pos_c)])

    def _frontier(self, e: int, pos_c: int) -> int:
        """Producer raster positions below which no consumer op at or after `pos_c` reads."""
        edge = self.plan.edges[e]
        hp, wp = self.plan.nodes[edge.src].shape[:2]
        hc, wc = self.plan.nodes[edge.dst].shape[:2]
        if pos_c >= hc * wc:
            return hp * wp
        g = edge.geometry
        ho, wo = divmod(pos_c, wc)
        y0 = max(0, ho * g.sh - g.ph)
        x0 = max(0, wo * g.sw - g.pw)
        if ho + 1 < hc and max(0, (ho + 1) * g.sh - g.ph) <= y0:
            x0 = 0
        return min(y0 * wp + min(x0, wp), hp * wp)

    def _notify(self, n: int) -> None:
        ev = self.changed[n]
        self.changed[n] = self.env.event()
        ev.succeed()
        self.events += 1

    # -- the process of one node ----------------------------------------------------------------
    def _process(self, n: int):
        plan, ns = self.plan, self.nodes[n]
        node = plan.nodes[n]
        node_p, in_p, out_p = self._static[n]
        neighbours = [plan.edges[e].src for e in node.inputs] + [plan.edges[e].dst for e in node.outputs]
        total = node.shape[0] * node.shape[1]
        for i in range(len(self.images)):
            ns.current = i
            if i:
                self._forget(n, i - 1)
            st = self._image_state(n, i)
            node_p[K.ARRIVAL] = self.arrivals[i]
            node_p[K.RANK_BASE] = st.rank_base
            in_ready, in_before, in_rings = [], [], []
            for k, e in enumerate(node.inputs):
                src = plan.edges[e].src
                pst = self._image_state(src, i)
                in_ready.append(pst.ready[plan.nodes[src].outputs.index(e)])
                in_before.append(pst.act_before)
                in_rings.append(self.nodes[src].out_rings)
                in_p[k, K.IN_RANK_BASE] = pst.rank_base
            in_ready_t = tuple(in_ready) if in_ready else (_DUMMY_MAP,)
            in_before_t = tuple(in_before) if in_before else (_DUMMY_VEC,)
            in_rings_t = tuple(in_rings) if in_rings else (_DUMMY_RING,)
            while st.pos < total:
                for k, e in enumerate(node.inputs):
                    in_p[k, K.AVAIL] = self._avail(plan.edges[e].src, i)
                for j, e in enumerate(node.outputs):
                    if out_p[j, K.CAPACITY] > 0:
                        out_p[j, K.ALLOWED] = self._final_ranks(e) + out_p[j, K.CAPACITY] - 1
                new = K.advance_node(st.pos, node_p, st.bits, st.act_before, ns.rep_free,
                                     ns.op_counter, in_p, in_ready_t, in_before_t, in_rings_t, out_p,
                                     ns.out_busy, st.ready, ns.out_rings, st.stats, st.edge_bytes)
                if new > st.pos:
                    st.pos = new
                    self._notify(n)
                else:
                    yield self.env.any_of([self.changed[m] for m in neighbours])
            self._record(n, i, st)
        ns.current = len(self.images)
        ns.finished = True
        self._notify(n)

    def _record(self, n: int, i: int, st: _ImageState) -> None:
        r = self.result
        r.node_start[i, n] = st.stats[K.ST_START]
        r.node_end[i, n] = st.stats[K.ST_END]
        r.node_ops[i, n] = st.stats[K.ST_OPS]
        r.node_bit_cycles[i, n] = st.stats[K.ST_BIT_CYCLES]
        r.node_rf_pixels[i, n] = st.stats[K.ST_RF_PIXELS]
        for j, e in enumerate(self.plan.nodes[n].outputs):
            r.edge_bytes[i, e] = st.edge_bytes[j]

    def _forget(self, n: int, i: int) -> None:
        """Drop the per-image arrays of image i that no node needs any more."""
        for m in [n] + [self.plan.edges[e].src for e in self.plan.nodes[n].inputs]:
            cons = [self.plan.edges[e].dst for e in self.plan.nodes[m].outputs]
            if self.nodes[m].current > i and all(self.nodes[c].current > i for c in cons):
                self.nodes[m].images.pop(i, None)

    # -- running ----------------------------------------------------------------------------------
    def run(self) -> TimingResult:
        for n in range(len(self.plan.nodes)):
            self.env.process(self._process(n))
        self.env.run()
        stuck = [ns for ns in self.nodes if not ns.finished]
        if stuck:
            raise InputError(self._deadlock_problems())
        r = self.result
        sinks = list(self.plan.sinks)
        for i in range(len(self.images)):
            ends = r.node_end[i, sinks]
            r.completion_cycle[i] = max(int(ends.max()), self.arrivals[i])
            r.latency_cycles[i] = r.completion_cycle[i] - self.arrivals[i]
        return r

    def _deadlock_problems(self) -> list[Problem]:
        problems = []
        for e, edge in enumerate(self.plan.edges):
            src, dst = self.nodes[edge.src], self.nodes[edge.dst]
            if edge.capacity_pixels and not src.finished and not dst.finished:
                problems.append(Problem(
                    f"edge {self.plan.nodes[edge.src].name} -> {self.plan.nodes[edge.dst].name}", "",
                    f"the input buffer of {self.plan.nodes[edge.dst].name} ({edge.capacity_pixels} "
                    "pixels) is too small for its receptive field: the schedule deadlocks; give the "
                    "layer more eDRAM (at least its rolling-buffer need)"))
        return problems or [Problem("engine", "", "the schedule deadlocked")]


def simulate(plan: TimingPlan, images: list[ImageWork], mode: str = "single") -> TimingResult:
    """Simulate `images` on `plan` (docs/timing-model.md). `mode` is "single" or "stream"."""
    if mode == "stream":
        return Engine(plan, images, [img.arrival_cycle for img in images]).run()
    if mode != "single":
        raise ValueError(f"mode must be 'single' or 'stream', got {mode!r}")
    result = TimingResult.empty(len(images), len(plan.nodes), len(plan.edges))
    for i, img in enumerate(images):
        one = Engine(plan, [img], [0]).run()
        for name in vars(result):
            getattr(result, name)[i] = getattr(one, name)[0]
    return result
