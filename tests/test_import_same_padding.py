"""`import` of TensorFlow SAME padding on strided windows (one more row and column after than
before, as EfficientNet-Lite's stride-2 convs have it): taken as the padding before with
`ceil_mode`, which gives the same windows (checked against onnxruntime's output), and noted; any
other asymmetric padding is refused."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from isaacsim.errors import InputError  # noqa: E402
from isaacsim.importer import import_onnx  # noqa: E402


def _conv_model(tmp_path, side: int, kernel: int, stride: int, **attrs):
    weight = numpy_helper.from_array(np.ones((4, 3, kernel, kernel), np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[kernel, kernel],
                            strides=[stride, stride], **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, side, side])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=[weight])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return str(path)


def _onnx_out_side(path: str) -> int:
    inferred = onnx.shape_inference.infer_shapes(onnx.load(path))
    dims = inferred.graph.output[0].type.tensor_type.shape.dim
    return dims[2].dim_value


@pytest.mark.parametrize("side, kernel, pads", [
    (224, 3, [0, 0, 1, 1]),      # EfficientNet-Lite0's stem and stride-2 3x3 depthwise convs
    (28, 5, [1, 1, 2, 2]),       # its stride-2 5x5 depthwise convs
    (14, 5, [1, 1, 2, 2]),
    (16, 5, [0, 0, 2, 2]),       # two more after: the same windows still
])
def test_same_padding_on_stride_2_is_padding_before_with_ceil_mode(tmp_path, side, kernel, pads):
    path = _conv_model(tmp_path, side, kernel, 2, pads=pads)
    imported = import_onnx(path)
    layer = imported.network.layers[0]
    assert layer.padding == (pads[0], pads[1])
    assert imported.description["layers"][0]["ceil_mode"] is True
    out = _onnx_out_side(path)
    assert layer.out_shape.height == out and layer.out_shape.width == out
    assert layer.macs == out * out * 4 * 3 * kernel * kernel
    assert f"pads {pads} (TensorFlow SAME) taken as padding" in imported.description["notes"]


@pytest.mark.parametrize("side, kernel, pads", [(16, 3, [0, 0, 1, 1]), (11, 5, [1, 1, 2, 2]),
                                                (12, 3, [1, 1, 1, 1])])
def test_the_windows_are_the_model_s(tmp_path, side, kernel, pads):
    """isaacsim's im2col of the imported layer times the weights gives onnxruntime's output."""
    ort = pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(side)
    weight = rng.standard_normal((4, 3, kernel, kernel)).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[kernel, kernel],
                            strides=[2, 2], pads=pads)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, side, side])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(weight, "w")])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    x = rng.standard_normal((1, 3, side, side)).astype(np.float32)
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    layer = import_onnx(str(path)).network.layers[0]
    h, w = layer.out_shape.height, layer.out_shape.width
    rows = layer.handler.im2col(layer, x[0].transpose(1, 2, 0).astype(np.float64),
                                np.arange(h * w))[:, 0, :]
    matrix = weight.transpose(2, 3, 1, 0).reshape(-1, 4)   # OIHW -> HWIO -> (fan_in, C_out)
    got = (rows @ matrix).reshape(h, w, 4).transpose(2, 0, 1)
    assert want.shape[2:] == (h, w)
    np.testing.assert_allclose(got, want[0], rtol=1e-4, atol=1e-4)


def test_auto_pad_same_upper_with_an_odd_total_is_padding_before_with_ceil_mode(tmp_path):
    imported = import_onnx(_conv_model(tmp_path, 16, 3, 2, auto_pad="SAME_UPPER"))
    layer = imported.network.layers[0]
    assert layer.padding == (0, 0) and layer.out_shape.height == 8
    assert imported.description["layers"][0]["ceil_mode"] is True
    assert "TensorFlow SAME" in imported.description["notes"]


@pytest.mark.parametrize("side, kernel, stride, attrs", [
    (16, 3, 1, {"pads": [0, 0, 1, 1]}),        # stride 1: ceil_mode adds no output row
    (16, 3, 2, {"pads": [0, 1, 1, 1]}),        # width symmetric 1: ceil_mode would add a column
    (16, 5, 2, {"pads": [0, 0, 3, 3]}),        # three more after: one window more than ceil_mode
    (16, 3, 2, {"pads": [1, 1, 0, 0]}),        # more before than after
    (16, 3, 2, {"auto_pad": "SAME_LOWER"}),    # SAME_LOWER puts the odd row before
])
def test_other_asymmetric_padding_is_refused(tmp_path, side, kernel, stride, attrs):
    path = _conv_model(tmp_path, side, kernel, stride, **attrs)
    with pytest.raises(InputError, match="asymmetric padding"):
        import_onnx(path)
