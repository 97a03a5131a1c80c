"""`python -m isaacsim map WORKLOAD`: where every layer of a workload's network goes."""

from __future__ import annotations

import argparse

from isaacsim.cli.common import (
    at_least,
    json_parent,
    path_text,
    report_warnings,
    strict_parent,
    workload_sets_parent,
)
from isaacsim.jsonio import dumps
from isaacsim.overrides import parse_sets
from isaacsim.targets.isaac.mapping import PACKINGS, POLICIES, Mapping
from isaacsim.workload import load_workload

HELP = "map a workload's network onto arrays, IMAs, tiles and chips"


def register(subparsers, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "map", parents=parents + [json_parent(), workload_sets_parent(), strict_parent()], help=HELP,
        description=HELP + ", with ISAAC's replication; see docs/mapping.md. Options given here "
                           "override the workload's mapping section.")
    p.add_argument("workload", metavar="WORKLOAD", type=path_text,
                   help="workload JSON file (docs/workload-format.md)")
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
    mapping = workload.map()
    if args.json:
        print(dumps({"workload": workload.name, **mapping.to_dict(),
                     "warnings": list(workload.arch.warnings)}), end="")
        return 0
    print(f"{workload.name}: network {mapping.network} on {mapping.arch}; replication "
          f"{mapping.describe_replication()}; packing {mapping.packing}")
    print(table(mapping))
    t = mapping.totals
    print(f"total: {t.arrays:,} arrays, {t.imas:,} IMAs, {t.tiles:,} tiles, {t.chips} chip"
          f"{'s' if t.chips != 1 else ''} ({mapping.tiles_per_chip} tiles per chip)")
    return 0


def table(mapping: Mapping) -> str:
    """The per-layer table printed by ``map``."""
    header = ("layer", "kind", "output", "MACs", "arrays", "repl", "IMAs", "tiles", "chips",
              "buffer B", "of B")
    body = []
    for lm in mapping.layers:
        xbar = lm.uses_crossbars
        chips = (f"{lm.first_chip}" if lm.first_chip == lm.last_chip
                 else f"{lm.first_chip}-{lm.last_chip}")
        body.append((lm.name, lm.kind, str(lm.out_shape), f"{lm.macs:,}" if xbar else "",
                     f"{lm.arrays:,}" if xbar else "", f"x{lm.replication}" if xbar else "",
                     f"{lm.imas:,}" if xbar else "", f"{len(lm.tiles):,}" if xbar else "",
                     chips, f"{lm.buffer_bytes:,}" if xbar else "",
                     f"{lm.buffer_capacity_bytes:,}" if xbar else ""))
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
    left = {0, 1, 2}
    lines = []
    for row in [header] + body:
        cells = [c.ljust(w) if i in left else c.rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
