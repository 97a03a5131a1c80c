"""`import` of TensorFlow SAME padding on strided windows (one more row and column after than
before, as EfficientNet-Lite's stride-2 convs have it): taken as the symmetric padding `after`,
which gives the same output size, and noted; any other asymmetric padding is refused."""

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


@pytest.mark.parametrize("side, kernel, pads, symmetric", [
    (224, 3, [0, 0, 1, 1], 1),      # EfficientNet-Lite0's stem and stride-2 3x3 depthwise convs
    (56, 5, [1, 1, 2, 2], 2),       # its stride-2 5x5 depthwise convs
    (16, 3, [0, 1, 1, 1], 1),       # only the height asymmetric
])
def test_same_padding_on_stride_2_is_taken_as_symmetric_after(tmp_path, side, kernel, pads,
                                                              symmetric):
    path = _conv_model(tmp_path, side, kernel, 2, pads=pads)
    imported = import_onnx(path)
    layer = imported.network.layers[0]
    assert layer.padding == (symmetric, symmetric)
    out = _onnx_out_side(path)
    assert layer.out_shape.height == out and layer.out_shape.width == out
    assert layer.macs == out * out * 4 * 3 * kernel * kernel
    assert f"pads {pads} (TensorFlow SAME) taken as symmetric" in imported.description["notes"]


def test_auto_pad_same_upper_with_an_odd_total_is_taken_as_symmetric(tmp_path):
    imported = import_onnx(_conv_model(tmp_path, 16, 3, 2, auto_pad="SAME_UPPER"))
    layer = imported.network.layers[0]
    assert layer.padding == (1, 1) and layer.out_shape.height == 8
    assert "TensorFlow SAME" in imported.description["notes"]


@pytest.mark.parametrize("side, kernel, stride, attrs", [
    (16, 3, 1, {"pads": [0, 0, 1, 1]}),        # stride 1: symmetric 1 would add an output row
    (15, 3, 2, {"pads": [0, 0, 1, 1]}),        # odd side: symmetric 1 gives 8 rows, ONNX 7
    (16, 5, 2, {"pads": [0, 0, 2, 2]}),        # two more after than before
    (16, 3, 2, {"pads": [1, 1, 0, 0]}),        # more before than after
    (16, 3, 2, {"auto_pad": "SAME_LOWER"}),    # SAME_LOWER puts the odd row before
])
def test_other_asymmetric_padding_is_refused(tmp_path, side, kernel, stride, attrs):
    path = _conv_model(tmp_path, side, kernel, stride, **attrs)
    with pytest.raises(InputError, match="asymmetric padding"):
        import_onnx(path)
