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
    op_cycles: int = 0
    """Digital layers only: `pool_cycles` or `add_cycles`."""
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
        for i, node in enumerate(self.nodes):
            for e in node.inputs:
                assert self.edges[e].dst == i, (node.name, e)
            for e in node.outputs:
                assert self.edges[e].src == i, (node.name, e)
            if node.is_crossbar:
                assert node.replicas >= 1, node.name
        for e, edge in enumerate(self.edges):
            assert edge.src < edge.dst, "nodes must be in topological order"

    @property
    def sinks(self) -> tuple[int, ...]:
        """Nodes without out-edges: the network outputs."""
        return tuple(i for i, n in enumerate(self.nodes) if not n.outputs)


@dataclass(frozen=True)
class ImageWork:
    """One image: activation bits of every output pixel of every node (0 = skipped)."""

    image_id: str
    bits: tuple[np.ndarray, ...]
    """Per node, an (H, W) int array of bits in 0..16; for the source node 1 marks an active pixel."""
    arrival_cycle: int = 0


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

    @classmethod
    def empty(cls, n_images: int, n_nodes: int, n_edges: int) -> "TimingResult":
        z = lambda *shape: np.zeros(shape, dtype=np.int64)  # noqa: E731
        return cls(z(n_images), z(n_images), np.full((n_images, n_nodes), -1, np.int64),
                   np.full((n_images, n_nodes), -1, np.int64), z(n_images, n_nodes),
                   z(n_images, n_nodes), z(n_images, n_nodes), z(n_images, n_edges))
