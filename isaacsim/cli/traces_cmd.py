"""`python -m isaacsim traces validate|expand|synth|stats|predict|compare|oracle`: per-image crop
traces (predict and compare: `isaacsim.cli.predict_cmd`; oracle: `isaacsim.cli.oracle_cmd`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from isaacsim.cli.common import json_parent, path_text, whole_number
from isaacsim.crop import DEFAULT_FRACTION, ROUNDINGS, parse_fraction
from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import dumps
from isaacsim.network import load_network
from isaacsim.outputs import check_file, write_file
from isaacsim.traces import (
    expand,
    load_trace,
    parse_policy,
    synth_text,
    trace_stats,
    write_explicit,
    written_by_isaacsim,
)
from isaacsim.traces.stats import HISTOGRAM_KEYS
from isaacsim.traces.synth import area_table, check_counts
from isaacsim.validate import IMAGES, SEED

HELP = ("validate, expand, generate and summarise per-image crop traces; write them with the crop "
        "oracle of an ONNX model or the crop predictor, and compare the two")


def register(subparsers, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("traces", parents=parents, help=HELP,
                              description=HELP + " (formats: docs/trace-format.md).")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True

    v = sub.add_parser("validate", parents=parents, help="report every problem of a trace file",
                       description="Check a compact (.csv) or explicit (.jsonl) trace and report "
                                   "every problem with its line and field; exit 2 if any.")
    v.add_argument("file", metavar="FILE", type=path_text)
    v.add_argument("--network", metavar="NAME_OR_FILE", type=path_text,
                   help="also check map names and region windows against this network")
    v.set_defaults(func=run_validate)

    e = sub.add_parser("expand", parents=parents, help="turn a compact trace into an explicit one",
                       description="Write the explicit (JSON Lines) trace giving the same per-map "
                                   "bits as a compact trace on a network.")
    e.add_argument("file", metavar="FILE", type=path_text)
    e.add_argument("--network", required=True, metavar="NAME_OR_FILE", type=path_text)
    e.add_argument("--out", required=True, metavar="FILE.jsonl", type=path_text)
    e.add_argument("--rounding", choices=ROUNDINGS, default="floor",
                   help="how fraction * size becomes whole rows/columns (default floor)")
    e.set_defaults(func=run_expand)

    s = sub.add_parser("synth", parents=parents, help="generate a synthetic compact trace",
                       description="Generate a compact trace from the calibrated object model "
                                   "(docs/crop-potential.md); byte-identical for equal arguments.")
    s.add_argument("--network", required=True, metavar="NAME_OR_FILE", type=path_text,
                   help="network the trace is for (checked and recorded in the header)")
    s.add_argument("--images", required=True, type=whole_number(IMAGES), metavar="N")
    s.add_argument("--seed", required=True, type=whole_number(SEED), metavar="S")
    s.add_argument("--fraction", default="0.25", metavar="F",
                   help="crop fraction per side, 2**-20 <= F < 1/2, e.g. 0.25 or 1/8 (default 0.25)")
    s.add_argument("--policy", default="oracle", metavar="oracle|naive:VECTOR|none",
                   help="how each image's crop is chosen (default oracle)")
    s.add_argument("--out", required=True, metavar="FILE.csv", type=path_text)
    s.set_defaults(func=run_synth)

    t = sub.add_parser("stats", parents=parents + [json_parent()],
                       help="images, croppable share, mean area saved, vector histogram",
                       description="Summarise a compact trace. --json prints {images, "
                                   "croppable_fraction, mean_area_saved, histogram}.")
    t.add_argument("file", metavar="FILE", type=path_text)
    t.set_defaults(func=run_stats)

    from isaacsim.cli import predict_cmd
    predict_cmd.register(sub, parents)

    from isaacsim.cli import oracle_cmd
    oracle_cmd.register(sub, parents)


def run_validate(args: argparse.Namespace) -> int:
    network = load_network(args.network) if args.network is not None else None
    trace = load_trace(args.file, network)
    if network is not None:
        checked = f"checked against network {network.name}"
    else:
        hint = f" (the header names {trace.network_name})" if trace.network_name else ""
        checked = f"map names and windows not checked: pass --network{hint}"
    print(f"{args.file}: OK, {trace.form} trace v{trace.version}, {len(trace.images)} images, "
          f"{checked}")
    return 0


def run_expand(args: argparse.Namespace) -> int:
    check_file(args.out, owned=written_by_isaacsim)
    network = load_network(args.network)
    trace = load_trace(args.file, network)
    if trace.form != "compact":
        raise InputError(Problem(args.file, "", "already an explicit trace; expand reads compact "
                                                "(.csv) traces"))
    explicit = expand(trace, network, rounding=args.rounding,
                      generator=f"isaacsim traces expand {args.file} --network {network.name} "
                                f"--rounding {args.rounding}")
    write_file(args.out, write_explicit(explicit), owned=written_by_isaacsim)
    print(f"{args.out}: {len(explicit.images)} images, explicit trace for {network.name}")
    return 0


def run_synth(args: argparse.Namespace) -> int:
    problems = []
    for parse in (lambda: check_counts(args.images, args.seed),
                  lambda: parse_fraction(args.fraction, source="--fraction"),
                  lambda: parse_policy(args.policy)):
        try:
            parse()
        except InputError as exc:
            problems += exc.problems
    try:
        check_file(args.out, owned=written_by_isaacsim)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    network = load_network(args.network)
    text = synth_text(network=_network_label(args.network, network.name), images=args.images,
                      seed=args.seed, fraction=args.fraction, policy=args.policy)
    write_file(args.out, text, owned=written_by_isaacsim)
    print(f"{args.out}: {args.images} synthetic images for {network.name}, seed {args.seed}, "
          f"fraction {args.fraction}, policy {args.policy}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    stats = trace_stats(load_trace(args.file))
    if args.json:
        print(dumps(stats.as_dict()), end="")
        return 0
    if not stats.images:
        print(f"{args.file}: 0 images")
        return 0
    print(f"{args.file}: {stats.images:,} images, {stats.croppable_fraction:.2%} croppable "
          f"(crop != 0000)")
    print(f"mean area saved {stats.mean_area_saved:.4f} over all images, "
          f"{stats.mean_area_saved_croppable or 0:.4f} over croppable images "
          f"(area 1 - (1 - f(T+B))(1 - f(L+R)), each record's fraction)")
    fraction = stats.fractions[0] if len(stats.fractions) == 1 else DEFAULT_FRACTION
    areas = area_table(fraction)
    print(f"crop  images   share  area at f={fraction}")
    for key in HISTOGRAM_KEYS:
        n = stats.histogram[key]
        print(f"{key}  {n:6,}  {n / stats.images:6.2%}  {float(areas[key]):.4f}")
    return 0


def _network_label(argument: str, name: str) -> str:
    """A built-in network by its name; a network file by its path as given."""
    return name if argument == name else str(Path(argument))
