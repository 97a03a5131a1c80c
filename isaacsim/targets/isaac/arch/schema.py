"""The shape of an architecture file (format_version 1) and its validation.

`SPEC` mirrors the JSON tree: a dict is a section, a `Leaf` a value. `check_tree` walks a tree against
it with a `Checker`, recording every problem with its JSON path, and returns the valid values as a flat
dict keyed by dotted key (``"ima.adc.bits"``). `check_rules` adds the checks that involve several
values. The loader (`isaacsim.targets.isaac.arch.load`) runs both and builds the model from the flat values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from isaacsim.targets.isaac.arch.scaling import ADC_MAX_BITS, ADC_MIN_BITS, required_adc_bits
from isaacsim.validate import Bound, Checker, describe, did_you_mean, join

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Leaf:
    """One value: its value type and, for numbers, its `Bound` (docs/input-ranges.md). ``optional``
    values may be absent from a complete file."""

    value_type: str  # "int", "number", "bool", "string" or "adc_bits" (an int in the ADC table, or "auto")
    bound: Bound | None = None
    optional: bool = False


def _int(low: int, high: int, reason: str) -> Leaf:
    return Leaf("int", Bound("integer", low, high, reason))


def _num(low: float, high: float, reason: str) -> Leaf:
    return Leaf("number", Bound("number", low, high, reason))


# Bounds: a physical design point can have them, and nothing derived from them overflows, divides
# by zero or allocates without limit (docs/input-ranges.md gives each derivation).
BITS = _int(1, 32, "fixed-point CNN data is at most 32 bits wide (ISAAC: 16)")
STAGE = _int(0, 1_000_000, "ISAAC's stages take 0 or 1 cycle; 10^6 cycles (1 ms at 1 ns) keeps "
                           "every image's cycle count far below 2**63")
UNITS = _int(1, 4096, "ISAAC has 1 to 4 of each digital unit; 4096 is far more than a tile or IMA "
                      "can feed")
REGISTER = _int(1, 2 ** 24, "ISAAC's registers hold 256 B to 3 KB; 16 MiB is no register")
CLOCK = _num(0.001, 100, "1 MHz to 100 GHz covers any clocked circuit (ISAAC: 1.2 and 1.6 GHz); "
                         "keeps per-cycle rates non-zero")
LINK = _num(0.001, 10_000, "1 MB/s to 10 TB/s per link (ISAAC: 3.2 and 6.4 GB/s); keeps per-cycle "
                           "rates non-zero")
LATENCY = _num(0, 1_000_000, "0 to 1 ms (ISAAC: 4 and 100 ns); at most 10^8 cycles per hop")
COST = {"power_mw": _num(0, 1_000_000, "per instance: at most 1 kW (ISAAC's chip draws 65.8 W)"),
        "area_mm2": _num(0, 1_000_000, "per instance: at most 1 m^2 (ISAAC's chip is 85 mm^2)")}

SPEC: dict[str, Any] = {
    "format_version": Leaf("int", Bound("integer", FORMAT_VERSION, FORMAT_VERSION,
                                        "the only architecture format"), optional=True),
    "name": Leaf("string", optional=True),
    "description": Leaf("string", optional=True),
    "cycle_ns": _num(0.01, 1_000_000, "ISAAC's cycle is 100 ns; 10 ps (100 GHz) to 1 ms covers "
                                      "any clocked design and keeps rates per cycle non-zero"),
    "datapath": {"input_bits": BITS, "weight_bits": BITS},
    "timing": {"fetch_cycles": STAGE, "adc_cycles": STAGE, "ima_sa_cycles": STAGE,
               "tile_sa_cycles": STAGE, "act_cycles": STAGE, "write_cycles": STAGE,
               "pool_cycles": STAGE, "add_cycles": STAGE},
    "ima": {
        "arrays": _int(1, 1024, "ISAAC has 8 crossbars per IMA"),
        "xbar": {"rows": _int(1, 4096, "published crossbars are at most 1024 x 1024 (ISAAC: 128)"),
                 "cols": _int(1, 4096, "published crossbars are at most 1024 x 1024 (ISAAC: 128)"),
                 "cell_bits": _int(1, 8, "memristor cells hold a few bits (ISAAC: 2)"),
                 "flip_encoding": Leaf("bool"),
                 "reference_cells": _int(1, 4096 * 4096, "the cells of the largest crossbar "
                                                         "allowed (ISAAC: 128 x 128)"),
                 **COST},
        "dac": {"bits": _int(1, 8, "DACs of more than 8 bits defeat bit-serial input (ISAAC: 1)"),
                **COST},
        "sample_hold": {**COST},
        "adc": {"bits": Leaf("adc_bits", Bound("integer", ADC_MIN_BITS, ADC_MAX_BITS,
                                               "the published ADC table, or \"auto\"")),
                "units": _int(1, 1_048_576, "ADCs per IMA, shared by its arrays; at most one "
                                            "per column (ISAAC: 8, one per array)"),
                "gsamples_per_s": _num(1e-6, 1000, "1 kS/s to 1 TS/s (ISAAC: 1.28 GS/s)"),
                "reference_bits": _int(ADC_MIN_BITS, ADC_MAX_BITS, "the published ADC table"),
                "reference_gsamples_per_s": _num(1e-6, 1000, "the rate the ADC's power is given "
                                                             "for (ISAAC: 1.28 GS/s)"),
                **COST},
        "shift_add": {"units": UNITS,
                      "gops_per_s": _num(1e-6, 1000, "giga-operations per second of one unit "
                                                     "(ISAAC: 2.56, derived: 4 units keep up "
                                                     "with 8 ADCs at 1.28 GS/s)"),
                      "max_shift": _int(1, 62, "bits one operation shifts either way (ISAAC: 31, "
                                               "derived: a 5-bit amount holds its 0..29); 62 "
                                               "keeps the functional model's shifts in int64"),
                      **COST},
        "ir": {"bytes": REGISTER, **COST},
        "or": {"bytes": REGISTER, **COST},
    },
    "tile": {
        "imas": _int(1, 1024, "ISAAC has 12 IMAs per tile"),
        "clock_ghz": CLOCK,
        "edram": {"bytes": _int(1, 2 ** 26, "ISAAC: 64 KB per tile; DaDianNao has 36 MB on a "
                                            "whole chip"),
                  "banks": _int(1, 1024, "ISAAC: 2"),
                  "bus_bits": _int(1, 65536, "ISAAC: 256"), **COST},
        "bus": {"wires": _int(1, 65536, "ISAAC: 384"), **COST},
        "sigmoid": {"units": UNITS, **COST},
        "shift_add": {"units": UNITS, **COST},
        "maxpool": {"units": UNITS, **COST},
        "or": {"bytes": REGISTER, **COST},
    },
    "mesh": {"tiles_per_router": _int(1, 1024, "ISAAC: 4 (a concentrated mesh)"),
             "ports": _int(1, 1024, "ISAAC: 8"),
             "flit_bits": _int(1, 4096, "ISAAC: 32"),
             "link_gbytes_per_s": LINK, "hop_ns": LATENCY, "router": {**COST}},
    "chip": {
        "tiles": _int(1, 65536, "ISAAC has 168 tiles; 65,536 bounds the mesh (at most 256 x 256 "
                                "routers)"),
        "ht": {"links": _int(1, 1024, "ISAAC: 4"), "link_gbytes_per_s": LINK, "clock_ghz": CLOCK,
               "latency_ns": LATENCY,
               "static_fraction": _num(0, 1, "a share of the link power"), **COST},
    },
}


def leaves(spec: Mapping[str, Any] = SPEC, prefix: str = "") -> Iterator[tuple[str, Leaf]]:
    """Every (dotted key, Leaf) of the spec, in file order."""
    for key, sub in spec.items():
        dotted = f"{prefix}{key}"
        if isinstance(sub, Leaf):
            yield dotted, sub
        else:
            yield from leaves(sub, dotted + ".")


def sections(spec: Mapping[str, Any] = SPEC, prefix: str = "") -> Iterator[str]:
    """Every dotted key that names a section (``"ima"``, ``"ima.adc"``, ...)."""
    for key, sub in spec.items():
        if isinstance(sub, dict):
            yield prefix + key
            yield from sections(sub, f"{prefix}{key}.")


SETTABLE = [key for key, _ in leaves() if key != "format_version"]
SECTIONS = set(sections())


def check_set_key(key: str) -> str | None:
    """Why a dotted override key cannot be set (with a did-you-mean), or None when it can."""
    if key in SETTABLE:
        return None
    if key == "format_version":
        return "format_version is fixed by the file and cannot be set"
    if key in SECTIONS:
        inside = sorted(k for k in SETTABLE if k.startswith(key + ".") and "." not in k[len(key) + 1:])
        return (f"'{key}' is a section, not a value; set one of its keys: "
                f"{', '.join(inside) or '(its subsections)'}")
    parts = key.split(".")
    for i in range(1, len(parts)):
        head = ".".join(parts[:i])
        if head in SETTABLE:
            return f"'{head}' is a value, not a section; it has no key '{parts[i]}'"
    tails = [k for k in SETTABLE if k.endswith("." + key)]
    hint = f" (did you mean '{tails[0]}'?)" if len(tails) == 1 else did_you_mean(key, SETTABLE)
    return f"unknown key '{key}'{hint}"


def check_tree(tree: Any, chk: Checker) -> dict[str, Any]:
    """Validate `tree` against `SPEC`; return the valid values keyed by dotted key."""
    values: dict[str, Any] = {}
    _walk(SPEC, tree, "$", "", chk, values)
    return values


def _walk(spec: Mapping[str, Any], node: Any, path: str, prefix: str, chk: Checker,
          values: dict[str, Any]) -> None:
    required = [k for k, sub in spec.items() if not (isinstance(sub, Leaf) and sub.optional)]
    if not chk.keys(node, path, allowed=spec, required=required):
        if not isinstance(node, Mapping):
            return
    for key, sub in spec.items():
        if key not in node:
            continue
        if isinstance(sub, Leaf):
            value = _leaf(sub, node, key, path, chk)
            if value is not None:
                values[prefix + key] = value
        else:
            _walk(sub, node[key], join(path, key), f"{prefix}{key}.", chk, values)


def _leaf(leaf: Leaf, node: Mapping[str, Any], key: str, path: str, chk: Checker) -> Any:
    if leaf.value_type == "bool":
        return chk.boolean(node, key, path)
    if leaf.value_type == "string":
        return chk.string(node, key, path)
    assert leaf.bound is not None, key  # every numeric leaf (int, number, adc_bits) has a Bound
    if leaf.value_type in ("int", "number"):
        return chk.bounded(node, key, path, leaf.bound)
    value = node[key]  # adc_bits
    if value == "auto" or leaf.bound.problem(value) is None:
        return value
    chk.add(join(path, key),
            f"expected an integer from {ADC_MIN_BITS} to {ADC_MAX_BITS} (the range of the published "
            f"ADC table) or \"auto\", got {describe(value)}")
    return None


@dataclass(frozen=True)
class RuleProblem:
    """A problem involving several values: reported at `place`, caused by any of `keys`."""

    place: str
    message: str
    keys: tuple[str, ...]


def check_rules(values: dict[str, Any]) -> list[RuleProblem]:
    """Checks across values; each runs only when the values it needs are valid.

    Resolves ``ima.adc.bits = "auto"`` in `values` to the required resolution.
    """
    problems: list[RuleProblem] = []

    def have(*keys: str) -> bool:
        return all(k in values for k in keys)

    if have("chip.tiles", "mesh.tiles_per_router"):
        tiles, per = values["chip.tiles"], values["mesh.tiles_per_router"]
        if tiles % per:
            low, high = tiles - tiles % per, tiles + per - tiles % per
            near = " or ".join(str(n) for n in (low, high) if n > 0)
            problems.append(RuleProblem(
                "$.chip.tiles", f"expected a multiple of mesh.tiles_per_router = {per} (every router "
                                f"of the concentrated mesh serves {per} tiles), got {tiles}; use "
                                f"{near}, or change mesh.tiles_per_router",
                ("chip.tiles", "mesh.tiles_per_router")))
        elif have("mesh.ports"):
            routers, ports = tiles // per, values["mesh.ports"]
            need = per + (1 if routers > 1 else 0)
            if ports < need:
                problems.append(RuleProblem(
                    "$.mesh.ports", f"expected at least {need} ports ({per} tiles"
                                    f"{' and a mesh neighbour' if routers > 1 else ''}), got {ports}",
                    ("mesh.ports", "mesh.tiles_per_router", "chip.tiles")))
    problems += _zero_totals(values)
    adc_keys = ("ima.adc.bits", "ima.xbar.rows", "ima.dac.bits", "ima.xbar.cell_bits",
                "ima.xbar.flip_encoding")
    if values.get("ima.adc.bits") == "auto" and have(*adc_keys):
        rows, dac = values["ima.xbar.rows"], values["ima.dac.bits"]
        cell, flip = values["ima.xbar.cell_bits"], values["ima.xbar.flip_encoding"]
        bits = required_adc_bits(rows, dac, cell, flip)
        if ADC_MIN_BITS <= bits <= ADC_MAX_BITS:
            values["ima.adc.bits"] = bits
        else:
            del values["ima.adc.bits"]
            problems.append(RuleProblem(
                "$.ima.adc.bits",
                f"ima.adc.bits \"auto\" needs {bits} bits ({rows} rows, {dac}-bit DAC, {cell}-bit "
                f"cells, flip encoding {'on' if flip else 'off'}), outside the published ADC table "
                f"({ADC_MIN_BITS} to {ADC_MAX_BITS} bits); set ima.adc.bits to an integer in that "
                f"range (too few bits gives a warning) or change the crossbar", adc_keys))
    return problems


def _zero_totals(values: dict[str, Any]) -> list[RuleProblem]:
    """Every component is counted at least once, so the chip's power (or area) is 0 exactly when
    every component's is; then its efficiency and density (per W, per mm^2) are undefined."""
    out = []
    for cost, what in (("power_mw", "power"), ("area_mm2", "area")):
        keys = tuple(k for k, _ in leaves() if k.endswith("." + cost))
        if all(k in values for k in keys) and not any(values[k] for k in keys):
            out.append(RuleProblem(
                f"$.{keys[0]}", f"every component's {cost} is 0, so the chip's {what} would be 0 "
                                f"and its {'GOPS/W' if cost == 'power_mw' else 'GOPS/mm^2'} "
                                f"undefined; give at least one component a {what} > 0", keys))
    return out
