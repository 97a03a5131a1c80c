"""The fast engine: a compiled driver over numba kernels, with simpy's clock as the simulated cycle.

`kernels.timing.advance_node` computes the exact timing of as many ops of one node (in raster
order) as the known state allows: input pixels already computed by the producers, and output
slots whose release the consumers have already decided (docs/timing-model.md s5), servers included
(s12). `kernels.timing.drive` calls it for every node in turn until no node can advance, all in
compiled code. The `Engine` owns the arrays: the plan's rows (built once per plan), the carried
state of replicas, servers, pipes and rings, and a window of image slots holding the maps of the
images in flight (a stream's works are asked for when the window reaches them and dropped when
every node has passed them). A simpy process runs the rounds: load the next images, drive, and let
the clock reach the newest ready cycle the nodes computed, so that the simpy clock is the
simulated cycle (at the end of a run, the last ready cycle). Results never depend on the order in
which nodes advance; the cycles come out of the kernels, never out of simpy events.

When no node can advance and some node has not finished, the schedule is stuck: if an edge between
two unfinished nodes has a buffer below its rolling need (`W_in x (K_h - 1) + K_w` pixels,
docs/timing-model.md s5), that is the user's to fix, an `InputError` naming the edge; otherwise
the plan should have run and the stall is a bug in isaacsim, an `InternalError`.
"""

from __future__ import annotations

import heapq
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import simpy

from isaacsim.errors import InputError, InternalError, Problem
from isaacsim.kernels import layout as L
from isaacsim.kernels.maps import row_counts
from isaacsim.kernels.timing import ENT_COLS, arbiter_scratch, drive, oldest_image, workspace
from isaacsim.plan import SERVICES, ImageWork, TimingPlan, TimingResult

WINDOW = 16
"""Image slots of a stream: at most this many images are in flight in the driver at once (more
only makes the front of the pipeline wait for the back; results do not depend on it)."""


def _node_row(plan: TimingPlan, n: int) -> dict[str, int]:
    """Node n's `NODE` row, its service rule as numbers (docs/timing-model.md s4, s8): a crossbar
    op occupies a replica for its reads and is done `xbar_tail` cycles after them; a digital op is
    done `op_cycles - 1` cycles after its inputs are ready; a source pixel, which has no inputs, is
    done at the arrival."""
    node, st = plan.nodes[n], plan.stages
    services = {f"{short}_{field}": getattr(getattr(node, name), field)
                for name, short in zip(SERVICES, ("fetch", "ro", "merge", "act"))
                for field in ("rate", "per")}
    pools = [pool if getattr(node, name).active else -1
             for pool, name in zip(node.pools, ("merge", "act"))]
    return dict(height=node.shape[0], width=node.shape[1], occupies=int(node.is_crossbar),
                replicas=max(node.replicas, 1), groups=node.groups, m_pool=pools[0],
                a_pool=pools[1],
                delta=node.op_cycles - 1 if node.is_digital else 0, tail=0,
                pre=st.fetch, mid=st.adc - 1 + st.ima_sa, tile=st.tile_sa,
                span=node.span_cycles, act=st.act, write=st.write, **services)


def _in_edge(plan: TimingPlan, e: int, pix_at: np.ndarray, rows_at: np.ndarray) -> dict[str, int]:
    """The static fields of edge e's `IN_EDGE` row at its consumer."""
    edge = plan.edges[e]
    g = edge.geometry
    h, w = plan.nodes[edge.src].shape[:2]
    return dict(kh=g.kh, kw=g.kw, sh=g.sh, sw=g.sw, ph=g.ph, pw=g.pw, height=h, width=w,
                capacity=edge.capacity_pixels, bits_at=pix_at[edge.src],
                rows_at=rows_at[edge.src])


def _out_edge(plan: TimingPlan, e: int) -> dict[str, int]:
    """The static fields of edge e's `OUT_EDGE` row at its producer: a local edge into a digital
    layer needs no eDRAM write (docs/timing-model.md s8)."""
    edge = plan.edges[e]
    reads_in_place = edge.local and not plan.nodes[edge.dst].is_crossbar
    return dict(local=int(edge.local), write=0 if reads_in_place else plan.stages.write,
                bytes=edge.bytes_per_pixel, cap_bytes=max(edge.cap_bytes_per_cycle, 1),
                latency=edge.latency_cycles, capacity=edge.capacity_pixels, busy=-1)


def _arbiter_static(plan: TimingPlan, row: list[dict[str, int]]) -> tuple[np.ndarray, ...]:
    """The static part of `timing.arbitrate`'s arguments: the shared servers' users (`q_at`,
    `q_user`, `q_stage`, `users`, `rates`), each user's least cycles from issue to its merge and
    act requests (`lat`), and the fewest cycles between nodes: from an op done at user j to an op
    issuing at user k (`dist_d`), from an op issuing at node v to one issuing at user k (`dist_i`),
    over the edges (done to ready to the consumer's issue) and, against them, the bounded buffers
    (a consumer's issue releases a slot the next cycle, for the producer's issue), and the same
    steps as lists (`arc_*`, `done_*`). `row`: the nodes' `NODE` rows (`_node_row`)."""
    nodes, st = plan.nodes, plan.stages
    users = [n for n in range(len(nodes)) if row[n]["m_pool"] >= 0 or row[n]["a_pool"] >= 0]
    index = {n: k for k, n in enumerate(users)}
    by_server: dict[int, list[tuple[int, int]]] = {}
    rates: dict[int, int] = {}
    for n in users:
        for x, (key, name) in enumerate((("m_pool", "merge"), ("a_pool", "act"))):
            if row[n][key] >= 0:
                for g in range(nodes[n].groups):
                    by_server.setdefault(row[n][key] + g, []).append((index[n], x))
                    rates[row[n][key] + g] = getattr(nodes[n], name).rate
    n_q = max(by_server, default=-1) + 1
    q_at = _offsets([len(by_server.get(q, ())) for q in range(n_q)])
    q_user = np.array([k for q in range(n_q) for k, _ in by_server.get(q, ())], np.int64)
    q_stage = np.array([x for q in range(n_q) for _, x in by_server.get(q, ())], np.int64)
    to_merge = st.fetch + 1 + st.adc + st.ima_sa  # a crossbar op: issue to merge request, at least

    def lat(n: int) -> tuple[int, int]:
        if nodes[n].is_crossbar:
            return to_merge, to_merge + st.tile_sa + nodes[n].span_cycles
        return 0, 0

    def done_to_issue(c: int) -> int:  # a producer's op done to a consumer's op issuing, at least
        return 1 + (nodes[c].op_cycles - 1 if nodes[c].is_digital else 0)

    def issue_to_done(n: int) -> int:
        node = nodes[n]
        if node.is_crossbar:
            return (st.fetch + 1 + st.adc + st.ima_sa + st.tile_sa + node.span_cycles + st.act - 1)
        return 0

    arcs: list[list[tuple[int, int]]] = [[] for _ in nodes]
    for edge in plan.edges:
        arcs[edge.src].append((edge.dst, issue_to_done(edge.src) + done_to_issue(edge.dst)))
        if edge.capacity_pixels > 0 and nodes[edge.dst].is_crossbar:
            arcs[edge.dst].append((edge.src, 1))
    far = 1 << 40
    dist_i = np.full((len(nodes), len(users)), far, np.int64)
    if users:
        for v in range(len(nodes)):
            best = {v: 0}
            heap = [(0, v)]
            while heap:
                d, x = heapq.heappop(heap)
                if d > best.get(x, far):
                    continue
                for y, w in arcs[x]:
                    if d + w < best.get(y, far):
                        best[y] = d + w
                        heapq.heappush(heap, (d + w, y))
            for k, u in enumerate(users):
                dist_i[v, k] = best.get(u, far)
    dist_d = np.full((len(users), len(users)), far, np.int64)
    for j, n in enumerate(users):
        for e in nodes[n].outputs:
            c = plan.edges[e].dst
            dist_d[j] = np.minimum(dist_d[j], done_to_issue(c) + dist_i[c])
            if plan.edges[e].capacity_pixels > 0 and nodes[c].is_crossbar:
                # the op `capacity` ranks later reuses the slot, released no earlier than ready
                dist_d[j] = np.minimum(dist_d[j], 1 + dist_i[n])
    pools = np.zeros((max(n_q, 1), 3), np.int64)
    pools[:, 0] = -1
    for q, rate in rates.items():
        pools[q, 2] = rate
    # the same steps as lists, for a stream's window (`timing.arbitrate`): the arcs between the
    # nodes' issues, and from a user's pending ops being done to the issues they lead to
    arc_at = _offsets([len(a) for a in arcs])
    arc_to = np.array([y for a in arcs for y, _ in a], np.int64)
    arc_w = np.array([w for a in arcs for _, w in a], np.int64)
    after: list[list[tuple[int, int]]] = []
    for n in users:
        steps = []
        for e in nodes[n].outputs:
            c = plan.edges[e].dst
            steps.append((c, done_to_issue(c)))
            if plan.edges[e].capacity_pixels > 0 and nodes[c].is_crossbar:
                steps.append((n, 1))
        after.append(steps)
    done_at = _offsets([len(a) for a in after])
    done_to = np.array([y for a in after for y, _ in a], np.int64)
    done_w = np.array([w for a in after for _, w in a], np.int64)
    return (pools, q_at, q_user, q_stage, np.array(users, np.int64),
            np.array([lat(n) for n in users], np.int64).reshape(len(users), 2), dist_d, dist_i,
            arc_at, arc_to, arc_w, done_at, done_to, done_w)


def _offsets(counts) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.asarray(counts, np.int64))]).astype(np.int64)


@dataclass(frozen=True)
class _Static:
    """A plan as the driver's arrays, built once per plan object; every engine copies the rows
    it changes. Node n's input-edge rows are `in_at[n]:in_at[n + 1]` (plan edges `in_edge`), its
    output-edge rows `out_at[n]:out_at[n + 1]` (`out_edge`); `pix_at[n]` where its pixels start in
    an image's flat maps, `rows_at[n]` where its active pixels before each row (height + 1 of
    them) start, `widths[n]` its map's width; `ready_at[o]` where out-edge row o's ready cycles
    start, `ring_at[o]` where its release ring starts."""

    params: np.ndarray
    units: np.ndarray
    units_at: np.ndarray
    in_rows: np.ndarray
    in_at: np.ndarray
    in_edge: np.ndarray
    out_rows: np.ndarray
    out_at: np.ndarray
    out_edge: np.ndarray
    in_out: np.ndarray
    in_src: np.ndarray
    out_dst: np.ndarray
    out_in: np.ndarray
    pix_at: np.ndarray
    rows_at: np.ndarray
    widths: np.ndarray
    ready_at: np.ndarray
    ring_at: np.ndarray
    edge_cap: np.ndarray
    edge_src: np.ndarray
    arbiter: tuple[np.ndarray, ...]
    """`_arbiter_static`'s arrays (the shared servers' cursors, `pools`, copied per engine)."""
    no_pending: tuple[np.ndarray, np.ndarray] = (np.zeros((0, ENT_COLS), np.int64),
                                                 np.zeros(0, np.int64))
    """The op table and heaps of a plan without shared servers (empty, never written)."""
    spare: dict[int, tuple[np.ndarray, ...]] = field(default_factory=dict)
    """Image-slot buffers of a finished engine, by number of slots, for the next engine: a fresh
    buffer costs a page fault per 4 kB on first touch, about as much as a VGG-16 image's ops."""

    def buffers(self, slots: int) -> tuple[np.ndarray, ...]:
        """New image-slot buffers for `slots` images: read cycles, active pixels before each row,
        ready cycles (per slot), and the release rings (one set). Only the ready cycles are
        initialised (to 0, at no cost: fresh pages are zero), so that a value the kernel reads
        before its producer wrote it is still a cycle (`timing._columns`)."""
        return (np.empty((slots, int(self.pix_at[-1])), np.int16),
                np.empty((slots, int(self.rows_at[-1])), np.int64),
                np.zeros((slots, int(self.ready_at[-1])), np.int64),
                np.empty(int(self.ring_at[-1]), np.int64))


_STATIC: dict[int, tuple[weakref.ref, _Static]] = {}


def _static(plan: TimingPlan) -> _Static:
    """The plan's `_Static`, built once per plan object."""
    key = id(plan)
    cached = _STATIC.get(key)
    if cached is not None and cached[0]() is plan:
        return cached[1]
    nodes, edges = plan.nodes, plan.edges
    in_edge = [e for node in nodes for e in node.inputs]
    out_edge = [e for node in nodes for e in node.outputs]
    out_row = {e: o for o, e in enumerate(out_edge)}
    in_row = {e: r for r, e in enumerate(in_edge)}
    pixels = [node.shape[0] * node.shape[1] for node in nodes]
    src_pixels = [pixels[edges[e].src] for e in out_edge]
    pix_at = _offsets(pixels)
    rows_at = _offsets([node.shape[0] + 1 for node in nodes])
    node_rows = [_node_row(plan, n) for n in range(len(nodes))]
    static = _Static(
        params=L.rows(L.NODE, node_rows),
        units=np.concatenate([L.new_units(max(node.replicas, node.groups, 1)) for node in nodes]),
        units_at=_offsets([max(node.replicas, node.groups, 1) for node in nodes]),
        in_rows=L.rows(L.IN_EDGE, [_in_edge(plan, e, pix_at, rows_at) for e in in_edge]),
        in_at=_offsets([len(node.inputs) for node in nodes]),
        in_edge=np.array(in_edge, np.int64),
        out_rows=L.rows(L.OUT_EDGE, [_out_edge(plan, e) for e in out_edge]),
        out_at=_offsets([len(node.outputs) for node in nodes]),
        out_edge=np.array(out_edge, np.int64),
        in_out=np.array([out_row[e] for e in in_edge], np.int64),
        in_src=np.array([edges[e].src for e in in_edge], np.int64),
        out_dst=np.array([edges[e].dst for e in out_edge], np.int64),
        out_in=np.array([in_row[e] for e in out_edge], np.int64),
        pix_at=pix_at,
        rows_at=rows_at,
        widths=np.array([node.shape[1] for node in nodes], np.int64),
        ready_at=_offsets(src_pixels),
        ring_at=_offsets([edges[e].capacity_pixels for e in out_edge]),
        edge_cap=np.array([e.capacity_pixels for e in edges], np.int64),
        edge_src=np.array([e.src for e in edges], np.int64),
        arbiter=_arbiter_static(plan, node_rows))

    def forget(_: weakref.ref, key: int = key) -> None:
        _STATIC.pop(key, None)

    _STATIC[key] = (weakref.ref(plan, forget), static)
    return static


def _copy(rows: np.ndarray) -> np.ndarray:
    """A copy of an array of rows (as int64 words: several times faster than a structured copy)."""
    return rows.view(np.int64).copy().view(rows.dtype).reshape(rows.shape)


class Engine:
    """Runs a `TimingPlan` over images in one machine (stream semantics)."""

    def __init__(self, plan: TimingPlan, images: Sequence[ImageWork], arrivals: list[int],
                 counts: np.ndarray | None = None, window: int = WINDOW,
                 result: TimingResult | None = None):
        """`images` is any sequence (a stream's works may be built when first asked for: image i
        is asked for once, when the window reaches it); `counts` [image, node], the active pixels
        of every map (or more), when the caller knows them: a buffer that holds that many pixels
        of its producer is treated as unbounded (without, only if it holds every pixel of every
        image, or the images fit in the window and are counted when loaded: the same results
        either way); `window`, the image slots; `result`, where to
        put the results (rows for the images; a new `TimingResult` when not given)."""
        self.plan = plan
        self.images = images
        self.arrivals = np.asarray(arrivals, np.int64).reshape(-1)
        self.env = simpy.Environment()
        n_img, n_nodes = len(images), len(plan.nodes)
        if len(self.arrivals) != n_img:  # (the compiled driver does not check its indices)
            raise ValueError(f"{n_img} images but {len(self.arrivals)} arrival cycles")
        if counts is not None and np.shape(counts) != (n_img, n_nodes):
            raise ValueError(f"counts must be [image, node] = ({n_img}, {n_nodes}), "
                             f"got {np.shape(counts)}")
        self.static = st = _static(plan)
        self.slots = max(1, min(window, n_img))
        spare = st.spare.pop(self.slots, None)
        if spare is None:
            spare = st.buffers(self.slots)
        self._buffers: tuple[np.ndarray, ...] | None = spare
        self.bits, self.rows, self.ready = spare[:3]
        self.loaded = 0  # images [0, loaded) have been put into their slots
        # the global rank of each image's first active pixel per node, filled as images load
        self.rank_base = np.zeros((n_img, n_nodes), np.int64)
        self._next_base = np.zeros(n_nodes, np.int64)
        if counts is None and n_img <= self.slots:  # all fit: load them now, and count
            counts = np.array([self._load(i) for i in range(n_img)], np.int64).reshape(
                n_img, n_nodes)
        # a buffer that holds every pixel its producer makes in this run never reuses a slot:
        # it cannot delay an op, so the kernels treat it as unbounded (no rings, no releases);
        # without counts, every pixel of every image stands for them (a bound: same results)
        totals = (counts.sum(axis=0) if counts is not None
                  else n_img * (st.pix_at[1:] - st.pix_at[:-1]))
        caps = np.append(np.where(st.edge_cap < totals[st.edge_src], st.edge_cap, 0), 0)
        # (+ [0]: no edges, no rows)
        self.params, self.units = _copy(st.params), _copy(st.units)
        self.in_rows, self.out_rows = _copy(st.in_rows), _copy(st.out_rows)
        self.in_rows["capacity"] = caps[st.in_edge]
        self.out_rows["capacity"] = caps[st.out_edge]
        self.rings = spare[3]  # only bounded rows' rings are read: those are cleared
        for o in np.flatnonzero(self.out_rows["capacity"]):
            self.rings[st.ring_at[o]:st.ring_at[o + 1]] = 0
        # the arbiter of shared servers: each deferred node's pending ops, up to every op of the
        # images in the window (`timing.arbitrate`)
        pools, users = st.arbiter[0], st.arbiter[4]
        if len(users):
            caps = np.zeros(n_nodes, np.int64)
            caps[users] = (st.pix_at[1:] - st.pix_at[:-1])[users] * self.slots
            self.params["pend_cap"] = np.maximum(caps, 1)
            self.params["pend_at"] = _offsets(caps)[:-1]
            pending = int(caps.sum())
            self.arb = (pools.copy(), np.zeros((pending, ENT_COLS), np.int64),
                        np.zeros(pending, np.int64), *st.arbiter[1:])
        else:  # no shared server: no pending op ever (the static `params` say pend_cap 1)
            self.arb = (pools, st.no_pending[0], st.no_pending[1], *st.arbiter[1:])
        self.cur = np.zeros(n_nodes, np.int64)
        self.pos = np.zeros(n_nodes, np.int64)
        self.rounds = 0  # driver rounds, one simpy step each
        # per image: each edge's bytes sent and its transfers' waits (`kernels.timing`: `sends`);
        # a result of the engine's own holds views of it, a given one gets a copy when it ends
        self.sends = np.zeros((n_img, 2, len(plan.edges)), np.int64)
        if result is None:
            result = TimingResult.empty(n_img, n_nodes, len(plan.edges))
            result.edge_bytes, result.edge_wait = self.sends[:, 0], self.sends[:, 1]
        self.result = result
        self.stats = L.new_stats((n_img, n_nodes))  # STATS per image, node

    def _load(self, i: int) -> np.ndarray:
        """Put image i's maps into its slot (images load in order) and set its rank bases and
        the next image's; returns its active pixels per node."""
        st, k = self.static, i % self.slots
        np.concatenate([m.reshape(-1) for m in self.images[i].bits], out=self.bits[k],
                       casting="unsafe")
        self.loaded = i + 1
        counts = row_counts(self.bits[k], st.pix_at, st.widths, st.rows_at, self.rows[k])
        self.rank_base[i] = self._next_base
        self._next_base += counts
        if i + 1 < len(self.rank_base):  # the driver may read it before image i + 1 loads (a
            self.rank_base[i + 1] = self._next_base  # consumer that has passed image i)
        return counts

    # -- running ----------------------------------------------------------------------------------
    def kernel_args(self) -> tuple[tuple, tuple, tuple, tuple]:
        """The kernels' grouped arguments `plan`, `graph`, `maps`, `out` (`kernels.timing`)."""
        st = self.static
        return ((self.params, self.units, st.units_at, self.in_rows, st.in_at, st.in_out,
                 self.out_rows, st.out_at, st.ring_at, self.rings, st.out_edge),
                (st.in_src, st.out_dst, st.out_in),
                (self.bits, st.pix_at, self.rows, st.rows_at, self.ready, st.ready_at),
                (self.stats, self.sends))

    def _rounds(self):
        """The simpy process: load the images the window reaches, drive, advance the clock."""
        n_img = len(self.images)
        plan, graph, maps, out = self.kernel_args()
        work = workspace(plan)
        scratch = arbiter_scratch(self.arb[6], len(self.params))
        hi = 0
        while True:
            lo = int(oldest_image(self.cur, self.params, self.arb[1])) if n_img else 0
            if lo >= n_img:
                return
            want = min(lo + self.slots, n_img)
            if want <= hi and hi < n_img and (self.params["heap_n"] > 0).any():
                # a request on a shared server waits for a node at the window's edge, which may
                # still ask before it: give the window more slots (the results do not depend on it)
                self._grow(min(2 * self.slots, n_img))
                plan, graph, maps, out = self.kernel_args()
                want = min(lo + self.slots, n_img)
            if want <= hi:
                self.stuck = True
                return
            while self.loaded < want:
                self._load(self.loaded)
            hi = want
            newest = drive(hi, n_img, self.cur, self.pos, plan, graph, maps, out,
                           self.arrivals, self.rank_base, self.arb, work, scratch)
            self.rounds += 1
            if newest > self.env.now:
                yield self.env.timeout(newest - self.env.now)

    def _grow(self, slots: int) -> None:
        """Move the images in flight and the pending ops into a window of `slots` image slots
        (image i's maps live in slot `i mod slots`, a node's pending op of count c in its table's
        row `c mod pend_cap`)."""
        st, old = self.static, self.slots
        bits, rows, ready, rings = self._buffers  # type: ignore[misc]
        new = st.buffers(slots)
        lo = int(oldest_image(self.cur, self.params, self.arb[1]))
        for i in range(lo, self.loaded):
            for a, b in zip(new[:3], (bits, rows, ready)):
                a[i % slots] = b[i % old]
        self._buffers = (*new[:3], rings)
        self.bits, self.rows, self.ready = new[:3]
        self.slots = slots
        p = self.params
        users = self.arb[6]
        caps = np.zeros(len(p), np.int64)
        caps[users] = (st.pix_at[1:] - st.pix_at[:-1])[users] * slots
        at = _offsets(caps)
        ent, heap = self.arb[1], self.arb[2]
        new_ent = np.zeros((max(int(at[-1]), 1), ENT_COLS), np.int64)
        new_heap = np.zeros(max(int(at[-1]), 1), np.int64)
        for n in users:
            a0, c0, a1, c1 = int(p["pend_at"][n]), int(p["pend_cap"][n]), int(at[n]), int(caps[n])
            for c in range(int(p["pend_lo"][n]), int(p["pend_hi"][n])):
                new_ent[a1 + c % c1] = ent[a0 + c % c0]
            lo = int(p["pend_lo"][n])
            for j in range(int(p["heap_n"][n])):  # the heap holds slots: the same order, new slots
                new_heap[a1 + j] = (lo + (int(heap[a0 + j]) - lo) % c0) % c1
        p["pend_cap"], p["pend_at"] = np.maximum(caps, 1), at[:-1]
        self.arb = (self.arb[0], new_ent, new_heap, *self.arb[3:])

    def run(self) -> TimingResult:
        if self._buffers is None:
            raise RuntimeError("an Engine runs once")
        self.stuck = False
        self.env.process(self._rounds())
        try:
            self.env.run()
        finally:  # the image-slot buffers go to the next engine of this plan, and only there
            self.static.spare[self.slots] = self._buffers
            self._buffers = None
        if self.stuck:
            raise self._stall()
        r, stats = self.result, self.stats
        r.node_start[:], r.node_end[:], r.node_ops[:] = stats["start"], stats["end"], stats["ops"]
        r.node_bit_cycles[:], r.node_rf_pixels[:] = stats["bit_cycles"], stats["rf_pixels"]
        for k, name in enumerate(("wait_fetch", "wait_ro", "wait_merge", "wait_act")):
            r.node_wait[:, :, k] = stats[name]
        if not np.shares_memory(r.edge_bytes, self.sends):
            r.edge_bytes[:], r.edge_wait[:] = self.sends[:, 0], self.sends[:, 1]
        sinks = list(self.plan.sinks)
        if len(self.images):
            ends = r.node_end[:, sinks].max(axis=1)
            r.completion_cycle[:] = np.maximum(ends, self.arrivals)
            r.latency_cycles[:] = r.completion_cycle - self.arrivals
        return r

    def _rolling_need(self, e: int) -> int:
        """Pixels edge e's buffer must hold for the schedule to finish: `W_in x (K_h - 1) + K_w`
        (docs/timing-model.md s5; an fc's kernel is its whole input map)."""
        edge = self.plan.edges[e]
        return self.plan.nodes[edge.src].shape[1] * (edge.geometry.kh - 1) + edge.geometry.kw

    def _stall(self) -> InputError | InternalError:
        """Why the schedule stopped: an `InputError` naming every edge between two unfinished
        nodes whose buffer is below its rolling need, or, when there is none, an `InternalError`
        (the plan is valid and every buffer holds its need, so the schedule must finish)."""
        n_img = len(self.images)
        unfinished = [int(c) < n_img for c in self.cur]
        problems = []
        for e, edge in enumerate(self.plan.edges):
            need = self._rolling_need(e)
            if 0 < edge.capacity_pixels < need and unfinished[edge.src] and unfinished[edge.dst]:
                problems.append(Problem(
                    f"edge {self.plan.nodes[edge.src].name} -> {self.plan.nodes[edge.dst].name}", "",
                    f"the input buffer of {self.plan.nodes[edge.dst].name} ({edge.capacity_pixels} "
                    f"pixels) is too small for its receptive field: the schedule deadlocks; give the "
                    f"layer more eDRAM (at least its rolling-buffer need, {need} pixels)"))
        if problems:
            return InputError(problems)
        where = ", ".join(f"{node.name} (image {int(self.cur[n])}, position {int(self.pos[n])})"
                          for n, node in enumerate(self.plan.nodes) if unfinished[n])
        return InternalError(
            f"engine: the schedule stopped with nodes unfinished: {where}; the plan is valid and "
            f"every buffer holds at least its rolling need, so this is a bug in isaacsim's engine")


def simulate(plan: TimingPlan, images: list[ImageWork], mode: str = "single") -> TimingResult:
    """Simulate `images` on `plan` (docs/timing-model.md). `mode` is "single" or "stream"."""
    if mode == "stream":
        counts = np.array([img.active_pixels() for img in images],
                          np.int64).reshape(len(images), len(plan.nodes))
        return Engine(plan, images, [img.arrival_cycle for img in images], counts).run()
    return _single(plan, images, mode)


def simulate_stream(plan: TimingPlan, images: Sequence[ImageWork], arrivals: list[int],
                    counts: np.ndarray) -> TimingResult:
    """A stream whose works are a sequence built on demand (`images[i]` is asked for once, when
    the engine's window of image slots reaches image i; the engine copies its maps), with the
    arrival cycles and the active-pixel counts [image, node] given (they tell the engine which
    buffers hold every pixel of the run)."""
    return Engine(plan, images, arrivals, counts).run()


def _single(plan: TimingPlan, images: list[ImageWork], mode: str) -> TimingResult:
    if mode != "single":
        raise ValueError(f"mode must be 'single' or 'stream', got {mode!r}")
    result = TimingResult.empty(len(images), len(plan.nodes), len(plan.edges))
    for i, img in enumerate(images):
        Engine(plan, [img], [0], result=result.rows(i, i + 1)).run()
    return result
