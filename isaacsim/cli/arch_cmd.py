"""`python -m isaacsim arch`: the component table, totals, peak metrics and per-event energies."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from isaacsim.cli.common import arch_parent, json_parent, report_warnings, strict_parent
from isaacsim.jsonio import dumps
from isaacsim.overrides import parse_sets
from isaacsim.targets.isaac.arch import Architecture, load_arch

CONVERSIONS = ("tile_clocks_per_cycle", "edram_bytes_per_cycle", "tile_bus_bits_per_cycle",
               "mesh_link_bits_per_cycle", "mesh_link_bytes_per_cycle", "mesh_link_flits_per_cycle",
               "mesh_hop_cycles",
               "ht_link_bytes_per_cycle", "ht_latency_cycles", "cycles_per_input",
               "slices_per_weight", "adc_conversions_per_read", "adc_bits_required")


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "arch", parents=[*parents, arch_parent(), json_parent(), strict_parent()],
        help="show the architecture: component table, power, area, peak metrics, energies",
        description="Print the component table of an architecture (per component, per IMA, per tile "
                    "and per chip power and area), its peak metrics (MACs/s, CE, PE, SE) and the CE "
                    "and PE its ADCs and shift-and-adds sustain, the per-event energies the "
                    "simulator charges, and any warnings.",
        epilog="examples: python -m isaacsim arch --set ima.adc.bits=9 | "
               "python -m isaacsim arch --arch my-arch.json --json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    arch = load_arch(args.arch, parse_sets(args.sets))
    if args.strict and arch.warnings:
        report_warnings(arch.warnings, args.arch, strict=True)
    print(dumps(summary(arch)) if args.json else text(arch), end="")
    return 0


def summary(arch: Architecture) -> dict[str, Any]:
    """The one JSON object `--json` prints."""
    t = arch.totals
    return {
        "name": arch.name,
        "ima": {"power_mw": t.ima_power_mw, "area_mm2": t.ima_area_mm2},
        "tile": {"power_mw": t.tile_power_mw, "area_mm2": t.tile_area_mm2},
        "chip": {"power_w": t.chip_power_w, "area_mm2": t.chip_area_mm2},
        "peak": asdict(arch.peak),
        "components": [row.to_dict() for row in arch.components],
        "energy_pj": arch.energy.event_pj(),
        "static_mw": arch.energy.static_mw(),
        "per_cycle": {k: getattr(arch, k) for k in CONVERSIONS},
        "warnings": list(arch.warnings),
        "parameters": arch.to_dict(),
    }


def _row(level: str, name: str, count: str, params: str, power_mw: float, area_mm2: float,
         source: str = "") -> str:
    return (f"{level:<5} {name:<26} {count:>6}  {params:<44} {power_mw:>11.3f} {area_mm2:>10.5f}  "
            f"{source}").rstrip()


def _count(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else f"{n:g}"


def text(arch: Architecture) -> str:
    """The human-readable report."""
    t, pk = arch.totals, arch.peak
    adc_note = f"{arch.adc_bits}-bit ADCs (need {arch.adc_bits_required}" \
               f"{', flip encoding' if arch.flip_encoding else ', no flip encoding'})"
    lines = [
        f"architecture {arch.name}: {arch.tiles_per_chip} tiles x {arch.imas_per_tile} IMAs x "
        f"{arch.arrays_per_ima} crossbars of {arch.xbar_rows} x {arch.xbar_cols}, "
        f"{arch.cell_bits} bits/cell, {arch.dac_bits}-bit DACs, {adc_note}, cycle {arch.cycle_ns:g} ns",
        "",
        f"{'level':<5} {'component':<26} {'count':>6}  {'parameters':<44} {'power mW':>11} "
        f"{'area mm^2':>10}  cost source",
    ]
    subtotal = {"ima": ("one IMA", t.ima_power_mw, t.ima_area_mm2),
                "tile": ("one tile", t.tile_power_mw, t.tile_area_mm2),
                "chip": ("one chip", t.chip_power_w * 1000, t.chip_area_mm2)}
    inner = {"tile": ("IMAs", arch.imas_per_tile, t.ima_power_mw, t.ima_area_mm2),
             "chip": ("tiles", arch.tiles_per_chip, t.tile_power_mw, t.tile_area_mm2)}
    for level in ("ima", "tile", "chip"):
        if level in inner:
            name, n, mw, mm2 = inner[level]
            lines.append(_row(level, name, _count(n), "", n * mw, n * mm2))
        for row in (r for r in arch.components if r.level == level):
            lines.append(_row(level, row.name, _count(row.count), row.parameters, row.power_mw,
                              row.area_mm2, row.source))
        name, mw, mm2 = subtotal[level]
        lines += [_row("", "= " + name, "", "", mw, mm2), ""]
    lines += [
        f"chip: {t.chip_power_w:.3f} W, {t.chip_area_mm2:.3f} mm^2; tile: {t.tile_power_mw:.2f} mW, "
        f"{t.tile_area_mm2:.5f} mm^2; IMA: {t.ima_power_mw:.3f} mW, {t.ima_area_mm2:.5f} mm^2",
        "",
        "peak (every array reading every cycle; 1 MAC = 2 ops; MB = 2^20 bytes):",
        f"  MACs/s      {pk.macs_per_s:.4e}  ({pk.gops_per_array:g} GOPS per array x "
        f"{arch.arrays_per_chip} arrays = {pk.gops:.2f} GOPS)",
        f"  CE          {pk.ce_gops_s_mm2:.2f} GOPS/s/mm^2",
        f"  PE          {pk.pe_gops_w:.2f} GOPS/W",
        f"  SE          {pk.se_mb_mm2:.4f} MB/mm^2  ({pk.weights_per_chip:.0f} weights of "
        f"{arch.weight_bits} bits)",
        f"  energy/MAC  {pk.chip_pj_per_mac:.3f} pJ (whole chip at peak)",
        f"sustained by the readout (ADCs and IMA shift-and-adds: {pk.readout_share:.4f} reads per "
        f"array per cycle):",
        f"  CE          {pk.sustained_ce_gops_s_mm2:.2f} GOPS/s/mm^2",
        f"  PE          {pk.sustained_pe_gops_w:.2f} GOPS/W",
        "",
        "energy per event (pJ; docs/energy-model.md):",
    ]
    lines += [f"  {k:<20} {v:.6g}" for k, v in arch.energy.event_pj().items()]
    lines.append(f"static power: HyperTransport {arch.energy.ht_static_mw:g} mW "
                 f"(chip total {arch.energy.chip_static_mw:g} mW)")
    lines.append("")
    lines += [f"warning: {w}" for w in arch.warnings] or ["warnings: none"]
    return "\n".join(lines) + "\n"
