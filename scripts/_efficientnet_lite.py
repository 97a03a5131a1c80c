"""EfficientNet-Lite0 (Tan & Le, ICML 2019; the Lite variants of TensorFlow's official
``efficientnet/lite`` models) as an ONNX graph, from a state dict of numpy arrays.

The state dict is the one of ``efficientnet_lite_pytorch`` (a PyTorch port whose module names
are ``_conv_stem``, ``_bn0``, ``_blocks.<i>._expand_conv`` / ``_bn0`` / ``_depthwise_conv`` /
``_bn1`` / ``_project_conv`` / ``_bn2``, ``_conv_head``, ``_bn1``, ``_fc``). The architecture is
written out here from the Lite builder's definition:

* stem: 3x3 conv stride 2, 32 channels, batch norm, ReLU6;
* 16 MBConv blocks in 7 stages, `STAGES` below (repeats, kernel, stride, expansion, in, out):
  a 1x1 expansion conv (when the expansion is not 1) + BN + ReLU6, a depthwise kxk conv
  (``group`` = channels) with the stage's stride on its first block + BN + ReLU6, a 1x1
  projection conv + BN (no activation), and a residual Add when stride is 1 and in = out;
  no squeeze-and-excitation (the Lite models drop it);
* head: 1x1 conv to 1280 channels + BN + ReLU6, global average pool, flatten, fully connected
  layer to the 1000 ImageNet classes (``Gemm`` with ``transB = 1``; dropout is inference's
  identity and left out).

Lite0 has width and depth multipliers 1.0, so the channel counts and repeats are the base
table's; the stem and head are not scaled in any Lite model.

Convolutions have no bias; every conv is followed by a ``BatchNormalization`` node with the
checkpoint's scale, shift, running mean and variance and epsilon 1e-3 (TensorFlow's; PyTorch's
default would be 1e-5). They are kept as nodes rather than folded into the convs: the checkpoint's
numbers go into the model verbatim, onnxruntime fuses them when it runs the model, and isaacsim's
importer folds them into the conv before it (docs/network-format.md).

Padding is TensorFlow's ``SAME`` for a fixed 224 x 224 input, as the port computes it: along each
axis ``total = max((ceil(n / s) - 1) * s + k - n, 0)``, ``total // 2`` before and the rest after.
Stride 1 pads ``(k - 1) / 2`` on both sides; the five stride-2 convs on even-sized maps pad one
more row and column after than before: ``[0, 0, 1, 1]`` for 3x3 and ``[1, 1, 2, 2]`` for 5x5 (ONNX
order: top, left, bottom, right). They are written as explicit ``pads``.

Input ``image``: ``[batch, 3, 224, 224]`` float32 RGB, normalised as `MEAN` and `STD` below say;
output ``logits``: ``[batch, 1000]`` (softmax is left to the caller).
"""

from __future__ import annotations

from typing import Any

import numpy as np

IMAGE_SIZE = 224
BN_EPSILON = 1e-3
"""The Lite builder's batch-norm epsilon (``batch_norm_epsilon=1e-3``)."""
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
CLASSES = 1000
STAGES = (
    # repeats, kernel, stride, expansion, in channels, out channels
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
"""EfficientNet-Lite0's blocks: the Lite builder's block strings ``r1_k3_s11_e1_i32_o16``,
``r2_k3_s22_e6_i16_o24``, ``r2_k5_s22_e6_i24_o40``, ``r3_k3_s22_e6_i40_o80``,
``r3_k5_s11_e6_i80_o112``, ``r4_k5_s22_e6_i112_o192``, ``r1_k3_s11_e6_i192_o320``."""
MEAN = (127.0 / 255, 127.0 / 255, 127.0 / 255)
STD = (128.0 / 255, 128.0 / 255, 128.0 / 255)
"""Input normalisation of pixels scaled to [0, 1], ``(x - MEAN) / STD`` (the convention of
`isaacsim.oracle.images.load_image`): the Lite builder's ``MEAN_RGB = [127.0] * 3`` and
``STDDEV_RGB = [128.0] * 3`` on 0..255 values ("edge models use inception-style mean and
stddev"), inputs in about [-1, 1]. docs/real-model.md compares it with ImageNet's mean/std."""
OPSET = 13
IR_VERSION = 7
"""ONNX IR version 7 (opset 13's era) so that older onnxruntime releases load the file too."""


def same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow SAME padding (before, after) of one axis of `size` pixels."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def blocks() -> list[dict[str, int]]:
    """The 16 MBConv blocks in order: kernel, stride, expansion, input and output channels."""
    out = []
    for repeats, kernel, stride, expand, cin, cout in STAGES:
        for r in range(repeats):
            out.append({"kernel": kernel, "stride": stride if r == 0 else 1, "expand": expand,
                        "in": cin if r == 0 else cout, "out": cout})
    return out


def expected_shapes() -> dict[str, tuple[int, ...]]:
    """Every state-dict entry the graph uses, with its shape (batch-norm counters excluded)."""
    shapes: dict[str, tuple[int, ...]] = {}

    def bn(prefix: str, c: int) -> None:
        for part in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{prefix}.{part}"] = (c,)

    shapes["_conv_stem.weight"] = (STEM_CHANNELS, 3, 3, 3)
    bn("_bn0", STEM_CHANNELS)
    for i, b in enumerate(blocks()):
        p, mid = f"_blocks.{i}", b["in"] * b["expand"]
        if b["expand"] != 1:
            shapes[f"{p}._expand_conv.weight"] = (mid, b["in"], 1, 1)
            bn(f"{p}._bn0", mid)
        shapes[f"{p}._depthwise_conv.weight"] = (mid, 1, b["kernel"], b["kernel"])
        bn(f"{p}._bn1", mid)
        shapes[f"{p}._project_conv.weight"] = (b["out"], mid, 1, 1)
        bn(f"{p}._bn2", b["out"])
    shapes["_conv_head.weight"] = (HEAD_CHANNELS, STAGES[-1][5], 1, 1)
    bn("_bn1", HEAD_CHANNELS)
    shapes["_fc.weight"] = (CLASSES, HEAD_CHANNELS)
    shapes["_fc.bias"] = (CLASSES,)
    return shapes


def check_state_dict(state: dict[str, np.ndarray]) -> list[str]:
    """What does not match EfficientNet-Lite0 in `state` (empty when it all fits)."""
    expected = expected_shapes()
    problems = [f"missing {k} {s}" for k, s in expected.items() if k not in state]
    problems += [f"{k} has shape {tuple(state[k].shape)}, EfficientNet-Lite0 needs {s}"
                 for k, s in expected.items() if k in state and tuple(state[k].shape) != s]
    problems += [f"{k} has type {state[k].dtype}, expected a float"
                 for k in expected if k in state and state[k].dtype.kind != "f"]
    extra = [k for k in state if k not in expected and not k.endswith(".num_batches_tracked")]
    problems += [f"unexpected entry {k} (not part of EfficientNet-Lite0)" for k in extra]
    return problems


class _Builder:
    """Accumulates ONNX nodes and initializers."""

    def __init__(self, onnx: Any, state: dict[str, np.ndarray]):
        self.onnx = onnx
        self.state = state
        self.nodes: list[Any] = []
        self.inits: list[Any] = []

    def init(self, name: str) -> str:
        array = np.ascontiguousarray(self.state[name], dtype=np.float32)
        self.inits.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def conv(self, name: str, x: str, weight: str, size: int, stride: int, groups: int) -> str:
        kernel = self.state[weight].shape[2]
        before, after = same_pads(size, kernel, stride)
        self.nodes.append(self.onnx.helper.make_node(
            "Conv", [x, self.init(weight)], [f"{name}/conv"], name=name,
            kernel_shape=[kernel, kernel], strides=[stride, stride],
            pads=[before, before, after, after], group=groups))
        return f"{name}/conv"

    def bn(self, name: str, x: str, prefix: str) -> str:
        inputs = [x] + [self.init(f"{prefix}.{p}")
                        for p in ("weight", "bias", "running_mean", "running_var")]
        self.nodes.append(self.onnx.helper.make_node(
            "BatchNormalization", inputs, [f"{name}/bn"], name=f"{name}_bn", epsilon=BN_EPSILON))
        return f"{name}/bn"

    def relu6(self, name: str, x: str) -> str:
        self.nodes.append(self.onnx.helper.make_node(
            "Clip", [x, "relu6_min", "relu6_max"], [f"{name}/relu6"], name=f"{name}_relu6"))
        return f"{name}/relu6"

    def conv_bn(self, name: str, x: str, module: str, bn: str, size: int, stride: int = 1,
                groups: int = 1, relu6: bool = True) -> str:
        y = self.bn(name, self.conv(name, x, f"{module}.weight", size, stride, groups), bn)
        return self.relu6(name, y) if relu6 else y


def build_graph(state: dict[str, np.ndarray], name: str = "efficientnet_lite0") -> Any:
    """The ONNX ModelProto of EfficientNet-Lite0 with `state`'s weights (checked first: a
    ValueError lists every mismatch)."""
    import onnx

    problems = check_state_dict(state)
    if problems:
        raise ValueError("not an EfficientNet-Lite0 state dict: " + "; ".join(problems[:10])
                         + (f"; and {len(problems) - 10} more" if len(problems) > 10 else ""))
    b = _Builder(onnx, state)
    b.inits += [onnx.numpy_helper.from_array(np.array(0.0, np.float32), "relu6_min"),
                onnx.numpy_helper.from_array(np.array(6.0, np.float32), "relu6_max")]
    size = IMAGE_SIZE
    x = b.conv_bn("stem", "image", "_conv_stem", "_bn0", size, stride=2)
    size = -(-size // 2)
    for i, blk in enumerate(blocks()):
        p, mid, inp = f"_blocks.{i}", blk["in"] * blk["expand"], x
        if blk["expand"] != 1:
            x = b.conv_bn(f"blocks_{i}_expand", x, f"{p}._expand_conv", f"{p}._bn0", size)
        x = b.conv_bn(f"blocks_{i}_dw", x, f"{p}._depthwise_conv", f"{p}._bn1", size,
                      stride=blk["stride"], groups=mid)
        size = -(-size // blk["stride"])
        x = b.conv_bn(f"blocks_{i}_project", x, f"{p}._project_conv", f"{p}._bn2", size,
                      relu6=False)
        if blk["stride"] == 1 and blk["in"] == blk["out"]:
            b.nodes.append(onnx.helper.make_node("Add", [x, inp], [f"blocks_{i}/add"],
                                                 name=f"blocks_{i}_add"))
            x = f"blocks_{i}/add"
    x = b.conv_bn("head", x, "_conv_head", "_bn1", size)
    b.nodes += [
        onnx.helper.make_node("GlobalAveragePool", [x], ["pool/out"], name="pool"),
        onnx.helper.make_node("Flatten", ["pool/out"], ["flat"], name="flatten", axis=1),
        onnx.helper.make_node("Gemm", ["flat", b.init("_fc.weight"), b.init("_fc.bias")],
                              ["logits"], name="fc", transB=1),
    ]
    image = onnx.helper.make_tensor_value_info("image", onnx.TensorProto.FLOAT,
                                               ["batch", 3, IMAGE_SIZE, IMAGE_SIZE])
    logits = onnx.helper.make_tensor_value_info("logits", onnx.TensorProto.FLOAT,
                                                ["batch", CLASSES])
    graph = onnx.helper.make_graph(b.nodes, name, [image], [logits], b.inits)
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return model
