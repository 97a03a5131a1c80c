"""Headline figures of VGG-16 on ISAAC-CE (the README's and docs/experiments.md's numbers),
recomputed and compared exactly with `tests/data/golden_headline.json`:

- `vgg16_baseline_latency_cycles`: the latency of one uncropped image in single mode
  (5,236 cycles; 5,032 before the components took time, docs/decisions.md D54);
- `vgg16_mean_compute_energy_saving`: the mean compute-energy saving over the shipped trace's 1,000
  oracle-cropped images in single mode (0.331, "33.1 %");
- `vgg16_stream_baseline_images_per_s`: the uncropped baseline's throughput in stream mode over
  the 1,000 images (3,162 images/s, 3,187 before the ADCs took time; about 80 s, so marked
  `slow`), and
  `vgg16_stream_100_baseline_images_per_s`, the same over the first 100 images (the fast check).

A change that is meant to move one of them regenerates the file on purpose and says why in its
commit (the second line also runs the `slow` figure):

    ISAACSIM_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_headline.py
    ISAACSIM_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_headline.py -m slow
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from isaacsim.runner import run_workload
from isaacsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden_headline.json"
UPDATE = os.environ.get("ISAACSIM_UPDATE_GOLDEN") == "1"
VGG = ROOT / "workloads" / "vgg16_cropped.json"


@cache
def _summary(mode: str, images: int | None) -> pd.DataFrame:
    sets: dict = {"run.mode": mode}
    if images is not None:
        sets["run.images"] = images
    return run_workload(load_workload(VGG, sets)).tables["summary"]


def _value(summary: pd.DataFrame, metric: str, statistic: str) -> float:
    (value,) = summary[(summary.metric == metric) & (summary.statistic == statistic)].value
    return float(value)


def _check(name: str, found: int | float) -> None:
    golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    if UPDATE:
        golden[name] = found
        GOLDEN.write_text(json.dumps(golden, indent=2, sort_keys=True) + "\n")
        return
    assert name in golden, f"no golden value for {name}: run with ISAACSIM_UPDATE_GOLDEN=1"
    assert found == golden[name], (
        f"{name} moved: {found!r}, golden {golden[name]!r}; if that is intended, regenerate with "
        f"ISAACSIM_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_headline.py (see its "
        f"docstring) and say why in the commit")


def test_vgg16_baseline_latency_of_one_image():
    summary = _summary("single", None)
    low, high = (_value(summary, "baseline_latency_cycles", s) for s in ("min", "max"))
    assert low == high  # every uncropped image takes the same time alone
    _check("vgg16_baseline_latency_cycles", int(high))


def test_vgg16_mean_compute_energy_saving_of_the_shipped_trace():
    summary = _summary("single", None)
    assert _value(summary, "images", "count") == 1000
    _check("vgg16_mean_compute_energy_saving", _value(summary, "compute_energy_saving", "mean"))


def test_vgg16_stream_baseline_throughput_of_100_images():
    summary = _summary("stream", 100)
    _check("vgg16_stream_100_baseline_images_per_s",
           _value(summary, "baseline_throughput_images_per_s", "value"))


@pytest.mark.slow
def test_vgg16_stream_baseline_throughput_of_1000_images():
    summary = _summary("stream", None)
    assert _value(summary, "images", "count") == 1000
    _check("vgg16_stream_baseline_images_per_s",
           _value(summary, "baseline_throughput_images_per_s", "value"))
