"""Benchmark: milliseconds per image of the fast engine on a workload (default VGG-16, 1,000 images).

    python benchmarks/bench_run.py [WORKLOAD] [--images N]

Prints, after a JIT warm-up (numba's on-disk cache makes later starts fast):
- start-up: loading the workload, the trace, mapping and lowering;
- engine: each image simulated on its own (no sharing of identical images), ms per image
  (median, mean, p95) and the slowest image;
- run: `run_workload` as the `run` command does it, baseline included (identical images shared),
  total seconds and ms per image.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from isaacsim.engine import simulate  # noqa: E402
from isaacsim.runner import _layer_bits, run_workload  # noqa: E402
from isaacsim.targets.isaac.lowering import lower  # noqa: E402
from isaacsim.traces import load_trace  # noqa: E402
from isaacsim.workload import load_workload  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", nargs="?", default="workloads/vgg16_cropped.json")
    ap.add_argument("--images", type=int, default=None)
    args = ap.parse_args()

    t0 = time.perf_counter()
    wl = load_workload(args.workload)
    trace = list(load_trace(wl.trace, wl.network).images)[: args.images]
    lowered = lower(wl.network, wl.map(), wl.arch)
    t_start = time.perf_counter() - t0

    works = [_layer_bits(lowered, wl, img, False) for img in trace]
    simulate(lowered.plan, works[:1])  # JIT warm-up (or cache load)
    per_image = []
    for work in works:
        t = time.perf_counter()
        simulate(lowered.plan, [work])
        per_image.append((time.perf_counter() - t) * 1000)
    ms = np.array(per_image)

    t = time.perf_counter()
    run_workload(wl, images=len(trace))
    t_run = time.perf_counter() - t

    print(f"workload {args.workload}: {len(trace)} images, {len(lowered.plan.nodes)} nodes")
    print(f"start-up (load, map, lower): {t_start:.2f} s")
    print(f"engine, each image alone: median {statistics.median(per_image):.1f} ms/image, "
          f"mean {ms.mean():.1f}, p95 {np.percentile(ms, 95):.1f}, max {ms.max():.1f}")
    print(f"run_workload with baseline: {t_run:.2f} s total, {t_run / len(trace) * 1000:.1f} "
          f"ms/image")


if __name__ == "__main__":
    main()
