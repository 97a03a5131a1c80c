"""The Python API (`isaacsim.api`): validation with JSON paths, in-memory traces located by record,
and results equal to the CLI's for the same workload."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import isaacsim
from isaacsim.api import Result, simulate, workload
from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.network import load_network
from isaacsim.traces import load_trace
from isaacsim.workload import load_workload, workload_from_dict

ROOT = Path(__file__).resolve().parents[1]
TINY = str(ROOT / "workloads" / "tiny_cropped.json")
TINY_TRACE = str(ROOT / "traces" / "tiny_synth_20.csv")
TABLES = ("images", "layers", "components", "summary")


def problems(**kwargs) -> list[tuple[str, str]]:
    """(place, message) of each problem `workload(network="tiny", **kwargs)` raises."""
    with pytest.raises(InputError) as info:
        workload(**{"network": "tiny", **kwargs})
    return [(p.place, p.message) for p in info.value.problems]


def places(**kwargs) -> list[str]:
    return [place for place, _ in problems(**kwargs)]


@pytest.mark.parametrize(("kwargs", "place"), [
    ({"precision": {"weight_bits": 99}}, "$.precision.weight_bits"),
    ({"precision": {"wieght_bits": 8}}, "$.precision.wieght_bits"),
    ({"precision": {"layers": {"conv1": {"activation_bits": 0}}}},
     "$.precision.layers.conv1.activation_bits"),
    ({"run": {"mode": "batch"}}, "$.run.mode"),
    ({"run": {"images": 0}}, "$.run.images"),
    ({"mapping": {"replication": "all"}}, "$.mapping.replication"),
    ({"crop": {"fraction": 0.75}}, "$.crop.fraction"),
    ({"arch": {"base": "isaac-ce", "set": {"ima.adc.bits": "x"}}}, '$.arch.set["ima.adc.bits"]'),
    ({"arch": {"set": {}}}, "$.arch.base"),
    ({"arch": 5}, "$.arch"),
    ({"trace": "no/such/trace.csv"}, "$.trace"),
    ({"name": "a/b"}, "$.name"),
])
def test_a_bad_section_names_its_key_path(kwargs, place):
    found = problems(**kwargs)
    assert any(p == place or p.startswith(place) for p, _ in found), found


def test_every_problem_is_reported_at_once():
    found = places(precision={"weight_bits": 99}, run={"mode": "batch"}, crop={"rounding": "up"})
    assert {"$.precision.weight_bits", "$.run.mode", "$.crop.rounding"} <= set(found)


def test_the_source_names_the_workload():
    with pytest.raises(InputError) as info:
        workload(network="tiny", name="mine", precision={"weight_bits": 99})
    assert str(info.value).startswith("workload('mine'): $.precision.weight_bits: ")


def test_a_network_dict_is_checked_under_network():
    net = json.loads((ROOT / "workloads" / "networks" / "tiny.json").read_text())
    assert workload(network=net).network.layers == load_network("tiny").layers
    net["layers"][1]["kernel"] = 0
    found = places(network=net)
    assert found[0].startswith("$.network.layers[1].kernel"), found


def test_unknown_network_name_and_set_key():
    assert places(network="tinny")[0] == "$.network"
    assert "tiny" in problems(network="tinny")[0][1]       # did-you-mean
    assert problems(set={"precision.weight_bits": 99})


def test_unknown_crop_vectors_are_located_by_record():
    found = problems(trace=["1111", "10a1", "0000", "111"])
    assert [p for p, _ in found] == ["$.trace[1]", "$.trace[3]"]
    assert "'10a1'" in found[0][1]


def test_pairs_are_located_by_element_and_duplicates_named():
    found = problems(trace=[("a", "1111"), ("b", "2"), ("a", "0000")])
    assert ("$.trace[1][1]" in [p for p, _ in found]
            and any(p == "$.trace[2][0]" and "duplicate image id 'a' (first on $.trace[0])" in m
                    for p, m in found)), found


@pytest.mark.parametrize(("trace", "place"), [
    ([], "$.trace"), ([5], "$.trace[0]"), ([(True, "1111")], "$.trace[0][0]"),
    ([("a", 1111)], "$.trace[0][1]"), ("1111", "$.trace"), ([("NA", "1111")], "$.trace[0][0]"),
])
def test_bad_records(trace, place):
    assert places(trace=trace)[0] == place


def test_in_memory_records_run_at_the_workload_fraction_and_bits():
    r = simulate(workload(network="tiny", trace=["1111", "0000"], crop={"fraction": 0.125},
                          precision={"activation_bits": 8}))
    assert r.images["image_id"].tolist() == ["img0", "img1"]
    assert r.images["crop"].tolist() == ["c1111", "c0000"]
    assert r.meta["workload"]["crop"]["fraction"] == 0.125
    wider = simulate(workload(network="tiny", trace=["1111"]))
    assert r.images["compute_energy_saving"][0] < wider.images["compute_energy_saving"][0]
    assert r.images["compute_energy_saving"][1] == 0


def test_a_trace_object_runs_like_its_file():
    net = load_network("tiny")
    trace = load_trace(TINY_TRACE, net)
    from_object = simulate(workload(network=net, trace=trace, run={"images": 4}))
    from_file = simulate(workload(network="tiny", trace=TINY_TRACE, run={"images": 4}))
    for name in TABLES:
        pd.testing.assert_frame_equal(from_object.tables[name], from_file.tables[name])


def test_results_equal_the_cli_csvs(tmp_path):
    out = tmp_path / "cli"
    assert main(["run", TINY, "--images", "6", "--out", str(out), "--progress", "off"]) == 0
    trace = load_trace(TINY_TRACE)
    records = [(image.image_id, str(image.crop)) for image in trace.images][:6]
    results = {
        "file": simulate(TINY, images=6),
        "loaded": simulate(load_workload(TINY), images=6),
        "dicts": simulate(workload(network="tiny", trace=TINY_TRACE, name="tiny_cropped"),
                          images=6),
        "records": simulate(workload(network="tiny", trace=records, name="tiny_cropped")),
    }
    for how, result in results.items():
        assert isinstance(result, Result)
        for name in TABLES:
            csv = pd.read_csv(out / f"{name}.csv")
            pd.testing.assert_frame_equal(result.tables[name].reset_index(drop=True), csv,
                                          check_dtype=False, rtol=1e-9, obj=f"{how}: {name}")
        written = result.write(tmp_path / how)
        for name in TABLES:
            assert (written / f"{name}.csv").read_bytes() == (out / f"{name}.csv").read_bytes()
    assert results["file"].meta["workload"] == json.loads((out / "run.json").read_text())["workload"]


def test_simulate_overrides_like_the_run_options():
    w = workload(network="tiny", trace=["1111", "0000", "0101"], run={"baseline": False})
    r = simulate(w, images=2, mode="stream", engine="reference", baseline=True)
    assert (r.meta["images"], r.meta["mode"], r.meta["engine"], r.meta["baseline"]) == \
        (2, "stream", "reference", True)
    assert r.images.shape[0] == 2 and r.layers.shape[0] == 2 * len(w.network.layers)
    assert set(r.summary.columns) == {"metric", "statistic", "value"}
    assert "component" in r.components.columns


def test_arch_override_and_sets():
    w = workload(network="tiny", arch={"base": "isaac-ce", "set": {"ima.adc.bits": 9}},
                 set={"precision.weight_bits": 8})
    assert w.arch_sets == {"ima.adc.bits": 9} and w.precision.to_dict()["weight_bits"] == 8
    assert workload(network="tiny", set={"arch.ima.adc.bits": 7}).arch_sets == {"ima.adc.bits": 7}


def test_workload_from_dict_is_the_file_loader():
    raw = json.loads(Path(TINY).read_text())
    a = workload_from_dict(raw, TINY, folder=Path(TINY).parent)
    assert a == load_workload(TINY)


def test_public_names():
    assert isaacsim.simulate is simulate and isaacsim.Result is Result
    assert isaacsim.workload_from_dict is workload_from_dict
    assert callable(isaacsim.layer_bars) and callable(isaacsim.timeline)


def test_plots_without_matplotlib_name_the_extra(monkeypatch):
    import sys

    from isaacsim import plots
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'isaacsim\[plot\]'"):
        plots.layer_bars(None)


def test_plots_draw_and_check_their_columns():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from isaacsim.plots import layer_bars, savings_histogram, timeline
    r = simulate(TINY, images=3)
    ax = layer_bars(r, value="end_cycle")
    assert [t.get_text() for t in ax.get_xticklabels()] == r.layers["layer"].unique().tolist()
    ax = timeline(r, image="img01")
    assert len(ax.patches) == r.layers["layer"].nunique()
    assert savings_histogram(r).get_xlabel() == "compute_energy_saving"
    with pytest.raises(ValueError, match="numeric columns"):
        layer_bars(r, value="energee")
    with pytest.raises(ValueError, match="out of range"):
        timeline(r, image=3)
    plt.close("all")


@pytest.mark.parametrize("options, place", [
    ({"images": -1}, "images"), ({"images": 0}, "images"), ({"images": True}, "images"),
    ({"images": 2.0}, "images"), ({"engine": "bogus"}, "engine"), ({"mode": "bogus"}, "mode"),
    ({"baseline": "no"}, "baseline")])
def test_simulate_checks_its_options_as_run_does(options, place):
    w = workload(network="tiny", trace=["1111", "0000", "1010"])
    with pytest.raises(InputError, match=f"run_workload: {place}: expected"):
        simulate(w, **options)


def test_an_image_id_starting_with_a_comment_sign_is_refused_not_dropped():
    with pytest.raises(InputError, match=r"\$\.trace\[1\]\[0\].*'#'"):
        workload(network="tiny", trace=[("ok", "1111"), ("#x", "0000")])
