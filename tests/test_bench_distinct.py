"""Smoke test of benchmarks/bench_distinct.py's helpers: the distinct-window trace generator and
the floor kernel (no timing is checked)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from distinct_trace import distinct_trace_text, distinct_works  # noqa: E402
from floor_kernel import floor_plan, floor_single, floor_stream  # noqa: E402

from isaacsim.engine import simulate  # noqa: E402
from isaacsim.targets.isaac.lowering import lower  # noqa: E402
from isaacsim.workload import load_workload  # noqa: E402


def _case() -> tuple[str, int]:
    tiny = sorted((ROOT / "workloads").glob("tiny*.json"))
    return (str(tiny[0]), 3) if tiny else (str(ROOT / "workloads" / "vgg16_cropped.json"), 2)


@pytest.fixture(scope="module")
def setting():
    path, images = _case()
    wl = load_workload(path)
    lowered = lower(wl.network, wl.map(), wl.arch)
    trace, works = distinct_works(wl, lowered, images, seed=0)
    return wl, lowered, trace, works


def test_images_have_pairwise_distinct_bit_maps(setting):
    wl, lowered, trace, works = setting
    assert len(trace.images) == len(works) == _case()[1]
    assert trace.form == "explicit"
    for a, b in itertools.combinations(works, 2):
        assert len(a.bits) == len(b.bits) == len(lowered.plan.nodes)
        assert any(not np.array_equal(x, y) for x, y in zip(a.bits, b.bits))
    for w in works:  # every map has an active window
        assert all(np.count_nonzero(b) > 0 for b in w.bits)


def test_generator_is_deterministic(setting):
    wl = setting[0]
    n = _case()[1]
    assert distinct_trace_text(wl.network, n, seed=0) == distinct_trace_text(wl.network, n, seed=0)
    assert distinct_trace_text(wl.network, n, seed=0) != distinct_trace_text(wl.network, n, seed=1)


def test_floor_is_at_most_the_engine(setting):
    _, lowered, _, works = setting
    plan = lowered.plan
    fp = floor_plan(plan)
    single = simulate(plan, works).completion_cycle
    floors = [floor_single(fp, w) for w in works]
    assert floors == [floor_single(fp, w) for w in works]  # deterministic
    for f, e in zip(floors, single):
        assert 0 < f <= e
    stream = simulate(plan, works, "stream").completion_cycle
    assert np.all(floor_stream(fp, works) <= stream)
