"""Sweeps: spec errors, point ids, results tables, resume, failing points, determinism, Ctrl-C.

Bad specs live in tests/data/bad_sweeps: each ``<case>.json`` has a ``<case>.expect`` with message
fragments that must all appear; the command exits 2 and runs nothing. The sweeps run the tiny
workload (a fraction of a second per point).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.sweep import load_sweep, plan_sweep, point_id, run_sweep
from isaacsim.sweep import local as local_backend
from isaacsim.sweep.points import expand
from isaacsim.sweep.run import shard_tasks

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad_sweeps"
CASES = sorted(p.stem for p in BAD.glob("*.json"))
TINY = ROOT / "workloads" / "tiny_cropped.json"
IMAGES = 3
GRID = {"precision.weight_bits": [16, 8], "crop.fraction": [0.125, 0.25]}


def _spec(folder: Path, **fields) -> Path:
    spec = {"format_version": 1, "name": "t", "workload": str(TINY), "images": IMAGES, **fields}
    path = folder / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def _sweep(spec: Path, out: Path, **kw):
    return run_sweep(plan_sweep(load_sweep(spec), out), **kw)


@pytest.fixture(scope="module")
def grid_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid")
    spec = _spec(folder, grid=GRID)
    outcome = _sweep(spec, folder / "out", jobs=1)
    return spec, folder / "out", outcome


# -- spec errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_bad_spec_exits_2_with_every_problem_located(case, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(BAD / f"{case}.json"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(BAD / f"{case}.json") in err and "Traceback" not in err
    for fragment in (BAD / f"{case}.expect").read_text().splitlines():
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    assert not out.exists()


def test_every_bad_override_is_reported_before_anything_runs(tmp_path):
    spec = _spec(tmp_path, grid={"precision.weight_bits": [16, 17]},
                 points=[{"precision.layers.nosuch.weight_bits": 8}, {"arch.ima.adc.bitz": 9}])
    with pytest.raises(InputError) as info:
        load_sweep(spec)
    text = str(info.value)
    # each distinct problem once, naming the points it affects (2 of the 4 each)
    assert len(info.value.problems) == 3
    assert all(p.place.startswith("2 points: ") for p in info.value.problems)
    assert "override precision.layers.nosuch.weight_bits=8" in text
    assert "got 17" in text and "did you mean 'ima.adc.bits'?" in text


# -- points -------------------------------------------------------------------------------------

def test_point_ids_depend_only_on_the_overrides():
    assert point_id({"a.b": 1, "c.d": "x"}) == point_id({"c.d": "x", "a.b": 1})
    assert point_id({"a.b": 1}) != point_id({"a.b": 1.5}) != point_id({"a.b": "1"})
    # pinned: changing the canonical form would orphan every stored result
    assert point_id({"precision.weight_bits": 8, "crop.fraction": 0.125}) == "p4235b905b7"
    assert point_id({}) == "p44136fa355"


def test_grid_varies_the_last_key_fastest_and_points_combine_with_the_grid():
    pts = expand({"a.x": [1, 2], "b.y": ["p", "q"]}, None)
    assert [p.overrides for p in pts] == [{"a.x": 1, "b.y": "p"}, {"a.x": 1, "b.y": "q"},
                                          {"a.x": 2, "b.y": "p"}, {"a.x": 2, "b.y": "q"}]
    assert pts[1].label == "a.x=1, b.y=q"
    both = expand({"a.x": [1, 2]}, [{"t": "f1"}, {"t": "f2", "c.z": True}])
    assert [p.label for p in both] == ["a.x=1, t=f1", "a.x=2, t=f1", "a.x=1, t=f2, c.z=true",
                                       "a.x=2, t=f2, c.z=true"]
    assert [p.label for p in expand({}, [{}])] == ["(base workload)"]


# -- a grid sweep -------------------------------------------------------------------------------

def test_results_have_one_row_per_point_and_image(grid_run):
    _, out, outcome = grid_run
    assert len(outcome.simulated) == 4 and not outcome.failed and not outcome.reused
    results = pd.read_csv(out / "results.csv", dtype={"crop": str, "point_id": str})
    assert len(results) == 4 * IMAGES
    assert list(results.columns[:3]) == ["point_id", "precision.weight_bits", "crop.fraction"]
    images = pd.read_csv(out / "points" / outcome.simulated[0] / "images.csv", dtype={"crop": str})
    assert list(results.columns[3:]) == list(images.columns)
    assert sorted(set(zip(results["precision.weight_bits"], results["crop.fraction"]))) == \
        [(8, 0.125), (8, 0.25), (16, 0.125), (16, 0.25)]
    points = pd.read_csv(out / "points.csv", dtype={"point_id": str})
    assert list(points.point_id) == outcome.simulated and (points.status == "ok").all()
    assert (points["images"] == IMAGES).all() and (points.chips >= 1).all()
    mine = results[results.point_id == points.point_id[0]]
    assert points.compute_energy_saving_mean[0] == pytest.approx(mine.compute_energy_saving.mean())
    assert points.latency_cycles_p95[0] == pytest.approx(mine.latency_cycles.quantile(0.95))


def test_a_point_equals_the_run_command_with_the_same_overrides(grid_run, tmp_path):
    _, out, _ = grid_run
    run_out = tmp_path / "run"
    assert main(["run", str(TINY), "--images", str(IMAGES), "--set", "precision.weight_bits=8",
                 "--set", "crop.fraction=0.125", "--out", str(run_out), "--progress", "off"]) == 0
    pid = point_id({"precision.weight_bits": 8, "crop.fraction": 0.125})
    assert (out / "points" / pid / "images.csv").read_bytes() == \
        (run_out / "images.csv").read_bytes()


def test_resume_runs_only_the_missing_point_then_nothing(grid_run, tmp_path, capsys):
    spec, out, outcome = grid_run
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    gone = outcome.simulated[2]
    shutil.rmtree(copy / "points" / gone)
    again = _sweep(spec, copy, jobs=1)
    assert again.simulated == [gone] and len(again.reused) == 3
    for name in ("results.csv", "points.csv"):
        assert (copy / name).read_bytes() == (out / name).read_bytes()
    assert main(["sweep", str(spec), "--out", str(copy)]) == 0
    assert "nothing to do: all 4 points" in capsys.readouterr().out


def test_changed_inputs_make_stored_points_stale(grid_run):
    spec, out, _ = grid_run
    assert len(plan_sweep(load_sweep(spec), out).todo) == 0
    assert len(plan_sweep(load_sweep(spec, images=IMAGES - 1), out).todo) == 4


def test_two_sweeps_are_byte_identical_with_one_or_two_processes(grid_run, tmp_path):
    spec, out, _ = grid_run
    outcome = _sweep(spec, tmp_path / "pool", jobs=2)
    assert len(outcome.simulated) == 4
    for name in ("results.csv", "points.csv"):
        assert (tmp_path / "pool" / name).read_bytes() == (out / name).read_bytes()


def test_sharded_points_give_the_files_of_whole_points(grid_run, tmp_path):
    """Points cut into shards of 2 images (3 images: shards [0, 2) and [2, 3)), in one process and
    on two workers, store the same files as whole points."""
    spec, out, _ = grid_run
    plan = plan_sweep(load_sweep(spec), tmp_path / "plan")
    assert [t.shard for t in shard_tasks(plan, 2)] == [(0, 2), (2, 3)] * 4
    assert [t.shard for t in shard_tasks(plan, 3)] == [None] * 4
    assert [t.shard for t in shard_tasks(plan, None)] == [None] * 4
    for jobs in (1, 2):
        folder = tmp_path / f"sharded{jobs}"
        outcome = _sweep(spec, folder, jobs=jobs, shard_images=2)
        assert len(outcome.simulated) == 4
        for name in ("results.csv", "points.csv"):
            assert (folder / name).read_bytes() == (out / name).read_bytes(), (jobs, name)
        for point in (out / "points").iterdir():
            assert (folder / "points" / point.name / "images.csv").read_bytes() == \
                (point / "images.csv").read_bytes()


def test_merged_shards_count_works_shared_between_shards_once():
    import pandas as pd

    from isaacsim.sweep.worker import merge_shards

    def shard(images, digests, seconds):
        frame = pd.DataFrame({"image_id": images, "latency_cycles": [10] * len(images)})
        return {"status": "ok", "point_id": "p", "images": frame, "digests": frozenset(digests),
                "run": {"images": len(images), "mode": "single", "engine": "fast",
                        "baseline": False, "chips": 1, "distinct_works": len(digests)},
                "seconds": seconds}

    merged = merge_shards("p", [shard(["a", "b"], [b"x", b"y"], 1.0), shard(["c"], [b"y"], 2.0)])
    assert merged["run"]["images"] == 3 and merged["run"]["distinct_works"] == 2
    assert merged["images_csv"].splitlines() == ["image_id,latency_cycles", "a,10", "b,10", "c,10"]
    assert merged["seconds"] == 3.0
    failed = {"status": "failed", "point_id": "p", "error": "boom", "seconds": 1.0}
    assert merge_shards("p", [shard(["a"], [b"x"], 1.0), failed])["error"] == "boom"


def test_stream_points_are_never_sharded(tmp_path):
    spec = _spec(tmp_path, points=[{"run.mode": "stream"}, {}])
    plan = plan_sweep(load_sweep(spec), tmp_path / "out")
    assert [t.shard for t in shard_tasks(plan, 1)] == [None, (0, 1), (1, 2), (2, 3)]


# -- failures, files, interruption --------------------------------------------------------------

def test_a_failing_point_is_reported_and_the_others_finish(tmp_path, capsys):
    spec = _spec(tmp_path, points=[{}, {"arch.tile.edram.bytes": 256},
                                   {"precision.weight_bits": 8}], images=2)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    bad = point_id({"arch.tile.edram.bytes": 256})
    assert f"point {bad} (arch.tile.edram.bytes=256) failed" in err
    assert "rolling input buffer needs 624 bytes but gets 256 bytes" in err
    points = pd.read_csv(out / "points.csv", dtype={"point_id": str}, keep_default_na=False)
    assert list(points.status) == ["ok", "failed", "ok"]
    assert "rolling input buffer" in points.error[1] and points.error[0] == ""
    assert len(pd.read_csv(out / "results.csv")) == 2 * 2
    record = json.loads((out / "points" / bad / "point.json").read_text())
    assert record["status"] == "failed" and record["overrides"] == {"arch.tile.edram.bytes": 256}
    assert [pp.point.id for pp in plan_sweep(load_sweep(spec), out).todo] == [bad]


def test_trace_files_are_taken_from_the_specs_folder(tmp_path):
    shutil.copy(ROOT / "traces" / "tiny_soft_crop.jsonl", tmp_path / "soft.jsonl")
    spec = _spec(tmp_path, points=[{}, {"trace": "soft.jsonl"}], images=2)
    outcome = _sweep(spec, tmp_path / "out", jobs=1)
    assert len(outcome.simulated) == 2
    results = pd.read_csv(tmp_path / "out" / "results.csv", dtype={"crop": str}).fillna("")
    assert list(results.trace) == ["", "", "soft.jsonl", "soft.jsonl"]
    assert list(results.crop[2:]) == ["explicit", "explicit"]


def test_ctrl_c_keeps_finished_points_and_writes_no_tables(tmp_path, monkeypatch):
    spec = _spec(tmp_path, grid={"precision.weight_bits": [16, 8, 4]})
    calls = []

    def interrupted_second(task):
        calls.append(task.point_id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(task)

    real = local_backend.run_point
    monkeypatch.setattr(local_backend, "run_point", interrupted_second)
    outcome = _sweep(spec, tmp_path / "out", jobs=1)
    assert outcome.interrupted and outcome.simulated == [calls[0]]
    assert [p.name for p in (tmp_path / "out" / "points").iterdir()] == [calls[0]]
    assert not (tmp_path / "out" / "results.csv").exists()
    monkeypatch.setattr(local_backend, "run_point", real)
    rest = _sweep(spec, tmp_path / "out", jobs=1)
    assert rest.reused == [calls[0]] and len(rest.simulated) == 2


def test_docs_show_the_acceptance_spec_as_shipped():
    text = (ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8")
    block = text.split("```json\n", 1)[1].split("```", 1)[0]
    shipped = ROOT / "scripts" / "specs" / "acceptance_sweep.json"
    spec = json.loads(shipped.read_text(encoding="utf-8"))
    spec.pop("description")  # the docs describe it in prose
    assert json.loads(block) == spec
    sweep = load_sweep(shipped)
    assert [pp.point.label for pp in sweep.points] == [
        "precision.weight_bits=16, crop.fraction=0.125", "precision.weight_bits=16, crop.fraction=0.25",
        "precision.weight_bits=8, crop.fraction=0.125", "precision.weight_bits=8, crop.fraction=0.25"]
