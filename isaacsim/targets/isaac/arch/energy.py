"""Per-event energies derived from the component table: each component "kept fully busy for one
cycle" spends its table power for one ISAAC cycle on a known number of events, so

    energy per event (pJ) = power (mW) x cycle (ns) / events per cycle when fully busy.

`full_activity` states, per event, how many happen in one cycle in one fully busy IMA, tile or chip
(counting only that level's own components). docs/energy-model.md explains every definition. By
construction a unit kept fully busy consumes exactly its table power; tests check this independently.
"""

from __future__ import annotations

from isaacsim.targets.isaac.arch.model import Component, Energy, Params

# event -> (component key in the table, level whose instance the activity count is per)
EVENT_COMPONENT: dict[str, tuple[str, str]] = {
    "adc_conversion": ("ima.adc", "ima"),
    "dac_row_drive": ("ima.dac", "ima"),
    "xbar_read": ("ima.xbar", "ima"),
    "sample_hold": ("ima.sample_hold", "ima"),
    "ima_shift_add": ("ima.shift_add", "ima"),
    "ir_byte": ("ima.ir", "ima"),
    "ima_or_byte": ("ima.or", "ima"),
    "edram_access": ("tile.edram", "tile"),
    "bus_bit": ("tile.bus", "tile"),
    "router_flit": ("mesh.router", "tile"),
    "tile_shift_add": ("tile.shift_add", "tile"),
    "tile_or_byte": ("tile.or", "tile"),
    "sigmoid_op": ("tile.sigmoid", "tile"),
    "maxpool_op": ("tile.maxpool", "tile"),
    "ht_byte": ("chip.ht", "chip"),
}


def value_bytes(p: Params) -> float:
    """Bytes of one native-precision value (an input, output or partial sum): input_bits / 8."""
    return p.input_bits / 8


def ima_outputs_per_cycle(p: Params) -> float:
    """Output values one fully busy IMA completes per cycle: every array finishes a vector of
    `weights per row` outputs every `cycles_per_input` cycles (ISAAC-CE: 8 x 16 / 16 = 8)."""
    return p.arrays_per_ima * (p.xbar_cols / p.slices_per_weight) / p.cycles_per_input


def full_activity(p: Params) -> dict[str, float]:
    """Events per ISAAC cycle when one IMA (IMA events), one tile (tile events, its IMAs excluded,
    its router share included) or one chip (chip events, its tiles excluded) is fully busy.

    IMA: every array read every cycle, every DAC driving, every column (with the flip encoding, also
    the unit column) sampled; the ADCs converting and the shift-and-add units adding at their own
    rates (`units x rate x cycle_ns`: a conversion or an addition costs its unit's power over its
    rate, however many of them there are and whether or not they keep up with the reads); the IR
    written with the next vector while the DACs read one bit-slice of the current one; the OR
    written once and read once per completed output.
    Tile: one eDRAM access of the bus width, every bus wire, and one operation of every sigmoid,
    shift-and-add and max-pool unit per tile clock; one value read and one written in the tile OR per
    tile clock; every router port moving one flit per flit-time of its link.
    Chip: every HyperTransport link sending at its full rate.
    """
    arrays, clocks = p.arrays_per_ima, p.tile_clocks_per_cycle
    conversions = arrays * p.adc_conversions_per_read
    ir_read_bytes = arrays * p.xbar_rows * p.dac_bits / 8
    ir_write_bytes = arrays * p.xbar_rows * p.input_bits / 8 / p.cycles_per_input
    return {
        "adc_conversion": p.adcs_per_ima * p.adc_gsamples_per_s * p.cycle_ns,
        "dac_row_drive": arrays * p.xbar_rows,
        "xbar_read": arrays,
        "sample_hold": conversions,
        "ima_shift_add": p.ima_shift_add_units * p.ima_shift_add_gops_per_s * p.cycle_ns,
        "ir_byte": ir_read_bytes + ir_write_bytes,
        "ima_or_byte": 2 * value_bytes(p) * ima_outputs_per_cycle(p),
        "edram_access": clocks,
        "bus_bit": p.tile_bus_wires * clocks,
        "router_flit": p.router_ports * p.mesh_link_flits_per_cycle / p.tiles_per_router,
        "tile_shift_add": p.tile_shift_add_units * clocks,
        "tile_or_byte": 2 * value_bytes(p) * clocks,
        "sigmoid_op": p.sigmoid_units * clocks,
        "maxpool_op": p.maxpool_units * clocks,
        "ht_byte": p.ht_links * p.ht_link_bytes_per_cycle,
    }


def derive(p: Params, rows: tuple[Component, ...]) -> Energy:
    """Per-event energies and static powers for `p`, from its component rows."""
    by_key = {row.key: row for row in rows}
    activity = full_activity(p)
    dynamic = {"chip.ht": 1.0 - p.ht_static_fraction}
    pj: dict[str, float] = {}
    for event, (key, _level) in EVENT_COMPONENT.items():
        power_mw = by_key[key].power_mw * dynamic.get(key, 1.0)
        pj[event] = power_mw * p.cycle_ns / activity[event]
    ht_static_mw = by_key["chip.ht"].power_mw * p.ht_static_fraction
    return Energy(
        adc_conversion_pj=pj["adc_conversion"],
        dac_row_drive_pj=pj["dac_row_drive"],
        xbar_read_pj=pj["xbar_read"],
        sample_hold_pj=pj["sample_hold"],
        ima_shift_add_pj=pj["ima_shift_add"],
        ir_byte_pj=pj["ir_byte"],
        ima_or_byte_pj=pj["ima_or_byte"],
        edram_read_pj=pj["edram_access"],
        edram_write_pj=pj["edram_access"],
        bus_bit_pj=pj["bus_bit"],
        router_flit_pj=pj["router_flit"],
        tile_shift_add_pj=pj["tile_shift_add"],
        tile_or_byte_pj=pj["tile_or_byte"],
        sigmoid_op_pj=pj["sigmoid_op"],
        maxpool_op_pj=pj["maxpool_op"],
        ht_byte_pj=pj["ht_byte"],
        ht_static_mw=ht_static_mw,
        chip_static_mw=ht_static_mw,
    )
