"""`python -m isaacsim map WORKLOAD`: where every layer of a workload's network goes, and how much
of its arrays its weights use (docs/mapping.md s6)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from isaacsim.cli.common import (
    at_least,
    json_parent,
    report_model_notes,
    report_warnings,
    strict_parent,
    workload_argument,
    workload_sets_parent,
)
from isaacsim.jsonio import dumps
from isaacsim.overrides import parse_sets
from isaacsim.targets.isaac.mapping import PACKINGS, POLICIES, LayerMapping, Mapping
from isaacsim.workload import load_workload

HELP = "map a workload's network onto arrays, IMAs, tiles and chips"


def register(subparsers, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "map", parents=parents + [json_parent(), workload_sets_parent(), strict_parent()], help=HELP,
        description=HELP + ", with ISAAC's replication; see docs/mapping.md. Options given here "
                           "override the workload's mapping section.")
    workload_argument(p)
    p.add_argument("--replication", choices=POLICIES, default=None,
                   help="none: one copy per layer; isaac: balance by the downstream strides "
                        "(default: the workload's, isaac if it says nothing)")
    p.add_argument("--chips", type=at_least(1, "chips"), default=None, metavar="N",
                   help="chip budget: the largest balanced replication that fits in N chips")
    p.add_argument("--packing", choices=PACKINGS, default=None,
                   help="layer: an IMA and a tile serve one layer; shared: arrays packed densely "
                        "across layers (default: the workload's, layer if it says nothing)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sets = parse_sets(args.sets)
    for key in ("replication", "chips", "packing"):
        value = getattr(args, key)
        if value is not None:
            sets[f"mapping.{key}"] = value
    workload = load_workload(args.workload, sets)
    report_warnings(workload.arch.warnings, workload.source, args.strict)
    report_model_notes(workload)
    mapping = workload.map()
    xbar = (workload.arch.xbar_rows, workload.arch.xbar_cols)
    if args.json:
        print(dumps(to_json(mapping, *xbar, workload=workload.name,
                            warnings=list(workload.arch.warnings))), end="")
        return 0
    print(f"{workload.name}: network {mapping.network} on {mapping.arch}; replication "
          f"{mapping.describe_replication()}; packing {mapping.packing}")
    print(table(mapping, *xbar))
    t = mapping.totals
    use = total_use(mapping, *xbar)
    print(f"total: {t.arrays:,} arrays, {t.imas:,} IMAs, {t.tiles:,} tiles, {t.chips} chip"
          f"{'s' if t.chips != 1 else ''} ({mapping.tiles_per_chip} tiles per chip); weights use "
          f"{percent(use.cells)} of the arrays' cells")
    return 0


@dataclass(frozen=True)
class Use:
    """How much of a layer's arrays (or of all layers') its weights use, summed over arrays: the
    rows, columns and cells of `xbar_rows x xbar_cols` arrays holding a weight, and those there
    are (the flip encoding's unit column is in neither)."""

    rows_used: int
    rows_allocated: int
    cols_used: int
    cols_allocated: int
    cells_used: int
    cells_allocated: int

    @property
    def rows(self) -> float:
        return self.rows_used / self.rows_allocated if self.rows_allocated else 0.0

    @property
    def cols(self) -> float:
        return self.cols_used / self.cols_allocated if self.cols_allocated else 0.0

    @property
    def cells(self) -> float:
        return self.cells_used / self.cells_allocated if self.cells_allocated else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"cells_used": self.cells_used, "cells_allocated": self.cells_allocated,
                "utilization": self.cells, "row_utilization": self.rows,
                "col_utilization": self.cols}


def layer_use(lm: LayerMapping, xbar_rows: int, xbar_cols: int) -> Use:
    """How much of one crossbar layer's arrays (all replicas) its weights use. A replica is
    `row_blocks x col_blocks` arrays; the array of row block r and column block c uses
    ``rows_per_row_block[r] x cols_per_col_block[c]`` of its cells, so a replica uses ``sum(rows)
    x sum(cols)`` of ``arrays_per_replica x xbar_rows x xbar_cols`` cells: the share of rows,
    ``sum(rows) / (row_blocks x xbar_rows)``, times the share of columns."""
    rows, cols = sum(lm.rows_per_row_block), sum(lm.cols_per_col_block)
    r, arrays = lm.replication, lm.arrays_per_replica * lm.replication
    return Use(rows_used=lm.array_rows * r, rows_allocated=arrays * xbar_rows,
               cols_used=cols * lm.row_blocks * r, cols_allocated=arrays * xbar_cols,
               cells_used=rows * cols * r, cells_allocated=arrays * xbar_rows * xbar_cols)


def total_use(mapping: Mapping, xbar_rows: int, xbar_cols: int) -> Use:
    """`layer_use` summed over the crossbar layers: the weight cells of the whole mapping over the
    cells of all its arrays (every replica counts)."""
    uses = [layer_use(lm, xbar_rows, xbar_cols) for lm in mapping.layers if lm.uses_crossbars]
    return Use(*(sum(getattr(u, f) for u in uses) for f in Use.__dataclass_fields__))


def percent(fraction: float) -> str:
    return f"{100 * fraction:.1f} %"


def to_json(mapping: Mapping, xbar_rows: int, xbar_cols: int, **extra: Any) -> dict[str, Any]:
    """``map --json``: the mapping with each crossbar layer's `layer_use` (digital layers: null)
    and the total's, as ``cells_used``, ``cells_allocated``, ``utilization`` (cells),
    ``row_utilization`` and ``col_utilization``."""
    out = mapping.to_dict()
    empty = dict.fromkeys(Use(0, 0, 0, 0, 0, 0).to_dict())
    for lm, row in zip(mapping.layers, out["layers"]):
        row.update(layer_use(lm, xbar_rows, xbar_cols).to_dict() if lm.uses_crossbars else empty)
    out["totals"].update(total_use(mapping, xbar_rows, xbar_cols).to_dict())
    return {"workload": extra.pop("workload"), **out, **extra}


def table(mapping: Mapping, xbar_rows: int, xbar_cols: int) -> str:
    """The per-layer table printed by ``map`` (`util`: the share of the layer's arrays' cells its
    weights use, `layer_use`)."""
    header = ("layer", "kind", "output", "MACs", "arrays", "repl", "IMAs", "tiles", "chips",
              "buffer B", "of B", "util")
    body = []
    for lm in mapping.layers:
        xbar = lm.uses_crossbars
        chips = (f"{lm.first_chip}" if lm.first_chip == lm.last_chip
                 else f"{lm.first_chip}-{lm.last_chip}")
        use = percent(layer_use(lm, xbar_rows, xbar_cols).cells) if xbar else ""
        body.append((lm.name, lm.kind, str(lm.out_shape), f"{lm.macs:,}" if xbar else "",
                     f"{lm.arrays:,}" if xbar else "", f"x{lm.replication}" if xbar else "",
                     f"{lm.imas:,}" if xbar else "", f"{len(lm.tiles):,}" if xbar else "",
                     chips, f"{lm.buffer_bytes:,}" if xbar else "",
                     f"{lm.buffer_capacity_bytes:,}" if xbar else "", use))
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
    left = {0, 1, 2}
    lines = []
    for row in [header] + body:
        cells = [c.ljust(w) if i in left else c.rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
