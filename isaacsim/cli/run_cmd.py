"""`python -m isaacsim run WORKLOAD`: simulate a workload's traced images and write the reports."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from isaacsim.cli.common import (
    at_least,
    path_text,
    report_model_notes,
    report_warnings,
    strict_parent,
    workload_argument,
    workload_sets_parent,
)
from isaacsim.outputs import check_folder
from isaacsim.overrides import parse_sets
from isaacsim.progress import Progress
from isaacsim.report import (
    FORMATS,
    PARQUET_EXTRA,
    RUN_KIND,
    require_format,
    versions,
    write_results,
)
from isaacsim.runner import ENGINES, run_workload
from isaacsim.traces import load_trace
from isaacsim.workload import load_workload

HELP = ("simulate a workload's traced images (and the same images uncropped) and write CSV (or "
        "Parquet) reports")


def register(subparsers, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "run", parents=parents + [workload_sets_parent(), strict_parent()], help=HELP,
        description=HELP + ". Writes images.csv, layers.csv, components.csv, summary.csv and "
                           "run.json into --out atomically (docs/reports.md).")
    workload_argument(p)
    p.add_argument("--images", type=at_least(1, "images"), default=None, metavar="N",
                   help="simulate the first N images of the trace (default: the workload's, else all)")
    p.add_argument("--mode", choices=("single", "stream"), default=None,
                   help="single: each image alone in an empty machine (its latency); stream: images "
                        "back to back (latency with queueing, and throughput)")
    p.add_argument("--engine", choices=tuple(ENGINES), default=None,
                   help="fast: simpy + numba (default); reference: the slow cycle-stepped model, "
                        "for small networks")
    p.add_argument("--no-baseline", dest="baseline", action="store_false", default=None,
                   help="do not simulate the uncropped baseline")
    p.add_argument("--jobs", type=at_least(1, "jobs"), default=None, metavar="N",
                   help="worker processes (default: the workload's run.jobs, else 1); single mode "
                        "hands them chunks of images (trace records, never maps), stream mode runs "
                        "the cropped and the baseline stream side by side; the reports are the "
                        "same for any N (docs/reports.md)")
    p.add_argument("--out", default=None, metavar="DIR", type=path_text,
                   help="results folder (default: results/<workload name>/)")
    p.add_argument("--format", choices=FORMATS, default="csv",
                   help="table files: csv (default) or parquet (the same tables, full float "
                        f"precision; needs pyarrow: {PARQUET_EXTRA})")
    p.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                   help="progress bar on stderr (auto: when stderr is a terminal)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    workload = load_workload(args.workload, parse_sets(args.sets))
    report_warnings(workload.arch.warnings, workload.source, args.strict)
    report_model_notes(workload)
    n_images = args.images or workload.run.images
    enabled = {"auto": None, "on": True, "off": False}[args.progress]
    out = Path(args.out) if args.out is not None else Path("results") / workload.name
    option = "--out" if args.out is not None else "results folder"
    check_folder(out, RUN_KIND, option=option, create_parents=args.out is None)
    require_format(args.format)
    if not n_images and workload.trace is not None:  # read once: for the bar's total and the run
        workload = replace(workload, trace_data=load_trace(workload.trace, workload.network))
    total = n_images or (len(workload.trace_data.images) if workload.trace_data else 0)
    with Progress(total, "images", enabled=enabled) as bar:
        result = run_workload(workload, images=args.images, mode=args.mode, engine=args.engine,
                              baseline=args.baseline, jobs=args.jobs, progress=bar.advance)
    meta = dict(result.meta, format=args.format, versions=versions(args.format),
                command=["python", "-m", "isaacsim", "run"] + sys.argv[2:]
                if sys.argv[1:2] == ["run"] else None)
    write_results(out, result.tables, meta, option=option, create_parents=args.out is None,
                  fmt=args.format)
    print(summary_text(workload.name, result, out))
    if result.meta["interrupted"]:
        print(f"interrupted: wrote the {result.meta['images']} images finished so far",
              file=sys.stderr)
        return 130
    return 0


def summary_text(name: str, result, out: Path) -> str:
    img = result.tables["images"]
    m = result.meta
    lines = [f"{name}: {m['images']} images, {m['mode']} mode, {m['engine']} engine, "
             f"{m['chips']} chips, {m['distinct_works']} distinct images simulated"]
    rows = [("latency (cycles)", "latency_cycles"), ("latency (us)", "latency_us"),
            ("energy (uJ)", "energy_pj"), ("compute energy (uJ)", "compute_energy_pj")]
    if "baseline_latency_cycles" in img:
        rows += [("baseline latency (cycles)", "baseline_latency_cycles"),
                 ("baseline compute energy (uJ)", "baseline_compute_energy_pj"),
                 ("compute-energy saving", "compute_energy_saving"),
                 ("energy saving", "energy_saving"), ("latency saving", "latency_saving")]
    lines.append(f"  {'':30s} {'mean':>12s} {'median':>12s} {'p95':>12s}")
    for label, col in rows:
        v = img[col].to_numpy(dtype=float)
        if col.endswith("_pj"):
            v = v / 1e6
        lines.append(f"  {label:30s} {v.mean():12.4g} {_q(v, 50):12.4g} {_q(v, 95):12.4g}")
    lines.append(f"  results in {out}/")
    return "\n".join(lines)


def _q(v, q):
    import numpy as np
    return float(np.percentile(v, q))
