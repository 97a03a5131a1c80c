"""ISAAC's event counters, the coefficients its lowering gives every node and edge, and its energy
table (docs/timing-model.md s9, docs/energy-model.md).

`coefficients` asks each layer's kind what its ops do (`LayerKind.crossbar`, `skips_row_blocks`,
`unit`, `unit_ops`) and the mapping where its weights sit (row and column blocks, rows and columns
used), and writes ISAAC's counts as `isaacsim.events.Term`s; `isaacsim.accounting` multiplies them
out. `energy_table` lists ISAAC's components with the per-event energies of `arch.energy`.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingType

from isaacsim.events import Component, EnergyTable, EventCoefficients, RowBlocks, Term
from isaacsim.network import Network
from isaacsim.plan import TimingPlan
from isaacsim.targets.isaac.arch import Architecture
from isaacsim.targets.isaac.mapping import VALUE_BYTES, Mapping

COUNTERS = ("array_vector_ops", "array_reads", "dac_drives", "adc_conversions", "sample_holds",
            "ima_sa_ops", "ir_bytes", "ima_or_bytes", "tile_sa_ops", "tile_or_bytes", "act_ops",
            "pool_ops", "add_ops", "edram_read_bytes", "edram_write_bytes", "bus_bytes",
            "noc_bytes", "router_flits", "ht_bytes")
"""Event counters per image and node, in report order."""

UNIT_COUNTERS: dict[str, str | None] = {"pool": "pool_ops", "add": "add_ops", "none": None}
"""The counter of each digital unit a layer kind may name (`LayerKind.unit`); ``"none"``: a kind
that only moves data (concat) and uses no unit, so it counts no unit operations."""
UNIT_READ_BYTES_PER_CHANNEL = {"pool": 0, "add": 1, "none": 0}
"""eDRAM bytes a digital op reads per active input pixel and channel: pooling reads nothing from
the eDRAM in this model; an add reads one 16-bit value per channel for every two operand pixels
(C x 2 bytes per op) [U]; a kind without a unit reads nothing (its producers' outputs are written
side by side into its consumers' buffers)."""


def coefficients(network: Network, mapping: Mapping, arch: Architecture, plan: TimingPlan,
                 node_of: MappingType[str, int]) -> EventCoefficients:
    """ISAAC's terms for every node and edge of `plan` (node 0 is the image source, then the
    network's layers in order)."""
    maps = {lm.name: lm for lm in mapping.layers}
    nodes: list[tuple[Term, ...]] = []
    row_blocks: list[RowBlocks | None] = []
    for n, node in enumerate(plan.nodes):
        out_c = node.shape[2]
        # the pixel is written into the eDRAM of every consumer that buffers it: a crossbar
        # layer, or a digital layer on another tile (the transfer lands in its eDRAM; on the
        # same tile a digital layer reads it in place), and a network output into its home tile
        writes = sum(1 for e in node.outputs
                     if plan.nodes[plan.edges[e].dst].is_crossbar or not plan.edges[e].local)
        writes += 0 if node.outputs else 1
        terms = [Term("edram_write_bytes", "ops", out_c * VALUE_BYTES * writes)]
        skipping = None
        if n > 0:
            layer = network.layers[n - 1]
            in_c = network.shape_of(layer.inputs[0]).channels
            kind = layer.handler
            if kind.crossbar:
                skipping = (RowBlocks(node_of[layer.inputs[0]], in_c, mapping.flatten,
                                      arch.xbar_rows) if kind.skips_row_blocks else None)
                terms += _crossbar_terms(maps[layer.name], arch, in_c, out_c, skipping is not None)
            else:
                counter = UNIT_COUNTERS[kind.unit]
                if counter is not None:
                    terms.append(Term(counter, "ops", kind.unit_ops(layer)))
                if layer.activation != "none":  # e.g. the ReLU after a residual add
                    terms.append(Term("act_ops", "ops", out_c))
                terms.append(Term("edram_read_bytes", "rf_pixels",
                                  in_c * UNIT_READ_BYTES_PER_CHANNEL[kind.unit]))
        nodes.append(tuple(t for t in terms if t.per and t.times))
        row_blocks.append(skipping)
    edges = []
    for edge in plan.edges:
        terms = [Term("noc_bytes", "bytes", edge.mesh_hops),
                 Term("router_flits", "bytes", 8, divisor=arch.flit_bits, ceil=True,
                      times=0 if edge.local else edge.mesh_hops + 1),
                 Term("ht_bytes", "bytes", edge.ht_links)]
        edges.append(tuple(t for t in terms if t.per and t.times))
    return EventCoefficients(COUNTERS, tuple(nodes), tuple(edges), tuple(row_blocks))


def _crossbar_terms(lm, arch: Architecture, in_c: int, out_c: int, skips: bool) -> list[Term]:
    """A crossbar op of b read cycles on its replica's arrays (timing-model s9): every op reads all
    `row_blocks x col_blocks` arrays, or (`skips`) only the row blocks with an active input."""
    rb, cb = lm.row_blocks, lm.col_blocks
    # columns converted per read of one row block's arrays: the weight columns used, plus the flip
    # encoding's unit column in every array (docs/energy-model.md)
    cols = sum(lm.cols_per_col_block) + (cb if arch.flip_encoding else 0)
    if skips:  # per active row block (row) of the op
        block_ops, block_reads, row_ops, row_reads = "block_ops", "block_read_cycles", "row_ops", \
            "row_read_cycles"
        rb_per, rows = 1, cb  # per active row (of one row block) in each column block
        merges = [Term("tile_sa_ops", "merges", out_c)]
    else:  # every op reads all rb row blocks: the rows used over all of the replica's arrays
        block_ops, block_reads, row_ops, row_reads = "ops", "read_cycles", "ops", "read_cycles"
        rb_per, rows = rb, lm.array_rows
        merges = [Term("tile_sa_ops", "ops", out_c * (rb - 1))]
    # every conversion is held, converted and added; a shift wider than the shift-and-add unit's
    # max_shift takes shift_passes operations (docs/timing-model.md s12)
    conversions = [Term("adc_conversions", block_reads, cols * rb_per),
                   Term("sample_holds", block_reads, cols * rb_per),
                   Term("ima_sa_ops", block_reads, cols * rb_per * lm.shift_passes)]
    return [
        Term("array_vector_ops", block_ops, cb * rb_per),
        Term("array_reads", block_reads, cb * rb_per),
        Term("dac_drives", row_reads, rows),
        *conversions,
        # input register: each row's 16-bit value written once, then read dac_bits per read cycle
        Term("ir_bytes", row_ops, rows * VALUE_BYTES),
        Term("ir_bytes", row_reads, rows * arch.dac_bits, divisor=8),
        Term("ima_or_bytes", block_ops, 2 * VALUE_BYTES * out_c * rb_per),
        *merges,
        Term("tile_or_bytes", "ops", 2 * VALUE_BYTES * out_c),
        Term("act_ops", "ops", out_c),
        Term("edram_read_bytes", "rf_pixels", in_c * VALUE_BYTES),
        Term("bus_bytes", "rf_pixels", in_c * VALUE_BYTES),
    ]


def energy_table(arch: Architecture, chips: int) -> EnergyTable:
    """ISAAC's components (report order) with the per-event energies of `arch.energy`; HT static
    power of every chip used."""
    e = arch.energy
    one = [("xbar", "array_reads", e.xbar_read_pj), ("dac", "dac_drives", e.dac_row_drive_pj),
           ("adc", "adc_conversions", e.adc_conversion_pj),
           ("sample_hold", "sample_holds", e.sample_hold_pj),
           ("ima_shift_add", "ima_sa_ops", e.ima_shift_add_pj), ("ir", "ir_bytes", e.ir_byte_pj),
           ("ima_or", "ima_or_bytes", e.ima_or_byte_pj)]
    components = [Component(name, ((counter, 1, pj),)) for name, counter, pj in one]
    components += [
        Component("edram", (("edram_read_bytes", 1, e.edram_read_pj),
                            ("edram_write_bytes", 1, e.edram_write_pj)),
                  divisor=arch.edram_bus_bits / 8),
        Component("bus", (("bus_bytes", 8, e.bus_bit_pj),)),
        Component("router", (("router_flits", 1, e.router_flit_pj),)),
        Component("tile_shift_add", (("tile_sa_ops", 1, e.tile_shift_add_pj),
                                     ("add_ops", 1, e.tile_shift_add_pj))),
        Component("tile_or", (("tile_or_bytes", 1, e.tile_or_byte_pj),)),
        Component("sigmoid", (("act_ops", 1, e.sigmoid_op_pj),)),
        Component("maxpool", (("pool_ops", 1, e.maxpool_op_pj),)),
        Component("ht", (("ht_bytes", 1, e.ht_byte_pj),), compute=False),
    ]
    return EnergyTable(tuple(components), "ht_static", e.chip_static_mw * chips, arch.cycle_ns)
