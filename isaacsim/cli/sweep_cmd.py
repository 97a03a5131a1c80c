"""`python -m isaacsim sweep SPEC`: run a workload over a grid or list of overrides, in parallel,
resumably, and write results.csv and points.csv (docs/sweeps.md)."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from isaacsim.cli.common import at_least, path_text, strict_parent
from isaacsim.errors import InputError, Problem
from isaacsim.progress import Progress
from isaacsim.sweep import (
    DEFAULT_SHARD_IMAGES,
    default_jobs,
    load_sweep,
    plan_sweep,
    require_dask,
    run_sweep,
)
from isaacsim.sweep.run import shard_tasks
from isaacsim.sweep.spec import point_names
from isaacsim.sweep.store import decode_cell

HELP = "run a workload over a grid or list of overrides in parallel and merge the results"
SHOWN_POINTS = 30
"""Points listed in the closing table (all are in points.csv)."""


def register(subparsers, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "sweep", parents=[*parents, strict_parent()], help=HELP,
        description=HELP + ". Each finished point is stored in DIR/points/<id>/; a rerun skips "
                           "stored points (those run with the same inputs by the same isaacsim "
                           "version), so an interrupted sweep resumes. Writes DIR/results.csv "
                           "(one row per point and image) and DIR/points.csv (one row per point). "
                           "DIR must be new, empty, or a sweep folder isaacsim created; isaacsim "
                           "never writes into or replaces a folder of other files.",
        epilog="exit codes: 0 every point finished, 1 some point failed, 2 bad spec, option or "
               "folder (nothing ran), 130 interrupted (finished points are kept; run again to "
               "resume). Details: docs/sweeps.md")
    p.add_argument("spec", metavar="SPEC", type=path_text, help="sweep spec JSON file (docs/sweeps.md)")
    p.add_argument("--out", default=None, metavar="DIR", type=path_text,
                   help="sweep folder (default: results/sweeps/<spec name>/); its parent folder "
                        "must exist")
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
    p.add_argument("--shard-images", type=at_least(1, "images"), default=DEFAULT_SHARD_IMAGES,
                   metavar="N",
                   help=f"run a single-mode point with more than N images in shards of N images, "
                        f"spread over the workers like points (default {DEFAULT_SHARD_IMAGES}); the "
                        f"results are the same for any N")
    p.add_argument("--force", action="store_true",
                   help="run every point again, even those stored, replacing their folders "
                        "(without it, stored points are reused; points stored by another isaacsim "
                        "version always run again)")
    p.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                   help="progress bar of finished points on stderr (auto: when stderr is a "
                        "terminal)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with _first_interrupt_only():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.dask:
        require_dask()
    sweep = load_sweep(args.spec, images=args.images)
    warned = _warnings(sweep)
    if args.strict and warned:
        raise InputError([Problem(sweep.source, names, f"{text} (an error because of --strict)")
                          for text, names in warned.items()])
    plan = plan_sweep(sweep, args.out, force=args.force)
    for text, names in warned.items():
        print(f"warning: {text} ({names})", file=sys.stderr)
    out = plan.store.out
    n = len(sweep.points)
    if not plan.todo:
        print(f"nothing to do: all {n} points of {sweep.name} are stored in {out}/")
    else:
        where = (f"on the Dask cluster at {args.dask}" if args.dask
                 else _local(args.jobs, plan, args.shard_images))
        stored = f"{n - len(plan.todo)} stored" if not args.force else "--force: none reused"
        print(f"sweep {sweep.name}: {n} points, {stored}, {len(plan.todo)} to run {where}",
              flush=True)
    enabled = {"auto": None, "on": True, "off": False}[args.progress] if plan.todo else False
    start = time.monotonic()
    with Progress(len(plan.todo), "points", enabled=enabled) as bar:
        outcome = run_sweep(plan, jobs=args.jobs, dask_address=args.dask, progress=bar.advance,
                            shard_images=args.shard_images)
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


def _warnings(sweep) -> dict[str, str]:
    """Each distinct warning of the sweep's points, with the points it concerns, in spec order."""
    by_text: dict[str, list] = {}
    for pp in sweep.points:
        for text in pp.warnings:
            by_text.setdefault(text, []).append(pp.point)
    return {text: point_names(points, len(sweep.points)) for text, points in by_text.items()}


def _is_program() -> bool:
    """Whether this process is the isaacsim command (python -m isaacsim, or the isaacsim script)
    rather than a program calling `isaacsim.cli.main`, such as the tests."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return (spec is not None and spec.name == "isaacsim.__main__") or \
        Path(sys.argv[0]).name == "isaacsim"


@contextlib.contextmanager
def _first_interrupt_only() -> Iterator[None]:
    """The first Ctrl-C interrupts the sweep (KeyboardInterrupt); later ones are ignored while it
    stops its workers, keeps the finished points and exits with 130, so a second quick Ctrl-C
    cannot leave a traceback, workers or semaphores behind. As the command itself, SIGINT stays
    ignored until the process exits; called from a program, the previous handler is restored."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    received = []

    def first(signum, frame):
        received.append(signum)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        if not (received and _is_program()):
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _local(jobs: int | None, plan, shard_images: int | None) -> str:
    """Where the points run, as `run_local` decides it: by the tasks (points, or their shards)."""
    n = min(jobs or default_jobs(), len(shard_tasks(plan, shard_images)))
    return "in this process" if n <= 1 else f"with {n} worker processes"


def _table(plan, out: Path) -> str:
    """The points with their status and main figures, from the merged points.csv."""
    import pandas as pd
    df = pd.read_csv(out / "points.csv", dtype={"point_id": str}, keep_default_na=False)
    lines = [f"  {'point':11s} {'status':7s} {'saving (compute)':>16s} {'latency (cycles)':>16s}"
             f"  overrides"]
    for _, row in df.head(SHOWN_POINTS).iterrows():
        saving = _fmt(row.get("compute_energy_saving_mean"), "{:.1%}")
        latency = _fmt(row.get("latency_cycles_mean"), "{:,.0f}")
        lines.append(f"  {decode_cell(row.point_id):11s} {decode_cell(row.status):7s} "
                     f"{saving:>16s} {latency:>16s}  {decode_cell(row.label)}")
    if len(df) > SHOWN_POINTS:
        lines.append(f"  ... and {len(df) - SHOWN_POINTS} more in points.csv")
    return "\n".join(lines)


def _fmt(value, pattern: str) -> str:
    try:
        return pattern.format(float(value))
    except (TypeError, ValueError):
        return "-"
