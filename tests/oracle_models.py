"""Small ONNX classifiers for the crop oracle's tests, built with onnx's helper API, whose answers
under every crop vector are known by construction; and image files to run them on.

All take a 3 x 32 x 32 image (`INPUT`, batch fixed to 1 as many exporters write it):

    conv1 3->4, 3x3, pad 1, positive weights and bias, ReLU       32 x 32
    pool1 max 2x2, stride 2                                       16 x 16
    conv2 4->2, 3x3, pad 1, positive weights and bias, ReLU       16 x 16
    flatten (or Reshape to [1, 512]) and Gemm 512 -> classes

With a positive image every map is positive everywhere. The Gemm reads conv2's map only at the
positions `READ` names; their receptive fields (conv2 +-1, pool x2, conv1 +-1) are worked out in
the docstrings below.
"""

from __future__ import annotations

import numpy as np

onnx = __import__("pytest").importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

INPUT = (3, 32, 32)
MAP = (2, 16, 16)      # conv2's output: channels, rows, columns
RNG = np.random.default_rng(11)


def _weights(shape) -> np.ndarray:
    return (RNG.random(shape) * 0.9 + 0.1).astype(np.float32)


def classifier(fc_weights: np.ndarray, fc_bias: np.ndarray, *, reshape: bool = False,
               folded: bool = False, batch: int | str = 1) -> bytes:
    """The network above with Gemm weights `fc_weights` [classes, 2, 16, 16] (channel-major as
    ONNX flattens) and `fc_bias`; `reshape` writes the flatten as Reshape to [1, 512]; `folded`
    puts a BatchNormalization (shift +0.5) between conv1 and its ReLU and makes conv2's
    activation a Sigmoid, both of which turn a 0 into 0.5, so a mask placed before them would
    show; `batch` is the image input's batch dimension (a number or a symbol)."""
    classes = fc_weights.shape[0]
    inits = [numpy_helper.from_array(_weights((4, 3, 3, 3)), "w1"),
             numpy_helper.from_array(np.full(4, 0.1, np.float32), "b1"),
             numpy_helper.from_array(_weights((2, 4, 3, 3)), "w2"),
             numpy_helper.from_array(np.full(2, 0.1, np.float32), "b2"),
             numpy_helper.from_array(fc_weights.reshape(classes, -1).astype(np.float32), "wf"),
             numpy_helper.from_array(fc_bias.astype(np.float32), "bf")]
    flatten = helper.make_node("Flatten", ["r2"], ["f"], name="flat")
    if reshape:
        inits.append(numpy_helper.from_array(np.array([1, 512], np.int64), "shape"))
        flatten = helper.make_node("Reshape", ["r2", "shape"], ["f"], name="flat")
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2],
                              strides=[2, 2]),
             helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="conv2", kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1]),
             helper.make_node("Sigmoid" if folded else "Relu", ["c2"], ["r2"], name="act2"),
             flatten,
             helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], name="fc", transB=1)]
    if folded:
        nodes[0].output[0] = "c1_raw"
        nodes.insert(1, helper.make_node("BatchNormalization", ["c1_raw", "g", "beta", "mu", "var"],
                                         ["c1"], name="bn1"))
        inits += [numpy_helper.from_array(np.ones(4, np.float32), "g"),
                  numpy_helper.from_array(np.full(4, 0.5, np.float32), "beta"),
                  numpy_helper.from_array(np.zeros(4, np.float32), "mu"),
                  numpy_helper.from_array(np.ones(4, np.float32), "var")]
    graph = helper.make_graph(nodes, "oracle-test",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, *INPUT])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, classes])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="isaacsim-tests")
    return model.SerializeToString()


def centre_model(**options) -> bytes:
    """Three classes reading conv2 rows and columns [6, 10) only. Under f = 1/4 every vector keeps
    conv2's [4, 12), pool1's [4, 12), conv1's and the input's [8, 24) on each cropped side; the
    read positions need conv2 [6, 10), pool1 [5, 11), conv1 [10, 22), input [9, 23): all inside,
    so every vector gives the uncropped scores and passes."""
    w = np.zeros((3, *MAP), np.float32)
    w[:, :, 6:10, 6:10] = RNG.random((3, 2, 4, 4)) + 0.1
    return classifier(w, np.zeros(3), **options)


TOP_CLASSES = 7


def top_model() -> bytes:
    """Seven classes: class 0 sums conv2 rows [0, 2) x columns [7, 9) (positive, so > 0.01),
    class 1 is the constant 1e-3, classes 2..6 the constant -1. The read positions need pool1
    rows [0, 3) x cols [6, 10), conv1 rows [0, 6) x cols [12, 20), input rows [0, 7) x cols
    [11, 21): BOTTOM (rows from 24 of 32), LEFT (cols < 8) and RIGHT (cols >= 24) leave them, TOP
    zeroes conv2 rows [0, 4). Uncropped top-1 is class 0; top-1 passes exactly for the vectors
    without TOP (TOP makes class 1 the top-1); top-5 passes for all (class 0 stays second)."""
    w = np.zeros((TOP_CLASSES, *MAP), np.float32)
    w[0, :, 0:2, 7:9] = RNG.random((2, 2, 2)) + 0.1
    bias = np.array([0.0, 1e-3] + [-1.0] * (TOP_CLASSES - 2))
    return classifier(w, bias)


def write_images(folder, n: int, size=(40, 48), seed: int = 0) -> list:
    """`n` random RGB PNGs, named img_0.png ..., strictly positive after scaling to [0, 1]."""
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        pixels = rng.integers(16, 256, size=(*size, 3), dtype=np.uint8)
        path = folder / f"img_{i}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


SMALL = ["--resize", "32", "--size", "32", "--mean", "0,0,0", "--std", "1,1,1"]
"""Options for the models above: no resizing beyond 32, positive inputs (no mean subtracted)."""
