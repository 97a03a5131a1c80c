"""Run every experiment script (docs/experiments.md) one after the other and print their times.

    python scripts/run_all.py [--out DIR] [--work DIR] [--jobs N] [--quick]

The options are passed on to each script. Stops at the first script that fails.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import _common as c

SCRIPTS = ("crop_potential", "naive_crop", "overall_savings", "weight_precision",
           "activation_precision", "combined", "design_space")


def main() -> int:
    args = c.parser(__doc__).parse_args()
    passed = sys.argv[1:]
    here = Path(__file__).resolve().parent
    times = []
    for name in SCRIPTS:
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(here / f"{name}.py"), *passed], check=False)
        times.append((name, time.perf_counter() - start))
        if done.returncode:
            print(f"{name} failed (exit code {done.returncode})", file=sys.stderr)
            return done.returncode
    print(f"\nall written to {args.out}")
    for name, seconds in times:
        print(f"  {name:<22} {seconds:6.1f} s")
    print(f"  {'total':<22} {sum(s for _, s in times):6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
