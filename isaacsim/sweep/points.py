"""The points of a sweep: a grid and a list of overrides expanded into points with stable ids.

A point is a dict of dotted workload overrides (``{"precision.weight_bits": 8, ...}``). Its id is
``p`` and a short hash of the overrides' canonical JSON (keys sorted, compact separators), so it
depends only on what the point changes, never on its position in the spec, the order of its keys,
the machine or the working directory: a stored result can be found again by id after the spec is
edited. The leading letter keeps ids text wherever they are read (``pandas.read_csv`` would read an
id of only digits, or digits around one ``e``, as a number), and an id is never more than a plain
folder name (`ID_RE`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

ID_HEX_DIGITS = 10
"""40 bits: a collision among the points of one sweep is vanishingly unlikely (and is checked)."""
ID_PREFIX = "p"
ID_RE = re.compile(rf"{ID_PREFIX}[0-9a-f]{{{ID_HEX_DIGITS}}}")
"""What every point id looks like (and the only folder names a sweep writes under ``points/``)."""


@dataclass(frozen=True)
class Point:
    """One configuration of a sweep."""

    id: str
    """``p`` and a short hash of the canonical overrides (`point_id`)."""
    label: str
    """``key=value`` pairs in spec order, for people (``(base workload)`` without overrides)."""
    overrides: dict[str, Any]
    """Dotted key -> value, grid keys first (in the grid's order), then the list entry's keys."""
    place: str
    """Where the point comes from in the spec, e.g. ``$.grid[3]`` or ``$.points[1] x $.grid[0]``."""


def canonical(overrides: dict[str, Any]) -> str:
    """The canonical JSON of a point's overrides: sorted keys, no spaces, ASCII only."""
    return json.dumps(overrides, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def point_id(overrides: dict[str, Any]) -> str:
    """``p`` and a short, stable hash of the canonical overrides (``p4235b905b7``)."""
    digest = hashlib.sha256(canonical(overrides).encode("ascii")).hexdigest()
    return ID_PREFIX + digest[:ID_HEX_DIGITS]


def render_value(value: Any) -> str:
    """An override value as text: strings as they are, everything else as JSON (``0.125``, ``true``)."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def label(overrides: dict[str, Any]) -> str:
    """``precision.weight_bits=8, crop.fraction=0.125`` (``(base workload)`` when empty)."""
    if not overrides:
        return "(base workload)"
    return ", ".join(f"{k}={render_value(v)}" for k, v in overrides.items())


def make_point(overrides: dict[str, Any], place: str) -> Point:
    return Point(point_id(overrides), label(overrides), dict(overrides), place)


def expand(grid: dict[str, list], entries: list[dict[str, Any]] | None) -> list[Point]:
    """Every point of a sweep, in a deterministic order.

    The grid's cartesian product varies its last key fastest (like nested loops in the grid's key
    order). With a list of entries too, every entry is combined with every grid combination, entries
    in the outer loop; with only a list, the points are its entries; with only a grid, its product.
    The caller has checked that no entry sets a grid key.
    """
    keys = list(grid)
    combos = [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]
    grid_places = [f"$.grid[{i}]" for i in range(len(combos))]
    if entries is None:
        return [make_point(c, p) for c, p in zip(combos, grid_places)]
    points = []
    for j, entry in enumerate(entries):
        if not keys:
            points.append(make_point(dict(entry), f"$.points[{j}]"))
            continue
        for combo, gp in zip(combos, grid_places):
            points.append(make_point({**combo, **entry}, f"$.points[{j}] x {gp}"))
    return points


def override_columns(points: list[Point]) -> list[str]:
    """Every override key of the points, in order of first appearance."""
    seen: dict[str, None] = {}
    for p in points:
        for k in p.overrides:
            seen.setdefault(k, None)
    return list(seen)
