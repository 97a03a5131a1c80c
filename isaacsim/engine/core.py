"""The fast engine: one simpy process per node, numba kernels for the ops.

Each node's process walks its images in order and, for each image, calls
`kernels.timing.advance_node`, which computes the exact timing of as many ops (in raster order) as
the known state allows: input pixels already computed by the producers, and output slots whose
release the consumers have already decided (docs/timing-model.md s5), servers included (s12). When
a node cannot advance it waits on a simpy event that fires when a neighbour (producer or consumer)
advances; that event fires at the simulated cycle of the newest pixel the neighbour made ready, so
the simpy clock is the simulated cycle. simpy thus schedules one event per unit of work (a run of
ops between two waits), never per cycle; the cycles themselves come out of the kernels.
When every process waits and some node has not finished, the
schedule is stuck: if an edge between two unfinished nodes has a buffer below its rolling need
(`W_in x (K_h - 1) + K_w` pixels, docs/timing-model.md s5), that is the user's to fix, an
`InputError` naming the edge; otherwise the plan should have run and the stall is a bug in
isaacsim, an `InternalError`.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import simpy

from isaacsim.errors import InputError, InternalError, Problem
from isaacsim.kernels import layout as L
from isaacsim.kernels.maps import active_before, ring_slots
from isaacsim.kernels.timing import advance_node
from isaacsim.plan import SERVICES, ImageWork, TimingPlan, TimingResult


@dataclass
class _ImageState:
    """One node, one image."""

    bits: np.ndarray
    act_before: np.ndarray
    rank_base: int
    ready: np.ndarray  # [out edge, h, w]
    edge_bytes: np.ndarray
    pos: int = 0
    stats: np.ndarray = field(default_factory=L.new_stats)  # a view of the engine's `stats`

    @property
    def arrays(self) -> tuple:
        """The kernel's `image` argument."""
        return self.bits, self.act_before, self.ready, self.stats, self.edge_bytes


def _node_row(plan: TimingPlan, n: int) -> np.ndarray:
    """Node n's `NODE` row, its service rule as numbers (docs/timing-model.md s4, s8): a crossbar
    op occupies a replica for its reads and is done `xbar_tail` cycles after them; a digital op is
    done `op_cycles - 1` cycles after its inputs are ready; a source pixel, which has no inputs, is
    done at the arrival."""
    node, st = plan.nodes[n], plan.stages
    services = {f"{short}_{field}": getattr(getattr(node, name), field)
                for name, short in zip(SERVICES, ("fetch", "ro", "merge", "act"))
                for field in ("rate", "per")}
    return L.row(L.NODE, occupies=int(node.is_crossbar), replicas=max(node.replicas, 1),
                 groups=node.groups if node.is_crossbar else 1,
                 delta=node.op_cycles - 1 if node.is_digital else 0, tail=0,
                 pre=st.fetch, mid=st.adc - 1 + st.ima_sa, tile=st.tile_sa,
                 span=node.span_cycles, act=st.act, write=st.write, **services)


def _in_edge(plan: TimingPlan, e: int) -> dict[str, int]:
    """The static fields of edge e's `IN_EDGE` row at its consumer."""
    edge = plan.edges[e]
    g = edge.geometry
    h, w = plan.nodes[edge.src].shape[:2]
    return dict(kh=g.kh, kw=g.kw, sh=g.sh, sw=g.sw, ph=g.ph, pw=g.pw, height=h, width=w,
                capacity=edge.capacity_pixels)


def _out_edge(plan: TimingPlan, e: int) -> dict[str, int]:
    """The static fields of edge e's `OUT_EDGE` row at its producer: a local edge into a digital
    layer needs no eDRAM write (docs/timing-model.md s8)."""
    edge = plan.edges[e]
    reads_in_place = edge.local and not plan.nodes[edge.dst].is_crossbar
    return dict(local=int(edge.local), write=0 if reads_in_place else plan.stages.write,
                bytes=edge.bytes_per_pixel, cap_bytes=max(edge.cap_bytes_per_cycle, 1),
                latency=edge.latency_cycles, capacity=edge.capacity_pixels, busy=-1)


@dataclass(frozen=True)
class _Rows:
    """The kernel rows of every node of a plan before the first op: `NODE` (one per node), `UNITS`,
    `IN_EDGE` and `OUT_EDGE` rows of all nodes in node order, and where each node's start
    (`*_at[n]` to `*_at[n + 1]`); `in_edge`, `out_edge`: the plan edge of each edge row."""

    params: np.ndarray
    units: np.ndarray
    in_rows: np.ndarray
    out_rows: np.ndarray
    units_at: list[int]
    in_at: list[int]
    out_at: list[int]
    in_edge: np.ndarray
    out_edge: np.ndarray


_ROWS: dict[int, tuple[weakref.ref, _Rows]] = {}


def _initial_rows(plan: TimingPlan) -> _Rows:
    """The plan's `_Rows`, built once per plan object; every engine copies them."""
    key = id(plan)
    cached = _ROWS.get(key)
    if cached is not None and cached[0]() is plan:
        return cached[1]
    params = np.concatenate([_node_row(plan, n) for n in range(len(plan.nodes))])
    units = np.concatenate([L.new_units(max(node.replicas, 1)) for node in plan.nodes])
    in_edge = [e for node in plan.nodes for e in node.inputs]
    out_edge = [e for node in plan.nodes for e in node.outputs]
    rows = _Rows(params, units, L.rows(L.IN_EDGE, [_in_edge(plan, e) for e in in_edge]),
                 L.rows(L.OUT_EDGE, [_out_edge(plan, e) for e in out_edge]),
                 _offsets([max(node.replicas, 1) for node in plan.nodes]),
                 _offsets([len(node.inputs) for node in plan.nodes]),
                 _offsets([len(node.outputs) for node in plan.nodes]),
                 np.array(in_edge, np.int64), np.array(out_edge, np.int64))

    def forget(_: weakref.ref, key: int = key) -> None:
        _ROWS.pop(key, None)

    _ROWS[key] = (weakref.ref(plan, forget), rows)
    return rows


def _offsets(counts: list[int]) -> list[int]:
    out = [0]
    for c in counts:
        out.append(out[-1] + c)
    return out


class _NodeState:
    """One node across images: views of its kernel rows in the engine's copies, and the replica,
    pipe and ring state carried over in stream mode."""

    def __init__(self, plan: TimingPlan, index: int, rows: _Rows, caps: list[int]):
        node = plan.nodes[index]
        self.index = index
        self.node = node
        n = index
        self.params = rows.params[n:n + 1]
        self.units = rows.units[rows.units_at[n]:rows.units_at[n + 1]]
        self.in_rows = rows.in_rows[rows.in_at[n]:rows.in_at[n + 1]]
        self.out_rows = rows.out_rows[rows.out_at[n]:rows.out_at[n + 1]]
        out_caps = [caps[e] for e in node.outputs]
        self.out_rings = np.zeros((max(len(out_caps), 1), max(out_caps + [1])), np.int64)
        self.images: dict[int, _ImageState] = {}
        self.current = 0  # index of the image being processed
        self.finished = False


class Engine:
    """Runs a `TimingPlan` over images in one machine (stream semantics)."""

    def __init__(self, plan: TimingPlan, images: Sequence[ImageWork], arrivals: list[int],
                 counts: np.ndarray | None = None):
        """`images` is any sequence (a stream's works may be built when first asked for);
        `counts` [image, node], the active pixels of every map, when the caller knows them."""
        self.plan = plan
        self.images = images
        self.arrivals = arrivals
        self.env = simpy.Environment()
        if counts is None:
            counts = np.array([[int(np.count_nonzero(img.bits[n])) for n in range(len(plan.nodes))]
                               for img in images], dtype=np.int64).reshape(len(images), -1)
        self._rank_bases = np.zeros_like(counts)
        self._rank_bases[1:] = np.cumsum(counts, axis=0)[:-1]
        # a buffer that holds every pixel its producer makes in this run never reuses a slot:
        # it cannot delay an op, so the kernels treat it as unbounded (no rings, no releases)
        totals = counts.sum(axis=0)
        self.caps = [e.capacity_pixels if e.capacity_pixels < totals[e.src] else 0
                     for e in plan.edges]
        template = _initial_rows(plan)
        caps = np.array(self.caps + [0], np.int64)  # (+ [0]: no edges, no rows)
        rows = dataclasses.replace(template, params=template.params.copy(),
                                   units=template.units.copy(), in_rows=template.in_rows.copy(),
                                   out_rows=template.out_rows.copy())
        rows.in_rows["capacity"] = caps[template.in_edge]
        rows.out_rows["capacity"] = caps[template.out_edge]
        self.nodes = [_NodeState(plan, i, rows, self.caps) for i in range(len(plan.nodes))]
        self.changed = [self.env.event() for _ in plan.nodes]
        self.events = 0
        self.result = TimingResult.empty(len(images), len(plan.nodes), len(plan.edges))
        self.stats = np.tile(L.new_stats(), (len(images), len(plan.nodes)))  # STATS per image, node

    # -- set-up ---------------------------------------------------------------------------------
    def _image_state(self, n: int, i: int) -> _ImageState:
        st = self.nodes[n].images.get(i)
        if st is None:
            bits = np.ascontiguousarray(self.images[i].bits[n], dtype=np.int64)
            act_before = active_before(bits)
            n_out = len(self.plan.nodes[n].outputs)
            ready = np.full((max(n_out, 1),) + bits.shape, -1, np.int64)
            st = _ImageState(bits, act_before, int(self._rank_bases[i, n]), ready,
                             edge_bytes=np.zeros(max(n_out, 1), np.int64),
                             stats=self.stats[i, n:n + 1])
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

    def _until(self, cycle: int):
        """Let the simpy clock reach `cycle`, the ready time of the newest pixel a node has
        computed, before its neighbours hear of it: events happen at the cycle they model
        (docs/timing-model.md s12). Results never depend on this order, only the clock does."""
        if cycle > self.env.now:
            yield self.env.timeout(cycle - self.env.now)

    def _notify(self, n: int) -> None:
        ev = self.changed[n]
        self.changed[n] = self.env.event()
        ev.succeed()
        self.events += 1

    # -- the process of one node ----------------------------------------------------------------
    def _process(self, n: int):
        plan, ns = self.plan, self.nodes[n]
        node = plan.nodes[n]
        neighbours = [plan.edges[e].src for e in node.inputs] + [plan.edges[e].dst for e in node.outputs]
        bounded = [(j, e) for j, e in enumerate(node.outputs) if self.caps[e] > 0]
        total = node.shape[0] * node.shape[1]
        params, in_rows, out_rows = ns.params[0], ns.in_rows, ns.out_rows
        kernel_node, kernel_outputs = (ns.params, ns.units), (out_rows, ns.out_rings)
        for i in range(len(self.images)):
            ns.current = i
            if i:
                self._forget(n, i - 1)
            st = self._image_state(n, i)
            params["arrival"] = self.arrivals[i]
            params["rank_base"] = st.rank_base
            kernel_inputs = self._inputs(n, i)
            image = st.arrays
            while st.pos < total:
                for k, e in enumerate(node.inputs):
                    in_rows[k]["avail"] = self._avail(plan.edges[e].src, i)
                for j, e in bounded:
                    out_rows[j]["allowed"] = self._final_ranks(e) + out_rows[j]["capacity"] - 1
                new = advance_node(st.pos, kernel_node, image, kernel_inputs, kernel_outputs)
                if new > st.pos:
                    st.pos = new
                    yield from self._until(int(st.stats[0]["end"]))
                    self._notify(n)
                else:
                    yield self.env.any_of([self.changed[m] for m in neighbours])
            self._record(n, i, st)
        ns.current = len(self.images)
        ns.finished = True
        self._notify(n)

    def _inputs(self, n: int, i: int) -> tuple:
        """The kernel's `inputs` argument for node n and image i (its `avail` fields are set per call)."""
        plan, ns = self.plan, self.nodes[n]
        ready, slots, rings = [], [], []
        for e in plan.nodes[n].inputs:
            src, cap = plan.edges[e].src, self.caps[e]
            out_index = plan.nodes[src].outputs.index(e)
            pst = self._image_state(src, i)
            ready.append(pst.ready[out_index])
            slots.append(ring_slots(pst.act_before, pst.rank_base, cap) if cap else pst.act_before)
            rings.append(self.nodes[src].out_rings[out_index])
        return L.pack_inputs(ns.in_rows, ready, slots, rings)

    def _record(self, n: int, i: int, st: _ImageState) -> None:
        """Node n's bytes per out-edge for image i (its other counters stay in `self.stats`)."""
        for j, e in enumerate(self.plan.nodes[n].outputs):
            self.result.edge_bytes[i, e] = st.edge_bytes[j]

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
            raise self._stall(stuck)
        r, stats = self.result, self.stats
        r.node_start[:], r.node_end[:], r.node_ops[:] = stats["start"], stats["end"], stats["ops"]
        r.node_bit_cycles[:], r.node_rf_pixels[:] = stats["bit_cycles"], stats["rf_pixels"]
        for k, name in enumerate(("wait_fetch", "wait_ro", "wait_merge", "wait_act")):
            r.node_wait[:, :, k] = stats[name]
        sinks = list(self.plan.sinks)
        for i in range(len(self.images)):
            ends = r.node_end[i, sinks]
            r.completion_cycle[i] = max(int(ends.max()), self.arrivals[i])
            r.latency_cycles[i] = r.completion_cycle[i] - self.arrivals[i]
        return r

    def _rolling_need(self, e: int) -> int:
        """Pixels edge e's buffer must hold for the schedule to finish: `W_in x (K_h - 1) + K_w`
        (docs/timing-model.md s5; an fc's kernel is its whole input map)."""
        edge = self.plan.edges[e]
        return self.plan.nodes[edge.src].shape[1] * (edge.geometry.kh - 1) + edge.geometry.kw

    def _stall(self, stuck: list[_NodeState]) -> InputError | InternalError:
        """Why the schedule stopped: an `InputError` naming every edge between two unfinished
        nodes whose buffer is below its rolling need, or, when there is none, an `InternalError`
        (the plan is valid and every buffer holds its need, so the schedule must finish)."""
        problems = []
        for e, edge in enumerate(self.plan.edges):
            src, dst = self.nodes[edge.src], self.nodes[edge.dst]
            need = self._rolling_need(e)
            if 0 < edge.capacity_pixels < need and not src.finished and not dst.finished:
                problems.append(Problem(
                    f"edge {self.plan.nodes[edge.src].name} -> {self.plan.nodes[edge.dst].name}", "",
                    f"the input buffer of {self.plan.nodes[edge.dst].name} ({edge.capacity_pixels} "
                    f"pixels) is too small for its receptive field: the schedule deadlocks; give the "
                    f"layer more eDRAM (at least its rolling-buffer need, {need} pixels)"))
        if problems:
            return InputError(problems)
        where = ", ".join(f"{ns.node.name} (image {ns.current}, position {self._position(ns)})"
                          for ns in stuck)
        return InternalError(
            f"engine: the schedule stopped with nodes unfinished: {where}; the plan is valid and "
            f"every buffer holds at least its rolling need, so this is a bug in isaacsim's engine")

    @staticmethod
    def _position(ns: _NodeState) -> int:
        """Raster position of the node's next op in its current image."""
        st = ns.images.get(ns.current)
        return st.pos if st is not None else 0


def simulate(plan: TimingPlan, images: list[ImageWork], mode: str = "single") -> TimingResult:
    """Simulate `images` on `plan` (docs/timing-model.md). `mode` is "single" or "stream"."""
    if mode == "stream":
        return Engine(plan, images, [img.arrival_cycle for img in images]).run()
    return _single(plan, images, mode)


def simulate_stream(plan: TimingPlan, images: Sequence[ImageWork], arrivals: list[int],
                    counts: np.ndarray) -> TimingResult:
    """A stream whose works are a sequence built on demand (`images[i]` is asked for when a node
    starts image i; the engine keeps its own copy of each map meanwhile), with the arrival
    cycles and the active-pixel counts [image, node] given, so that no work is held for the
    whole run."""
    return Engine(plan, images, arrivals, counts).run()


def _single(plan: TimingPlan, images: list[ImageWork], mode: str) -> TimingResult:
    if mode != "single":
        raise ValueError(f"mode must be 'single' or 'stream', got {mode!r}")
    result = TimingResult.empty(len(images), len(plan.nodes), len(plan.edges))
    for i, img in enumerate(images):
        one = Engine(plan, [img], [0]).run()
        for name in vars(result):
            getattr(result, name)[i] = getattr(one, name)[0]
    return result
