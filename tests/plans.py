"""Small `TimingPlan` builders for the timing tests (no test functions here).

- `PlanBuilder`: add a source, conv / fc (crossbar) and pool / add (digital) layers one by one;
  shapes, geometries and bytes per pixel (`C x 2`) are derived, edges are local unless a `Link`
  says otherwise; a layer's servers (timing-model s12) are unlimited unless given (`fetch=`,
  `readout=`, `merge=`, `act=` on crossbar layers, `merge=` and `act=` on digital ones), and a
  crossbar layer's replicas share `groups` sets of fetch, merge and act servers (default 1).
- `chain_plan`: a source followed by a list of layer specs (dicts of builder arguments).
- `image`: an `ImageWork` from per-node bits (defaults: every pixel active at 16 bits).
- `st_plans`: a Hypothesis strategy of random small valid plans with images, for invariants and
  for comparing the engine with the reference model.
- `rolling_need`, `with_replicas`, `crop_more`: helpers for the invariants.
- `TraceIndex`, `check_delivery`: a trace indexed by op and input pixel, and the ready cycles of
  one op record on its out-edges (sections 6 and 8), shared by the reference model's equation
  checks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from isaacsim.plan import (
    DIGITAL,
    SOURCE,
    UNLIMITED,
    XBAR,
    Edge,
    Geometry,
    ImageWork,
    Node,
    Service,
    StageCycles,
    TimingPlan,
)


@dataclass(frozen=True)
class Link:
    """How an edge travels: local (same home tile) or remote with a bandwidth share and latency."""

    local: bool = True
    cap: int = 0
    """Bytes per cycle (remote only)."""
    latency: int = 0
    """Route latency in cycles (remote only)."""


LOCAL = Link()


def remote(cap: int, latency: int = 0) -> Link:
    return Link(False, cap, latency)


class PlanBuilder:
    """Build a plan node by node; every method returns the new node's index."""

    def __init__(self, stages: StageCycles = StageCycles()):
        self.stages = stages
        self.nodes: list[dict] = []
        self.edges: list[Edge] = []
        self.fc_nodes: set[int] = set()

    def _node(self, name, kind, shape, **kw) -> int:
        self.nodes.append(dict(name=name or f"n{len(self.nodes)}", rule=kind, shape=shape, **kw))
        return len(self.nodes) - 1

    def _edge(self, src: int, dst: int, geometry: Geometry, link: Link, capacity: int) -> None:
        bpp = self.nodes[src]["shape"][2] * 2
        self.edges.append(Edge(src, dst, geometry, link.local, bpp, capacity,
                               0 if link.local else link.cap, 0 if link.local else link.latency))

    def _out_hw(self, src: int, g: Geometry) -> tuple[int, int]:
        h, w, _ = self.nodes[src]["shape"]
        return (h + 2 * g.ph - g.kh) // g.sh + 1, (w + 2 * g.pw - g.kw) // g.sw + 1

    def source(self, shape: tuple[int, int, int], name: str = "input") -> int:
        return self._node(name, SOURCE, tuple(shape))

    def conv(self, src: int, channels: int = 1, kernel=(1, 1), stride=(1, 1), pad=(0, 0),
             replicas: int = 1, span: int = 0, capacity: int = 0, link: Link = LOCAL,
             name: str | None = None, fetch: Service = UNLIMITED, readout: Service = UNLIMITED,
             merge: Service = UNLIMITED, act: Service = UNLIMITED, groups: int = 1,
             pools: tuple[int, int] = (-1, -1)) -> int:
        """Crossbar conv; `capacity` is the input buffer in pixels (0: unbounded); `readout`: each
        replica's; `fetch`, `merge`, `act`: each of the `groups` server groups' (timing-model
        s12); `pools`: the shared servers of merge and act (`Node.pools`)."""
        g = Geometry(kernel[0], kernel[1], stride[0], stride[1], pad[0], pad[1])
        v = self._node(name, XBAR, (*self._out_hw(src, g), channels), replicas=replicas,
                       span_cycles=span, fetch=fetch, readout=readout, merge=merge, act=act,
                       groups=groups, pools=pools)
        self._edge(src, v, g, link, capacity)
        return v

    def fc(self, src: int, channels: int = 1, replicas: int = 1, span: int = 0,
           capacity: int = 0, link: Link = LOCAL, name: str | None = None,
           fetch: Service = UNLIMITED, readout: Service = UNLIMITED, merge: Service = UNLIMITED,
           act: Service = UNLIMITED, groups: int = 1, pools: tuple[int, int] = (-1, -1)) -> int:
        h, w, _ = self.nodes[src]["shape"]
        v = self._node(name, XBAR, (1, 1, channels), replicas=replicas, span_cycles=span,
                       fetch=fetch, readout=readout, merge=merge, act=act, groups=groups,
                       pools=pools)
        self._edge(src, v, Geometry(h, w), link, capacity)
        self.fc_nodes.add(v)
        return v

    def pool(self, src: int, kernel=(2, 2), stride=None, op_cycles: int = 0, link: Link = LOCAL,
             name: str | None = None, merge: Service = UNLIMITED,
             act: Service = UNLIMITED, groups: int = 1, pools: tuple[int, int] = (-1, -1)) -> int:
        """Max/avg pool (digital); stride defaults to the kernel; `merge` is its pooling unit."""
        stride = stride or kernel
        g = Geometry(kernel[0], kernel[1], stride[0], stride[1])
        v = self._node(name, DIGITAL, (*self._out_hw(src, g), self.nodes[src]["shape"][2]),
                       op_cycles=op_cycles, merge=merge, act=act, groups=groups, pools=pools)
        self._edge(src, v, g, link, 0)
        return v

    def add(self, a: int, b: int, op_cycles: int = 1, links=(LOCAL, LOCAL),
            name: str | None = None, merge: Service = UNLIMITED,
            act: Service = UNLIMITED, groups: int = 1, pools: tuple[int, int] = (-1, -1)) -> int:
        """Residual add of two maps of the same H x W (1 x 1 geometry on both inputs); `merge`
        is its shift-and-add unit."""
        assert self.nodes[a]["shape"][:2] == self.nodes[b]["shape"][:2]
        v = self._node(name, DIGITAL, self.nodes[a]["shape"], op_cycles=op_cycles, merge=merge,
                       act=act, groups=groups, pools=pools)
        self._edge(a, v, Geometry(1, 1), links[0], 0)
        self._edge(b, v, Geometry(1, 1), links[1], 0)
        return v

    def build(self) -> TimingPlan:
        nodes = []
        for i, spec in enumerate(self.nodes):
            ins = tuple(e for e, edge in enumerate(self.edges) if edge.dst == i)
            outs = tuple(e for e, edge in enumerate(self.edges) if edge.src == i)
            nodes.append(Node(inputs=ins, outputs=outs, **spec))
        return TimingPlan(tuple(nodes), tuple(self.edges), self.stages)


def chain_plan(input_shape=(1, 4, 1), layers=(), source_link: Link = Link(False, 640, 1),
               stages: StageCycles = StageCycles()) -> TimingPlan:
    """A source then `layers`, each a dict with `kind` in conv/fc/pool/add plus builder arguments.

    Each layer reads the previous node; an add also reads node `skip` (an index, 0 = the source).
    The first layer's edge uses `source_link` (default: one HT link, 640 B/cycle, latency 1).
    """
    b = PlanBuilder(stages)
    prev = b.source(input_shape)
    for i, spec in enumerate(layers):
        spec = dict(spec)
        kind = spec.pop("kind")
        if kind == "add":
            skip = spec.pop("skip")
            links = spec.pop("links", (LOCAL, source_link if skip == 0 else LOCAL))
            prev = b.add(prev, skip, links=links, **spec)
            continue
        if i == 0:
            spec.setdefault("link", source_link)
        prev = getattr(b, kind)(prev, **spec)
    return b.build()


def image(plan: TimingPlan, bits: dict | None = None, default: int = 16, image_id: str = "img",
          arrival: int = 0) -> ImageWork:
    """An image whose node v has bits `bits[v]` (an int or an (H, W) array; index or name)."""
    bits = dict(bits or {})
    arrays = []
    for v, node in enumerate(plan.nodes):
        value = bits.get(v, bits.get(node.name, 1 if node.is_source else default))
        arrays.append(np.broadcast_to(np.asarray(value, dtype=np.int64), node.shape[:2]).copy())
    return ImageWork(image_id, tuple(arrays), arrival)


def rolling_need(plan: TimingPlan, e: int) -> int:
    """`W_in x (K_h - 1) + K_w` pixels (for an fc, kh = H_in and kw = W_in: the whole map)."""
    edge = plan.edges[e]
    return plan.nodes[edge.src].shape[1] * (edge.geometry.kh - 1) + edge.geometry.kw


def with_replicas(plan: TimingPlan, factor: int) -> TimingPlan:
    """Every crossbar layer gets `factor` times its replicas."""
    nodes = tuple(dataclasses.replace(n, replicas=n.replicas * factor) if n.is_crossbar else n
                  for n in plan.nodes)
    return dataclasses.replace(plan, nodes=nodes)


def crop_more(work: ImageWork, masks: list[np.ndarray]) -> ImageWork:
    """`work` with the pixels where `masks[v]` is true set to 0 bits (skipped)."""
    bits = tuple(np.where(m, 0, b) for b, m in zip(work.bits, masks))
    return dataclasses.replace(work, bits=bits)


@st.composite
def st_plans(draw, max_layers: int = 4, max_hw: int = 8, max_channels: int = 3,
             max_replicas: int = 3, max_images: int = 3, zero_prob: float = 0.25,
             mixed_bits: bool = True, remote_prob: float = 0.4, min_cap: int = 1,
             max_cap: int = 700,
             max_latency: int = 3, unbounded_prob: float = 0.2, max_extra_slots: int = 8,
             vary_stages: bool = True, max_interval: int = 40, servers_prob: float = 0.6,
             unlimited_prob: float = 0.3, max_rate: int = 4, max_per: int = 6,
             divisor_groups: bool = True, pools_prob: float = 0.0):
    """Random small valid (plan, images).

    - 1..`max_layers` layers after the source, each conv, pool, fc or add (an add reads the previous
      node and an earlier node of the same H x W; if there is none it becomes a 1 x 1 conv);
    - source map up to `max_hw` x `max_hw` with 1..`max_channels` channels; conv kernels 1..3,
      strides 1..2, padding below the kernel; pools kernel 1..3, stride 1..3, pool cycles 0..2;
      add cycles 0..2; crossbar replicas 1..`max_replicas`, span 0..2;
    - edges remote with probability `remote_prob` (the source's always), caps `min_cap`..`max_cap`
      B/cycle,
      latencies 0..`max_latency`; edges into crossbar layers unbounded (capacity 0) with probability
      `unbounded_prob`, else the rolling need plus 0..`max_extra_slots`; edges into digital layers
      unbounded;
    - 1..`max_images` images, node pixels 0 bits with probability `zero_prob`, else 1..16 bits
      (one bit width per node and image when `mixed_bits` is false); fc outputs are never skipped;
      image n arrives at n x (0..`max_interval`);
    - crossbar stage latencies (fetch .. write) 0..2 each when `vary_stages`, else the defaults;
      digital op cycles are per node (`Node.op_cycles`), as the simulators read them;
    - with probability `servers_prob` the plan has scarce servers (timing-model s12), else every
      server is unlimited: then each server of a node (fetch, readout, merge, act of a crossbar
      layer; merge and act of a digital layer; none of the source) is unlimited with probability
      `unlimited_prob`, else `Service(1..max_rate, 0..max_per)`; a crossbar layer's server groups
      are a divisor of its replicas (as the ISAAC lowering chooses them, so that `with_replicas`
      keeps every op in its group), or with `divisor_groups=False` any of 1..replicas (the plan
      contract allows them);
    - with probability `pools_prob` the plan has servers shared between nodes (`Node.pools`): one
      or two families of shared servers, each with its own rate; each merge and act of a layer
      joins a family with probability 1/2 (a node's merge and act never the same one), asking
      0..`max_per` slots per op of it; digital layers get 1..3 server groups (a node with G
      groups uses the family's first G servers, so nodes with different G share some of them);
      `act` is then at least 1 cycle when a crossbar layer shares a server (the plan contract).
    """
    stages = StageCycles()
    if vary_stages:
        names = ("fetch", "adc", "ima_sa", "tile_sa", "act", "write")
        stages = StageCycles(**{k: draw(st.integers(0, 2)) for k in names})
    b = PlanBuilder(stages)

    def link(from_source: bool) -> Link:
        if from_source or draw(st.floats(0, 1, exclude_max=True)) < remote_prob:
            return remote(draw(st.integers(min_cap, max_cap)), draw(st.integers(0, max_latency)))
        return LOCAL

    scarce = draw(st.floats(0, 1, exclude_max=True)) < servers_prob

    def servers(*names: str) -> dict[str, Service]:
        if not scarce:
            return {}
        return {name: UNLIMITED if draw(st.floats(0, 1, exclude_max=True)) < unlimited_prob
                else Service(draw(st.integers(1, max_rate)), draw(st.integers(0, max_per)))
                for name in names}

    def capacity(need: int) -> int:
        if draw(st.floats(0, 1, exclude_max=True)) < unbounded_prob:
            return 0
        return need + draw(st.integers(0, max_extra_slots))

    hw = (draw(st.integers(1, max_hw)), draw(st.integers(1, max_hw)))
    prev = b.source((*hw, draw(st.integers(1, max_channels))))
    for _ in range(draw(st.integers(1, max_layers))):
        h, w, c = b.nodes[prev]["shape"]
        kind = draw(st.sampled_from(["conv", "pool", "fc", "add"]))
        partners = [i for i in range(prev) if b.nodes[i]["shape"][:2] == (h, w)]
        if kind == "add" and not partners:
            kind = "conv1x1"
        lk = link(prev == 0)
        if kind == "add":
            other = draw(st.sampled_from(partners))
            prev = b.add(prev, other, draw(st.integers(0, 2)), (lk, link(other == 0)),
                         **servers("merge", "act"))
        elif kind == "pool":
            k = (draw(st.integers(1, min(3, h))), draw(st.integers(1, min(3, w))))
            s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
            prev = b.pool(prev, k, s, draw(st.integers(0, 2)), lk, **servers("merge", "act"))
        else:
            ch, rep, span = (draw(st.integers(1, max_channels)),
                             draw(st.integers(1, max_replicas)), draw(st.integers(0, 2)))
            units = servers("fetch", "readout", "merge", "act")
            groups = draw(st.sampled_from([g for g in range(1, rep + 1)
                                           if rep % g == 0 or not divisor_groups]))
            if kind == "fc":
                prev = b.fc(prev, ch, rep, span, capacity(h * w), lk, groups=groups, **units)
                continue
            k = (1, 1) if kind == "conv1x1" else (draw(st.integers(1, min(3, h))),
                                                    draw(st.integers(1, min(3, w))))
            s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            p = (draw(st.integers(0, k[0] - 1)), draw(st.integers(0, k[1] - 1)))
            prev = b.conv(prev, ch, k, s, p, rep, span, capacity(w * (k[0] - 1) + k[1]), lk,
                          groups=groups, **units)
    if draw(st.floats(0, 1, exclude_max=True)) < pools_prob:
        families = [draw(st.integers(1, max_rate)) for _ in range(draw(st.integers(1, 2)))]
        crossbar_pooled = False
        for spec in b.nodes[1:]:
            if spec["rule"] == DIGITAL:
                spec["groups"] = draw(st.integers(1, 3))
            pools = [-1, -1]
            for x, name in enumerate(("merge", "act")):
                choices = [f for f in range(len(families)) if 8 * f not in pools]
                if not choices or not draw(st.booleans()):
                    continue
                f = draw(st.sampled_from(choices))
                pools[x] = 8 * f
                spec[name] = Service(families[f], draw(st.integers(0, max_per)))
                crossbar_pooled |= spec["rule"] == XBAR
            spec["pools"] = tuple(pools)
        if crossbar_pooled and b.stages.act < 1:
            b.stages = dataclasses.replace(b.stages, act=1)
    plan = b.build()

    interval = draw(st.integers(0, max_interval))
    images = []
    for n in range(draw(st.integers(1, max_images))):
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        arrays = []
        for v, node in enumerate(plan.nodes):
            shape = node.shape[:2]
            if node.is_source:
                arrays.append((rng.random(shape) >= zero_prob).astype(np.int64))
                continue
            values = rng.integers(1, 17, shape) if mixed_bits else \
                np.full(shape, rng.integers(1, 17))
            if v not in b.fc_nodes:
                values = np.where(rng.random(shape) < zero_prob, 0, values)
            arrays.append(values.astype(np.int64))
        images.append(ImageWork(f"img{n}", tuple(arrays), n * interval))
    return plan, images


class TraceIndex:
    """A reference trace's records indexed for the equation checks: `machine(r)` (the image in
    single mode, one machine in stream mode), `arrival[image]`, `ops[machine, node, rank]`, the
    active input pixels `inputs[id(r)]` as (edge, producer record) pairs, and `release(x, e)`:
    the cycle after the last issue of a reader of pixel record `x` on edge `e` (its ready time
    when no op reads it), timing-model s5."""

    def __init__(self, plan: TimingPlan, images: list[ImageWork], mode: str, records: list):
        self.machine = (lambda r: r.image) if mode == "single" else (lambda r: 0)
        self.arrival = [w.arrival_cycle if mode == "stream" else 0 for w in images]
        self.ops = {(self.machine(r), r.node, r.rank): r for r in records}
        at = {(r.image, r.node, r.h, r.w): r for r in records}
        self.inputs: dict[int, list] = {}
        self._readers: dict[tuple, list] = {}
        for r in records:
            self.inputs[id(r)] = []
            for e in plan.nodes[r.node].inputs:
                g, (hh, ww) = plan.edges[e].geometry, plan.nodes[plan.edges[e].src].shape[:2]
                for p in (at.get((r.image, plan.edges[e].src, i, j)) for i in g.rows(r.h, hh)
                          for j in g.cols(r.w, ww)):
                    if p is not None:
                        self.inputs[id(r)].append((e, p))
                        self._readers.setdefault((id(p), e), []).append(r)

    def release(self, x, e: int) -> int:
        rs = self._readers.get((id(x), e))
        return 1 + max(q.issue for q in rs) if rs else x.ready[e]


def check_delivery(plan, r, pipes: dict, machine: int) -> None:
    """Sections 6 and 8: op record `r`'s pixel is ready on every out-edge (local: after the write;
    remote: after its byte-slots in the edge's pipe, whose cursor `pipes[machine, e]` this
    advances) and, for a network output, written into its home tile."""
    write = plan.stages.write
    if not plan.nodes[r.node].outputs:
        assert r.output_ready == r.done + write + 1
    for e in plan.nodes[r.node].outputs:
        edge = plan.edges[e]
        if edge.local:
            into_digital = plan.nodes[edge.dst].is_digital
            assert r.ready[e] == r.done + 1 + (0 if into_digital else write)
        else:
            cap, busy = edge.cap_bytes_per_cycle, pipes.get((machine, e), 0)
            end = max((r.done + 1) * cap, busy) + edge.bytes_per_pixel
            pipes[machine, e] = end
            assert r.ready[e] == -(-end // cap) + edge.latency_cycles + write
