"""End-to-end runs of workloads: the `run` command, its reports, and whole-network properties."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.runner import run_workload
from isaacsim.workload import load_workload

VGG = "workloads/vgg16_cropped.json"
TINY = "workloads/tiny_cropped.json"


@pytest.fixture(scope="module")
def vgg_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("vgg") / "r"
    assert main(["run", VGG, "--images", "200", "--out", str(out), "--progress", "off"]) == 0
    return out


def test_run_writes_every_report(vgg_run):
    for name in ("images", "layers", "components", "summary"):
        assert (vgg_run / f"{name}.csv").stat().st_size > 0
    meta = json.loads((vgg_run / "run.json").read_text())
    assert meta["images"] == 200 and meta["workload"]["network"]
    assert set(meta["versions"]) >= {"isaacsim", "numpy", "numba", "simpy", "pandas"}


def test_crop_1111_counts(vgg_run):
    images = pd.read_csv(vgg_run / "images.csv", dtype={"crop": str})
    layers = pd.read_csv(vgg_run / "layers.csv")
    full = images[images.crop == "c1111"].image_id.iloc[0]
    mine = layers[layers.image_id == full].set_index("layer")
    assert mine.loc["conv1_1", "active_pixels"] == 12544
    assert mine.loc["conv1_1", "skipped_pixels"] == 50176 - 12544
    mapping = load_workload(VGG).map()
    for lm in mapping.layers:
        if lm.kind == "conv":
            row = mine.loc[lm.name]
            assert row.array_vector_ops == row.active_pixels * lm.arrays_per_replica
            assert row.array_reads == row.array_vector_ops * 16


def test_uncropped_images_save_nothing_and_savings_are_reported(vgg_run):
    images = pd.read_csv(vgg_run / "images.csv", dtype={"crop": str})
    none = images[images.crop == "c0000"]
    assert len(none) > 0
    assert (none.energy_saving == 0).all() and (none.compute_energy_saving == 0).all()
    assert (none.latency_cycles == none.baseline_latency_cycles).all()
    cropped = images[images.crop != "c0000"]
    assert (cropped.compute_energy_saving > 0).all()
    summary = pd.read_csv(vgg_run / "summary.csv")
    mean = summary[(summary.metric == "compute_energy_saving") & (summary.statistic == "mean")]
    assert mean.value.iloc[0] == pytest.approx(images.compute_energy_saving.mean())


def test_same_inputs_give_identical_files(tmp_path):
    for d in ("a", "b"):
        assert main(["run", TINY, "--out", str(tmp_path / d), "--progress", "off"]) == 0
    for name in ("images", "layers", "components", "summary"):
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == \
            (tmp_path / "b" / f"{name}.csv").read_bytes()


@pytest.mark.parametrize("mode", ["single", "stream"])
def test_reference_engine_gives_identical_reports_on_tiny(tmp_path, mode):
    for engine in ("fast", "reference"):
        assert main(["run", TINY, "--engine", engine, "--mode", mode,
                     "--out", str(tmp_path / engine), "--progress", "off"]) == 0
    for name in ("images", "layers"):
        assert (tmp_path / "fast" / f"{name}.csv").read_bytes() == \
            (tmp_path / "reference" / f"{name}.csv").read_bytes()


def _latencies(sets: dict, images: int = 6) -> np.ndarray:
    out = run_workload(load_workload(VGG, sets), images=images, baseline=False)
    return out.tables["images"].latency_cycles.to_numpy()


@pytest.mark.parametrize("key, value", [("arch.chip.ht.link_gbytes_per_s", 3.2),
                                        ("arch.mesh.link_gbytes_per_s", 1.6)])
def test_halving_bandwidth_never_reduces_latency(key, value):
    full = _latencies({})
    half = _latencies({key: value})
    assert (half >= full).all()
    assert (half > full).any()


def test_edram_below_rolling_need_is_an_input_error(capsys):
    code = main(["run", VGG, "--images", "1", "--set", "arch.tile.edram.bytes=2048"])
    err = capsys.readouterr().err
    assert code == 2
    assert "conv5_1" in err and "Traceback" not in err


def test_stream_mode_reports_throughput(tmp_path):
    assert main(["run", TINY, "--mode", "stream", "--out", str(tmp_path / "s"),
                 "--progress", "off"]) == 0
    summary = pd.read_csv(tmp_path / "s" / "summary.csv")
    thr = summary[summary.metric == "throughput_images_per_s"].value.iloc[0]
    images = pd.read_csv(tmp_path / "s" / "images.csv")
    assert thr == pytest.approx(len(images) / (images.completion_cycle.max() * 100e-9))
    assert images.latency_cycles.is_monotonic_increasing


def test_interrupt_keeps_the_finished_images():
    wl = load_workload(VGG)
    done = [0]

    def progress(n):
        done[0] += n
        if done[0] >= 7:  # images with the same record finish together: a step may be several
            raise KeyboardInterrupt

    out = run_workload(wl, images=30, progress=progress)
    assert out.meta["interrupted"] and out.meta["images"] == done[0] < 30
    assert len(out.tables["images"]) == done[0]
    assert (out.tables["images"].baseline_latency_cycles > 0).all()
    full = run_workload(wl, images=done[0])
    pd.testing.assert_frame_equal(out.tables["images"], full.tables["images"])


def test_stream_static_energy_pays_for_the_run_once():
    wl = load_workload(TINY)
    out = run_workload(wl, mode="stream", baseline=False)
    images = out.tables["images"]
    chips = out.meta["chips"]
    makespan_ns = images.completion_cycle.max() * wl.arch.cycle_ns
    expected = wl.arch.energy.chip_static_mw * chips * makespan_ns
    assert images.static_energy_pj.sum() == pytest.approx(expected)


def test_run_and_map_note_the_tiles_left_to_equal_shares(tmp_path, capsys):
    # the tiny network with shared packing puts conv1, conv2 and fc1 on tile 0: their fetch
    # divides tile 0's eDRAM port equally; with layer packing no tile is shared
    args = ["--set", "mapping.packing=shared"]
    assert main(["map", TINY, *args]) == 0
    err = capsys.readouterr().err
    assert "note: 1 tile holds arrays of several layers (e.g. tile 0: conv1, conv2, fc1)" in err
    assert main(["run", TINY, *args, "--images", "1", "--out", str(tmp_path / "r"),
                 "--progress", "off"]) == 0
    assert "note: 1 tile holds arrays of several layers" in capsys.readouterr().err
    assert main(["map", TINY]) == 0
    assert "note:" not in capsys.readouterr().err
