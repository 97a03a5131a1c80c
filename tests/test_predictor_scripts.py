"""The crop predictor's experiment scripts in quick mode (-m slow: about 20 s each, and they need
the `real` extra: scikit-image's images, EfficientNet-Lite0's weights, onnxruntime)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("skimage")
pytest.importorskip("onnxruntime")
pytest.importorskip("PIL")


def run_script(name: str, out: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / f"{name}.py"), "--quick",
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert (out / f"{name}.csv").is_file() and (out / f"{name}.md").is_file()


@pytest.mark.slow
def test_sweep_quick(tmp_path):
    run_script("predictor_sweep", tmp_path)
    df = pd.read_csv(tmp_path / "predictor_sweep.csv")
    assert set(df.kernels) == {"sobel", "laplace", "sobel,laplace"}
    for _, g in df.groupby("kernels"):
        g = g.sort_values("threshold")
        # threshold 0 crops nothing and keeps every answer; more threshold, more cropped
        assert g.cropped_share.iloc[0] == 0 and g.keeps_answer.iloc[0] == 1
        assert g.mean_skipped_mac_share.iloc[0] == 0
        assert g.cropped_share.is_monotonic_increasing
        assert g.mean_skipped_mac_share.is_monotonic_increasing


@pytest.mark.slow
def test_experiment_quick(tmp_path):
    run_script("predictor_experiment", tmp_path)
    df = pd.read_csv(tmp_path / "predictor_experiment.csv").set_index(["mode", "configuration"])
    for mode in ("single", "stream"):
        free, paid = df.loc[(mode, "oracle")], df.loc[(mode, "oracle + predictor cost")]
        # the same crops: the predictor's cost can only lower the saving
        assert paid.energy_saving < free.energy_saving
        assert paid.predictor_energy_share > 0 and free.predictor_energy_share == 0
    single = df.loc["single"]
    assert (single.loc["oracle + predictor cost"].latency_cycles
            > single.loc["oracle"].latency_cycles + single.loc["oracle + predictor cost"].decision_cycles
            - 10)
