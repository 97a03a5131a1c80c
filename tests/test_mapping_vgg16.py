"""Acceptance numbers of the VGG-16 mapping (isaac.md section 5), through the API and the CLI."""

import json
import math
from pathlib import Path

import pytest

from isaacsim.cli import main
from isaacsim.network import load_network
from isaacsim.precision import uniform_precision
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.mapping import map_network
from isaacsim.workload import load_workload

WORKLOAD = str(Path(__file__).parents[1] / "workloads" / "vgg16.json")
BLOCKS = {1: ["conv1_1", "conv1_2"], 2: ["conv2_1", "conv2_2"],
          3: ["conv3_1", "conv3_2", "conv3_3"], 4: ["conv4_1", "conv4_2", "conv4_3"],
          5: ["conv5_1", "conv5_2", "conv5_3"]}
ARRAYS_16 = {"conv1_1": 4, "conv1_2": 20, "conv2_1": 40, "conv2_2": 72, "conv3_1": 144,
             "conv3_2": 288, "conv3_3": 288, "conv4_1": 576, "conv4_2": 1152, "conv4_3": 1152,
             "conv5_1": 1152, "conv5_2": 1152, "conv5_3": 1152, "fc6": 50176, "fc7": 8192,
             "fc8": 2016}


def _cli_json(capsys, *args):
    assert main(["map", WORKLOAD, *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def vgg():
    return load_network("vgg16")


@pytest.fixture(scope="module")
def arch():
    return load_arch("isaac-ce")


def test_no_replication(capsys):
    out = _cli_json(capsys, "--replication", "none")
    layers = {lm["name"]: lm for lm in out["layers"]}
    assert out["totals"]["arrays"] == 67_576
    assert sum(lm["arrays"] for lm in out["layers"] if lm["kind"] == "conv") == 7_192
    assert sum(lm["arrays"] for lm in out["layers"] if lm["kind"] == "fc") == 60_384
    assert layers["fc6"]["arrays"] == 50_176
    assert {n: layers[n]["arrays"] for n in ARRAYS_16} == ARRAYS_16
    assert out["totals"]["chips"] >= 5
    assert all(lm["replication"] == 1 for lm in out["layers"])
    for key in ("name", "kind", "macs", "arrays", "replication", "imas", "tiles", "buffer_bytes",
                "first_chip", "last_chip"):
        assert all(key in lm for lm in out["layers"])


def test_isaac_replication(capsys):
    out = _cli_json(capsys, "--replication", "isaac")
    layers = {lm["name"]: lm for lm in out["layers"]}
    for block, copies in zip(BLOCKS, (256, 64, 16, 4, 1)):
        assert {layers[n]["replication"] for n in BLOCKS[block]} == {copies}
    assert {layers[n]["replication"] for n in ("fc6", "fc7", "fc8")} == {1}
    assert out["totals"]["arrays"] == 100_192


def test_isaac_chip_count_is_consistent_with_the_ima_packing(capsys, arch):
    out = _cli_json(capsys, "--replication", "isaac")
    totals = out["totals"]
    assert arch.arrays_per_chip == 16_128
    assert totals["chips"] >= math.ceil(totals["arrays"] / 16_128) == 7
    # layer packing: each layer fills whole IMAs, then whole tiles
    imas = sum(math.ceil(lm["arrays"] / 8) for lm in out["layers"] if lm["arrays"])
    tiles = sum(math.ceil(math.ceil(lm["arrays"] / 8) / 12) for lm in out["layers"] if lm["arrays"])
    assert (totals["imas"], totals["tiles"]) == (imas, tiles) == (12_524, 1_046)
    assert totals["chips"] == math.ceil(tiles / 168) == 7


def test_eight_bit_weights_halve_the_columns(capsys, vgg):
    full = {lm["name"]: lm for lm in _cli_json(capsys, "--replication", "none")["layers"]}
    half = {lm["name"]: lm for lm in _cli_json(capsys, "--replication", "none", "--set",
                                                "precision.weight_bits=8")["layers"]}
    for layer in vgg.layers:
        if not layer.uses_crossbars:
            continue
        a, b = full[layer.name], half[layer.name]
        assert sum(b["cols_per_col_block"]) * 2 == sum(a["cols_per_col_block"])
        assert b["row_blocks"] == a["row_blocks"] == math.ceil(layer.fan_in / 128)
        assert b["col_blocks"] == math.ceil(layer.out_channels * 4 / 128)
        if layer.kind == "conv":
            assert b["arrays"] == math.ceil(layer.fan_in / 128) * math.ceil(
                layer.out_channels * math.ceil(8 / 2) / 128)
            assert b["arrays"] * 2 == a["arrays"]


def test_workload_and_api_agree(vgg, arch):
    w = load_workload(WORKLOAD)
    api = map_network(vgg, arch, uniform_precision(vgg), replication="isaac")
    assert w.map() == api


def test_rolling_buffers_match_isaac_md(vgg, arch):
    m = map_network(vgg, arch, replication="none")
    kb = {lm.name: lm.buffer_bytes / 1024 for lm in m.layers if lm.kind == "conv"}
    assert kb["conv1_1"] == pytest.approx(2.7, abs=0.05)
    assert kb["conv1_2"] == pytest.approx(57, abs=0.5)
    assert kb["conv4_2"] == pytest.approx(63, abs=0.05)
    assert kb["conv5_1"] == pytest.approx(35, abs=0.05)
    assert max(kb.values()) * 1024 == 64_512 <= arch.edram_bytes
    assert m.layer("fc6").buffer_bytes == 7 * 7 * 512 * 2


def test_text_table(capsys):
    assert main(["map", WORKLOAD, "--replication", "none"]) == 0
    out = capsys.readouterr().out
    assert "conv1_2" in out and "fc6" in out and "50,176" in out
    assert "total: 67,576 arrays" in out and "5 chips" in out
