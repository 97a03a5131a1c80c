"""`isaacsim.__all__` lists the public API; every name resolves, lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import isaacsim


def test_every_public_name_resolves():
    for name in isaacsim.__all__:
        assert getattr(isaacsim, name) is not None, name


def test_importing_the_package_does_not_import_numba():
    code = "import sys, isaacsim; print('numba' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_the_documented_example_runs(tmp_path):
    from isaacsim import load_workload, run_workload, write_results
    workload = Path(__file__).resolve().parents[1] / "workloads" / "tiny_cropped.json"
    result = run_workload(load_workload(workload, {"run.images": 2}))
    out = write_results(tmp_path / "r", result.tables, result.meta)
    assert (out / "images.csv").read_text().count("\n") == 3
