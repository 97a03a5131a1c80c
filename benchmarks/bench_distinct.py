"""Benchmark: the engine's speed on distinct images, against a floor kernel on the same pixels.

    python benchmarks/bench_distinct.py [--images 50] [--networks vgg16,resnet18,alexnet]
                                        [--repeats 3] [--seed 0] [--modes single,stream]
                                        [--in-process] [--profile NETWORK] [--profile-images 10]

Every image gets its own random crop window, scaled to every map (`distinct_trace.py`: an explicit
trace parsed in memory by the trace loader, never written to the repository), so no two images
share their per-layer bit maps and nothing is shared between images. Per network and mode
(`single`: each image alone, `simulate(plan, [work])`; `stream`: all images in one
`simulate_stream(plan, works, arrivals, counts)`, with the active-pixel counts computed before
the timing, as `run` has them from its pass over the trace), after a JIT warm-up, `--repeats`
rounds (each runs the engine on all images, then the floor, so both see the same state of a
shared machine) give:

- engine CPU ms per image (`time.process_time`) and wall ms per image: min and median of the runs;
- floor CPU ms per image: the same for `floor_kernel.py`, a max-plus recurrence over the same
  active pixels and receptive fields without buffers, servers, links or energy;
- the ratio engine / floor CPU (of the minima; of the medians in brackets): the cost of the
  engine's bookkeeping per unit of the arithmetic both must do;
- peak RSS (`resource.getrusage(...).ru_maxrss`), with the peak after the imports and before the
  first timed run (works built, JIT warm; the works' maps are uint8, their size is shown): each
  (network, mode) runs in a fresh interpreter (unless `--in-process`) so the peak is its own. A
  first run after a kernel changed also holds numba's compiler: run twice for memory figures;
- a check that the floor's completion is at most the engine's on every image (the floor ignores
  every resource), and that every run of each gives the same cycles.

`--profile NETWORK` instead profiles single mode on `--profile-images` images: the share of CPU
time spent inside the compiled driver `kernels.timing.drive` (timed by a wrapper around it) and
outside it, the driver rounds per image, each node's kernel time (each node run alone over its
image on a fresh engine, a breakdown rather than a result), and cProfile's top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from distinct_trace import distinct_works, work_digest  # noqa: E402
from floor_kernel import floor_plan, floor_single, floor_stream  # noqa: E402

from isaacsim.engine import simulate, simulate_stream  # noqa: E402
from isaacsim.targets.isaac.lowering import lower  # noqa: E402
from isaacsim.workload import load_workload  # noqa: E402

MODES = ("single", "stream")


def rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux reports kB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2 ** 20


def setup(network: str, images: int, seed: int, mode: str):
    """Workload, lowered plan, floor plan and the distinct works of `network`."""
    wl = load_workload(ROOT / "workloads" / f"{network}_cropped.json")
    lowered = lower(wl.network, wl.map(), wl.arch)
    interval = wl.run.arrival_interval_cycles if mode == "stream" else 0
    _, works = distinct_works(wl, lowered, images, seed, interval)
    return wl, lowered, floor_plan(lowered.plan), works


def engine_run(plan, works, mode: str, counts: np.ndarray | None = None) -> np.ndarray:
    """Completion cycles of `works` (single: one `simulate` per image; stream: one
    `simulate_stream` with the active pixels `counts` [image, node])."""
    if mode == "stream":
        if counts is None:
            counts = active_counts(works)
        arrivals = [w.arrival_cycle for w in works]
        return simulate_stream(plan, works, arrivals, counts).completion_cycle.copy()
    return np.array([int(simulate(plan, [w]).completion_cycle[0]) for w in works], np.int64)


def active_counts(works) -> np.ndarray:
    """[image, node]: the active pixels of every map."""
    return np.array([w.active_pixels() for w in works], np.int64)


def floor_run(fp, works, mode: str) -> np.ndarray:
    if mode == "stream":
        return floor_stream(fp, works)
    return np.array([floor_single(fp, w) for w in works], np.int64)


def timed(fns: dict, repeats: int, n: int) -> dict[str, tuple[list[float], list[float], list]]:
    """`repeats` rounds, each running every fn() of `fns` once in turn (so that the engine and the
    floor see the same state of a shared machine): per name, CPU and wall ms per image (of `n`)
    and each run's result."""
    out: dict[str, tuple[list[float], list[float], list]] = {k: ([], [], []) for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            cpu, wall, results = out[name]
            gc.collect()
            c0, w0 = time.process_time(), time.perf_counter()
            results.append(fn())
            cpu.append((time.process_time() - c0) * 1000 / n)
            wall.append((time.perf_counter() - w0) * 1000 / n)
    return out


def measure(network: str, mode: str, images: int, repeats: int, seed: int) -> dict:
    """One row of the table (see the module docstring)."""
    rss_import = rss_mb()
    t0 = time.perf_counter()
    wl, lowered, fp, works = setup(network, images, seed, mode)
    t_setup = time.perf_counter() - t0
    plan = lowered.plan
    distinct = len({work_digest(w) for w in works})
    ops = float(np.mean([w.active_pixels()[1:].sum() for w in works]))
    # JIT warm-up (or cache load) of both, on the first images
    engine_run(plan, works[:2], mode)
    floor_run(fp, works[:2], mode)
    rss_base = rss_mb()
    counts = active_counts(works)
    runs = timed({"engine": lambda: engine_run(plan, works, mode, counts),
                  "floor": lambda: floor_run(fp, works, mode)}, repeats, len(works))
    (e_cpu, e_wall, e_out), (f_cpu, f_wall, f_out) = runs["engine"], runs["floor"]
    engine_c, floor_c = e_out[-1], f_out[0]
    return {
        "network": network, "mode": mode, "images": len(works), "distinct": distinct,
        "nodes": len(plan.nodes), "ops_per_image": ops, "setup_s": t_setup,
        "engine_cpu_ms": e_cpu, "engine_wall_ms": e_wall,
        "floor_cpu_ms": f_cpu, "floor_wall_ms": f_wall,
        "works_mb": sum(b.nbytes for w in works for b in w.bits) / 2 ** 20,
        "rss_import_mb": rss_import, "rss_base_mb": rss_base, "rss_peak_mb": rss_mb(),
        "floor_le_engine": int(np.count_nonzero(floor_c <= engine_c)),
        "floor_deterministic": all(np.array_equal(o, floor_c) for o in f_out),
        "engine_deterministic": all(np.array_equal(o, engine_c) for o in e_out),
        "mean_engine_cycles": float(engine_c.mean()), "mean_floor_cycles": float(floor_c.mean()),
    }


def measure_isolated(network: str, mode: str, args) -> dict:
    """`measure` in a fresh interpreter, so that its peak RSS is its own."""
    cmd = [sys.executable, __file__, "--worker", network, "--worker-mode", mode, "--images",
           str(args.images), "--repeats", str(args.repeats), "--seed", str(args.seed)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {network} {mode} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def provenance() -> str:
    """Which isaacsim was measured: its folder, and the git commit with a note when isaacsim/ has
    uncommitted changes (other people may be editing the work tree)."""
    import isaacsim

    where = Path(isaacsim.__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=where, text=True,
                               capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"isaacsim from {where} (not a git checkout)"
    state = f"with uncommitted changes ({len(dirty.splitlines())} paths)" if dirty else "clean"
    return f"isaacsim from {where}, commit {head}, isaacsim/ {state}"


def table(rows: list[dict]) -> str:
    head = ("network", "mode", "images", "ops/img", "engine CPU ms/img", "engine wall ms/img",
            "floor CPU ms/img", "engine/floor", "peak RSS MB", "RSS before: imports, +works",
            "floor<=engine")
    lines = [head, tuple("min / median" if "ms" in h else "" for h in head)]
    for r in rows:
        e, f = r["engine_cpu_ms"], r["floor_cpu_ms"]
        ratio = min(e) / max(min(f), 1e-9)
        ratio_med = statistics.median(e) / max(statistics.median(f), 1e-9)
        lines.append((
            r["network"], r["mode"], f"{r['images']} ({r['distinct']} distinct)",
            f"{r['ops_per_image']:,.0f}",
            f"{min(e):.2f} / {statistics.median(e):.2f}",
            f"{min(r['engine_wall_ms']):.2f} / {statistics.median(r['engine_wall_ms']):.2f}",
            f"{min(f):.3f} / {statistics.median(f):.3f}",
            f"{ratio:.1f}x ({ratio_med:.1f}x)",
            f"{r['rss_peak_mb']:.0f}",
            f"{r['rss_import_mb']:.0f}, {r['rss_base_mb']:.0f} ({r['works_mb']:.0f} MB of maps)",
            f"{r['floor_le_engine']}/{r['images']}"
            + ("" if r["floor_deterministic"] else ", floor NOT deterministic")))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    out.insert(2, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def profile(network: str, images: int, seed: int, repeats: int) -> None:
    """Where single mode's time goes on `network` (see the module docstring)."""
    import isaacsim.engine.core as core
    from isaacsim.kernels.timing import UNBOUNDED, advance_node, workspace

    _, lowered, _, works = setup(network, images, seed, "single")
    plan = lowered.plan
    n_nodes, n = len(plan.nodes), len(works)
    engine_run(plan, works[:2], "single")  # warm-up
    drive = core.drive
    spent = [0.0, 0]

    def timed_drive(*a):
        t = time.process_time()
        r = drive(*a)
        spent[0] += time.process_time() - t
        spent[1] += 1
        return r

    runs = []
    core.drive = timed_drive  # type: ignore[assignment]
    try:
        for _ in range(max(repeats, 1)):
            spent[:] = [0.0, 0]
            ops = np.zeros(n_nodes)
            rf = np.zeros(n_nodes)
            gc.collect()
            c0 = time.process_time()
            for w in works:
                result = core.Engine(plan, [w], [0]).run()
                ops += result.node_ops[0]
                rf += result.node_rf_pixels[0]
            runs.append((time.process_time() - c0, spent[0], spent[1], ops, rf))
        core.drive = drive  # cProfile sees the dispatcher as one call
        pr = cProfile.Profile()
        pr.enable()
        for w in works:
            simulate(plan, [w])
        pr.disable()
    finally:
        core.drive = drive
    cpu, inside, rounds, ops, rf = min(runs, key=lambda r: r[0])
    # per node: each node's kernel alone over its whole image, in plan order on a fresh engine,
    # its producers already done and its consumers' releases ignored (a breakdown, not a result);
    # a full run first hands the engine of the breakdown warm image-slot buffers (fresh ones would
    # charge their page faults to the first node); the first pass loads the kernel's entry point
    per_node = np.zeros(n_nodes)
    for timed_pass in (False, True):
        for w in works:
            core.Engine(plan, [w], [0]).run()
            eng = core.Engine(plan, [w], [0])
            plan_args, _, maps, out = eng.kernel_args()
            eng.in_rows["avail"] = eng.in_rows["height"] * eng.in_rows["width"]
            eng.out_rows["allowed"] = UNBOUNDED
            work = workspace(plan_args)
            for k in range(n_nodes):
                t = time.process_time()
                advance_node(k, 0, 0, plan_args, maps, out, eng.arb, work)
                per_node[k] += (time.process_time() - t) * timed_pass
    print(f"profile {network}, single mode, {n} distinct images, {n_nodes} nodes; the fastest of "
          f"{len(runs)} runs")
    print(f"  CPU {cpu / n * 1000:.2f} ms/image; inside the compiled driver {inside / n * 1000:.2f} "
          f"ms/image ({inside / cpu:.0%}); outside it (Engine set-up, loading maps, simpy, "
          f"results) {(cpu - inside) / n * 1000:.2f} ms/image; {rounds / n:.1f} driver rounds/image")
    print(f"  driver per op: {inside / max(ops.sum(), 1) * 1e9:.0f} ns over "
          f"{ops.sum() / n:,.0f} ops/image, {rf.sum() / max(ops.sum(), 1):.1f} receptive-field "
          f"pixels/op")
    print("  node            kernel us/img  ops/img  rf px/op  ns/op   (each node alone, see code)")
    for k in np.argsort(-per_node)[:10]:
        o = ops[k] / n
        print(f"  {plan.nodes[k].name:<15} {per_node[k] / n * 1e6:>13.0f}  "
              f"{o:>7.0f}  {rf[k] / max(ops[k], 1):>8.1f}  "
              f"{per_node[k] / max(ops[k], 1) * 1e9:>5.0f}")
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(20)
    print("cProfile of the same images (its own overhead inflates the Python parts):")
    print("\n".join(line for line in s.getvalue().splitlines() if line.strip()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=50)
    ap.add_argument("--networks", default="vgg16,resnet18,alexnet")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--modes", default="single,stream")
    ap.add_argument("--in-process", action="store_true",
                    help="measure in this interpreter (peak RSS then accumulates)")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON too")
    ap.add_argument("--profile", metavar="NETWORK")
    ap.add_argument("--profile-images", type=int, default=10)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--worker-mode", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker, args.worker_mode, args.images, args.repeats,
                                 args.seed)))
        return
    if args.profile:
        profile(args.profile, args.profile_images, args.seed, args.repeats)
        return
    modes = [m for m in args.modes.split(",") if m]
    bad = [m for m in modes if m not in MODES]
    if bad:
        ap.error(f"--modes: expected single and/or stream, got {', '.join(bad)}")
    rows = []
    for network in [n for n in args.networks.split(",") if n]:
        for mode in modes:
            row = (measure(network, mode, args.images, args.repeats, args.seed) if args.in_process
                   else measure_isolated(network, mode, args))
            rows.append(row)
            print(f"  {network} {mode}: done", file=sys.stderr, flush=True)
    print(provenance())
    print(f"distinct images (seed {args.seed}), {args.repeats} repeats; CPU = time.process_time; "
          f"ratio = engine / floor CPU, min (median)")
    print(table(rows))
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
