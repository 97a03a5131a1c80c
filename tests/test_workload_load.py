"""Loading workloads: defaults, --set routing, relative paths, the resolved form."""

import json
from fractions import Fraction
from pathlib import Path

import pytest

from isaacsim.errors import InputError
from isaacsim.network import load_network
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.mapping import map_network
from isaacsim.workload import CropOptions, MappingOptions, RunOptions, load_workload

VGG = str(Path(__file__).parents[1] / "workloads" / "vgg16.json")


def test_shipped_vgg16_workload():
    w = load_workload(VGG)
    assert w.name == "vgg16" and w.source == VGG
    assert w.network == load_network("vgg16")
    assert w.arch == load_arch("isaac-ce")
    assert w.mapping == MappingOptions("isaac", None, "layer", "position")
    assert w.crop == CropOptions(Fraction(1, 4), "floor")
    assert w.run == RunOptions() and w.trace is None
    assert {(lp.weight_bits, lp.activation_bits) for lp in w.precision.layers.values()} == {(16, 16)}


def test_minimal_workload_takes_defaults(tmp_path):
    path = tmp_path / "mini.json"
    path.write_text('{"format_version": 1, "network": "tiny"}')
    w = load_workload(path)
    assert w.name == "mini" and w.arch.name == "isaac-ce"
    assert w.mapping == MappingOptions() and w.run == RunOptions() and w.crop == CropOptions()
    assert w.precision.of("conv1").weight_bits == 16


def test_sets_go_to_the_arch_and_the_sections():
    w = load_workload(VGG, {"arch.ima.adc.bits": 9, "precision.weight_bits": 8,
                            "mapping.replication": "none", "run.mode": "stream",
                            "crop.fraction": 0.125, "precision.layers.fc8.activation_bits": 4,
                            "mapping.chips": 9, "run.images": 20})
    assert w.arch.adc_bits == 9 and w.arch_sets == {"ima.adc.bits": 9}
    assert w.precision.of("conv1_1").weight_bits == 8
    assert w.precision.of("fc8").activation_bits == 4 and w.precision.of("fc7").activation_bits == 16
    assert (w.mapping.replication, w.mapping.chips) == ("none", 9)
    assert (w.run.mode, w.run.images) == ("stream", 20)
    assert w.crop.fraction == Fraction(1, 8)


def test_map_uses_the_workload_options():
    w = load_workload(VGG, {"precision.weight_bits": 8, "mapping.packing": "shared"})
    m = w.map()
    assert m.packing == "shared" and m.layer("conv1_1").weight_bits == 8
    assert m == map_network(w.network, w.arch, w.precision, packing="shared")


def test_paths_relative_to_the_workload_folder(tmp_path, monkeypatch):
    folder = tmp_path / "study"
    folder.mkdir()
    with open(load_network("tiny").origin, encoding="utf-8") as fh:
        net = json.load(fh)
    net["name"] = "mynet"
    (folder / "mynet.json").write_text(json.dumps(net))
    (folder / "half.json").write_text(json.dumps(
        {"format_version": 1, "base": "isaac-ce", "set": {"chip.tiles": 84}}))
    (folder / "t.csv").write_text("")
    (folder / "w.json").write_text(json.dumps({
        "format_version": 1, "network": "mynet.json", "trace": "t.csv",
        "arch": {"base": "half.json", "set": {"ima.adc.bits": 9, "tile.imas": 6}}}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    w = load_workload(folder / "w.json", {"arch.tile.imas": 4})
    assert w.network.name == "mynet"
    assert w.arch.tiles_per_chip == 84 and w.arch.adc_bits == 9 and w.arch.imas_per_tile == 4
    assert w.trace == str(folder / "t.csv")
    assert w.arch_sets == {"ima.adc.bits": 9, "tile.imas": 4}


def test_missing_trace_is_an_error_at_its_key_naming_where_it_was_looked_for(tmp_path):
    path = tmp_path / "w.json"
    path.write_text('{"format_version": 1, "network": "tiny", "trace": "traces/x.csv"}')
    with pytest.raises(InputError) as info:
        load_workload(path)
    assert str(info.value) == (f"{path}: $.trace: trace file not found: 'traces/x.csv' (looked "
                               f"for in the workload's folder {tmp_path}, then in the current "
                               f"directory {Path.cwd()})")
    assert load_workload(path, {"trace": None}).trace is None


@pytest.mark.parametrize("sets", [{}, {"crop.fraction": "1/3", "precision.layers.conv1.weight_bits": 4,
                                       "precision.layers.pool1.exponents.output": 2,
                                       "arch.ima.adc.bits": 9, "run.seed": 7}])
def test_to_dict_loads_back_to_the_same_workload(tmp_path, sets):
    w = load_workload(_tiny(tmp_path), sets)
    data = w.to_dict()
    assert data["format_version"] == 1 and json.loads(json.dumps(data)) == data
    again_path = tmp_path / "again.json"
    again_path.write_text(json.dumps(data))
    again = load_workload(again_path)
    assert {**again.to_dict(), "source": None} == {**data, "source": None}
    assert again.precision == w.precision and again.arch == w.arch and again.network == w.network
    assert again.crop == w.crop


def _tiny(tmp_path):
    path = tmp_path / "tiny_w.json"
    path.write_text('{"format_version": 1, "network": "tiny", "description": "d"}')
    return path
