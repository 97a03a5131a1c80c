"""The layer kinds modern CNNs need: concat (Inception), globalavgpool, the activations relu6,
hardswish, hardsigmoid and tanh, and the crossbar utilisation `map` reports.

Each kind parses, infers (with located errors), maps, lowers and runs through `run` on both
engines with equal reports; docs/network-format.md and docs/mapping.md describe them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.crop import Window, crop_summary, windows
from isaacsim.errors import InputError
from isaacsim.functional.layers import nonnegative_input
from isaacsim.network import ACTIVATIONS, IMAGE, Shape, network_from_dict
from isaacsim.plan import Geometry
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.lowering import lower
from isaacsim.targets.isaac.mapping import map_network

ROOT = Path(__file__).parents[1]

INCEPTION = {
    "format_version": 1, "name": "inception_like", "source": "tests/test_layer_kinds_new.py",
    "input": {"height": 12, "width": 12, "channels": 3},
    "layers": [
        {"name": "stem", "kind": "conv", "kernel": 3, "padding": 1, "out_channels": 8,
         "activation": "relu6"},
        # two branches of the stem, joined channel-wise
        {"name": "b1", "kind": "conv", "kernel": 1, "out_channels": 4, "activation": "relu"},
        {"name": "b2_reduce", "kind": "conv", "input": "stem", "kernel": 1, "out_channels": 4,
         "activation": "hardswish"},
        {"name": "b2", "kind": "conv", "kernel": 3, "padding": 1, "out_channels": 6,
         "activation": "tanh"},
        {"name": "cat", "kind": "concat", "input": "b1", "inputs": ["b2"]},
        {"name": "conv2", "kind": "conv", "kernel": 3, "stride": 2, "padding": 1, "out_channels": 8,
         "activation": "hardsigmoid"},
        {"name": "pool", "kind": "maxpool", "kernel": 2},
        {"name": "fc", "kind": "fc", "out_features": 10, "activation": "none"},
    ],
}

GAP = {
    "format_version": 1, "name": "gap_net", "source": "tests/test_layer_kinds_new.py",
    "input": {"height": 12, "width": 12, "channels": 3},
    "layers": [
        {"name": "conv1", "kind": "conv", "kernel": 3, "padding": 1, "out_channels": 8,
         "activation": "relu"},
        {"name": "conv2", "kind": "conv", "kernel": 3, "stride": 2, "padding": 1,
         "out_channels": 16, "activation": "relu6"},
        {"name": "gap", "kind": "globalavgpool"},
        {"name": "fc", "kind": "fc", "out_features": 10, "activation": "none"},
    ],
}


def _net(base, **changes):
    """A copy of `base` with layer `name` replaced or updated: changes maps names to dicts."""
    data = copy.deepcopy(base)
    for layer in data["layers"]:
        layer.update(changes.get(layer["name"], {}))
    return data


def _problems(data):
    with pytest.raises(InputError) as info:
        network_from_dict(data, "net.json")
    return [(p.place, p.message) for p in info.value.problems]


# -- concat: format and shapes ---------------------------------------------------------------------

def test_concat_joins_channels_in_order():
    net = network_from_dict(INCEPTION)
    cat = net.layer("cat")
    assert cat.kind == "concat" and cat.inputs == ("b1", "b2")
    assert cat.out_shape == Shape(12, 12, 10) and cat.out_channels == 10
    assert (cat.fan_in, cat.macs, cat.weights, cat.biases) == (0, 0, 0, 0)
    assert not cat.uses_crossbars and cat.handler.unit == "none"
    assert [c.name for c in net.consumers("b2")] == ["cat"]
    # the previous layer by default, the image by name, and repeated names
    data = _net(INCEPTION, cat={"input": "b2", "inputs": ["b1", "input", "b1"]})
    del data["layers"][4]["input"]
    cat = network_from_dict(data).layer("cat")
    assert cat.inputs == ("b2", "b1", IMAGE, "b1") and cat.out_shape == Shape(12, 12, 6 + 4 + 3 + 4)


def test_concat_of_maps_of_other_sizes_is_refused_at_the_list_entry():
    data = _net(INCEPTION, cat={"inputs": ["b2", "pool_early"]})
    data["layers"].insert(4, {"name": "pool_early", "kind": "maxpool", "input": "stem",
                              "kernel": 2})
    (place, message), = _problems(data)
    assert place == "$.layers[5].inputs[1]"
    assert "layer 'cat'" in message and "'pool_early' (6x6x8)" in message
    assert "'b1' (12x12x4)" in message and "same height and width (12x12)" in message


@pytest.mark.parametrize(("concat", "place", "fragment"), [
    (["b2", "nope"], "$.layers[4].inputs[1]", "unknown layer 'nope'"),
    (["b2x"], "$.layers[4].inputs[0]", "did you mean 'b2'?"),
    (["conv2"], "$.layers[4].inputs[0]", "which comes later ($.layers[5])"),
    (["cat"], "$.layers[4].inputs[0]", "refers to itself"),
    ([], "$.layers[4].inputs", "expected a non-empty list of names of earlier layers, got []"),
    ("b2", "$.layers[4].inputs", "expected a non-empty list"),
    ([3], "$.layers[4].inputs[0]", "expected a string, got 3 (an integer)"),
    (["b2"] * 4097, "$.layers[4].inputs", "a list of 4,097 names, more than the 4,096 accepted"),
])
def test_bad_concat_lists_are_located(concat, place, fragment):
    problems = _problems(_net(INCEPTION, cat={"inputs": concat}))
    assert [p for p, _ in problems] == [place]
    assert fragment in problems[0][1] and "layer 'cat'" in problems[0][1]


def test_every_bad_name_of_a_concat_is_reported_and_nothing_cascades():
    problems = _problems(_net(INCEPTION, cat={"inputs": ["x1", "b2", "x2"]}))
    assert [p for p, _ in problems] == ["$.layers[4].inputs[0]", "$.layers[4].inputs[2]"]


def test_concat_needs_its_list_and_takes_no_activation():
    data = _net(INCEPTION, cat={"activation": "relu"})
    del data["layers"][4]["inputs"]
    places = dict(_problems(data))
    assert "missing required key" in places["$.layers[4].inputs"]
    assert "unknown key 'activation'" in places["$.layers[4].activation"]


def test_concat_channels_are_bounded():
    data = {"format_version": 1, "name": "wide", "input": {"height": 1, "width": 1,
                                                           "channels": 40000},
            "layers": [{"name": "cat", "kind": "concat", "inputs": ["input"]}]}
    (place, message), = _problems(data)
    assert place == "$.layers[0].inputs" and "80,000 channels" in message


# -- globalavgpool ------------------------------------------------------------------------------------

def test_global_average_pool_is_an_avgpool_over_the_whole_map():
    net = network_from_dict(GAP)
    gap = net.layer("gap")
    assert gap.in_shape == Shape(6, 6, 16) and gap.out_shape == Shape(1, 1, 16)
    assert (gap.kernel, gap.stride, gap.padding) == ((6, 6), (6, 6), (0, 0))
    assert gap.handler.unit_ops(gap) == 6 * 6 * 16 and gap.handler.digital_stage == "pool"
    assert net.layer("fc").fan_in == 16
    explicit = network_from_dict(_net(GAP, gap={"kind": "avgpool", "kernel": [6, 6]})).layer("gap")
    assert {k: v for k, v in vars(explicit).items() if k != "kind"} == \
        {k: v for k, v in vars(gap).items() if k != "kind"}
    # not held to the 64 of `kernel`: the window is the whole map, as an fc's
    big = network_from_dict({"format_version": 1, "name": "big",
                             "input": {"height": 100, "width": 90, "channels": 2},
                             "layers": [{"name": "gap", "kind": "globalavgpool"}]})
    assert big.layer("gap").kernel == (100, 90) and big.layer("gap").out_shape == Shape(1, 1, 2)


def test_global_average_pool_has_no_keys():
    (place, message), = _problems(_net(GAP, gap={"kernel": 3}))
    assert place == "$.layers[2].kernel" and "unknown key 'kernel'" in message


# -- activations ------------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu6", "hardswish", "hardsigmoid", "tanh"])
def test_new_activations_are_accepted_wherever_activation_is(activation):
    assert activation in ACTIVATIONS
    data = {"format_version": 1, "name": "act", "input": {"height": 4, "width": 4, "channels": 2},
            "layers": [{"name": "c", "kind": "conv", "kernel": 1, "out_channels": 2,
                        "activation": activation},
                       {"name": "a", "kind": "add", "add": "c", "activation": activation},
                       {"name": "f", "kind": "fc", "out_features": 3, "activation": activation}]}
    net = network_from_dict(data)
    assert {layer.activation for layer in net.layers} == {activation}


def test_a_misspelt_activation_suggests_the_closest():
    (place, message), = _problems(_net(GAP, conv2={"activation": "relu_6"}))
    assert place == "$.layers[1].activation" and "did you mean 'relu6'?" in message
    assert all(repr(a) in message for a in ACTIVATIONS)


@pytest.mark.parametrize(("activation", "nonnegative"), [
    ("relu", True), ("relu6", True), ("hardsigmoid", True), ("sigmoid", True),
    ("hardswish", False), ("tanh", False), ("none", False)])
def test_nonnegative_input_follows_the_activation_through_pools_and_concats(activation,
                                                                            nonnegative):
    net = network_from_dict(_net(INCEPTION, b1={"activation": activation},
                                 b2={"activation": activation}))
    assert nonnegative_input(net, net.layer("b2")) is False           # b2_reduce: hardswish
    assert nonnegative_input(net, net.layer("b1")) is True            # stem: relu6
    assert nonnegative_input(net, net.layer("conv2")) is nonnegative   # through the concat
    mixed = network_from_dict(_net(INCEPTION, b1={"activation": activation}))  # b2: tanh
    assert nonnegative_input(mixed, mixed.layer("conv2")) is False
    gap = network_from_dict(_net(GAP, conv2={"activation": activation}))
    assert nonnegative_input(gap, gap.layer("fc")) is nonnegative     # through the global pool
    image = network_from_dict(_net(INCEPTION, cat={"inputs": ["b2", "input"]},
                                   b1={"activation": "relu"}, b2={"activation": "relu"}))
    assert nonnegative_input(image, image.layer("conv2")) is False    # the image is signed


# -- lowering and the crop model ---------------------------------------------------------------

def test_lowering_gives_a_concat_one_unit_edge_per_input_and_a_global_pool_the_whole_map():
    arch = load_arch("isaac-ce")
    net = network_from_dict(_net(INCEPTION, cat={"inputs": ["b2", "input", "b1"]}))
    lowered = lower(net, map_network(net, arch), arch)
    plan, node_of = lowered.plan, lowered.node_of
    cat = plan.nodes[node_of["cat"]]
    assert [plan.nodes[plan.edges[e].src].name for e in cat.inputs] == ["b1", "b2", IMAGE, "b1"]
    assert {plan.edges[e].geometry for e in cat.inputs} == {Geometry(1, 1)}
    assert cat.op_cycles == arch.pool_cycles and cat.shape == (12, 12, 4 + 6 + 3 + 4)
    terms = {t.counter: t.per for t in lowered.events.nodes[node_of["cat"]]}
    assert terms == {"edram_write_bytes": 17 * 2}   # no unit ops, no eDRAM reads
    net = network_from_dict(GAP)
    lowered = lower(net, map_network(net, arch), arch)
    gap = lowered.plan.nodes[lowered.node_of["gap"]]
    (edge,) = gap.inputs
    assert lowered.plan.edges[edge].geometry == Geometry(6, 6, 6, 6, 0, 0)
    terms = {t.counter: t.per for t in lowered.events.nodes[lowered.node_of["gap"]]}
    assert terms == {"pool_ops": 6 * 6 * 16, "edram_write_bytes": 16 * 2}


def test_crop_windows_of_the_new_kinds():
    net = network_from_dict(INCEPTION)
    wins = windows(net, "1111", 0.25)
    assert wins["cat"] == wins["b1"] == wins["b2"] == Window(3, 9, 3, 9)
    gap = network_from_dict(GAP)
    wins = windows(gap, "1111", 0.25)
    assert wins["conv2"] == Window(1, 5, 1, 5) and wins["gap"] == Window(0, 1, 0, 1)
    summary = {m.name: m for m in crop_summary(gap, "1111", rows_per_array=128)}
    assert summary["fc"].row_blocks == (1, 1)   # the fc reads the global pool's 1 x 1 map


# -- end to end: map, traces, run on both engines --------------------------------------------------

def _workload(tmp_path, network, name):
    net = tmp_path / f"{name}.json"
    net.write_text(json.dumps(network))
    trace = tmp_path / f"{name}_trace.csv"
    assert main(["traces", "synth", "--network", str(net), "--images", "10", "--seed", "5",
                 "--out", str(trace)]) == 0
    wl = tmp_path / f"{name}_workload.json"
    wl.write_text(json.dumps({
        "format_version": 1, "name": f"{name}_run", "network": str(net), "arch": "isaac-ce",
        "precision": {"weight_bits": 16, "activation_bits": 16},
        "mapping": {"replication": "isaac", "chips": None, "packing": "layer",
                    "flatten": "position"},
        "crop": {"fraction": 0.25, "rounding": "floor"}, "trace": str(trace),
        "run": {"mode": "single", "images": None, "baseline": True, "engine": "fast", "seed": 0,
                "arrival_interval_cycles": 0}}))
    return wl


def _run_both(tmp_path, wl, mode="single"):
    """Run `wl` on both engines; the reports must be equal. Returns layers.csv (fast)."""
    outs = {}
    for engine in ("fast", "reference"):
        outs[engine] = tmp_path / f"{wl.stem}_{engine}_{mode}"
        assert main(["run", str(wl), "--engine", engine, "--mode", mode, "--out",
                     str(outs[engine]), "--progress", "off"]) == 0
    for table in ("images", "layers", "components", "summary"):
        assert (outs["fast"] / f"{table}.csv").read_bytes() == \
            (outs["reference"] / f"{table}.csv").read_bytes(), table
    return pd.read_csv(outs["fast"] / "layers.csv")


@pytest.mark.parametrize("mode", ["single", "stream"])
def test_an_inception_block_maps_and_runs_on_both_engines(tmp_path, capsys, mode):
    wl = _workload(tmp_path, INCEPTION, "inception")
    capsys.readouterr()
    assert main(["map", str(wl), "--json"]) == 0
    mapping = {lm["name"]: lm for lm in json.loads(capsys.readouterr().out)["layers"]}
    assert mapping["cat"]["arrays"] == 0 and mapping["cat"]["utilization"] is None
    # conv2's stride 2 x 2 reaches the branches through the concat
    assert [mapping[n]["replication"] for n in ("stem", "b1", "b2_reduce", "b2", "conv2")] == \
        [4, 4, 4, 4, 1]
    layers = _run_both(tmp_path, wl, mode).set_index(["image_id", "layer"])
    for image_id in layers.index.get_level_values(0).unique():
        cat = layers.loc[(image_id, "cat")]
        b1, b2 = layers.loc[(image_id, "b1")], layers.loc[(image_id, "b2")]
        assert cat.kind == "concat" and cat.ops == cat.active_pixels == b1.active_pixels > 0
        assert cat.edram_write_bytes == cat.ops * 10 * 2     # one crossbar consumer
        assert cat.edram_read_bytes == cat.pool_ops == cat.add_ops == cat.act_ops == 0
        assert cat.array_reads == 0
        # b1 shares the concat's home tile, which reads its pixels in place; b2's pixels cross the
        # mesh and land in the concat's eDRAM (the write the transfer's timing charges)
        assert b1.edram_write_bytes == 0 and b2.edram_write_bytes == b2.ops * 6 * 2
        assert cat.start_cycle > max(b1.start_cycle, b2.start_cycle)
        assert cat.end_cycle >= max(b1.end_cycle, b2.end_cycle)


def test_a_concat_of_repeated_names_and_the_image_runs_on_both_engines(tmp_path):
    data = _net(INCEPTION, cat={"inputs": ["b2", "input", "b1"]})
    layers = _run_both(tmp_path, _workload(tmp_path, data, "repeated"))
    cat = layers[layers.layer == "cat"]
    assert (cat.edram_write_bytes == cat.ops * (4 + 6 + 3 + 4) * 2).all() and cat.ops.min() > 0


def test_a_network_ending_in_a_global_pool_and_fc_runs_on_both_engines(tmp_path):
    layers = _run_both(tmp_path, _workload(tmp_path, GAP, "gap")).set_index(["image_id", "layer"])
    for image_id in layers.index.get_level_values(0).unique():
        gap, conv2 = layers.loc[(image_id, "gap")], layers.loc[(image_id, "conv2")]
        assert gap.kind == "globalavgpool" and gap.ops == gap.active_pixels == 1
        assert gap.pool_ops == 6 * 6 * 16 and gap.edram_write_bytes == 16 * 2
        assert gap.start_cycle >= conv2.end_cycle - 1
        assert layers.loc[(image_id, "fc")].ops == 1


def test_a_global_pool_runs_exactly_as_an_avgpool_of_the_map_size(tmp_path):
    wl = _workload(tmp_path, GAP, "gap")
    explicit = _workload(tmp_path, _net(GAP, gap={"kind": "avgpool", "kernel": [6, 6]}), "avg")
    a, b = _run_both(tmp_path, wl), _run_both(tmp_path, explicit)
    assert (a.kind == "globalavgpool").sum() == (b.kind == "avgpool").sum() > 0
    pd.testing.assert_frame_equal(a.drop(columns="kind"), b.drop(columns="kind"))


# -- crossbar utilisation in `map` ----------------------------------------------------------------

UTIL = {
    "format_version": 1, "name": "util", "source": "tests/test_layer_kinds_new.py",
    "input": {"height": 8, "width": 8, "channels": 3},
    "layers": [
        # fan_in 3 x 3 x 3 = 27 rows; 64 outputs x 8 slices (16-bit weights, 2-bit cells) = 512
        # columns: 1 row block x 4 column blocks of 128 x 128; 27 x 512 of 4 x 16,384 cells
        {"name": "conv1", "kind": "conv", "kernel": 3, "padding": 1, "out_channels": 64,
         "activation": "relu"},
        # 64 rows x 8 x 8 = 64 columns, one array; its stride 2 x 2 gives conv1 4 replicas
        {"name": "conv2", "kind": "conv", "kernel": 1, "stride": 2, "out_channels": 8,
         "activation": "relu"},
        {"name": "gap", "kind": "globalavgpool"},
        # 8 rows x 10 x 8 = 80 columns, one array
        {"name": "fc", "kind": "fc", "out_features": 10, "activation": "none"},
    ],
}
CELLS = 128 * 128


def test_utilisation_of_a_hand_calculated_case(tmp_path, capsys):
    wl = _workload(tmp_path, UTIL, "util")
    capsys.readouterr()
    assert main(["map", str(wl), "--replication", "none", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    conv1, conv2, gap, fc = out["layers"]
    assert (conv1["rows_per_row_block"], conv1["cols_per_col_block"]) == ([27], [128] * 4)
    assert (conv1["cells_used"], conv1["cells_allocated"]) == (27 * 512, 4 * CELLS)
    assert conv1["utilization"] == 27 * 512 / (4 * CELLS) == 27 / 128 == 0.2109375
    assert (conv1["row_utilization"], conv1["col_utilization"]) == (27 / 128, 1.0)
    assert (conv2["cells_used"], conv2["utilization"]) == (64 * 64, 0.25)
    assert gap["utilization"] is None and gap["cells_used"] is None
    assert (fc["cells_used"], fc["cells_allocated"], fc["utilization"]) == (
        8 * 80, CELLS, 8 * 80 / CELLS)
    used = 27 * 512 + 64 * 64 + 8 * 80
    total = out["totals"]
    assert (total["cells_used"], total["cells_allocated"]) == (used, 6 * CELLS)
    assert total["utilization"] == used / (6 * CELLS)
    # rows and columns of every array: conv1's 27 rows in each of its 4 arrays
    assert total["row_utilization"] == (27 * 4 + 64 + 8) / (6 * 128)
    assert total["col_utilization"] == (512 + 64 + 80) / (6 * 128)
    # replicas count in the total but do not change a layer's share
    assert main(["map", str(wl), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    conv1 = out["layers"][0]
    assert conv1["replication"] == 4 and conv1["utilization"] == 0.2109375
    assert conv1["cells_used"] == 4 * 27 * 512 and conv1["cells_allocated"] == 16 * CELLS
    assert out["totals"]["cells_used"] == used + 3 * 27 * 512
    assert out["totals"]["cells_allocated"] == (16 + 1 + 1) * CELLS == out["totals"]["arrays"] * CELLS
    # the table: a util column and the total; 8-bit weights halve the columns and the arrays
    assert main(["map", str(wl), "--replication", "none", "--set",
                 "precision.weight_bits=8"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[-1] == "util" and len(lines) == 8
    rows = {line.split()[0]: line for line in lines[3:7]}
    assert rows["conv1"].endswith(" 21.1 %")      # 27 x 256 of 2 arrays
    assert rows["conv2"].endswith(" 12.5 %")      # 64 x 32 of one array
    assert rows["fc"].endswith(" 2.0 %")          # 8 x 40 of one array
    assert rows["gap"].split() == ["gap", "globalavgpool", "1x1x8", "0"]
    share = 100 * (27 * 256 + 64 * 32 + 8 * 40) / (4 * CELLS)
    assert lines[7].endswith(f"weights use {share:.1f} % of the arrays' cells")
    assert f"{share:.1f}" == "14.2"


def test_vgg16_utilisation_matches_docs(capsys):
    assert main(["map", str(ROOT / "workloads" / "vgg16_cropped.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    use = {lm["name"]: lm["utilization"] for lm in out["layers"] if lm["arrays"]}
    assert use["conv1_1"] == 0.2109375 and use["conv1_2"] == use["conv2_1"] == 576 / 640
    assert min(use.values()) == use["conv1_1"] and max(use.values()) == 1.0
    assert use["fc8"] == 8000 / 8064
    text = (ROOT / "docs" / "mapping.md").read_text()
    assert f"{100 * out['totals']['utilization']:.1f} %" in text.split("## 6.")[1]

