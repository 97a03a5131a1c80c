"""The shape of an architecture file (format_version 1) and its validation.

`SPEC` mirrors the JSON tree: a dict is a section, a `Leaf` a value. `check_tree` walks a tree against
it with a `Checker`, recording every problem with its JSON path, and returns the valid values as a flat
dict keyed by dotted key (``"ima.adc.bits"``). `check_rules` adds the checks that involve several
values. The loader (`isaacsim.arch.load`) runs both and builds the model from the flat values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from isaacsim.arch.scaling import ADC_MAX_BITS, ADC_MIN_BITS, required_adc_bits
from isaacsim.validate import Checker, describe, did_you_mean, join

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Leaf:
    """One value: its kind and bounds. ``optional`` values may be absent from a complete file."""

    kind: str  # "int", "number", "bool", "string" or "adc_bits" (an int in the ADC table, or "auto")
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    optional: bool = False


COUNT = Leaf("int", 1)
STAGE = Leaf("int", 0)
BITS = Leaf("int", 1, 32)
POSITIVE = Leaf("number", 0, exclusive_minimum=True)
NON_NEGATIVE = Leaf("number", 0)
COST = {"power_mw": NON_NEGATIVE, "area_mm2": NON_NEGATIVE}

SPEC: dict[str, Any] = {
    "format_version": Leaf("int", optional=True),  # checked first by the loader
    "name": Leaf("string", optional=True),
    "description": Leaf("string", optional=True),
    "cycle_ns": POSITIVE,
    "datapath": {"input_bits": BITS, "weight_bits": BITS},
    "timing": {"fetch_cycles": STAGE, "adc_cycles": STAGE, "ima_sa_cycles": STAGE,
               "tile_sa_cycles": STAGE, "act_cycles": STAGE, "write_cycles": STAGE,
               "pool_cycles": STAGE, "add_cycles": STAGE},
    "ima": {
        "arrays": COUNT,
        "xbar": {"rows": COUNT, "cols": COUNT, "cell_bits": Leaf("int", 1, 8),
                 "flip_encoding": Leaf("bool"), "reference_cells": COUNT, **COST},
        "dac": {"bits": Leaf("int", 1, 8), **COST},
        "sample_hold": {**COST},
        "adc": {"bits": Leaf("adc_bits"), "per_array": COUNT, "gsamples_per_s": POSITIVE,
                "reference_bits": Leaf("int", ADC_MIN_BITS, ADC_MAX_BITS), **COST},
        "shift_add": {"units": COUNT, **COST},
        "ir": {"bytes": COUNT, **COST},
        "or": {"bytes": COUNT, **COST},
    },
    "tile": {
        "imas": COUNT,
        "clock_ghz": POSITIVE,
        "edram": {"bytes": COUNT, "banks": COUNT, "bus_bits": COUNT, **COST},
        "bus": {"wires": COUNT, **COST},
        "sigmoid": {"units": COUNT, **COST},
        "shift_add": {"units": COUNT, **COST},
        "maxpool": {"units": COUNT, **COST},
        "or": {"bytes": COUNT, **COST},
    },
    "mesh": {"tiles_per_router": COUNT, "ports": COUNT, "flit_bits": COUNT,
             "link_gbytes_per_s": POSITIVE, "hop_ns": NON_NEGATIVE, "router": {**COST}},
    "chip": {
        "tiles": COUNT,
        "ht": {"links": COUNT, "link_gbytes_per_s": POSITIVE, "clock_ghz": POSITIVE,
               "latency_ns": NON_NEGATIVE, "static_fraction": Leaf("number", 0, 1), **COST},
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
    if leaf.kind == "int":
        return chk.integer(node, key, path, minimum=leaf.minimum, maximum=leaf.maximum)
    if leaf.kind == "number":
        return chk.number(node, key, path, minimum=leaf.minimum, maximum=leaf.maximum,
                          exclusive_minimum=leaf.exclusive_minimum)
    if leaf.kind == "bool":
        return chk.boolean(node, key, path)
    if leaf.kind == "string":
        return chk.string(node, key, path)
    value = node[key]  # adc_bits
    if value == "auto":
        return value
    good = not isinstance(value, bool) and (
        isinstance(value, int) or (isinstance(value, float) and value.is_integer()))
    if good and ADC_MIN_BITS <= value <= ADC_MAX_BITS:
        return int(value)
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
