"""The timing problem both simulators solve: nodes, edges, stage latencies and per-image work.

A `TimingPlan` is what `docs/timing-model.md` talks about, with everything else (layer kinds,
arrays, tiles, chips, bandwidths in GB/s) already lowered to integers: the fast engine
(`isaacsim.engine`) and the cycle-stepped reference model (`isaacsim.reference`) take the same plan
and must produce the same cycles. Plans are built from a mapped network by a target's lowering
(`isaacsim.targets.isaac.lowering`), or by hand in tests.

Geometry: every input edge of a node has a receptive-field rule `(kh, kw, sh, sw, ph, pw)`: output
pixel (h, w) reads input rows `h*sh - ph .. h*sh - ph + kh - 1` and columns likewise, clipped to the
input map. A fully connected layer uses the whole input map as its kernel (`kh = H_in`, `kw = W_in`,
stride 1, no padding) and has a 1 x 1 output. A residual add uses 1 x 1 kernels on both inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SOURCE, XBAR, DIGITAL = "source", "xbar", "digital"


@dataclass(frozen=True)
class StageCycles:
    """Latencies of the per-operation pipeline stages, in ISAAC cycles (docs/timing-model.md s4)."""

    fetch: int = 1
    adc: int = 1
    ima_sa: int = 1
    tile_sa: int = 1
    act: int = 1
    write: int = 1
    pool: int = 0
    """Digital max/avg-pool op (0: in the activation cycle, the ISAAC paper)."""
    add: int = 1
    """Digital residual add (one shift-and-add)."""

    def xbar_tail(self, span_cycles: int) -> int:
        """`done - s - b` for a crossbar op: cycles after the reads up to the activation stage."""
        return self.fetch + self.adc + self.ima_sa + self.tile_sa + span_cycles + self.act - 1


@dataclass(frozen=True)
class Service:
    """A rate server of a node's ops (docs/timing-model.md s12): `rate` slots per cycle, `per`
    slots asked per unit of demand (per active receptive-field pixel for `fetch`, per read for
    `readout`, per op for `merge` and `act`). `rate` 0: the component is not modelled in time (it
    never delays an op); `per` 0: the node asks nothing of it."""

    rate: int = 0
    per: int = 0

    @property
    def active(self) -> bool:
        """The server can delay an op: it has a rate and the node asks something of it."""
        return self.rate > 0 and self.per > 0


UNLIMITED = Service()
SERVICES = ("fetch", "readout", "merge", "act")
"""A node's servers in pipeline order (docs/timing-model.md s12), the order of `TimingResult.node_wait`."""


@dataclass(frozen=True)
class Geometry:
    """Receptive-field rule of one input edge."""

    kh: int
    kw: int
    sh: int = 1
    sw: int = 1
    ph: int = 0
    pw: int = 0

    def rows(self, h: int, height: int) -> range:
        lo = h * self.sh - self.ph
        return range(max(lo, 0), min(lo + self.kh, height))

    def cols(self, w: int, width: int) -> range:
        lo = w * self.sw - self.pw
        return range(max(lo, 0), min(lo + self.kw, width))


@dataclass(frozen=True)
class Edge:
    """A producer-to-consumer edge (docs/timing-model.md sections 5 and 6)."""

    src: int
    dst: int
    geometry: Geometry
    local: bool
    """Producer and consumer share a home tile: no transfer."""
    bytes_per_pixel: int
    capacity_pixels: int
    """Rolling-buffer slots at the consumer; 0 means unbounded (consumer is a digital layer)."""
    cap_bytes_per_cycle: int = 0
    """Bandwidth share of the route (remote edges only)."""
    latency_cycles: int = 0
    """Route latency: mesh hops x hop cycles + HT links x HT latency (remote edges only)."""
    mesh_hops: int = 0
    ht_links: int = 0


@dataclass(frozen=True)
class Node:
    name: str
    rule: str
    """Service rule of its ops (docs/timing-model.md s4): SOURCE, XBAR or DIGITAL."""
    shape: tuple[int, int, int]
    """Output map (H, W, C)."""
    replicas: int = 1
    """Crossbar layers only."""
    span_cycles: int = 0
    """Crossbar layers only: partial-sum latency across tiles and chips (timing-model s7)."""
    groups: int = 1
    """Sets of fetch, merge and act servers (timing-model s12): a crossbar layer's replica r uses
    set `r mod groups` (1 <= groups <= replicas), a digital layer's op of rank k set `k mod
    groups`; each set serves its requests in rank order."""
    op_cycles: int = 0
    """Digital layers only: `pool_cycles` or `add_cycles`."""
    fetch: Service = UNLIMITED
    """Crossbar layers: the eDRAM and tile bus that bring an op's input vector, per active
    receptive-field pixel (timing-model s12)."""
    readout: Service = UNLIMITED
    """Crossbar layers: the sample-and-holds, ADCs and IMA shift-and-adds, per read."""
    merge: Service = UNLIMITED
    """Crossbar layers: the tile shift-and-adds of the partial sums, per op; digital layers: their
    unit (max-pool, shift-and-add), per op."""
    act: Service = UNLIMITED
    """The activation (sigmoid) units, per op."""
    pools: tuple[int, int] = (-1, -1)
    """Shared servers (timing-model s12) for `merge` and `act`: -1, the node's own; p >= 0, group g
    asks the plan's shared server `p + g`, which serves every node that names it in time order
    (requests ordered by effective cycle, then node). All users of a shared server give it the
    same `rate`."""
    inputs: tuple[int, ...] = ()
    """Indices of the edges into this node."""
    outputs: tuple[int, ...] = ()
    """Indices of the edges out of this node."""

    @property
    def is_source(self) -> bool:
        """The image source: its pixels are done at the image's arrival."""
        return self.rule == SOURCE

    @property
    def is_crossbar(self) -> bool:
        """Crossbar ops: each occupies a replica for its read cycles."""
        return self.rule == XBAR

    @property
    def is_digital(self) -> bool:
        """Digital ops: done `op_cycles - 1` after their inputs are ready, no occupancy."""
        return self.rule == DIGITAL


@dataclass(frozen=True)
class TimingPlan:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    stages: StageCycles = field(default_factory=StageCycles)

    def __post_init__(self):
        """The plan contract: a `ValueError` listing every problem of a plan that the two
        simulators would treat differently or could not run (docs/timing-model.md); a plan that
        passes gives the same cycles in both, or the same `InputError` when a buffer is below its
        rolling need."""
        problems = _problems(self)
        if problems:
            head = "invalid TimingPlan: " if len(problems) == 1 else \
                f"invalid TimingPlan, {len(problems)} problems:\n  - "
            raise ValueError(head + "\n  - ".join(problems))

    @property
    def sinks(self) -> tuple[int, ...]:
        """Nodes without out-edges: the network outputs."""
        return tuple(i for i, n in enumerate(self.nodes) if not n.outputs)


def _whole(value) -> bool:
    """An integer (Python or numpy), not a bool: the engine stores plan numbers as int64, the
    reference model computes with them as they are, so a float would give different cycles."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _at_least(problems: list[str], where: str, fields: dict, low: int, why: str = "") -> None:
    for name, value in fields.items():
        if not _whole(value):
            problems.append(f"{where}: {name} must be an integer, got {value!r}")
        elif value < low:
            problems.append(f"{where}: {name} must be >= {low}, got {value}{why}")


def _problems(plan: "TimingPlan") -> list[str]:
    """Every way `plan` breaks the contract of the simulators, as messages naming the node or
    edge (`TimingPlan.__post_init__`)."""
    problems: list[str] = []
    nodes, edges = plan.nodes, plan.edges
    n_nodes, n_edges = len(nodes), len(edges)
    names = [getattr(n, "name", "?") for n in nodes]
    if not nodes:
        problems.append("the plan has no node (it needs at least the image source)")
    _at_least(problems, "stages", {f: getattr(plan.stages, f) for f in
                                   ("fetch", "adc", "ima_sa", "tile_sa", "act", "write", "pool",
                                    "add")}, 0, " (stage latencies are cycles)")
    for i, node in enumerate(nodes):
        where = f"node {i} ({node.name!r})"
        if node.rule not in (SOURCE, XBAR, DIGITAL):
            problems.append(f"{where}: unknown service rule {node.rule!r}; expected one of "
                            f"{SOURCE!r}, {XBAR!r}, {DIGITAL!r}")
        if node.is_source and node.inputs:
            problems.append(f"{where}: the image source reads no edge, but lists inputs "
                            f"{tuple(node.inputs)}")
        if not isinstance(node.shape, tuple) or len(node.shape) != 3:
            problems.append(f"{where}: shape must be (H, W, C), got {node.shape!r}")
        else:
            _at_least(problems, where, dict(zip(("height", "width", "channels"), node.shape)), 1)
        _at_least(problems, where, {"span_cycles": node.span_cycles,
                                    "op_cycles": node.op_cycles}, 0)
        if node.is_crossbar:
            _at_least(problems, where, {"replicas": node.replicas}, 1,
                      " (a crossbar layer runs its ops on at least one replica)")
        top = (max(node.replicas, 1) if _whole(node.replicas) else 1) if node.is_crossbar else (
            1 << 20 if node.is_digital else 1)
        if not _whole(node.groups) or not 1 <= node.groups <= top:
            most = ("its replicas" if node.is_crossbar else str(top) if node.is_digital
                    else "1 (the image source)")
            problems.append(f"{where}: groups must be an integer from 1 to {most}, got "
                            f"{node.groups!r}")
        for name in SERVICES:
            service = getattr(node, name)
            if not isinstance(service, Service):
                problems.append(f"{where}: {name} must be a Service, got {service!r}")
                continue
            _at_least(problems, f"{where} {name}", {"rate": service.rate, "per": service.per}, 0)
            if service.active and not node.is_crossbar and name in ("fetch", "readout"):
                problems.append(f"{where}: {name} {service} on a {node.rule} node: only crossbar "
                                f"ops fetch and read (use the default, UNLIMITED)")
            if service.active and node.is_source:
                problems.append(f"{where}: {name} {service} on the image source, which uses no "
                                f"unit (use the default, UNLIMITED)")
        for kind, listed, end in (("inputs", node.inputs, "dst"), ("outputs", node.outputs, "src")):
            if len(set(listed)) != len(listed):
                problems.append(f"{where}: {kind} {tuple(listed)} list an edge twice")
            for e in listed:
                if not _whole(e) or not 0 <= e < n_edges:
                    problems.append(f"{where}: {kind} name edge {e!r}, but the plan has edges "
                                    f"0..{n_edges - 1}")
                elif getattr(edges[e], end) != i:
                    problems.append(f"{where}: {kind} list edge {e}, whose {end} is node "
                                    f"{getattr(edges[e], end)}")
    _pool_problems(plan, problems)
    for e, edge in enumerate(edges):
        ends = (edge.src, edge.dst)
        if not all(_whole(v) and 0 <= v < n_nodes for v in ends):
            problems.append(f"edge {e}: src {edge.src!r} and dst {edge.dst!r} must be nodes "
                            f"0..{n_nodes - 1}")
            continue
        where = f"edge {e} ({names[edge.src]} -> {names[edge.dst]})"
        if edge.src >= edge.dst:
            problems.append(f"{where}: src {edge.src} must come before dst {edge.dst} (nodes in "
                            f"topological order, every edge from an earlier node to a later one)")
        if e not in nodes[edge.dst].inputs:
            problems.append(f"{where}: missing from the inputs of node {edge.dst}")
        if e not in nodes[edge.src].outputs:
            problems.append(f"{where}: missing from the outputs of node {edge.src}")
        g = edge.geometry
        _at_least(problems, where, {"kernel height": g.kh, "kernel width": g.kw}, 1)
        # stride 0 broadcasts a source one pixel high (wide) to every output row (column): the
        # per-channel scale vector of a squeeze-and-excitation block
        src_hw = nodes[edge.src].shape[:2]
        strides = {"stride height": g.sh, "stride width": g.sw}
        for (axis, stride), size in zip(strides.items(), src_hw):
            if stride == 0 and size == 1:
                continue
            _at_least(problems, where, {axis: stride}, 1)
        _at_least(problems, where, {"padding height": g.ph, "padding width": g.pw}, 0)
        if not isinstance(edge.local, (bool, np.bool_)):
            problems.append(f"{where}: local must be a bool, got {edge.local!r}")
        _at_least(problems, where, {"bytes_per_pixel": edge.bytes_per_pixel}, 1)
        _at_least(problems, where, {"capacity_pixels": edge.capacity_pixels,
                                    "latency_cycles": edge.latency_cycles,
                                    "mesh_hops": edge.mesh_hops, "ht_links": edge.ht_links,
                                    "cap_bytes_per_cycle": edge.cap_bytes_per_cycle}, 0)
        if not edge.local and _whole(edge.cap_bytes_per_cycle) and edge.cap_bytes_per_cycle < 1:
            problems.append(f"{where}: a remote edge needs cap_bytes_per_cycle >= 1, got "
                            f"{edge.cap_bytes_per_cycle} (its pipe would never send)")
        if (_whole(edge.capacity_pixels) and edge.capacity_pixels > 0
                and not nodes[edge.dst].is_crossbar):
            problems.append(f"{where}: capacity_pixels {edge.capacity_pixels} on an edge into "
                            f"{names[edge.dst]!r}, a {nodes[edge.dst].rule} node: only crossbar "
                            f"layers have a rolling input buffer (use 0, unbounded)")
    return problems


POOLED = ("merge", "act")
"""The servers a node may share with other nodes (`Node.pools`, in this order)."""


def _pool_problems(plan: "TimingPlan", problems: list[str]) -> None:
    """The shared servers of `Node.pools`: ids, one rate per server, and the cycle order that the
    time-ordered arbitration needs (timing-model s12)."""
    users: dict[int, list[tuple[int, str, int | None]]] = {}
    for i, node in enumerate(plan.nodes):
        where = f"node {i} ({node.name!r})"
        pools = node.pools
        if not isinstance(pools, tuple) or len(pools) != len(POOLED) or not all(
                _whole(p) and p >= -1 for p in pools):
            problems.append(f"{where}: pools must be a pair of integers >= -1 (merge, act), got "
                            f"{pools!r}")
            continue
        for name, p in zip(POOLED, pools):
            if p < 0:
                continue
            if node.is_source:
                problems.append(f"{where}: the image source uses no shared server (pools "
                                f"{pools!r}; use (-1, -1))")
                continue
            service = getattr(node, name)
            rate = service.rate if isinstance(service, Service) else None
            for g in range(node.groups if _whole(node.groups) and node.groups >= 1 else 1):
                users.setdefault(p + g, []).append((i, name, rate))
    for q, who in sorted(users.items()):
        if len({i for i, _, _ in who}) != len(who):
            problems.append(f"shared server {q}: node {who[0][0]} names it twice (its merge "
                            f"and act are different units, and each group has its own server)")
        if len({rate for _, _, rate in who}) != 1:
            problems.append(f"shared server {q}: its users give it different rates "
                            f"{sorted({rate for _, _, rate in who}, key=str)}; a server has one "
                            f"rate")
    crossbar_pooled = any(node.is_crossbar and max(node.pools, default=-1) >= 0
                          for node in plan.nodes if isinstance(node.pools, tuple))
    if crossbar_pooled and _whole(plan.stages.act) and plan.stages.act < 1:
        problems.append("stages: act must be >= 1 when a crossbar layer uses a shared server "
                        "(with 0 an op would be done before its act request is served, and a "
                        "shared server serves requests in cycle order)")


def compact_map(values) -> np.ndarray:
    """A per-pixel map (bits or read cycles) stored compactly: C-contiguous uint8 when every value
    fits in 0..255 (bits are 0..16, so always in practice), else int64.

    A many-image run holds one map per node and image; uint8 keeps them at an eighth of int64's
    memory. Whoever computes with a map casts it first (the engine copies each map into an int16
    image slot; sums cast to int64), so a narrow map never overflows."""
    a = np.asarray(values)
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    if a.dtype == np.bool_ or a.size == 0 or (np.issubdtype(a.dtype, np.integer)
                                             and a.min() >= 0 and a.max() <= 255):
        return np.ascontiguousarray(a, dtype=np.uint8)
    return np.ascontiguousarray(a, dtype=np.int64)


@dataclass(frozen=True)
class ImageWork:
    """One image: activation bits of every output pixel of every node (0 = skipped)."""

    image_id: str
    bits: tuple[np.ndarray, ...]
    """Per node, an (H, W) integer array of bits in 0..16 (read cycles for crossbar nodes); for the
    source node 1 marks an active pixel. Any integer dtype: a lowering stores them as uint8
    (`compact_map`), so a consumer must cast before arithmetic that can exceed 255."""
    arrival_cycle: int = 0

    def active_pixels(self) -> np.ndarray:
        """int64 [node]: the active (nonzero) pixels of every map."""
        return np.array([np.count_nonzero(b) for b in self.bits], np.int64)


@dataclass(frozen=True)
class WorkFacts:
    """What the reports need of the images' works once they are simulated (so that their maps
    can be freed): per image and node, the active pixels and, for a node whose matrix rows are
    its input map flattened (`EventCoefficients.row_blocks`), its active row blocks and the rows
    in them; and the images' arrival cycles."""

    active: np.ndarray
    """int64 [image, node]: output pixels computed."""
    row_blocks: np.ndarray
    """int64 [image, node, 2]: (active row blocks, rows in them); 0 where the node has none."""
    arrival: np.ndarray
    """int64 [image]."""

    def __len__(self) -> int:
        return len(self.arrival)

    def rows(self, start: int = 0, stop: int | None = None) -> "WorkFacts":
        return WorkFacts(self.active[start:stop], self.row_blocks[start:stop],
                         self.arrival[start:stop])

    def take(self, index: np.ndarray) -> "WorkFacts":
        return WorkFacts(self.active[index], self.row_blocks[index], self.arrival[index])

    @staticmethod
    def empty(images: int, nodes: int) -> "WorkFacts":
        return WorkFacts(np.zeros((images, nodes), np.int64), np.zeros((images, nodes, 2), np.int64),
                         np.zeros(images, np.int64))


@dataclass
class TimingResult:
    """What a simulator returns for a list of images; arrays are indexed [image, node] or [image, edge].

    Both `isaacsim.engine` and `isaacsim.reference` fill every field; tests compare them exactly.
    """

    completion_cycle: np.ndarray
    """[image] largest ready time of the image's network outputs (timing-model s8)."""
    latency_cycles: np.ndarray
    """[image] completion - arrival."""
    node_start: np.ndarray
    """[image, node] smallest issue cycle of the node's ops; -1 when the node has no op."""
    node_end: np.ndarray
    """[image, node] largest ready time of its pixels over its out-edges (sinks: completion of their
    pixels, i.e. done + write + 1); -1 when the node has no op."""
    node_ops: np.ndarray
    """[image, node] number of ops."""
    node_bit_cycles: np.ndarray
    """[image, node] sum of bits over the node's crossbar ops (0 for other nodes)."""
    node_rf_pixels: np.ndarray
    """[image, node] sum over ops and input edges of the active input pixels in the receptive field."""
    edge_bytes: np.ndarray
    """[image, edge] bytes sent over the edge's route (0 for local edges)."""
    edge_wait: np.ndarray
    """[image, edge] cycles the edge's transfers waited in its pipe, summed over its ops: each
    transfer's ready cycle minus the one it would have had from an idle pipe (timing-model s6; 0
    for local edges)."""
    node_wait: np.ndarray
    """[image, node, server] cycles the node's ops waited for each server of `SERVICES`
    (timing-model s12)."""

    def rows(self, start: int = 0, stop: int | None = None) -> "TimingResult":
        """Images `start` to `stop` (views)."""
        return TimingResult(**{k: v[start:stop] for k, v in vars(self).items()})

    def take(self, index: np.ndarray) -> "TimingResult":
        """The images at `index`, in its order (copies)."""
        return TimingResult(**{k: v[index] for k, v in vars(self).items()})

    @classmethod
    def empty(cls, n_images: int, n_nodes: int, n_edges: int) -> "TimingResult":
        z = lambda *shape: np.zeros(shape, dtype=np.int64)  # noqa: E731
        return cls(z(n_images), z(n_images), np.full((n_images, n_nodes), -1, np.int64),
                   np.full((n_images, n_nodes), -1, np.int64), z(n_images, n_nodes),
                   z(n_images, n_nodes), z(n_images, n_nodes), z(n_images, n_edges),
                   z(n_images, n_edges), z(n_images, n_nodes, len(SERVICES)))
