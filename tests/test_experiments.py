"""The experiment scripts (scripts/, docs/experiments.md): quick runs into a temporary folder, the
shape and sanity of their tables, and the inputs they rely on."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from isaacsim.crop import ALL_VECTORS
from isaacsim.runner import run_workload
from isaacsim.traces import synth_text
from isaacsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
VECTORS = [str(v) for v in ALL_VECTORS]
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def run_script(name: str, out: Path, *extra: str) -> str:
    done = subprocess.run([sys.executable, str(SCRIPTS / f"{name}.py"), "--quick", "--jobs", "1",
                           "--out", str(out), *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (out / f"{name}.csv").is_file() and (out / f"{name}.md").is_file()
    assert (out / f"{name}.png").is_file() == HAVE_MATPLOTLIB
    return done.stdout


def read(out: Path, name: str) -> pd.DataFrame:
    """A table as `pandas.read_csv` reads it with default arguments (crop labels must survive)."""
    return pd.read_csv(out / f"{name}.csv")


LABELS = ["c" + v for v in VECTORS]


def test_naive_crop_quick(tmp_path):
    run_script("naive_crop", tmp_path)
    df = read(tmp_path, "naive_crop").set_index("crop")
    assert list(df.index) == LABELS
    df.index = [label[1:] for label in df.index]
    saving = df["compute_energy_saving"]
    assert saving["0000"] == 0 and df.loc["0000", "latency_change"] == 0
    assert df.loc["0000", "object_intact_share"] == 1
    # cropping more sides saves strictly more, in compute energy and in latency
    for small in VECTORS:
        for big in VECTORS:
            if small != big and int(small, 2) & int(big, 2) == int(small, 2):
                assert saving[big] > saving[small], (small, big)
                assert df.loc[big, "latency_cycles"] < df.loc[small, "latency_cycles"]
    # the compute saving follows the removed area, a little below it (floor keeps rows)
    cropped = df.drop(index="0000")
    assert ((cropped["compute_energy_saving"] <= cropped["area_removed"])
            & (cropped["compute_energy_saving"] > cropped["area_removed"] - 0.02)).all()


def test_crop_potential_quick(tmp_path):
    run_script("crop_potential", tmp_path)
    hist = read(tmp_path, "crop_potential")
    assert list(hist["crop"]) == LABELS
    summary = read(tmp_path, "crop_potential_summary").set_index("fraction")
    for f in ("1/4", "1/8"):
        share = hist[f"images_f{f}"]
        assert share.sum() == pytest.approx(1)
        assert summary.loc[f, "croppable"] == pytest.approx(1 - share.iloc[0])
        assert 0 < summary.loc[f, "vgg16_compute_energy_saving"] < 0.75
    # a smaller band leaves more images croppable
    assert summary.loc["1/8", "croppable"] > summary.loc["1/4", "croppable"]


def test_combined_quick(tmp_path):
    run_script("combined", tmp_path)
    df = read(tmp_path, "combined")
    assert len(df) == 6 and df.iloc[0][["weight_bits", "activation_bits"]].tolist() == [16, 16]
    # fewer weight bits: less energy uncropped; cropping saves nearly the same share
    w16 = df[df["activation_bits"] == 16].set_index("weight_bits")
    assert w16.loc[8, "baseline_compute_energy_uj"] < w16.loc[16, "baseline_compute_energy_uj"]
    assert abs(df["compute_saving_minus_16_16_pp"]).max() < 0.5
    comp = read(tmp_path, "combined_components")
    assert comp["share_w16a16"].sum() == pytest.approx(1)


def test_design_space_quick(tmp_path):
    run_script("design_space", tmp_path / "out")
    df = read(tmp_path / "out", "design_space")
    spec = json.loads((SCRIPTS / "specs" / "design_space.json").read_text())
    assert len(df) == len(spec["points"]) and (df["status"] == "ok").all()
    by = df.set_index("point")
    ce = by.loc["ISAAC-CE"]
    assert df["point"].iloc[0] == "ISAAC-CE" and pd.isna(ce["warnings"])
    # the ISAAC-CE row is what a direct run of the same workload gives
    trace = tmp_path / "uncropped.csv"
    trace.write_text(synth_text(network="vgg16", images=int(ce["images"]), seed=0,
                                fraction="0.25", policy="none"))
    w = load_workload(ROOT / "workloads" / "vgg16.json",
                      {"trace": str(trace), "run.mode": "stream", "run.baseline": False})
    r = run_workload(w)
    summary = r.tables["summary"].set_index("metric")["value"]
    comp = r.tables["components"].set_index("component")["peak_utilisation"]
    assert ce["throughput_images_per_s"] == pytest.approx(summary["throughput_images_per_s"],
                                                          rel=1e-9)
    assert ce["energy_uj"] == pytest.approx(r.tables["images"]["energy_pj"].mean() / 1e6, rel=1e-9)
    assert ce["chips"] == r.meta["chips"] == 7
    assert ce["top_component"] == comp.idxmax() and ce["top_utilisation"] == pytest.approx(comp.max())
    peak = w.arch.peak
    assert (ce["ce_gops_s_mm2"], ce["pe_gops_w"], ce["se_mb_mm2"]) == pytest.approx(
        (peak.ce_gops_s_mm2, peak.pe_gops_w, peak.se_mb_mm2))
    # half the ADC rate (or half the ADCs) halves the readout: throughput falls, with a warning
    for point in ("ADC 0.64 GS/s", "4 ADCs per IMA"):
        assert by.loc[point, "throughput_images_per_s"] < 0.6 * ce["throughput_images_per_s"]
        assert "ADC rate" in by.loc[point, "warnings"]
    # a 200 ns read: peak CE exactly halves (same hardware), throughput falls
    slow = by.loc["200 ns read"]
    assert slow["ce_gops_s_mm2"] == pytest.approx(ce["ce_gops_s_mm2"] / 2)
    assert slow["throughput_images_per_s"] < 0.6 * ce["throughput_images_per_s"]
    # the 9-bit ADC without the flip encoding costs CE, PE and energy
    nine = by.loc["9-bit ADC, no flip encoding"]
    assert nine["adc_bits"] == 9 and nine["ce_gops_s_mm2"] < ce["ce_gops_s_mm2"]
    assert nine["pe_gops_w"] < ce["pe_gops_w"] and nine["energy_uj"] > ce["energy_uj"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["overall_savings", "weight_precision", "activation_precision"])
def test_other_scripts_quick(tmp_path, name):
    run_script(name, tmp_path)
    df = read(tmp_path, name)
    rows = {"overall_savings": 6, "weight_precision": 6, "activation_precision": 9}[name]
    assert len(df) == rows
    assert ((df["compute_energy_saving" if name != "overall_savings"
                else "compute_energy_saving_mean"] > 0.2)).all()


@pytest.mark.slow
def test_run_all_quick(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPTS / "run_all.py"), "--quick", "--jobs", "2",
                           "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert "total" in done.stdout
    assert len(list(tmp_path.glob("*.csv"))) == 9 and len(list(tmp_path.glob("*.md"))) == 7


def test_overall_spec_points_match_workloads():
    """The overall-savings spec sets each network's network and trace as its workload does."""
    spec = json.loads((SCRIPTS / "specs" / "overall_savings.json").read_text())
    for point in spec["points"]:
        w = load_workload(ROOT / "workloads" / f"{point['network']}_cropped.json")
        assert w.network.name == point["network"]
        assert Path(w.trace).resolve() == (SCRIPTS / "specs" / point["trace"]).resolve()


@pytest.mark.parametrize("network", ["alexnet", "resnet18"])
def test_shipped_traces_regenerate(network):
    """traces/<network>_synth_1000.csv is what its documented synth command writes."""
    text = synth_text(network=network, images=1000, seed=0, fraction="0.25", policy="oracle")
    assert (ROOT / "traces" / f"{network}_synth_1000.csv").read_text() == text


def test_experiments_doc_shows_the_written_tables():
    """docs/experiments.md holds every table row of the scripts' snippets in docs/experiments/."""
    doc = (ROOT / "docs" / "experiments.md").read_text()
    names = ["crop_potential", "naive_crop", "overall_savings", "weight_precision",
             "activation_precision", "combined", "design_space"]
    for name in names:
        snippet = (ROOT / "docs" / "experiments" / f"{name}.md").read_text()
        rows = [line for line in snippet.splitlines() if line.startswith("|")]
        assert rows, name
        missing = [line for line in rows if line not in doc]
        assert not missing, f"{name}.md rows not in docs/experiments.md: {missing[:2]}"
        assert f"experiments/{name}.png" in doc
