"""Event counts of every node for every image, and their energy (docs/timing-model.md s9).

Counts follow from the work (which ops exist, their bits, the active pixels they read) and from the
mapping (arrays, rows and columns used); the simulators supply the per-node sums they accumulate
(`TimingResult.node_ops`, `node_bit_cycles`, `node_rf_pixels`, `edge_bytes`). Energy is counts x the
per-event energies of `arch.energy` (docs/energy-model.md) plus static power x time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from isaacsim.crop import row_block_mask
from isaacsim.plan import ImageWork, TimingResult
from isaacsim.targets.isaac.lowering import VALUE_BYTES, Lowered

COUNTERS = ("array_vector_ops", "array_reads", "dac_drives", "adc_conversions", "sample_holds",
            "ima_sa_ops", "ir_bytes", "ima_or_bytes", "tile_sa_ops", "tile_or_bytes", "act_ops",
            "pool_ops", "add_ops", "edram_read_bytes", "edram_write_bytes", "bus_bytes",
            "noc_bytes", "router_flits", "ht_bytes")
"""Event counters per image and node, in report order."""

COMPONENTS = ("xbar", "dac", "adc", "sample_hold", "ima_shift_add", "ir", "ima_or", "edram", "bus",
              "router", "tile_shift_add", "tile_or", "sigmoid", "maxpool", "ht")
"""Dynamic-energy components, in report order; `ht_static` is added per image."""

TILE_COMPONENTS = COMPONENTS[:-1]
"""Components whose dynamic energy is the tiles' "compute" energy (all but HyperTransport)."""


@dataclass(frozen=True)
class Accounting:
    counts: dict
    """counter name -> int64 array [image, node]."""
    energy_pj: dict
    """component -> float64 array [image, node] of dynamic energy."""
    static_pj: np.ndarray
    """[image] static energy (HyperTransport of every chip used, for the image's latency)."""


def _fc_active_row_blocks(lowered: Lowered, work: ImageWork, node: int) -> tuple[int, int]:
    """(active row blocks, rows in them) of an fc node's first row-block column for one image."""
    layer = lowered.network.layers[node - 1]
    src = lowered.node_of[layer.inputs[0]]
    active = work.bits[src] > 0
    channels = lowered.network.shape_of(layer.inputs[0]).channels
    flat = (np.repeat(active.reshape(-1), channels) if lowered.mapping.flatten == "position"
            else np.tile(active.reshape(-1), channels))
    rows = lowered.arch.xbar_rows
    blocks = row_block_mask(flat, rows)
    sizes = np.minimum(rows, flat.size - rows * np.arange(blocks.size))
    return int(blocks.sum()), int(sizes[blocks].sum())


def count_events(lowered: Lowered, images: list[ImageWork], result: TimingResult) -> dict:
    """Counter name -> int64 [image, node] array."""
    plan, net, arch = lowered.plan, lowered.network, lowered.arch
    n_img, n_nodes = len(images), len(plan.nodes)
    c = {name: np.zeros((n_img, n_nodes), np.int64) for name in COUNTERS}
    maps = {lm.name: lm for lm in lowered.mapping.layers}
    ops, bitc, rfp = result.node_ops, result.node_bit_cycles, result.node_rf_pixels
    for n, node in enumerate(plan.nodes):
        out_c = node.shape[2]
        writes = sum(1 for e in node.outputs if plan.nodes[plan.edges[e].dst].is_crossbar)
        writes += 0 if node.outputs else 1
        c["edram_write_bytes"][:, n] = ops[:, n] * out_c * VALUE_BYTES * writes
        for e in node.outputs:
            edge = plan.edges[e]
            c["noc_bytes"][:, n] += result.edge_bytes[:, e] * edge.mesh_hops
            flits = -(-result.edge_bytes[:, e] * 8 // arch.flit_bits)
            c["router_flits"][:, n] += flits * ((edge.mesh_hops + 1) if not edge.local else 0)
            c["ht_bytes"][:, n] += result.edge_bytes[:, e] * edge.ht_links
        if node.is_source:
            continue
        layer = net.layers[n - 1]
        in_c = net.shape_of(layer.inputs[0]).channels
        if node.is_digital:
            if layer.kind == "add":
                c["add_ops"][:, n] = ops[:, n] * out_c
                c["edram_read_bytes"][:, n] = rfp[:, n] // 2 * in_c * VALUE_BYTES
            else:
                c["pool_ops"][:, n] = ops[:, n] * layer.kernel[0] * layer.kernel[1] * out_c
            continue
        lm = maps[layer.name]
        rb, cb = lm.row_blocks, lm.col_blocks
        # columns converted per read of one row block's arrays: the weight columns used, plus the
        # flip encoding's unit column in every array (docs/energy-model.md)
        cols = sum(lm.cols_per_col_block) + (cb if arch.flip_encoding else 0)
        if layer.kind == "fc":
            act = np.array([_fc_active_row_blocks(lowered, img, n) for img in images],
                           np.int64).reshape(n_img, 2)
            blocks, rows = act[:, 0] * (ops[:, n] > 0), act[:, 1] * (ops[:, n] > 0)
        else:
            blocks, rows = ops[:, n] * rb, ops[:, n] * sum(lm.rows_per_row_block)
        # per-op quantities scaled to all ops: for conv, bits enter through bit_cycles
        per_op_bits = np.where(ops[:, n] > 0, bitc[:, n] // np.maximum(ops[:, n], 1), 0)
        if layer.kind == "fc":
            c["array_vector_ops"][:, n] = blocks * cb
            c["array_reads"][:, n] = blocks * cb * per_op_bits
            c["dac_drives"][:, n] = rows * cb * per_op_bits
            c["adc_conversions"][:, n] = blocks * cols * per_op_bits
            c["ir_bytes"][:, n] = (rows * cb * VALUE_BYTES
                                   + c["dac_drives"][:, n] * arch.dac_bits // 8)
        else:
            c["array_vector_ops"][:, n] = ops[:, n] * rb * cb
            c["array_reads"][:, n] = bitc[:, n] * rb * cb
            c["dac_drives"][:, n] = bitc[:, n] * sum(lm.rows_per_row_block) * cb
            c["adc_conversions"][:, n] = bitc[:, n] * cols * rb
            c["ir_bytes"][:, n] = (rows * cb * VALUE_BYTES
                                   + c["dac_drives"][:, n] * arch.dac_bits // 8)
        c["sample_holds"][:, n] = c["adc_conversions"][:, n]
        c["ima_sa_ops"][:, n] = c["adc_conversions"][:, n]
        partials = blocks if layer.kind == "fc" else ops[:, n] * rb
        c["ima_or_bytes"][:, n] = 2 * VALUE_BYTES * partials * out_c
        c["tile_sa_ops"][:, n] = np.maximum(partials - ops[:, n], 0) * out_c
        c["tile_or_bytes"][:, n] = 2 * VALUE_BYTES * ops[:, n] * out_c
        c["act_ops"][:, n] = ops[:, n] * out_c
        c["edram_read_bytes"][:, n] = rfp[:, n] * in_c * VALUE_BYTES
        c["bus_bytes"][:, n] = c["edram_read_bytes"][:, n]
    return c


def static_cycles(result: TimingResult, arrivals: np.ndarray, mode: str) -> np.ndarray:
    """Cycles of static power charged to each image: its latency in single mode (it has the
    machine to itself); in stream mode the interval since the previous completion (the first
    image: since its arrival), so the images together pay for the whole run once."""
    if mode != "stream":
        return result.latency_cycles
    done = result.completion_cycle
    previous = np.concatenate(([arrivals[0] if len(arrivals) else 0], done[:-1]))
    return np.maximum(done - np.maximum(previous, 0), 0)


def energy(lowered: Lowered, counts: dict, charged_cycles: np.ndarray) -> Accounting:
    """Dynamic energy per component and node, and static energy per image for `charged_cycles`
    (see `static_cycles`)."""
    arch = lowered.arch
    e = arch.energy
    bus_bytes = arch.edram_bus_bits / 8
    per = {
        "xbar": counts["array_reads"] * e.xbar_read_pj,
        "dac": counts["dac_drives"] * e.dac_row_drive_pj,
        "adc": counts["adc_conversions"] * e.adc_conversion_pj,
        "sample_hold": counts["sample_holds"] * e.sample_hold_pj,
        "ima_shift_add": counts["ima_sa_ops"] * e.ima_shift_add_pj,
        "ir": counts["ir_bytes"] * e.ir_byte_pj,
        "ima_or": counts["ima_or_bytes"] * e.ima_or_byte_pj,
        "edram": (counts["edram_read_bytes"] * e.edram_read_pj
                  + counts["edram_write_bytes"] * e.edram_write_pj) / bus_bytes,
        "bus": counts["bus_bytes"] * 8 * e.bus_bit_pj,
        "router": counts["router_flits"] * e.router_flit_pj,
        "tile_shift_add": (counts["tile_sa_ops"] + counts["add_ops"]) * e.tile_shift_add_pj,
        "tile_or": counts["tile_or_bytes"] * e.tile_or_byte_pj,
        "sigmoid": counts["act_ops"] * e.sigmoid_op_pj,
        "maxpool": counts["pool_ops"] * e.maxpool_op_pj,
        "ht": counts["ht_bytes"] * e.ht_byte_pj,
    }
    per = {k: np.asarray(v, dtype=np.float64) for k, v in per.items()}
    static = e.chip_static_mw * lowered.mapping.totals.chips * charged_cycles * arch.cycle_ns
    return Accounting(counts, per, np.asarray(static, dtype=np.float64))
