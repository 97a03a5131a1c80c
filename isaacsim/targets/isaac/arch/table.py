"""The component table (ISAAC Table I layout), its totals, and the peak metrics (Table IV).

Costs in the architecture file are per instance; counts come from the structure (ADCs = `ima.adc.units`
per IMA, DACs = arrays x rows, S+Hs = arrays x columns, ...). The ADC is scaled to its resolution and
sample rate and the crossbar to its size (`isaacsim.targets.isaac.arch.scaling`).
"""

from __future__ import annotations

from typing import Any

from isaacsim.targets.isaac.arch.model import Component, Params, Peak, Totals
from isaacsim.targets.isaac.arch.scaling import adc_cost, xbar_cost

MB_BYTES = 2 ** 20
"""Bytes in the MB of SE (MB/mm^2): binary, as DaDianNao's 36 MB eDRAM and ISAAC's 0.74 imply."""


def _kb(n_bytes: int) -> str:
    return f"{n_bytes // 1024} KB" if n_bytes % 1024 == 0 else f"{n_bytes} B"


def component_rows(p: Params, values: dict[str, Any]) -> tuple[Component, ...]:
    """The table's rows for `p`, with per-instance costs from the flat validated `values`."""
    def cost(key: str) -> tuple[float, float]:
        return values[f"{key}.power_mw"], values[f"{key}.area_mm2"]

    adc = adc_cost(*cost("ima.adc"), p.adc_bits, values["ima.adc.reference_bits"],
                   p.adc_gsamples_per_s, values["ima.adc.reference_gsamples_per_s"])
    xbar = xbar_cost(*cost("ima.xbar"), p.xbar_rows, p.xbar_cols, values["ima.xbar.reference_cells"])
    arrays = p.arrays_per_ima
    adc_source = ("[D]" if p.adc_bits == values["ima.adc.reference_bits"]
                  and p.adc_gsamples_per_s == values["ima.adc.reference_gsamples_per_s"]
                  else "[D] scaled")
    xbar_source = ("[D]" if p.xbar_rows * p.xbar_cols == values["ima.xbar.reference_cells"]
                   else "[U] cell-scaled")
    rows = [
        ("ima", "ima.adc", "ADC", p.adcs_per_ima,
         f"{p.adc_bits} bit, {p.adc_gsamples_per_s:g} GS/s, shared by {arrays} arrays", adc,
         adc_source),
        ("ima", "ima.dac", "DAC", arrays * p.xbar_rows, f"{p.dac_bits} bit, one per row",
         cost("ima.dac"), "[D]"),
        ("ima", "ima.sample_hold", "sample-and-hold", arrays * p.xbar_cols, "one per column",
         cost("ima.sample_hold"), "[D]"),
        ("ima", "ima.xbar", "memristor crossbar", arrays,
         f"{p.xbar_rows} x {p.xbar_cols}, {p.cell_bits} bits/cell"
         f"{', flip encoding' if p.flip_encoding else ''}", xbar, xbar_source),
        ("ima", "ima.shift_add", "shift-and-add (IMA)", p.ima_shift_add_units, "",
         cost("ima.shift_add"), "[D]"),
        ("ima", "ima.ir", "input register (IR)", 1, _kb(p.ir_bytes), cost("ima.ir"), "[P]"),
        ("ima", "ima.or", "output register (IMA OR)", 1, _kb(p.ima_or_bytes), cost("ima.or"), "[P]"),
        ("tile", "tile.edram", "eDRAM buffer", 1,
         f"{_kb(p.edram_bytes)}, {p.edram_banks} banks, {p.edram_bus_bits}-bit bus",
         cost("tile.edram"), "[P]"),
        ("tile", "tile.bus", "eDRAM-to-IMA bus", 1, f"{p.tile_bus_wires} wires",
         cost("tile.bus"), "[P]"),
        ("tile", "mesh.router", "router (shared)", 1 / p.tiles_per_router,
         f"{p.flit_bits}-bit flits, {p.router_ports} ports, 1 per {p.tiles_per_router} tiles",
         cost("mesh.router"), "[P]"),
        ("tile", "tile.sigmoid", "sigmoid", p.sigmoid_units, "", cost("tile.sigmoid"), "[D]"),
        ("tile", "tile.shift_add", "shift-and-add (tile)", p.tile_shift_add_units, "",
         cost("tile.shift_add"), "[P]"),
        ("tile", "tile.maxpool", "max-pool", p.maxpool_units, "", cost("tile.maxpool"), "[P]"),
        ("tile", "tile.or", "output register (tile OR)", 1, _kb(p.tile_or_bytes), cost("tile.or"),
         "[P]"),
        ("chip", "chip.ht", "HyperTransport link", p.ht_links,
         f"{p.ht_link_gbytes_per_s:g} GB/s, {p.ht_clock_ghz:g} GHz", cost("chip.ht"), "[D]"),
    ]
    return tuple(Component(level, key, name, count, params, power, area, source)
                 for level, key, name, count, params, (power, area), source in rows)


def totals(p: Params, rows: tuple[Component, ...]) -> Totals:
    """Power and area of one IMA, one tile and one chip (routers: 1 / tiles_per_router per tile)."""
    def level_sum(level: str) -> tuple[float, float]:
        own = [r for r in rows if r.level == level]
        return sum(r.power_mw for r in own), sum(r.area_mm2 for r in own)

    ima_mw, ima_mm2 = level_sum("ima")
    tile_mw, tile_mm2 = level_sum("tile")
    chip_mw, chip_mm2 = level_sum("chip")
    tile_mw += p.imas_per_tile * ima_mw
    tile_mm2 += p.imas_per_tile * ima_mm2
    chip_mw += p.tiles_per_chip * tile_mw
    chip_mm2 += p.tiles_per_chip * tile_mm2
    return Totals(ima_mw, ima_mm2, tile_mw, tile_mm2, chip_mw / 1000.0, chip_mm2)


def weights_per_array(p: Params) -> float:
    """Native-precision weights one array holds: rows x (cols / cells per weight).

    Fractional when the columns are not a multiple of the cells per weight: a weight may span two
    arrays, whose partial sums the shift-and-add merges anyway.
    """
    return p.xbar_rows * p.xbar_cols / p.slices_per_weight


def peak(p: Params, t: Totals) -> Peak:
    """Peak metrics: every array reads every cycle; one MAC per weight per input vector.

    An array finishes one input vector every `cycles_per_input` cycles, performing one MAC per weight
    it holds. ISAAC-CE: 128 x 16 MACs per 16 x 100 ns = 1.28 GMAC/s = 2.56 GOPS per array.
    """
    weights = weights_per_array(p)
    macs_per_array_s = weights / (p.cycles_per_input * p.cycle_ns * 1e-9)
    macs = p.arrays_per_chip * macs_per_array_s
    gops = 2.0 * macs / 1e9
    weight_bytes = p.arrays_per_chip * weights * p.weight_bits / 8
    readout = min(p.adcs_per_ima * p.adc_gsamples_per_s,
                  p.ima_shift_add_units * p.ima_shift_add_gops_per_s) * p.cycle_ns
    share = min(1.0, readout / (p.arrays_per_ima * p.adc_conversions_per_read))
    return Peak(
        macs_per_s=macs,
        gops_per_array=2.0 * macs_per_array_s / 1e9,
        gops=gops,
        ce_gops_s_mm2=gops / t.chip_area_mm2,
        pe_gops_w=gops / t.chip_power_w,
        se_mb_mm2=weight_bytes / MB_BYTES / t.chip_area_mm2,
        weights_per_chip=p.arrays_per_chip * weights,
        weight_bytes_per_chip=weight_bytes,
        chip_pj_per_mac=t.chip_power_w / macs * 1e12,
        readout_share=share,
        sustained_ce_gops_s_mm2=share * gops / t.chip_area_mm2,
        sustained_pe_gops_w=share * gops / t.chip_power_w,
    )
