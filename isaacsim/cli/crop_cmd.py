"""`python -m isaacsim crop`: the active window of every map of a network under one crop."""

from __future__ import annotations

import argparse

from isaacsim.cli.common import arch_parent, json_parent, path_text
from isaacsim.crop import (
    FLATTEN_ORDERS,
    ROUNDINGS,
    SIDES,
    MapCrop,
    crop_summary,
    parse_fraction,
    parse_vector,
)
from isaacsim.errors import InputError
from isaacsim.jsonio import dumps
from isaacsim.network import load_network
from isaacsim.overrides import parse_sets
from isaacsim.targets.isaac.arch import load_arch

HELP = "show the active window of every layer's output map under a crop vector"


def register(subparsers, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "crop", parents=parents + [arch_parent(), json_parent()], help=HELP,
        description=HELP + ". Windows are half-open [start, stop) row and column ranges; see "
                           "docs/crop-model.md.")
    p.add_argument("--network", required=True, metavar="NAME_OR_FILE", type=path_text,
                   help="built-in network name (e.g. vgg16) or a network JSON file")
    p.add_argument("--crop", required=True, metavar="TBLR",
                   help="crop vector [TOP, BOTTOM, LEFT, RIGHT] as 4 characters 0/1, e.g. 1011")
    p.add_argument("--fraction", default="0.25", metavar="F",
                   help="share of the height/width removed per cropped side, 2**-20 <= F < 1/2; a "
                        "decimal or a ratio such as 1/8 (default 0.25)")
    p.add_argument("--rounding", choices=ROUNDINGS, default="floor",
                   help="how F * size becomes whole rows/columns (default floor)")
    p.add_argument("--flatten", choices=FLATTEN_ORDERS, default="position",
                   help="flatten order of a spatial map feeding an fc layer: position (h, w, c) "
                        "or channel (c, h, w) (default position)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    problems = []
    vector = fraction = None
    try:
        vector = parse_vector(args.crop, source="--crop")
    except InputError as exc:
        problems += exc.problems
    try:
        fraction = parse_fraction(args.fraction, source="--fraction")
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    assert vector is not None and fraction is not None  # both parsed: no problem was found
    network = load_network(args.network)
    rows_per_array = load_arch(args.arch, parse_sets(args.sets)).xbar_rows
    maps = crop_summary(network, vector, fraction, rows_per_array=rows_per_array,
                        rounding=args.rounding, flatten=args.flatten)
    if args.json:
        print(dumps({"network": network.name, "crop": str(vector), "fraction": float(fraction),
                     "rounding": args.rounding, "flatten": args.flatten,
                     "rows_per_array": rows_per_array,
                     "layers": [m.as_dict() for m in maps]}), end="")
        return 0
    sides = ", ".join(s for s, on in zip(SIDES, vector.bits) if on) or "nothing"
    print(f"{network.name}: crop {vector} ({sides}), fraction {fraction} = {float(fraction):g} per "
          f"side, rounding {args.rounding}; fc flatten {args.flatten}, {rows_per_array} rows per "
          f"array")
    print(_table(maps))
    return 0


def _table(maps: tuple[MapCrop, ...]) -> str:
    header = ("map", "kind", "shape", "rows", "cols", "active px", "total px", "active",
              "fc row blocks")
    body = []
    for m in maps:
        blocks = (f"{m.row_blocks.active:,} / {m.row_blocks.total:,}"
                  if m.row_blocks is not None else "")
        body.append((m.name, m.kind, str(m.shape), f"[{m.window.row_start}, {m.window.row_stop})",
                     f"[{m.window.col_start}, {m.window.col_stop})", f"{m.active_pixels:,}",
                     f"{m.total_pixels:,}", f"{m.active_pixels / m.total_pixels:.1%}", blocks))
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
    left = {0, 1, 2}
    lines = []
    for row in [header] + body:
        cells = [c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
