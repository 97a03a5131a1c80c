"""ONNX graph -> isaacsim network description (docs/network-format.md, "Importing from ONNX").

Each supported operator becomes a layer of a registered kind, or folds into one: batch
normalisation and bias adds into the conv or fc before them (they change weights, not work),
activations into the activation attribute of the layer before them, layout operators (Flatten,
Reshape to a vector, Dropout, Identity) into nothing, a final Softmax into the host. Every node that
cannot be expressed is reported, all together, with its name and operator; nothing is written then.
The description is validated by the same loader as a hand-written file, and every layer's output
shape is checked against ONNX's shape inference.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from isaacsim import __version__
from isaacsim.errors import InputError, Problem
from isaacsim.importer.onnx_graph import Graph, OpNode, read_graph
from isaacsim.layers.window import output_size
from isaacsim.network import IMAGE, Network, network_from_dict

ACTIVATION_OPS = {"Relu": "relu", "Sigmoid": "sigmoid", "HardSwish": "hardswish",
                  "HardSigmoid": "hardsigmoid", "Tanh": "tanh", "Silu": "silu"}
LAYOUT_OPS = ("Identity", "Dropout", "Flatten", "Reshape")
FINAL_OPS = ("Softmax", "LogSoftmax")
SUPPORTED = ("Conv", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool",
             "GlobalMaxPool", "Add", "Concat", "Mul", "BatchNormalization", "Clip", "Constant",
             *ACTIVATION_OPS, *LAYOUT_OPS, *FINAL_OPS)
"""Operators the importer understands (docs/network-format.md lists what each becomes)."""
MARK = "imported by isaacsim"
_NAME_BAD = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass
class _Tensor:
    layer: str
    """The isaacsim layer whose output this tensor is (or the image)."""
    flat: bool = False
    """Flattened to a vector: only a fully connected layer may read it."""


@dataclass
class _Weights:
    """Where a crossbar layer's weights come from, for `--weights`."""

    conv: bool
    """A convolution's [out, in / groups, kh, kw] tensor; else a fully connected matrix."""
    name: str
    """The ONNX initializer."""
    transposed: bool = False
    """Gemm with transB = 1: [out, in]."""
    map_shape: tuple[int, int, int] | None = None
    """fc: the (H, W, C) map it reads, flattened channel-major by ONNX."""
    bn: tuple[str, str, str, str, float] | None = None
    """(scale, bias, mean, var, epsilon) of a folded batch normalisation."""


@dataclass
class Imported:
    """An imported network: its JSON description, the validated `Network`, and what `--weights`
    needs."""

    description: dict[str, Any]
    network: Network
    graph: Graph
    weights: dict[str, _Weights] = field(default_factory=dict)
    tensors: dict[str, str] = field(default_factory=dict)
    """Map name (``input`` or a layer) -> the ONNX tensor that holds that map as isaacsim
    computes it: the image input, or a layer's output after the batch normalisation, bias and
    activation folded into it. Every other node that reads the map reads this tensor (or a
    layout copy of it)."""

    def text(self) -> str:
        """The description as a network file: one layer per line."""
        d = self.description
        head = {k: v for k, v in d.items() if k != "layers"}
        lines = [json.dumps(layer) for layer in d["layers"]]
        body = json.dumps(head, indent=2)[:-2]
        return body + ',\n  "layers": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n"

    def weight_arrays(self) -> dict[str, np.ndarray]:
        """Every crossbar layer's weights in the layout `numerics` reads (conv: HWIO
        (kh, kw, C_in / groups, C_out); fc: (inputs, outputs) with rows position-major), batch
        normalisation folded. An `InputError` when the model file holds no weight data."""
        out: dict[str, np.ndarray] = {}
        missing = []
        for layer, w in self.weights.items():
            arr = self.graph.initializer_array(w.name)
            if arr is None:
                missing.append(w.name)
                continue
            arr = arr.astype(np.float64)
            if w.conv:
                if w.bn is not None:
                    arr = arr * self._bn_scale(w.bn)[:, None, None, None]
                out[layer] = arr.transpose(2, 3, 1, 0)
                continue
            if w.transposed:
                arr = arr.T
            if w.bn is not None:
                arr = arr * self._bn_scale(w.bn)[None, :]
            if w.map_shape is not None and w.map_shape[0] * w.map_shape[1] > 1:
                h, wd, c = w.map_shape
                order = np.arange(h * wd * c).reshape(c, h, wd).transpose(1, 2, 0).reshape(-1)
                arr = arr[order]
            out[layer] = arr
        if missing:
            raise InputError(Problem(self.graph.path, "", f"the model file holds no data for "
                                                          f"{len(missing)} weight tensors (e.g. "
                                                          f"'{missing[0]}'; external data "
                                                          f"missing?): only the network's shapes "
                                                          f"can be imported, not --weights"))
        return out

    def weights_npz(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, **self.weight_arrays())  # type: ignore[arg-type]  # numpy types **arrays as its keyword options
        return buf.getvalue()

    def _bn_scale(self, bn: tuple[str, str, str, str, float]) -> np.ndarray:
        scale, _, _, var, eps = bn
        gamma = self.graph.constant(scale)
        variance = self.graph.constant(var)
        if gamma is None or variance is None:
            raise InputError(Problem(self.graph.path, "", "a batch normalisation's scale or "
                                                          "variance has no data in the file"))
        return gamma.astype(np.float64) / np.sqrt(variance.astype(np.float64) + eps)


def imported_by_isaacsim(path: Path) -> bool:
    """Whether the network file at `path` was written by `import` (its notes say so), so that a
    new import may replace it."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return f'"notes": "{MARK}' in head


class _Converter:
    def __init__(self, graph: Graph, name: str):
        self.g = graph
        self.name = name
        self.tensors: dict[str, _Tensor | None] = {graph.image: _Tensor(IMAGE)}
        self.map_tensors: dict[str, str] = {IMAGE: graph.image}
        """Map name -> the ONNX tensor holding it, after what is folded into the layer."""
        self.layers: list[dict[str, Any]] = []
        self.by_name: dict[str, dict[str, Any]] = {}
        self.weights: dict[str, _Weights] = {}
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.readers: dict[str, int] = {}
        for node in graph.nodes:
            for t in node.inputs:
                self.readers[t] = self.readers.get(t, 0) + 1
        self.outputs = set(_graph_outputs(graph))
        self.out_shapes: dict[str, tuple[int, ...] | None] = {}
        # SiLU as exporters write it, x * Sigmoid(x): the Sigmoid nodes that only feed such a Mul
        producer = {o: n for n in graph.nodes for o in n.outputs}
        self.silu_sigmoids: set[str] = set()
        for node in graph.nodes:
            if node.op_type == "Mul" and len(node.inputs) == 2:
                for t, other in (node.inputs, node.inputs[::-1]):
                    sig = producer.get(other)
                    if sig is not None and sig.op_type == "Sigmoid" and sig.inputs[0] == t \
                            and self.readers.get(other, 0) == 1:
                        self.silu_sigmoids.add(sig.outputs[0])

    # -- helpers ----------------------------------------------------------------------------------
    def problem(self, node: OpNode, message: str) -> Any:
        """Record that `node` cannot be imported (its outputs are then unknown); returns None, so
        that a converter can `return self.problem(...)`."""
        self.problems.append(Problem(self.g.path, f"node '{node.name or '?'}' ({node.op_type})",
                                     message))
        for out in node.outputs:
            self.tensors[out] = None
        return None

    def unique(self, node: OpNode) -> str:
        base = _NAME_BAD.sub("_", _short_name(node.name, node.op_type)).strip("_-")
        base = re.sub(r"_+", "_", base)
        if not base or not (base[0].isalpha() or base[0] == "_"):
            base = f"{node.op_type.lower()}_{base}" if base else f"{node.op_type.lower()}"
        name, i = base, 1
        while name in self.by_name or name == IMAGE:
            i += 1
            name = f"{base}_{i}"
        return name

    def map_shape(self, tensor: str) -> tuple[int, int, int] | None:
        """(H, W, C) of an NCHW tensor."""
        s = self.g.shapes.get(tensor)
        if s is None or len(s) != 4 or min(s[1:]) < 1:
            return None
        return (s[2], s[3], s[1])

    def add_layer(self, node: OpNode, layer: dict[str, Any]) -> str:
        name = self.unique(node)
        layer = {"name": name, **layer}
        self.layers.append(layer)
        self.by_name[name] = layer
        self.tensors[node.outputs[0]] = _Tensor(name)
        self.map_tensors[name] = node.outputs[0]
        self.out_shapes[name] = self.g.shapes.get(node.outputs[0])
        return name

    def source(self, node: OpNode, tensor: str, *, flat_ok: bool = False) -> _Tensor | None:
        t = self.tensors.get(tensor)
        if t is None:
            return None
        if t.flat and not flat_ok:
            self.problem(node, f"reads the flattened tensor '{tensor}': only a fully connected "
                               f"layer (Gemm, MatMul) can")
            return None
        return t

    # -- operators --------------------------------------------------------------------------------
    def convert(self) -> None:
        for node in self.g.nodes:
            op = node.op_type
            if op not in SUPPORTED:
                why = ("isaacsim has no upsampling layer" if op in ("Resize", "Upsample")
                       else "not supported by the importer")
                self.problem(node, why)
                continue
            if op == "Constant":
                continue
            data = [t for t in node.inputs if t and not self.g.is_constant(t)]
            unknown = [t for t in data if t not in self.tensors]
            if unknown:
                self.problem(node, f"reads '{unknown[0]}', which no node of the graph produces")
                continue
            if any(self.tensors[t] is None for t in data):
                for out in node.outputs:  # downstream of a reported node
                    self.tensors[out] = None
                continue
            if op == "Sigmoid" and node.outputs[0] in self.silu_sigmoids:
                self.tensors[node.outputs[0]] = self.tensors[node.inputs[0]]  # folded at its Mul
                continue
            getattr(self, f"_{op.lower()}", self._activation)(node)

    def _conv(self, node: OpNode) -> None:
        x = self.source(node, node.inputs[0])
        dims = self.g.initializer_dims(node.inputs[1]) or self.g.shapes.get(node.inputs[1])
        if x is None:
            return
        if not dims or len(dims) != 4:
            return self.problem(node, "only 2-D convolutions with a known weight shape")
        a = node.attrs
        if any(d != 1 for d in a.get("dilations", [1, 1])):
            return self.problem(node, f"dilations {a['dilations']} (isaacsim convolutions are "
                                      f"not dilated)")
        kernel = list(a.get("kernel_shape", dims[2:]))
        padded = self.pads(node, kernel, list(a.get("strides", [1, 1])))
        if padded is None:
            return
        pads, ceil = padded
        layer: dict[str, Any] = {
            "kind": "conv", "input": x.layer, "kernel": kernel,
            "stride": list(a.get("strides", [1, 1])), "padding": pads, "out_channels": dims[0],
            "groups": int(a.get("group", 1)), "activation": "none"}
        if ceil:
            layer["ceil_mode"] = True
        name = self.add_layer(node, layer)
        self.weights[name] = _Weights(True, node.inputs[1])

    def pads(self, node: OpNode, kernel: list[int], strides: list[int]
             ) -> tuple[list[int], bool] | None:
        """[height, width] padding of a window operator and whether the window needs
        ``ceil_mode`` for it, or None (problem reported). Symmetric padding is taken as it is;
        TensorFlow SAME (one more row or column after than before, on strided axes) is the
        padding before with ``ceil_mode``, exactly when that gives the model's output size."""
        a = node.attrs
        auto = a.get("auto_pad", "NOTSET")
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            shape = self.map_shape(node.inputs[0])
            if shape is None:
                return self.problem(node, "auto_pad SAME with an unknown input shape")
            before, after = [], []
            for size, k, s in zip(shape[:2], kernel, strides):
                out = -(-size // s)
                total = max((out - 1) * s + k - size, 0)
                before.append(total // 2 if auto == "SAME_UPPER" else total - total // 2)
                after.append(total - before[-1])
            p = before + after
        else:
            p = list(a.get("pads", [0, 0, 0, 0]))
        if len(p) == 4 and p[0] == p[2] and p[1] == p[3]:
            return [p[0], p[1]], False
        if len(p) == 4 and self.same_as_ceil(node, kernel, strides, p):
            self.notes.append(f"{node.name or node.op_type}: pads {p} (TensorFlow SAME) taken as "
                              f"padding {p[0]}x{p[1]} with ceil_mode (the same windows)")
            return [p[0], p[1]], True
        return self.problem(node, f"asymmetric padding {p} (isaacsim pads both sides equally, or "
                                  f"one more row and column after with ceil_mode)")

    def same_as_ceil(self, node: OpNode, kernel: list[int], strides: list[int],
                     p: list[int]) -> bool:
        """Whether the asymmetric `p` (top, left, bottom, right) gives the windows of padding
        `p[:2]` with ``ceil_mode``: every window starts at `out * stride - before` either way,
        so they are the same windows exactly when the output sizes agree along both axes."""
        shape = self.map_shape(node.inputs[0])
        if shape is None:
            return False
        for size, k, s, lo, hi in zip(shape[:2], kernel, strides, p[:2], p[2:]):
            if hi < lo or (size + lo + hi - k) // s + 1 != output_size(size, k, s, lo, ceil=True):
                return False
        return True

    def _maxpool(self, node: OpNode, kind: str = "maxpool") -> None:
        x = self.source(node, node.inputs[0])
        if x is None:
            return
        a = node.attrs
        if any(d != 1 for d in a.get("dilations", [1, 1])):
            return self.problem(node, "dilated pooling")
        kernel = list(a["kernel_shape"])
        strides = list(a.get("strides", [1, 1]))
        padded = self.pads(node, kernel, strides)
        if padded is None:
            return
        pads, same_ceil = padded
        if kernel == [1, 1] and strides == [1, 1] and pads == [0, 0]:  # a copy (torchvision's
            self.tensors[node.outputs[0]] = x                          # adaptive pool to 7x7)
            return
        if same_ceil and a.get("ceil_mode", 0):
            return self.problem(node, f"asymmetric padding {list(a.get('pads', []))} with "
                                      f"ceil_mode (isaacsim has one of the two)")
        layer: dict[str, Any] = {"kind": kind, "input": x.layer, "kernel": kernel,
                                 "stride": strides, "padding": pads}
        if a.get("ceil_mode", 0) or same_ceil:
            layer["ceil_mode"] = True
        self.add_layer(node, layer)

    def _averagepool(self, node: OpNode) -> None:
        self._maxpool(node, "avgpool")

    def _globalaveragepool(self, node: OpNode) -> None:
        x = self.source(node, node.inputs[0])
        if x is not None:
            self.add_layer(node, {"kind": "globalavgpool", "input": x.layer})

    def _globalmaxpool(self, node: OpNode) -> None:
        x = self.source(node, node.inputs[0])
        shape = self.map_shape(node.inputs[0])
        if x is None:
            return
        if shape is None:
            return self.problem(node, "unknown input shape")
        self.add_layer(node, {"kind": "maxpool", "input": x.layer, "kernel": [shape[0], shape[1]],
                              "stride": 1, "padding": 0})

    def _gemm(self, node: OpNode) -> None:
        x = self.source(node, node.inputs[0], flat_ok=True)
        if x is None:
            return
        a = node.attrs
        dims = self.g.initializer_dims(node.inputs[1])
        if node.op_type == "Gemm" and a.get("transA", 0):
            return self.problem(node, "transA = 1")
        if node.op_type == "Gemm" and float(a.get("alpha", 1.0)) != 1.0:
            return self.problem(node, f"alpha = {a['alpha']} (only an unscaled product, alpha 1, "
                                      f"imports: fold the factor into the weights)")
        if dims is None or len(dims) != 2:
            return self.problem(node, "the weight matrix must be a 2-D initializer")
        transposed = node.op_type == "Gemm" and bool(a.get("transB", 0))
        fan_in, out = (dims[1], dims[0]) if transposed else dims
        producer = self.producer_shape(x)
        if producer is not None and producer[0] * producer[1] * producer[2] != fan_in:
            return self.problem(node, f"the weight matrix has {fan_in} inputs but the map it "
                                      f"reads holds {producer[0] * producer[1] * producer[2]} "
                                      f"values")
        name = self.add_layer(node, {"kind": "fc", "input": x.layer, "out_features": out,
                                     "activation": "none"})
        self.weights[name] = _Weights(False, node.inputs[1], transposed, producer)

    def _matmul(self, node: OpNode) -> None:
        self._gemm(node)

    def producer_shape(self, t: _Tensor) -> tuple[int, int, int] | None:
        if t.layer == IMAGE:
            return self.map_shape(self.g.image)
        s = self.out_shapes.get(t.layer)
        if s is not None and len(s) == 4:
            return (s[2], s[3], s[1])
        return None

    def _add(self, node: OpNode) -> None:
        consts = [t for t in node.inputs if self.g.is_constant(t)]
        data = [t for t in node.inputs if t not in consts]
        if len(data) == 1 and consts:  # a bias: folded into the conv or fc before it
            x = self.source(node, data[0], flat_ok=True)
            if x is None:
                return
            producer = self.by_name.get(x.layer)
            if producer is None or producer["kind"] not in ("conv", "fc") or \
                    producer.get("activation") != "none" or self.readers.get(data[0], 0) > 1:
                return self.problem(node, "adds a constant that is not the bias of the conv or "
                                          "fc before it")
            self.tensors[node.outputs[0]] = x
            self.map_tensors[x.layer] = node.outputs[0]
            return
        if len(data) != 2:
            return self.problem(node, "expected two inputs")
        a, b = (self.source(node, t) for t in data)
        if a is None or b is None:
            return
        if self.g.shapes.get(data[0]) != self.g.shapes.get(data[1]):
            return self.problem(node, f"adds tensors of different shapes "
                                      f"{self.g.shapes.get(data[0])} and "
                                      f"{self.g.shapes.get(data[1])} (no broadcasting)")
        self.add_layer(node, {"kind": "add", "input": a.layer, "add": b.layer,
                              "activation": "none"})

    def _concat(self, node: OpNode) -> None:
        if node.attrs.get("axis") not in (1, -3):
            return self.problem(node, f"concatenation along axis {node.attrs.get('axis')}: only "
                                      f"channels (axis 1) are supported")
        srcs = [self.source(node, t) for t in node.inputs]
        if any(s is None for s in srcs):
            return
        names = [s.layer for s in srcs if s is not None]
        if len(names) == 1:  # a concat of one tensor copies it
            self.tensors[node.outputs[0]] = srcs[0]
            return
        self.add_layer(node, {"kind": "concat", "input": names[0], "inputs": names[1:]})

    def _batchnormalization(self, node: OpNode) -> None:
        x = self.source(node, node.inputs[0], flat_ok=True)
        if x is None:
            return
        layer = self.by_name.get(x.layer)
        if layer is None or layer["kind"] not in ("conv", "fc") or \
                layer.get("activation") != "none" or self.readers.get(node.inputs[0], 0) > 1 or \
                self.weights[x.layer].bn is not None:
            return self.problem(node, "a batch normalisation folds only into the conv or fc "
                                      "just before it (nothing else reading that output)")
        scale, bias, mean, var = node.inputs[1:5]
        self.weights[x.layer].bn = (scale, bias, mean, var, float(node.attrs.get("epsilon", 1e-5)))
        self.tensors[node.outputs[0]] = x
        self.map_tensors[x.layer] = node.outputs[0]

    def _clip(self, node: OpNode) -> None:
        lo, hi = node.attrs.get("min"), node.attrs.get("max")
        if len(node.inputs) > 1 and node.inputs[1]:
            v = self.g.constant(node.inputs[1])
            lo = None if v is None else float(v)
        if len(node.inputs) > 2 and node.inputs[2]:
            v = self.g.constant(node.inputs[2])
            hi = None if v is None else float(v)
        if hi is not None and np.isinf(hi) and hi > 0:
            hi = None  # no upper bound
        if lo == 0 and hi == 6:
            self.fuse(node, "relu6")
        elif lo == 0 and hi is None:
            self.fuse(node, "relu")
        else:
            self.problem(node, f"Clip to [{lo}, {hi}]: only [0, 6] (ReLU6) and [0, inf) (ReLU)")

    def _activation(self, node: OpNode) -> None:
        op = node.op_type
        if op in ACTIVATION_OPS:
            return self.fuse(node, ACTIVATION_OPS[op])
        if op in LAYOUT_OPS:
            return self.layout(node)
        if op in FINAL_OPS:
            if node.outputs[0] not in self.outputs:
                return self.problem(node, "a softmax inside the network (isaacsim leaves the final "
                                          "softmax to the host)")
            x = self.source(node, node.inputs[0], flat_ok=True)
            if x is not None:
                self.tensors[node.outputs[0]] = x
                self.notes.append(f"the final {op} runs on the host")
            return None
        raise AssertionError(op)

    def _mul(self, node: OpNode) -> None:
        a, b = node.inputs
        if b in self.silu_sigmoids or a in self.silu_sigmoids:  # x * sigmoid(x): SiLU
            x = a if b in self.silu_sigmoids else b
            return self.fuse(OpNode(node.name, node.op_type, (x,), node.outputs), "silu",
                             readers=2)
        if self.g.is_constant(a) or self.g.is_constant(b):
            return self.problem(node, "multiplies by a constant (isaacsim folds only batch "
                                      "normalisation into weights)")
        sa, sb = self.g.shapes.get(a), self.g.shapes.get(b)
        for m, v, sm, sv in ((a, b, sa, sb), (b, a, sb, sa)):
            if sm is not None and sv is not None and len(sm) == len(sv) == 4 \
                    and tuple(sv[2:]) == (1, 1) and sv[1] == sm[1]:
                xm, xv = self.source(node, m), self.source(node, v)
                if xm is None or xv is None:
                    return None
                self.add_layer(node, {"kind": "scale", "input": xm.layer, "scale": xv.layer})
                return None
        return self.problem(node, f"multiplies tensors of shapes {sa} and {sb}: only a map by a "
                                  f"per-channel vector (squeeze-and-excitation) and x * sigmoid(x) "
                                  f"(SiLU) are supported")

    def fuse(self, node: OpNode, activation: str, readers: int = 1) -> None:
        x = self.source(node, node.inputs[0], flat_ok=True)
        if x is None:
            return
        layer = self.by_name.get(x.layer)
        if layer is None or "activation" not in layer:
            what = "the input image" if layer is None else f"a {layer['kind']} layer"
            return self.problem(node, f"an activation after {what}: isaacsim applies "
                                      f"activations in the layer before them (conv, fc, add)")
        if layer["activation"] != "none" or self.readers.get(node.inputs[0], 0) > readers:
            return self.problem(node, f"cannot fold into '{layer['name']}': it already has an "
                                      f"activation or its output is also read without it")
        layer["activation"] = activation
        self.tensors[node.outputs[0]] = x
        self.map_tensors[layer["name"]] = node.outputs[0]

    def layout(self, node: OpNode) -> None:
        x = self.source(node, node.inputs[0], flat_ok=True)
        if x is None:
            return
        s_in, s_out = self.g.shapes.get(node.inputs[0]), self.g.shapes.get(node.outputs[0])
        if node.op_type in ("Flatten", "Reshape"):
            if s_out is not None and len(s_out) == 2:
                self.tensors[node.outputs[0]] = _Tensor(x.layer, flat=True)
                return
            if s_out is None or s_out != s_in:
                return self.problem(node, f"reshapes {s_in} to {s_out}: only flattening to a "
                                          f"vector (for a fully connected layer) is supported")
        self.tensors[node.outputs[0]] = x


def _short_name(name: str, op_type: str) -> str:
    """A PyTorch export's node name ``/layer1/layer1.0/conv1/Conv`` as the module's qualified name
    ``layer1.0.conv1``: the path's parts without the operator, the last part prefixed by its parent
    unless it already extends it. Other names are kept."""
    parts = [p for p in name.split("/") if p]
    if len(parts) < 2 or "/" not in name:
        return name
    if parts[-1] == op_type or parts[-1].startswith(f"{op_type}_"):
        parts = parts[:-1]
    if len(parts) >= 2 and not parts[-1].startswith(parts[-2]):
        return f"{parts[-2]}.{parts[-1]}"
    return parts[-1] if parts else name


def _graph_outputs(graph: Graph) -> list[str]:
    return [o.name for o in graph._model.graph.output]


def import_onnx(path: str, *, name: str | None = None,
                input_shape: tuple[int, int, int] | None = None) -> Imported:
    """Import the ONNX model at `path` (see the module docstring); `InputError` listing every node
    that cannot be imported."""
    graph = read_graph(path, input_shape)
    net_name = name or _NAME_BAD.sub("_", Path(path).stem).strip("_") or "imported"
    conv = _Converter(graph, net_name)
    conv.convert()
    if not conv.problems and not conv.layers:
        conv.problems.append(Problem(path, "", "the graph has no layer isaacsim can simulate"))
    if conv.problems:
        raise InputError(conv.problems)
    h, w, c = conv.map_shape(graph.image) or (0, 0, 0)
    notes = "; ".join([f"{MARK} {__version__} from {Path(path).name}",
                       "batch normalisations and biases folded into weights", *conv.notes])
    description = {"format_version": 1, "name": net_name,
                   "source": f"ONNX model {Path(path).name} (opset {graph.opset}"
                             f"{', ' + graph.producer if graph.producer else ''})",
                   "notes": notes, "input": {"height": h, "width": w, "channels": c},
                   "layers": conv.layers}
    network = network_from_dict(description, source=path)
    mismatch = []
    for layer in network.layers:
        s = conv.out_shapes.get(layer.name)
        if s is not None and len(s) == 4 and min(s) > 0:
            expected = (s[2], s[3], s[1])
        elif s is not None and len(s) == 2 and min(s) > 0:
            expected = (1, 1, s[1])
        else:
            continue
        if tuple(layer.out_shape) != expected:
            mismatch.append(Problem(path, f"layer '{layer.name}'",
                                    f"isaacsim computes an output of {layer.out_shape}, ONNX "
                                    f"{'x'.join(map(str, expected))}"))
    if mismatch:
        raise InputError(mismatch)
    return Imported(description, network, graph, conv.weights, conv.map_tensors)
