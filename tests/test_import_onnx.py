"""`python -m isaacsim import`: ONNX graphs built here with onnx's helper API, whose networks are
known by construction."""

from __future__ import annotations

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from isaacsim.cli import main  # noqa: E402
from isaacsim.errors import InputError  # noqa: E402
from isaacsim.functional.layers import load_weights  # noqa: E402
from isaacsim.importer import import_onnx  # noqa: E402
from isaacsim.network import load_network  # noqa: E402
from isaacsim.targets.isaac.arch import load_arch  # noqa: E402
from isaacsim.targets.isaac.mapping import map_network  # noqa: E402

RNG = np.random.default_rng(7)


def _init(name, shape):
    return numpy_helper.from_array(RNG.standard_normal(shape).astype(np.float32), name)


def _positive(name, shape):
    return numpy_helper.from_array((RNG.random(shape) + 0.5).astype(np.float32), name)


def _model(nodes, inits, image=(1, 3, 16, 16), out="y", out_shape=None):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(image))],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                             producer_name="isaacsim-tests")


def _save(tmp_path, model, name="m.onnx"):
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def _run_both(tmp_path, net_file, images: int, seed: int):
    """Run a network file on a synthesized trace with both engines; their images.csv and
    layers.csv must be equal; returns the fast engine's layers table."""
    import pandas as pd
    trace = tmp_path / "trace.csv"
    assert main(["traces", "synth", "--network", str(net_file), "--images", str(images),
                 "--seed", str(seed), "--out", str(trace)]) == 0
    workload = tmp_path / "w.json"
    workload.write_text(json.dumps({"format_version": 1, "name": "imported",
                                    "network": str(net_file), "arch": "isaac-ce",
                                    "trace": str(trace)}))
    for engine in ("fast", "reference"):
        assert main(["run", str(workload), "--engine", engine, "--out", str(tmp_path / engine),
                     "--progress", "off"]) == 0
    for table in ("images", "layers"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "fast" / f"{table}.csv"),
                                      pd.read_csv(tmp_path / "reference" / f"{table}.csv"))
    return pd.read_csv(tmp_path / "fast" / "layers.csv")


def residual_model():
    """conv3x3+BN+ReLU, maxpool, a depthwise branch and a pointwise branch added, ReLU, global
    average pool, flatten, Gemm with bias, softmax."""
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="features/conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "g1", "be1", "m1", "v1"], ["n1"],
                         name="bn1", epsilon=1e-3),
        helper.make_node("Relu", ["n1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Conv", ["p1", "wd"], ["d1"], name="dw", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1], group=8),
        helper.make_node("Conv", ["p1", "wp"], ["q1"], name="pw", kernel_shape=[1, 1]),
        helper.make_node("Add", ["d1", "q1"], ["a1"], name="add1"),
        helper.make_node("Relu", ["a1"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["gp"], name="gap"),
        helper.make_node("Flatten", ["gp"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "wf", "bf"], ["z"], name="classifier", transB=1),
        helper.make_node("Softmax", ["z"], ["y"], name="softmax", axis=1),
    ]
    inits = [_init("w1", (8, 3, 3, 3)), _init("b1", (8,)), _positive("g1", (8,)),
             _init("be1", (8,)), _init("m1", (8,)), _positive("v1", (8,)),
             _init("wd", (8, 1, 3, 3)), _init("wp", (8, 8, 1, 1)), _init("wf", (10, 8)),
             _init("bf", (10,))]
    return _model(nodes, inits, out_shape=[1, 10])


def test_a_residual_model_imports_with_known_layers_and_counts(tmp_path):
    imported = import_onnx(str(_save(tmp_path, residual_model())))
    net = imported.network
    assert [(ly.name, ly.kind, ly.activation) for ly in net.layers] == [
        ("features_conv1", "conv", "relu"), ("pool1", "maxpool", "none"),
        ("dw", "conv", "none"), ("pw", "conv", "none"), ("add1", "add", "relu"),
        ("gap", "globalavgpool", "none"), ("classifier", "fc", "none")]
    assert net.layer("dw").groups == 8 and net.layer("dw").fan_in == 9
    assert net.layer("add1").inputs == ("dw", "pw")
    assert net.layer("gap").kernel == (8, 8) and net.layer("gap").out_shape == (1, 1, 8)
    assert net.layer("classifier").inputs == ("gap",)
    # MACs by hand: 16x16 outputs x 8 x 27, 8x8 x 8 x 9, 8x8 x 8 x 8, 8 x 10
    assert [ly.macs for ly in net.layers if ly.uses_crossbars] == [55296, 4608, 4096, 80]
    assert "the final Softmax runs on the host" in imported.description["notes"]
    mapping = map_network(net, load_arch("isaac-ce"))
    assert mapping.layer("dw").groups == 8


def test_the_cli_writes_a_network_the_loader_reads_and_replaces_only_its_own(tmp_path, capsys):
    model = _save(tmp_path, residual_model())
    out = tmp_path / "net.json"
    assert main(["import", str(model), "--out", str(out), "--name", "resnetlet"]) == 0
    net = load_network(str(out))
    assert net.name == "resnetlet" and len(net.layers) == 7
    assert main(["import", str(model), "--out", str(out)]) == 0  # its own file: replaced
    mine = tmp_path / "mine.json"
    mine.write_text("{}")
    assert main(["import", str(model), "--out", str(mine)]) == 2
    assert mine.read_text() == "{}"
    assert "was not written by isaacsim" in capsys.readouterr().err


def test_weights_fold_batch_norm_and_follow_the_numerics_layout(tmp_path):
    model = residual_model()
    path = _save(tmp_path, model)
    imported = import_onnx(str(path))
    arrays = imported.weight_arrays()
    inits = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
    scale = inits["g1"] / np.sqrt(inits["v1"] + 1e-3)
    expected = (inits["w1"] * scale[:, None, None, None]).transpose(2, 3, 1, 0)
    assert np.allclose(arrays["features_conv1"], expected)
    assert arrays["dw"].shape == (3, 3, 1, 8) and arrays["classifier"].shape == (8, 10)
    assert np.allclose(arrays["classifier"], inits["wf"].T)
    npz = tmp_path / "w.npz"
    assert main(["import", str(path), "--out", str(tmp_path / "n.json"), "--weights",
                 str(npz)]) == 0
    net = load_network(str(tmp_path / "n.json"))
    loaded = load_weights(str(npz), net, [ly for ly in net.layers if ly.uses_crossbars])
    assert loaded["features_conv1"].shape == (27, 8)


def test_fc_rows_are_reordered_from_channel_major_to_position_major(tmp_path):
    nodes = [helper.make_node("Flatten", ["x"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "w"], ["y"], name="fc", transB=1)]
    model = _model(nodes, [_init("w", (5, 12))], image=(1, 3, 2, 2), out_shape=[1, 5])
    imported = import_onnx(str(_save(tmp_path, model)))
    w = imported.weight_arrays()["fc"]
    x = RNG.standard_normal((3, 2, 2))          # C, H, W as ONNX sees it
    onnx_out = numpy_helper.to_array(model.graph.initializer[0]).astype(np.float64) @ x.reshape(-1)
    isaac_in = x.transpose(1, 2, 0).reshape(-1)  # (h, w, c) position-major, as the numerics read
    assert np.allclose(isaac_in @ w, onnx_out)


def test_every_unsupported_node_is_listed_and_nothing_is_written(tmp_path, capsys):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1]),
             helper.make_node("LeakyRelu", ["c"], ["l"], name="leaky"),
             helper.make_node("Resize", ["l", "", "sc"], ["u"], name="up", mode="nearest"),
             helper.make_node("Conv", ["u", "w2"], ["y"], name="conv2", kernel_shape=[1, 1],
                              dilations=[1, 1]),
             helper.make_node("Conv", ["x", "w3"], ["y2"], name="dilated", kernel_shape=[3, 3],
                              dilations=[2, 2])]
    inits = [_init("w", (4, 3, 3, 3)), _init("w2", (4, 4, 1, 1)), _init("w3", (4, 3, 3, 3)),
             numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "sc")]
    model = _model(nodes, inits)
    out = tmp_path / "net.json"
    assert main(["import", str(_save(tmp_path, model)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    for fragment in ("node 'leaky' (LeakyRelu)", "node 'up' (Resize)", "no upsampling layer",
                     "node 'dilated' (Conv)", "dilations"):
        assert fragment in err, err
    assert "conv2" not in err  # downstream of an unsupported node: not a problem of its own
    assert not out.exists()


def test_asymmetric_padding_and_activations_that_cannot_fold_are_refused(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3],
                              pads=[0, 0, 1, 1]),
             helper.make_node("Relu", ["x"], ["y"], name="relu_on_image")]
    model = _model(nodes, [_init("w", (4, 3, 3, 3))])
    with pytest.raises(InputError) as info:
        import_onnx(str(_save(tmp_path, model)))
    text = str(info.value)
    assert "asymmetric padding" in text and "activation after the input image" in text


def test_missing_external_weights_still_import_shapes_but_not_weights(tmp_path):
    model = residual_model()
    path = tmp_path / "ext.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="ext.data", size_threshold=0)
    (tmp_path / "ext.data").unlink()
    imported = import_onnx(str(path))
    assert len(imported.network.layers) == 7
    with pytest.raises(InputError, match="no data for"):
        imported.weight_arrays()


def test_a_symbolic_input_needs_input_shape(tmp_path):
    model = residual_model()
    model.graph.input[0].type.tensor_type.shape.dim[2].dim_param = "H"
    path = _save(tmp_path, model)
    with pytest.raises(InputError, match="--input-shape"):
        import_onnx(str(path))
    assert len(import_onnx(str(path), input_shape=(3, 16, 16)).network.layers) == 7
    text = json.dumps(import_onnx(str(path), input_shape=(3, 32, 32)).description["input"])
    assert '"height": 32' in text


def test_an_imported_network_runs_on_both_engines(tmp_path):
    net = tmp_path / "net.json"
    assert main(["import", str(_save(tmp_path, residual_model())), "--out", str(net)]) == 0
    _run_both(tmp_path, net, images=4, seed=1)


def test_an_inception_block_with_relu6_and_hardswish_imports(tmp_path):
    six = [numpy_helper.from_array(np.array(0, np.float32), "lo"),
           numpy_helper.from_array(np.array(6, np.float32), "hi")]
    nodes = [helper.make_node("Conv", ["x", "wa"], ["a"], name="branch_a", kernel_shape=[1, 1]),
             helper.make_node("Clip", ["a", "lo", "hi"], ["a6"], name="relu6"),
             helper.make_node("Conv", ["x", "wb"], ["b"], name="branch_b", kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1]),
             helper.make_node("HardSwish", ["b"], ["bh"], name="hswish"),
             helper.make_node("MaxPool", ["x"], ["c"], name="branch_c", kernel_shape=[3, 3],
                              strides=[1, 1], pads=[1, 1, 1, 1]),
             helper.make_node("Concat", ["a6", "bh", "c"], ["y"], name="join", axis=1)]
    model = _model(nodes, [_init("wa", (4, 3, 1, 1)), _init("wb", (5, 3, 3, 3)), *six],
                   out_shape=[1, 12, 16, 16])
    net = import_onnx(str(_save(tmp_path, model))).network
    assert [(ly.name, ly.kind, ly.activation) for ly in net.layers] == [
        ("branch_a", "conv", "relu6"), ("branch_b", "conv", "hardswish"),
        ("branch_c", "maxpool", "none"), ("join", "concat", "none")]
    assert net.layer("join").inputs == ("branch_a", "branch_b", "branch_c")
    assert net.layer("join").out_shape == (16, 16, 12)


def test_ceil_mode_pools_keep_onnx_output_sizes_and_both_engines_agree(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3]),
             helper.make_node("MaxPool", ["c"], ["p"], name="pool", kernel_shape=[3, 3],
                              strides=[2, 2], ceil_mode=1),
             helper.make_node("Conv", ["p", "w2"], ["y"], name="conv2", kernel_shape=[1, 1])]
    model = _model(nodes, [_init("w", (4, 3, 3, 3)), _init("w2", (4, 4, 1, 1))],
                   image=(1, 3, 12, 12))
    net_file = tmp_path / "net.json"
    assert main(["import", str(_save(tmp_path, model)), "--out", str(net_file)]) == 0
    net = load_network(str(net_file))
    # 10 -> ceil((10 - 3) / 2) + 1 = 5 (floor would give 4): the last window reads columns 8, 9
    assert net.layer("pool").out_shape == (5, 5, 4) and net.layer("pool").params == {
        "ceil_mode": True}
    _run_both(tmp_path, net_file, images=3, seed=2)


ONNX_DATA = __import__("pathlib").Path(__file__).parent / "data" / "onnx"


@pytest.mark.parametrize("name", ["resnet18", "vgg16"])
def test_torchvision_exports_import_to_the_shipped_networks(name):
    """tests/data/onnx/<name>.onnx: torchvision's model exported with torch.onnx (opset 13) and
    saved with its weights as external data, which was then deleted: structure only, 10 KB."""
    imported = import_onnx(str(ONNX_DATA / f"{name}.onnx")).network
    shipped = load_network(name)

    def layers(net):  # branch order differs (torch exports a block's conv1 before its projection)
        return sorted((tuple(ly.out_shape), ly.macs, ly.weights, ly.uses_crossbars)
                      for ly in net.layers)

    assert layers(imported) == layers(shipped)
    assert (imported.macs, imported.weights) == (shipped.macs, shipped.weights)
    arch = load_arch("isaac-ce")
    assert map_network(imported, arch).totals == map_network(shipped, arch).totals


def test_a_squeeze_and_excitation_block_with_silu_imports_and_runs_on_both_engines(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1]),
             helper.make_node("Sigmoid", ["c"], ["cs"], name="silu_gate"),
             helper.make_node("Mul", ["c", "cs"], ["a"], name="silu"),
             helper.make_node("GlobalAveragePool", ["a"], ["g"], name="squeeze"),
             helper.make_node("Conv", ["g", "w1"], ["s1"], name="reduce", kernel_shape=[1, 1]),
             helper.make_node("Sigmoid", ["s1"], ["s1g"], name="reduce_gate"),
             helper.make_node("Mul", ["s1g", "s1"], ["s1a"], name="reduce_silu"),
             helper.make_node("Conv", ["s1a", "w2"], ["s2"], name="expand", kernel_shape=[1, 1]),
             helper.make_node("Sigmoid", ["s2"], ["v"], name="excite"),
             helper.make_node("Mul", ["a", "v"], ["y"], name="se")]
    model = _model(nodes, [_init("w", (8, 3, 3, 3)), _init("w1", (2, 8, 1, 1)),
                           _init("w2", (8, 2, 1, 1))], out_shape=[1, 8, 16, 16])
    net_file = tmp_path / "se.json"
    assert main(["import", str(_save(tmp_path, model)), "--out", str(net_file)]) == 0
    net = load_network(str(net_file))
    assert [(ly.name, ly.kind, ly.activation) for ly in net.layers] == [
        ("conv", "conv", "silu"), ("squeeze", "globalavgpool", "none"),
        ("reduce", "conv", "silu"), ("expand", "conv", "sigmoid"), ("se", "scale", "none")]
    assert net.layer("se").inputs == ("conv", "expand")
    layers = _run_both(tmp_path, net_file, images=3, seed=4)
    se = layers[layers.layer == "se"].iloc[0]
    expand = layers[layers.layer == "expand"].iloc[0]
    assert se.add_ops == se.ops * 8 and se.start_cycle > expand.start_cycle  # waits for the vector


def test_clip_bounds_from_constant_nodes_and_an_infinite_max_and_gemm_alpha(tmp_path):
    nodes = [helper.make_node("Constant", [], ["lo"], value_float=0.0),
             helper.make_node("Constant", [], ["hi"], value_float=float("inf")),
             helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
             helper.make_node("Clip", ["c", "lo", "hi"], ["y"], name="relu")]
    model = _model(nodes, [_init("w", (4, 3, 1, 1))])
    assert import_onnx(str(_save(tmp_path, model))).network.layer("conv").activation == "relu"
    nodes = [helper.make_node("Flatten", ["x"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "w"], ["y"], name="fc", transB=1, alpha=0.5)]
    model = _model(nodes, [_init("w", (5, 12))], image=(1, 3, 2, 2), out_shape=[1, 5])
    with pytest.raises(InputError, match=r"node 'fc' \(Gemm\): alpha = 0.5"):
        import_onnx(str(_save(tmp_path, model, "alpha.onnx")))
