"""The architecture model: immutable records built once by `isaacsim.targets.isaac.arch.load_arch`.

`Params` holds every parameter, resolved, with unit conversions done once at load (gem5 style:
link widths and clock rates become bits or bytes per ISAAC cycle, latencies become cycles).
`Architecture` is a `Params` plus what is computed from it: the component rows, totals, peak metrics,
per-event energies and warnings. Names carry their units.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Component:
    """One row of the component table: `count` instances per IMA, tile or chip (`level`)."""

    level: str
    """"ima", "tile" or "chip": the unit the count is per."""
    key: str
    """Dotted key of its section in the architecture file, e.g. ``"ima.adc"``."""
    name: str
    count: float
    """Instances per `level` (the router is shared: 1 / tiles_per_router per tile)."""
    parameters: str
    power_mw_each: float
    area_mm2_each: float
    source: str
    """Source tag of the per-instance power and area: [P] published (one instance per tile or IMA),
    [D] derived from a published group total or by the ADC table, [U] modelling choice."""

    @property
    def power_mw(self) -> float:
        return self.count * self.power_mw_each

    @property
    def area_mm2(self) -> float:
        return self.count * self.area_mm2_each

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["power_mw"], out["area_mm2"] = self.power_mw, self.area_mm2
        return out


@dataclass(frozen=True)
class Totals:
    """Power and area of one IMA, one tile (its IMAs plus its periphery) and one chip."""

    ima_power_mw: float
    ima_area_mm2: float
    tile_power_mw: float
    tile_area_mm2: float
    chip_power_w: float
    chip_area_mm2: float


@dataclass(frozen=True)
class Peak:
    """Peak metrics: every array of the chip reading every cycle at the native precision.

    One MAC counts as two operations; a MB is 2^20 bytes (docs/architecture.md, "Peak metrics").
    """

    macs_per_s: float
    gops_per_array: float
    gops: float
    ce_gops_s_mm2: float
    pe_gops_w: float
    se_mb_mm2: float
    weights_per_chip: float
    weight_bytes_per_chip: float
    chip_pj_per_mac: float
    readout_share: float
    """Reads per array per cycle the IMA's readout sustains: its ADCs' and shift-and-adds' rate over
    the conversions of every array reading every cycle, at most 1 (ISAAC-CE: 128 / 129, the flip
    encoding's unit column)."""
    sustained_ce_gops_s_mm2: float
    sustained_pe_gops_w: float
    """CE and PE at the rate the readout sustains (`readout_share` x the peak)."""


@dataclass(frozen=True)
class Energy:
    """Per-event energies in pJ and static powers in mW (docs/energy-model.md derives each)."""

    adc_conversion_pj: float
    """One ADC conversion of one column of one read."""
    dac_row_drive_pj: float
    """One DAC driving one row for one bit-cycle."""
    xbar_read_pj: float
    """One crossbar array read for one bit-cycle (all its cells)."""
    sample_hold_pj: float
    """One sample-and-hold capturing one column for one read."""
    ima_shift_add_pj: float
    """One shift-and-add operation (one pass) on an ADC result in the IMA."""
    ir_byte_pj: float
    """One byte read from or written to an IMA's input register."""
    ima_or_byte_pj: float
    """One byte read from or written to an IMA's output register."""
    edram_read_pj: float
    """One eDRAM read of one bus width (256 bits in ISAAC-CE)."""
    edram_write_pj: float
    """One eDRAM write of one bus width."""
    bus_bit_pj: float
    """One bit moved over the tile's eDRAM-to-IMA bus."""
    router_flit_pj: float
    """One flit passing through one router (one hop)."""
    tile_shift_add_pj: float
    """One partial sum added at the tile's shift-and-add."""
    tile_or_byte_pj: float
    """One byte read from or written to the tile's output register."""
    sigmoid_op_pj: float
    """One activation value computed by a sigmoid unit."""
    maxpool_op_pj: float
    """One value folded into a pooling window's maximum."""
    ht_byte_pj: float
    """One byte sent over a HyperTransport link (the dynamic share of the link power)."""
    ht_static_mw: float
    """HyperTransport power drawn whenever the chip is on, whatever the traffic."""
    chip_static_mw: float
    """All static power of one chip (only HyperTransport is static in this model)."""

    def event_pj(self) -> dict[str, float]:
        """The per-event energies alone, keyed by field name."""
        return {k: v for k, v in asdict(self).items() if k.endswith("_pj")}

    def static_mw(self) -> dict[str, float]:
        return {"ht": self.ht_static_mw, "chip": self.chip_static_mw}


@dataclass(frozen=True)
class Params:
    """Every parameter of an architecture, resolved; conversions to ISAAC cycles done at load."""

    name: str
    cycle_ns: float
    input_bits: int
    weight_bits: int
    # per-operation pipeline stages, in ISAAC cycles (docs/timing-model.md section 4)
    fetch_cycles: int
    adc_cycles: int
    ima_sa_cycles: int
    tile_sa_cycles: int
    act_cycles: int
    write_cycles: int
    pool_cycles: int
    add_cycles: int
    # IMA
    arrays_per_ima: int
    xbar_rows: int
    xbar_cols: int
    cell_bits: int
    flip_encoding: bool
    dac_bits: int
    adc_bits: int
    adc_bits_required: int
    adcs_per_ima: int
    adc_gsamples_per_s: float
    ima_shift_add_units: int
    ima_shift_add_gops_per_s: float
    ima_shift_add_max_shift: int
    ir_bytes: int
    ima_or_bytes: int
    # tile
    imas_per_tile: int
    tile_clock_ghz: float
    edram_bytes: int
    edram_banks: int
    edram_bus_bits: int
    tile_bus_wires: int
    sigmoid_units: int
    tile_shift_add_units: int
    maxpool_units: int
    tile_or_bytes: int
    # mesh
    tiles_per_router: int
    router_ports: int
    flit_bits: int
    mesh_link_gbytes_per_s: float
    mesh_hop_ns: float
    # chip
    tiles_per_chip: int
    ht_links: int
    ht_link_gbytes_per_s: float
    ht_clock_ghz: float
    ht_latency_ns: float
    ht_static_fraction: float
    # derived counts
    cycles_per_input: int
    """Bit-cycles to stream one input through the DACs: ceil(input_bits / dac_bits)."""
    slices_per_weight: int
    """Cells (adjacent columns) holding one weight: ceil(weight_bits / cell_bits)."""
    adc_conversions_per_read: int
    """Columns sampled and converted per array read: the weight columns plus, with the flip
    encoding, the unit column (docs/energy-model.md)."""
    arrays_per_chip: int
    imas_per_chip: int
    routers_per_chip: int
    mesh_routers_x: int
    mesh_routers_y: int
    # unit conversions to ISAAC cycles
    tile_clocks_per_cycle: float
    edram_bytes_per_cycle: float
    tile_bus_bits_per_cycle: float
    mesh_link_bits_per_cycle: float
    mesh_link_bytes_per_cycle: float
    mesh_link_flits_per_cycle: float
    mesh_hop_cycles: int
    """`mesh_hop_ns` rounded to the nearest whole cycle (0 for ISAAC-CE's 4 ns hop)."""
    ht_link_bytes_per_cycle: float
    ht_latency_cycles: int
    """`ht_latency_ns` rounded to the nearest whole cycle."""


@dataclass(frozen=True)
class Architecture(Params):
    """A complete architecture: parameters plus component rows, totals, peak metrics, energies."""

    components: tuple[Component, ...]
    totals: Totals
    peak: Peak
    energy: Energy
    warnings: tuple[str, ...]
    tree_json: str = field(repr=False)
    """The resolved architecture file (base and overrides applied, ADC bits resolved), as JSON."""

    def to_dict(self) -> dict[str, Any]:
        """The full resolved JSON tree; saved to a file it loads back to an equal Architecture."""
        return json.loads(self.tree_json)

    def component(self, key: str) -> Component:
        """The row whose section is `key` (e.g. ``"ima.adc"``)."""
        for row in self.components:
            if row.key == key:
                return row
        raise KeyError(f"no component {key!r}; have {', '.join(r.key for r in self.components)}")
