"""Sweeps: where they write (the sweep folder rule, names, point folders), what they check up front
(trace files), warnings, resuming across versions and --force, and CSV tables that
``pandas.read_csv`` reads back as written.

The sweeps run the tiny workload (a fraction of a second per point), in this process (``--jobs 1``).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.outputs import MARKER
from isaacsim.sweep import load_sweep, plan_sweep, point_id, run_sweep
from isaacsim.sweep import spec as spec_module
from isaacsim.sweep.store import PointStore, decode_cell, text_cells, value_cell

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "workloads" / "tiny_cropped.json"
SLOW_ADC = 0.5
"""ima.adc.gsamples_per_s too low for 128 columns per ADC in a 100 ns cycle: an architecture
warning."""


def _spec(folder: Path, name: str = "spec", **fields) -> Path:
    spec = {"format_version": 1, "name": "t", "workload": str(TINY), "images": 2, "points": [{}],
            **fields}
    path = folder / f"{name}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def _listing(folder: Path) -> list[str]:
    """Every path below `folder` (hidden ones included), relative."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _sweep(capsys, *args) -> tuple[int, str, str]:
    code = main(["sweep", *map(str, args), "--progress", "off"])
    out, err = capsys.readouterr()
    return code, out, err


# -- the sweep folder ---------------------------------------------------------------------------

def _file(tmp: Path) -> Path:
    (tmp / "notes.txt").write_text("mine\n")
    return tmp / "notes.txt"


def _foreign(tmp: Path) -> Path:
    (tmp / "data").mkdir()
    (tmp / "data" / "thesis.tex").write_text("mine\n")
    return tmp / "data"


def _old_sweep(tmp: Path) -> Path:
    """A sweep folder as an isaacsim without output markers wrote it."""
    old = tmp / "old"
    (old / "points" / "4235b905b7").mkdir(parents=True)
    (old / "points" / "4235b905b7" / "point.json").write_text("{}")
    (old / "results.csv").write_text("point_id\n")
    (old / "sweep.json").write_text("{}")
    return old


BAD_OUT = {
    "existing file": (_file, "exists and is a file"),
    "below a file": (lambda tmp: _file(tmp) / "sub", "notes.txt' is a file, not a folder"),
    "missing parent": (lambda tmp: tmp / "nosuch" / "out", "does not exist; create it first"),
    "folder of other files": (_foreign, "holds files isaacsim did not write (thesis.tex)"),
    "old isaacsim sweep": (_old_sweep, "written by an older isaacsim"),
    "current folder": (lambda tmp: Path("."), "is the current folder"),
    "root": (lambda tmp: Path("/"), "is the root folder"),
}


@pytest.mark.parametrize("case", sorted(BAD_OUT))
def test_a_sweep_never_writes_where_it_may_not(case, tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    spec = _spec(tmp_path)
    make, fragment = BAD_OUT[case]
    out = make(work)
    before = _listing(work)
    code, stdout, err = _sweep(capsys, spec, "--out", out, "--jobs", "1")
    assert code == 2, err
    assert fragment in err and "--out" in err and "Traceback" not in err
    assert _listing(work) == before  # nothing created, no hidden temporary left behind
    assert not stdout


@pytest.mark.parametrize("out", ["", "  ", "o\x00ut"])
def test_an_empty_or_nul_folder_name_is_refused(out, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    spec = _spec(tmp_path)
    before = _listing(tmp_path)
    with pytest.raises(SystemExit) as info:     # argparse refuses it: nothing is read or created
        _sweep(capsys, spec, "--out", out)
    err = capsys.readouterr().err
    assert info.value.code == 2 and "argument --out" in err and "Traceback" not in err
    assert _listing(tmp_path) == before


def test_an_old_sweep_folder_is_refused_with_a_new_folder_suggested(tmp_path, capsys):
    old = _old_sweep(tmp_path)
    code, _, err = _sweep(capsys, _spec(tmp_path), "--out", old)
    assert code == 2 and "give a new folder with --out" in err and MARKER in err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux)")
def test_an_unwritable_parent_is_refused(tmp_path, capsys):
    code, _, err = _sweep(capsys, _spec(tmp_path), "--out", "/proc/isaacsim-sweep")
    assert code == 2 and "cannot create the folder" in err and "Traceback" not in err
    if os.geteuid() != 0:  # root may write anywhere a mode allows none
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, _, err = _sweep(capsys, _spec(tmp_path), "--out", locked / "out")
        assert code == 2 and "not writable" in err
        assert not (locked / "out").exists()


def test_the_sweep_folder_is_marked_and_an_empty_one_is_adopted(tmp_path, capsys):
    spec = _spec(tmp_path, points=[{}])
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _sweep(capsys, spec, "--out", empty, "--jobs", "1")[0] == 0
    marker = json.loads((empty / MARKER).read_text())
    assert marker["tool"] == "isaacsim" and marker["kind"] == "sweep"
    pid = point_id({})
    assert json.loads((empty / "points" / pid / MARKER).read_text())["kind"] == "sweep-point"
    # another kind of isaacsim folder is not a sweep folder
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / MARKER).write_text(json.dumps({"tool": "isaacsim", "kind": "run",
                                                       "files": []}))
    code, _, err = _sweep(capsys, spec, "--out", tmp_path / "run")
    assert code == 2 and re.search(r"isaacsim .*\brun\b.*\bnot\b.*\bsweep\b", err), err


def test_the_default_folder_is_created_with_its_parents(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    spec = _spec(tmp_path, points=[{}], name="myspec")
    del_name = json.loads(spec.read_text())
    del del_name["name"]
    spec.write_text(json.dumps(del_name))
    assert _sweep(capsys, spec, "--jobs", "1")[0] == 0
    assert (tmp_path / "results" / "sweeps" / "myspec" / "points.csv").is_file()


def test_a_point_folder_is_replaced_only_when_it_is_isaacsims(tmp_path, capsys):
    spec = _spec(tmp_path, points=[{}, {"precision.weight_bits": 8}])
    out = tmp_path / "out"
    assert _sweep(capsys, spec, "--out", out, "--jobs", "1")[0] == 0
    first, second = point_id({}), point_id({"precision.weight_bits": 8})
    (out / "points" / first / "my-notes.txt").write_text("keep me\n")
    shutil.rmtree(out / "points" / second)
    (out / "points" / second).mkdir()
    (out / "points" / second / "data.bin").write_text("mine\n")
    before = _listing(out)
    code, _, err = _sweep(capsys, spec, "--out", out, "--jobs", "1", "--force")
    assert code == 2 and "Traceback" not in err
    assert "my-notes.txt" in err and "data.bin" in err and "2 problems" in err
    assert _listing(out) == before


def test_point_paths_never_leave_the_sweep_folder(tmp_path):
    store = PointStore(tmp_path)
    for bad in ("../x", "/etc", "p123", "p4235b905b7/..", "P4235B905B7", ""):
        with pytest.raises(ValueError):
            store.folder(bad)
    assert store.folder("p4235b905b7") == tmp_path / "points" / "p4235b905b7"
    # a points/ that is a link to elsewhere is refused
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (out / "points").symlink_to(tmp_path / "elsewhere")
    PointStore.open(tmp_path / "fresh")
    (out / MARKER).write_text(json.dumps({"tool": "isaacsim", "kind": "sweep", "files": None}))
    with pytest.raises(InputError, match="symbolic link"):
        PointStore.open(out)


# -- names --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\\b", "a\x00b", "a\nb", "tab\there",
                                  "/tmp/abs", "-rf"])
def test_unsafe_sweep_names_are_rejected_at_load(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    spec = _spec(tmp_path, points=[{}], name="spec")
    raw = json.loads(spec.read_text())
    raw["name"] = name
    spec.write_text(json.dumps(raw))
    code, _, err = _sweep(capsys, spec, "--jobs", "1")
    assert code == 2 and "$.name" in err and "Traceback" not in err
    assert not (tmp_path / "results").exists()


def test_the_default_name_is_checked_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = _spec(tmp_path, points=[{}], name="-dash")
    raw = json.loads(spec.read_text())
    del raw["name"]
    spec.write_text(json.dumps(raw))
    with pytest.raises(InputError, match=r"\$\.name: .*file name without \.json"):
        load_sweep(spec)


# -- checked up front ---------------------------------------------------------------------------

def test_a_missing_trace_of_the_base_workload_is_reported_for_every_point(tmp_path, capsys):
    workload = json.loads(TINY.read_text())
    workload["trace"] = "nosuch_trace.csv"
    (tmp_path / "w.json").write_text(json.dumps(workload))
    spec = _spec(tmp_path, workload="w.json", grid={"precision.weight_bits": [16, 8]})
    out = tmp_path / "out"
    code, _, err = _sweep(capsys, spec, "--out", out)
    assert code == 2 and "all 2 points" in err and "Traceback" not in err
    assert "trace file not found: 'nosuch_trace.csv'" in err
    assert str(tmp_path) in err  # where it was looked for
    assert not out.exists()


def test_a_missing_trace_of_one_point_names_that_point_and_the_places_looked(tmp_path):
    spec = _spec(tmp_path, points=[{}, {"trace": "gone.csv"}])
    with pytest.raises(InputError) as info:
        load_sweep(spec)
    text = str(info.value)
    assert f"point {point_id({'trace': 'gone.csv'})} (trace=gone.csv)" in text
    assert "override trace=gone.csv: trace file not found: gone.csv" in text
    assert str(tmp_path / "gone.csv") in text and str(TINY.parent / "gone.csv") in text


def test_more_images_than_a_trace_holds_is_reported_up_front(tmp_path, capsys):
    spec = _spec(tmp_path, grid={"precision.weight_bits": [16, 8]}, images=21)
    out = tmp_path / "out"
    code, _, err = _sweep(capsys, spec, "--out", out)
    assert code == 2 and "all 2 points" in err and "holds 20 images, fewer than the 21" in err
    assert not out.exists()
    code, _, err = _sweep(capsys, _spec(tmp_path, grid={"precision.weight_bits": [16, 8]}),
                          "--out", out, "--images", "25")
    assert code == 2 and "fewer than the 25" in err and not out.exists()


def test_a_trace_that_does_not_fit_the_network_is_reported_up_front(tmp_path):
    soft = str(ROOT / "traces" / "tiny_soft_crop.jsonl")  # regions of the tiny network's layers
    spec = _spec(tmp_path, points=[{"trace": soft}, {"trace": soft, "network": "vgg16"}])
    sweep = load_sweep(spec)  # the files exist: the traces are read when the sweep is planned
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        plan_sweep(sweep, out)
    assert not out.exists()
    assert len(info.value.problems) >= 1
    assert all(p.place == f"point {point_id({'trace': soft, 'network': 'vgg16'})} "
                         f"(trace={soft}, network=vgg16)" for p in info.value.problems)


# -- warnings -----------------------------------------------------------------------------------

def test_warnings_are_recorded_per_point_printed_once_and_strict_refuses(tmp_path, capsys):
    grid = {"arch.ima.adc.gsamples_per_s": [1.28, SLOW_ADC], "precision.weight_bits": [16, 8]}
    spec = _spec(tmp_path, grid=grid)
    out = tmp_path / "out"
    code, _, err = _sweep(capsys, spec, "--out", out, "--jobs", "1", "--strict")
    assert code == 2 and ": 2 points: " in err and "each ADC must convert" in err
    assert "because of --strict" in err
    assert not out.exists()
    code, _, err = _sweep(capsys, spec, "--out", out, "--jobs", "1")
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(lines) == 1 and "each ADC must convert 128 columns" in lines[0]
    assert "(2 points: " in lines[0]
    points = pd.read_csv(out / "points.csv")
    slow = points["arch.ima.adc.gsamples_per_s"] == SLOW_ADC
    assert points.warnings[slow].str.startswith("each ADC must convert").all()
    assert points.warnings[~slow].isna().all()
    for pid in points.point_id:
        record = json.loads((out / "points" / pid / "point.json").read_text())
        assert bool(record["warnings"]) == (record["overrides"]["arch.ima.adc.gsamples_per_s"]
                                            == SLOW_ADC)


def test_several_warnings_of_a_point_are_joined(tmp_path):
    spec = _spec(tmp_path, points=[{"arch.ima.adc.gsamples_per_s": SLOW_ADC,
                                    "arch.ima.ir.bytes": 64}])
    out = tmp_path / "out"
    run_sweep(plan_sweep(load_sweep(spec), out), jobs=1)
    (pp,) = load_sweep(spec).points
    assert len(pp.warnings) == 2
    assert pd.read_csv(out / "points.csv").warnings[0] == "; ".join(pp.warnings)


# -- resume -------------------------------------------------------------------------------------

def test_points_stored_by_another_version_run_again(tmp_path, monkeypatch):
    spec = _spec(tmp_path, grid={"precision.weight_bits": [16, 8]})
    out = tmp_path / "out"
    run_sweep(plan_sweep(load_sweep(spec), out), jobs=1)
    assert not plan_sweep(load_sweep(spec), out).todo
    monkeypatch.setattr(spec_module, "__version__", "999.0")
    assert len(plan_sweep(load_sweep(spec), out).todo) == 2


def test_force_runs_every_point_again_and_replaces_its_folder(tmp_path, capsys):
    spec = _spec(tmp_path, grid={"precision.weight_bits": [16, 8]})
    out = tmp_path / "out"
    assert _sweep(capsys, spec, "--out", out, "--jobs", "1")[0] == 0
    pid = point_id({"precision.weight_bits": 8})
    before = json.loads((out / "points" / pid / "point.json").read_text())
    tables = {n: (out / n).read_bytes() for n in ("results.csv", "points.csv")}
    code, stdout, _ = _sweep(capsys, spec, "--out", out, "--jobs", "1")
    assert code == 0 and "nothing to do" in stdout
    code, stdout, _ = _sweep(capsys, spec, "--out", out, "--jobs", "1", "--force")
    assert code == 0 and "2 to run" in stdout and "ran 2 points" in stdout
    after = json.loads((out / "points" / pid / "point.json").read_text())
    assert after["seconds"] != before["seconds"] and after["fingerprint"] == before["fingerprint"]
    assert {n: (out / n).read_bytes() for n in tables} == tables
    assert not [p for p in (out / "points").iterdir() if p.name.startswith(".")]


def test_help_tells_about_force_and_versions(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--force" in text and "--strict" in text and "isaacsim version" in text


# -- CSV round trip -----------------------------------------------------------------------------

AWKWARD = ["0110", "1/8", "0.125", "1e5", "12e4567890", "true", "True", "FALSE", "NA", "None",
           "null", "nan", "inf", "-", " padded", "[1, 2]", '"quoted"', "{}", "a,b", "two\nlines",
           "naïve", "c0110", "explicit", "0x10", "1_000", "+5", ".5"]


@pytest.mark.parametrize("mixed", [False, True])
def test_text_cells_read_back_with_default_read_csv(mixed, tmp_path):
    texts = AWKWARD if not mixed else AWKWARD + ["plain"]
    for column in ([[t] for t in texts] if not mixed else [texts]):
        path = tmp_path / "t.csv"
        pd.DataFrame({"v": text_cells(column)}).to_csv(path, index=False)
        back = pd.read_csv(path)["v"]
        assert [decode_cell(v) for v in back] == column


NUMBERISH = "0123456789eE+-._ xXinfatruelsNAN/#,\"[{"


@given(st.lists(st.text(alphabet=NUMBERISH, min_size=1, max_size=6), min_size=1, max_size=4))
def test_any_text_column_reads_back_with_default_read_csv(texts):
    buf = io.StringIO()
    pd.DataFrame({"v": text_cells(texts)}).to_csv(buf, index=False)
    back = pd.read_csv(io.StringIO(buf.getvalue()))["v"]
    assert [decode_cell(v) for v in back] == texts


def test_override_values_read_back_with_default_read_csv(tmp_path):
    values = [8, 0.125, "1/8", "0110", "", True, [1, 2], {"a": 1}, "true", "8"]
    path = tmp_path / "t.csv"
    pd.DataFrame({"v": [value_cell(v) for v in values]}).to_csv(path, index=False)
    assert [decode_cell(v) for v in pd.read_csv(path)["v"]] == values
    numbers = tmp_path / "n.csv"
    pd.DataFrame({"v": [value_cell(v) for v in (16, 8, 4)]}).to_csv(numbers, index=False)
    assert list(pd.read_csv(numbers)["v"]) == [16, 8, 4]


def _awkward_trace(folder: Path) -> tuple[Path, list[str]]:
    """The tiny trace's first images with ids pandas reads as numbers (the trace format accepts
    numbers written canonically), in a file named ``0110``."""
    lines = (ROOT / "traces" / "tiny_synth_20.csv").read_text().splitlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    ids = ["12", "13", "14", "15"]
    rows = [",".join([i, *row.split(",")[1:]]) for i, row in zip(ids, body[1:])]
    path = folder / "0110"
    path.write_text("\n".join(header + [body[0]] + rows) + "\n")
    return path, ids


def test_points_and_results_tables_read_back_with_default_read_csv(tmp_path):
    _, ids = _awkward_trace(tmp_path)
    points_spec = [{"trace": "0110"}, {"trace": "0110", "crop.fraction": "1/8"},
                   {"trace": "0110", "crop.fraction": 0.125},
                   {"trace": "0110", "arch.ima.adc.gsamples_per_s": SLOW_ADC},
                   {"trace": "0110", "arch.tile.edram.bytes": 256}]
    spec = _spec(tmp_path, points=points_spec, images=4)
    out = tmp_path / "out"
    sweep = load_sweep(spec)
    outcome = run_sweep(plan_sweep(sweep, out), jobs=1)
    assert len(outcome.failed) == 1  # the small eDRAM fails at run time: an error message

    points = pd.read_csv(out / "points.csv")
    assert list(points.point_id) == [pp.point.id for pp in sweep.points]
    assert list(points.label) == [pp.point.label for pp in sweep.points]
    assert list(points.status) == ["ok", "ok", "ok", "ok", "failed"]
    for key in ("trace", "crop.fraction", "arch.ima.adc.gsamples_per_s"):
        got = [decode_cell(v) for v in points[key]]
        want = [o.get(key) for o in points_spec]
        assert [None if g != g else g for g in got] == want, key  # NaN: not set
    assert list(points["arch.tile.edram.bytes"].isna()) == [True] * 4 + [False]
    assert points["images"].dtype.kind in "if" and points.chips.notna().sum() == 4
    assert list(points["mode"][:4]) == ["single"] * 4
    assert points.error[4].startswith(outcome.failed[0][1][:40]) and points.error[:4].isna().all()
    assert points.warnings[3] == "; ".join(sweep.points[3].warnings)

    results = pd.read_csv(out / "results.csv")
    assert len(results) == 4 * 4
    assert [decode_cell(v) for v in results.image_id] == ids * 4
    assert [decode_cell(v) for v in results.trace] == ["0110"] * 16
    assert [decode_cell(v) for v in results["crop.fraction"]][4:12] == ["1/8"] * 4 + [0.125] * 4
    first = pd.read_csv(out / "points" / sweep.points[0].point.id / "images.csv", dtype=str,
                        keep_default_na=False)
    assert [decode_cell(v) for v in results.crop[:4]] == list(first.crop)
    for col in first.columns:
        if col not in ("image_id", "crop"):
            assert results[col].dtype.kind in "if", col
            assert list(results[col][:4]) == pytest.approx([float(v) for v in first[col]])


def test_the_docs_describe_the_rules(capsys):
    text = " ".join((ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8").split())
    for phrase in ("--force", "--strict", "isaacsim version", MARKER, "kill -9", "warnings",
                   "json.loads", "older isaacsim"):
        assert phrase in text, phrase


if sys.platform == "win32":  # pragma: no cover - symlinks and /proc
    pytestmark = pytest.mark.skip("POSIX only")
