"""From a mapped network to the timing problem (`TimingPlan`) and per-image work (`ImageWork`).

This is where layer kinds, tiles, chips and bandwidths become the integers of
docs/timing-model.md: nodes and edges with receptive-field geometry, home-tile locality, buffer
capacities in pixels, statically shared link bandwidth in bytes per cycle, and route latencies in
cycles.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from isaacsim.errors import InputError, Problem
from isaacsim.events import EnergyTable, EventCoefficients
from isaacsim.network import IMAGE, Network, Shape
from isaacsim.plan import (
    DIGITAL,
    SOURCE,
    XBAR,
    Edge,
    ImageWork,
    Node,
    StageCycles,
    TimingPlan,
    compact_map,
)
from isaacsim.targets.isaac.arch import Architecture
from isaacsim.targets.isaac.events import VALUE_BYTES, coefficients, energy_table
from isaacsim.targets.isaac.mapping import Mapping
from isaacsim.targets.isaac.mapping.topology import chip_route, mesh_route, tile_position
from isaacsim.targets.isaac.servers import edram_port, node_services, server_components
from isaacsim.traces.model import MAX_BITS
from isaacsim.validate import Bound, number_text

HOST = "host"
"""Route key of the HyperTransport link from the host into the first chip."""
BUFFER_SLOTS = Bound("integer", 0, 2 ** 25, "pixel slots of one layer's rolling input buffer: the "
                                            "engine keeps an int64 per slot (256 MiB at this "
                                            "bound; VGG-16 on ISAAC-CE needs at most 120,149)")


@dataclass(frozen=True)
class Route:
    links: tuple
    mesh_hops: int
    ht_links: int


@dataclass(frozen=True)
class Lowered:
    """A timing plan together with what was lowered into it."""

    plan: TimingPlan
    network: Network
    mapping: Mapping
    arch: Architecture
    node_of: dict
    """Layer name (or `IMAGE`) -> node index."""
    home_tile: tuple
    """Per node: global home tile (-1 for the image source, which sits off chip)."""
    events: EventCoefficients
    """Per node and edge, the terms of ISAAC's event counts (`isaacsim.targets.isaac.events`)."""
    energy: EnergyTable
    """ISAAC's components and per-event energies for this architecture and chip count."""
    server_components: tuple = ()
    """Per node, the energy-table component each server of `plan.SERVICES` reports to (None: no
    such server), for the busy, utilisation and wait columns of the reports."""
    edge_components: tuple = ()
    """Per edge, the energy-table component whose share sets its transfer rate `cap_bytes_per_cycle`
    (`ht`, `router` for a mesh link or port, `edram` for the consumer's eDRAM writes; None for a
    local edge), for the reports' `send` columns."""


def _route(arch: Architecture, src_tile: int, dst_tile: int) -> Route:
    """Links from one home tile to another; `src_tile == -1` is the host (timing-model s6).

    Besides the router-to-router mesh links and HyperTransport links, a route holds the source
    tile's injection port and the destination tile's ejection port on their routers, so transfers
    between tiles of one router (an empty mesh route) still share a link of the mesh's bandwidth.
    A route to the host (`dst_tile == -1`, the crop predictor's decision) leaves through chip 0's
    port.
    """
    if dst_tile < 0:
        src_chip = tile_position(src_tile, arch)[0]
        mesh = list(mesh_route(src_tile, src_chip * arch.tiles_per_chip, arch))
        out: list = list(chip_route(src_chip, 0)) + [(0, HOST)]
        return Route(tuple([("inject", src_tile)] + mesh + out), len(mesh), len(out))
    eject = ("eject", dst_tile)
    dst_chip = tile_position(dst_tile, arch)[0]
    if src_tile < 0:
        ht = [(HOST, 0)] + list(chip_route(0, dst_chip))
        mesh = list(mesh_route(dst_chip * arch.tiles_per_chip, dst_tile, arch))
        return Route(tuple(ht + mesh + [eject]), len(mesh), len(ht))
    src_chip = tile_position(src_tile, arch)[0]
    inject = ("inject", src_tile)
    if src_chip == dst_chip:
        mesh = mesh_route(src_tile, dst_tile, arch)
        return Route(tuple([inject] + list(mesh) + [eject]), len(mesh), 0)
    # leave through the chip's HyperTransport port (router of its tile 0), enter the next the same way
    port_src = src_chip * arch.tiles_per_chip
    port_dst = dst_chip * arch.tiles_per_chip
    mesh = list(mesh_route(src_tile, port_src, arch)) + list(mesh_route(port_dst, dst_tile, arch))
    ht = list(chip_route(src_chip, dst_chip))
    return Route(tuple([inject] + mesh + ht + [eject]), len(mesh), len(ht))


def _is_ht(link) -> bool:
    """HyperTransport links are `(HOST, 0)` or `(chip, next chip)`; mesh links and ports differ."""
    return link[0] == HOST or (len(link) == 2 and isinstance(link[0], int))


def _link_bytes_per_cycle(arch: Architecture, link) -> float:
    return arch.ht_link_bytes_per_cycle if _is_ht(link) else arch.mesh_link_bytes_per_cycle


def _latency_cycles(arch: Architecture, mesh_hops: int, ht_links: int) -> int:
    return mesh_hops * arch.mesh_hop_cycles + ht_links * arch.ht_latency_cycles


def _span_cycles(arch: Architecture, tiles: tuple, home: int) -> int:
    """Partial-sum latency from the layer's farthest tile to its home tile (timing-model s7)."""
    worst = 0
    for t in tiles:
        r = _route(arch, t, home)
        worst = max(worst, _latency_cycles(arch, r.mesh_hops, r.ht_links))
    return worst


def stage_cycles(arch: Architecture) -> StageCycles:
    """The architecture's `timing.*` stage latencies (docs/timing-model.md s4)."""
    return StageCycles(fetch=arch.fetch_cycles, adc=arch.adc_cycles, ima_sa=arch.ima_sa_cycles,
                       tile_sa=arch.tile_sa_cycles, act=arch.act_cycles, write=arch.write_cycles,
                       pool=arch.pool_cycles, add=arch.add_cycles)


def _buffer_slots(network: Network, layer, capacity_bytes: int, channels: int) -> int:
    """Pixels of `channels` 16-bit values a buffer of `capacity_bytes` holds (the mapping's
    `LayerMapping.buffer_capacity_bytes`, docs/timing-model.md s5); an `InputError` at the layer
    when they exceed `BUFFER_SLOTS` (a large eDRAM pooled over many tiles)."""
    slots = capacity_bytes // (channels * VALUE_BYTES)
    if slots > BUFFER_SLOTS.limit:
        raise InputError(Problem(
            network.origin or network.name, f"$.layers[{layer.index}]",
            f"layer '{layer.name}': its rolling input buffer pools {capacity_bytes:,} bytes of eDRAM "
            f"over its tiles, {slots:,} pixels of {channels} channels, more than the "
            f"{number_text(BUFFER_SLOTS.limit)} accepted ({BUFFER_SLOTS.reason}); use a smaller "
            f"tile.edram.bytes or larger crossbars"))
    return slots


def _tile_counts(network: Network, layers: dict) -> dict:
    """Tiles a node's outputs leave from: a crossbar layer's tiles, a digital layer's first
    producer's, one for the image source (its HyperTransport link)."""
    counts = {IMAGE: 1}
    for layer in network.layers:
        lm = layers[layer.name]
        counts[layer.name] = len(lm.tiles) if lm.tiles else counts[layer.inputs[0]]
    return counts


def _hwc(shape: Shape) -> tuple[int, int, int]:
    """A map's shape as the plain ``(H, W, C)`` triple of a `Node`."""
    return shape.height, shape.width, shape.channels


def lower(network: Network, mapping: Mapping, arch: Architecture) -> Lowered:
    """Build the `TimingPlan` of a mapped network (nodes in network order after the image source)."""
    stages = stage_cycles(arch)
    layers = {lm.name: lm for lm in mapping.layers}
    names = [IMAGE] + [layer.name for layer in network.layers]
    node_of = {name: i for i, name in enumerate(names)}
    # the image source, and digital layers run by the host (the crop predictor's gate), are off chip
    home = [-1] + [-1 if layer.handler.at_host else layers[layer.name].home_tile
                   for layer in network.layers]

    spread = _tile_counts(network, layers)
    raw_edges = []  # (src, dst, geometry, bytes, capacity, route); route None: a local edge
    for layer in network.layers:
        dst = node_of[layer.name]
        for src_name in layer.inputs:
            src = node_of[src_name]
            c_src = network.shape_of(src_name).channels
            local = home[src] == home[dst]
            capacity = 0
            if layer.uses_crossbars:
                capacity = _buffer_slots(network, layer, layers[layer.name].buffer_capacity_bytes,
                                         c_src)
            route = None if local else _route(arch, home[src], home[dst])
            raw_edges.append((src, dst, layer.handler.geometry(layer, network.shape_of(src_name)),
                              c_src * VALUE_BYTES, capacity, route))

    port = edram_port(network, mapping, arch, dict(zip(names, home)))
    sharing = Counter(link for *_, route in raw_edges if route for link in route.links)
    edges: list[Edge] = []
    limits: list[str | None] = []  # per edge, the component that sets its rate
    for src, dst, geometry, nbytes, capacity, route in raw_edges:
        if route is None:
            edges.append(Edge(src, dst, geometry, True, nbytes, capacity))
            limits.append(None)
            continue
        lanes = min(spread[names[src]], spread[names[dst]])
        cap, limit = min(((max(int(_link_bytes_per_cycle(arch, link) // sharing[link]), 1)
                           * (1 if _is_ht(link) else lanes), "ht" if _is_ht(link) else "router")
                          for link in route.links), key=lambda share: share[0])
        write = port.write_rate.get((names[src], names[dst]))
        if write is not None and max(int(write), 1) < cap:  # the consumer's eDRAM writes the
            cap, limit = max(int(write), 1), "edram"  # transfer as it arrives
        limits.append(limit)
        edges.append(Edge(src, dst, geometry, False, nbytes, capacity,
                          cap_bytes_per_cycle=cap,
                          latency_cycles=_latency_cycles(arch, route.mesh_hops, route.ht_links),
                          mesh_hops=route.mesh_hops, ht_links=route.ht_links))

    services = node_services(network, mapping, arch, port)
    nodes = [Node(IMAGE, SOURCE, _hwc(network.input_shape),
                  outputs=tuple(e for e, ed in enumerate(edges) if ed.src == 0))]
    for layer in network.layers:
        n = node_of[layer.name]
        lm = layers[layer.name]
        ins = tuple(e for e, ed in enumerate(edges) if ed.dst == n)
        outs = tuple(e for e, ed in enumerate(edges) if ed.src == n)
        if layer.uses_crossbars:
            nodes.append(Node(layer.name, XBAR, _hwc(layer.out_shape), replicas=lm.replication,
                              span_cycles=_span_cycles(arch, lm.tiles, lm.home_tile),
                              inputs=ins, outputs=outs, **services[n]))
        else:
            op = getattr(stages, layer.handler.digital_stage)
            nodes.append(Node(layer.name, DIGITAL, _hwc(layer.out_shape), op_cycles=op,
                              inputs=ins, outputs=outs, **services[n]))
    plan = TimingPlan(tuple(nodes), tuple(edges), stages)
    return Lowered(plan, network, mapping, arch, node_of, tuple(home),
                   coefficients(network, mapping, arch, plan, node_of),
                   energy_table(arch, mapping.totals.chips),
                   tuple(server_components(network)), tuple(limits))


def read_cycles(bits: np.ndarray, dac_bits: int) -> np.ndarray:
    """Crossbar read cycles of ops whose inputs have `bits` (0 stays 0): one per input bit with
    1-bit DACs; with v-bit DACs the sign bit keeps its own shift-and-subtract cycle and the other
    bits go v at a time, `ceil((bits - 1) / v) + 1` (docs/functional-model.md)."""
    bits = np.asarray(bits, dtype=np.int64)
    if dac_bits == 1:
        return bits
    return np.where(bits > 0, -(-(bits - 1) // dac_bits) + 1, 0)


def image_work(lowered: Lowered, image_id: str, input_mask: np.ndarray, layer_bits: dict,
               arrival_cycle: int = 0) -> ImageWork:
    """Stack per-layer activation-bit maps (layer name -> (H, W) ints, 0 = skipped) in node order;
    crossbar layers' bits become read cycles (`read_cycles`). The maps are stored compactly
    (`compact_map`: uint8, as bits and read cycles always fit)."""
    bits = [compact_map(np.asarray(input_mask, dtype=np.int64))]
    cycles = _read_cycle_table(lowered.arch.dac_bits)
    for layer in lowered.network.layers:
        b = np.asarray(layer_bits[layer.name])
        if b.dtype.kind in "iu" and b.size and b.min() >= 0 and b.max() < len(cycles):
            # bits 0..16 (always, for a validated trace): one table look-up gives the uint8 map
            bits.append(np.ascontiguousarray(cycles[b] if layer.uses_crossbars else b,
                                             dtype=np.uint8))
            continue
        b = np.asarray(b, dtype=np.int64)
        if layer.uses_crossbars:
            b = read_cycles(b, lowered.arch.dac_bits)
        bits.append(compact_map(b))
    return ImageWork(image_id, tuple(bits), arrival_cycle)


def _read_cycle_table(dac_bits: int) -> np.ndarray:
    """`read_cycles` of the bits 0..MAX_BITS, as uint8, indexed by bits."""
    return read_cycles(np.arange(MAX_BITS + 1), dac_bits).astype(np.uint8)
