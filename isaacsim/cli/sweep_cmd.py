"""`python -m isaacsim sweep SPEC`: run a workload over a grid or list of overrides, in parallel,
resumably, and write results.csv and points.csv (docs/sweeps.md)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from isaacsim.cli.common import at_least
from isaacsim.progress import Progress
from isaacsim.sweep import default_jobs, load_sweep, plan_sweep, require_dask, run_sweep

HELP = "run a workload over a grid or list of overrides in parallel and merge the results"
SHOWN_POINTS = 30
"""Points listed in the closing table (all are in points.csv)."""


def register(subparsers, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "sweep", parents=parents, help=HELP,
        description=HELP + ". Each finished point is stored in DIR/points/<id>/; a rerun skips "
                           "stored points, so an interrupted sweep resumes. Writes DIR/results.csv "
                           "(one row per point and image) and DIR/points.csv (one row per point).")
    p.add_argument("spec", metavar="SPEC", help="sweep spec JSON file (docs/sweeps.md)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="sweep folder (default: results/sweeps/<spec name>/)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=at_least(1, "jobs"), default=None, metavar="N",
                       help=f"worker processes on this machine (default: all cores, here "
                            f"{default_jobs()}); 1 runs the points in this process")
    where.add_argument("--dask", default=None, metavar="ADDRESS",
                       help="run the points on the Dask scheduler at ADDRESS, e.g. "
                            "tcp://10.0.0.5:8786 (needs pip install 'isaacsim[dask]')")
    p.add_argument("--images", type=at_least(1, "images"), default=None, metavar="N",
                   help="simulate the first N images of each point's trace (default: the spec's, "
                        "else the workload's, else all)")
    p.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                   help="progress bar of finished points on stderr (auto: when stderr is a "
                        "terminal)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.dask:
        require_dask()
    sweep = load_sweep(args.spec, images=args.images)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / sweep.name
    plan = plan_sweep(sweep, out)
    n = len(sweep.points)
    if not plan.todo:
        print(f"nothing to do: all {n} points of {sweep.name} are stored in {out}/")
    else:
        where = f"on the Dask cluster at {args.dask}" if args.dask else _local(args.jobs, plan)
        print(f"sweep {sweep.name}: {n} points, {len(plan.stored)} stored, "
              f"{len(plan.todo)} to run {where}", flush=True)
    enabled = {"auto": None, "on": True, "off": False}[args.progress] if plan.todo else False
    start = time.monotonic()
    with Progress(len(plan.todo), "points", enabled=enabled) as bar:
        outcome = run_sweep(plan, jobs=args.jobs, dask_address=args.dask, progress=bar.advance)
    seconds = time.monotonic() - start
    if outcome.interrupted:
        print(f"interrupted: {len(outcome.simulated)} points finished in this run and "
              f"{len(plan.stored) + len(outcome.simulated)} of {n} are stored in {out}/points/; "
              f"run the same command again to finish", file=sys.stderr)
        return 130
    if plan.todo:
        print(f"ran {len(outcome.simulated) + len(outcome.failed)} points in {seconds:.1f} s: "
              f"{len(outcome.simulated)} finished, {len(outcome.failed)} failed")
    print(_table(plan, out))
    c = outcome.counts
    print(f"wrote {out}/results.csv ({c['rows']} rows: {c['ok']} points x their images) and "
          f"{out}/points.csv ({c['points']} points)")
    for pp, error in outcome.failed:
        print(f"point {pp.point.id} ({pp.point.label}) failed:\n  "
              + error.replace("\n", "\n  "), file=sys.stderr)
    if outcome.failed:
        print(f"{len(outcome.failed)} of {n} points failed (recorded in {out}/points/<id>/"
              f"point.json); they run again on the next run of this sweep", file=sys.stderr)
        return 1
    return 0


def _local(jobs: int | None, plan) -> str:
    n = min(jobs or default_jobs(), len(plan.todo))
    return "in this process" if n <= 1 else f"with {n} worker processes"


def _table(plan, out: Path) -> str:
    """The points with their status and main figures, from the merged points.csv."""
    import pandas as pd
    df = pd.read_csv(out / "points.csv", dtype={"point_id": str}, keep_default_na=False)
    lines = [f"  {'point':10s} {'status':7s} {'saving (compute)':>16s} {'latency (cycles)':>16s}"
             f"  overrides"]
    for _, row in df.head(SHOWN_POINTS).iterrows():
        saving = _fmt(row.get("compute_energy_saving_mean"), "{:.1%}")
        latency = _fmt(row.get("latency_cycles_mean"), "{:,.0f}")
        lines.append(f"  {row.point_id:10s} {row.status:7s} {saving:>16s} {latency:>16s}"
                     f"  {row.label}")
    if len(df) > SHOWN_POINTS:
        lines.append(f"  ... and {len(df) - SHOWN_POINTS} more in points.csv")
    return "\n".join(lines)


def _fmt(value, pattern: str) -> str:
    try:
        return pattern.format(float(value))
    except (TypeError, ValueError):
        return "-"
