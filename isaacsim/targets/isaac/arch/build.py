"""Building an `Architecture` from validated values: parameters, unit conversions, table, energies,
and the warnings a valid but doubtful configuration deserves."""

from __future__ import annotations

import json
import math
from dataclasses import fields
from typing import Any

from isaacsim.targets.isaac.arch import energy, table
from isaacsim.targets.isaac.arch.model import Architecture, Params
from isaacsim.targets.isaac.arch.scaling import required_adc_bits

MAX_ROUTERS = 65536
"""chip.tiles <= 65,536 (docs/input-ranges.md): the search below takes at most 256 steps."""


def mesh_shape(routers: int) -> tuple[int, int]:
    """Routers along x and y: the most nearly square factorisation, x >= y (ISAAC: 42 = 7 x 6)."""
    if not 1 <= routers <= MAX_ROUTERS:
        raise ValueError(f"routers must be from 1 to {MAX_ROUTERS}, got {routers}")
    y = max(d for d in range(1, math.isqrt(routers) + 1) if routers % d == 0)
    return routers // y, y


def _per_cycle(x: float) -> float:
    """A rate converted to per-cycle units, cleaned of float noise (3.2 x 100 gives 320, not
    320.00000000000006), so that callers may floor it safely."""
    return round(x, 9)


def _whole_cycles(ns: float, cycle_ns: float) -> int:
    """A latency in ns as the nearest whole number of cycles (halves round up)."""
    return math.floor(ns / cycle_ns + 0.5)


def params(v: dict[str, Any]) -> Params:
    """`Params` from the flat dotted `values` of a valid tree (ADC bits already resolved)."""
    cycle_ns = v["cycle_ns"]
    rows, dac_bits, cell_bits = v["ima.xbar.rows"], v["ima.dac.bits"], v["ima.xbar.cell_bits"]
    flip = v["ima.xbar.flip_encoding"]
    tiles, per_router = v["chip.tiles"], v["mesh.tiles_per_router"]
    routers = tiles // per_router
    routers_x, routers_y = mesh_shape(routers)
    tile_clocks = _per_cycle(v["tile.clock_ghz"] * cycle_ns)
    mesh_link_bytes = _per_cycle(v["mesh.link_gbytes_per_s"] * cycle_ns)
    stages = {k: v[f"timing.{k}"] for k in ("fetch_cycles", "adc_cycles", "ima_sa_cycles",
                                           "tile_sa_cycles", "act_cycles", "write_cycles",
                                           "pool_cycles", "add_cycles")}
    return Params(
        name=v["name"], cycle_ns=cycle_ns,
        input_bits=v["datapath.input_bits"], weight_bits=v["datapath.weight_bits"], **stages,
        arrays_per_ima=v["ima.arrays"], xbar_rows=rows, xbar_cols=v["ima.xbar.cols"],
        cell_bits=cell_bits, flip_encoding=flip, dac_bits=dac_bits, adc_bits=v["ima.adc.bits"],
        adc_bits_required=required_adc_bits(rows, dac_bits, cell_bits, flip),
        adcs_per_ima=v["ima.adc.units"], adc_gsamples_per_s=v["ima.adc.gsamples_per_s"],
        ima_shift_add_units=v["ima.shift_add.units"],
        ima_shift_add_gops_per_s=v["ima.shift_add.gops_per_s"],
        ima_shift_add_max_shift=v["ima.shift_add.max_shift"], ir_bytes=v["ima.ir.bytes"],
        ima_or_bytes=v["ima.or.bytes"],
        imas_per_tile=v["tile.imas"], tile_clock_ghz=v["tile.clock_ghz"],
        edram_bytes=v["tile.edram.bytes"], edram_banks=v["tile.edram.banks"],
        edram_bus_bits=v["tile.edram.bus_bits"], tile_bus_wires=v["tile.bus.wires"],
        sigmoid_units=v["tile.sigmoid.units"], tile_shift_add_units=v["tile.shift_add.units"],
        maxpool_units=v["tile.maxpool.units"], tile_or_bytes=v["tile.or.bytes"],
        tiles_per_router=per_router, router_ports=v["mesh.ports"], flit_bits=v["mesh.flit_bits"],
        mesh_link_gbytes_per_s=v["mesh.link_gbytes_per_s"], mesh_hop_ns=v["mesh.hop_ns"],
        tiles_per_chip=tiles, ht_links=v["chip.ht.links"],
        ht_link_gbytes_per_s=v["chip.ht.link_gbytes_per_s"], ht_clock_ghz=v["chip.ht.clock_ghz"],
        ht_latency_ns=v["chip.ht.latency_ns"], ht_static_fraction=v["chip.ht.static_fraction"],
        cycles_per_input=-(-v["datapath.input_bits"] // dac_bits),
        slices_per_weight=-(-v["datapath.weight_bits"] // cell_bits),
        adc_conversions_per_read=v["ima.xbar.cols"] + (1 if flip else 0),
        arrays_per_chip=v["ima.arrays"] * v["tile.imas"] * tiles,
        imas_per_chip=v["tile.imas"] * tiles,
        routers_per_chip=routers, mesh_routers_x=routers_x, mesh_routers_y=routers_y,
        tile_clocks_per_cycle=tile_clocks,
        edram_bytes_per_cycle=_per_cycle(v["tile.edram.bus_bits"] / 8 * tile_clocks),
        tile_bus_bits_per_cycle=_per_cycle(v["tile.bus.wires"] * tile_clocks),
        mesh_link_bits_per_cycle=_per_cycle(mesh_link_bytes * 8),
        mesh_link_bytes_per_cycle=mesh_link_bytes,
        mesh_link_flits_per_cycle=_per_cycle(mesh_link_bytes * 8 / v["mesh.flit_bits"]),
        mesh_hop_cycles=_whole_cycles(v["mesh.hop_ns"], cycle_ns),
        ht_link_bytes_per_cycle=_per_cycle(v["chip.ht.link_gbytes_per_s"] * cycle_ns),
        ht_latency_cycles=_whole_cycles(v["chip.ht.latency_ns"], cycle_ns),
    )


def warnings(p: Params) -> tuple[str, ...]:
    """Valid configurations that cannot work as intended: each message says why and what to change."""
    out = []
    if p.adc_bits < p.adc_bits_required:
        out.append(f"ima.adc.bits = {p.adc_bits} is fewer than the {p.adc_bits_required} bits a "
                   f"column sum can need ({p.xbar_rows} rows, {p.dac_bits}-bit DAC, {p.cell_bits}-bit "
                   f"cells, flip encoding {'on' if p.flip_encoding else 'off'}): large sums saturate")
    # the unit column is not counted here, as in the paper's own sizing; timing counts it
    per_adc = p.arrays_per_ima * p.xbar_cols / p.adcs_per_ima
    capacity = p.adc_gsamples_per_s * p.cycle_ns
    if per_adc > capacity * (1 + 1e-9):
        out.append(f"each ADC must convert {per_adc:g} columns per {p.cycle_ns:g} ns cycle but "
                   f"ima.adc.gsamples_per_s = {p.adc_gsamples_per_s:g} allows {capacity:g}: the "
                   f"crossbar reads slow down to the ADCs' rate (docs/timing-model.md s12); raise "
                   f"the sample rate or ima.adc.units for full speed")
    vector_bytes = p.arrays_per_ima * p.xbar_rows * p.input_bits / 8
    if p.ir_bytes < vector_bytes:
        out.append(f"ima.ir.bytes = {p.ir_bytes} cannot hold one input vector for every array "
                   f"({vector_bytes:g} bytes)")
    out_bytes = energy.ima_outputs_per_cycle(p) * p.cycles_per_input * energy.value_bytes(p)
    if p.ima_or_bytes < out_bytes:
        out.append(f"ima.or.bytes = {p.ima_or_bytes} cannot hold one output vector of every array "
                   f"({out_bytes:g} bytes)")
    bus_demand = p.imas_per_tile * vector_bytes * 8 / p.cycles_per_input
    if bus_demand > p.tile_bus_bits_per_cycle * (1 + 1e-9):
        out.append(f"the tile bus moves {p.tile_bus_bits_per_cycle:g} bits per cycle but the IMAs read "
                   f"{bus_demand:g} input bits per cycle at full activity: widen tile.bus.wires")
    return tuple(out)


def architecture(values: dict[str, Any], tree: dict[str, Any]) -> Architecture:
    """The complete model from validated flat `values` and the resolved tree they came from."""
    p = params(values)
    rows = table.component_rows(p, values)
    tot = table.totals(p, rows)
    resolved = dict(tree)
    resolved["name"] = p.name
    resolved["ima"] = dict(tree["ima"], adc=dict(tree["ima"]["adc"], bits=p.adc_bits))
    base = {f.name: getattr(p, f.name) for f in fields(Params)}
    return Architecture(**base, components=rows, totals=tot, peak=table.peak(p, tot),
                        energy=energy.derive(p, rows), warnings=warnings(p),
                        tree_json=json.dumps(resolved))
