"""`run --jobs N`: a run split over worker processes writes the same reports as one process."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.parallel import _assemble, _prefix
from isaacsim.plan import SOURCE, Node, StageCycles, TimingPlan, TimingResult
from isaacsim.runner import run_workload
from isaacsim.sweep.spec import fingerprint
from isaacsim.workload import load_workload

VGG = "workloads/vgg16_cropped.json"
TINY = "workloads/tiny_cropped.json"
TABLES = ("images", "layers", "components", "summary")


def _run(tmp_path, name, *args) -> dict[str, bytes]:
    out = tmp_path / name
    assert main(["run", *args, "--out", str(out), "--progress", "off"]) == 0
    return {t: (out / f"{t}.csv").read_bytes() for t in TABLES}


@pytest.mark.parametrize("mode", ["single", "stream"])
def test_two_jobs_write_the_reports_of_one(tmp_path, mode):
    one = _run(tmp_path, "one", TINY, "--mode", mode, "--jobs", "1")
    two = _run(tmp_path, "two", TINY, "--mode", mode, "--jobs", "2")
    assert one == two
    meta = json.loads((tmp_path / "two" / "run.json").read_text())
    assert meta["images"] == 20 and meta["workload"]["run"]["jobs"] == 1  # the file's value


def test_two_jobs_on_vgg16_images_sharing_works(tmp_path):
    one = _run(tmp_path, "one", VGG, "--images", "24")
    two = _run(tmp_path, "two", VGG, "--images", "24", "--set", "run.jobs=2")
    assert one == two
    meta = json.loads((tmp_path / "two" / "run.json").read_text())
    assert meta["workload"]["run"]["jobs"] == 2 and meta["distinct_works"] < 24


def test_interrupted_split_run_keeps_a_prefix_of_finished_images():
    wl = load_workload(VGG)

    def progress(n):
        raise KeyboardInterrupt  # at the first images finished

    out = run_workload(wl, images=40, jobs=2, progress=progress)
    n = out.meta["images"]
    assert n >= 1 and out.meta["interrupted"] == (n < 40)
    full = run_workload(wl, images=n)
    for name in ("images", "layers"):
        pd.testing.assert_frame_equal(out.tables[name], full.tables[name])
    assert out.meta["distinct_works"] == full.meta["distinct_works"]


def test_results_are_placed_by_image():
    plan = TimingPlan((Node("in", SOURCE, (1, 1, 1)),), (), StageCycles())
    one = {k: TimingResult.empty(1, 1, 0) for k in "abc"}
    for v, r in enumerate(one.values()):
        r.latency_cycles[0] = 10 * (v + 1)
    keys = list("abacab")
    assert _prefix(keys, {"a": 1, "b": 1}, 0) == 3 and _prefix(keys, one, 2) == 6
    assert _assemble(plan, keys, one, 5).latency_cycles.tolist() == [10, 20, 10, 30, 10]


def test_jobs_are_checked_and_never_change_a_sweep_fingerprint(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", TINY, "--jobs", "0"])
    assert info.value.code == 2 and "--jobs" in capsys.readouterr().err
    with pytest.raises(InputError, match="jobs"):
        run_workload(load_workload(TINY), jobs=0)
    a, b = load_workload(TINY), load_workload(TINY, {"run.jobs": 7})
    assert b.run.jobs == 7 and b.to_dict()["run"]["jobs"] == 7
    assert fingerprint(a) == fingerprint(b)
