"""Reading an ONNX model into plain Python: tensors' shapes, initializers' dims, nodes' attributes.

Only shapes are needed to import a network, so a model whose weights live in external data that
is missing still imports (`onnx.load(..., load_external_data=False)`); weights are read only when
they are exported (`initializer_array`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from isaacsim.errors import InputError, Problem


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise InputError(Problem("import", "", "reading ONNX models needs the onnx package: "
                                               "pip install 'isaacsim[onnx]'")) from None
    return onnx


@dataclass(frozen=True)
class OpNode:
    """One node of the graph, in the graph's (topological) order."""

    name: str
    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    """What the importer needs of a model."""

    path: str
    image: str
    """Name of the graph input that is the image (the one input that is not an initializer)."""
    shapes: dict[str, tuple[int, ...] | None]
    """Tensor name -> shape with the batch dimension (None when unknown)."""
    initializers: dict[str, tuple[int, ...]]
    """Initializer name -> dims (known without reading the data)."""
    nodes: list[OpNode]
    opset: int
    producer: str
    _model: Any = None
    aliases: dict[str, str] = field(default_factory=dict)
    """Outputs of Identity nodes that copy an initializer or a constant -> the copied tensor."""
    constant_nodes: dict[str, OpNode] = field(default_factory=dict)
    """Output of each Constant node -> the node."""

    def resolve(self, name: str) -> str:
        while name in self.aliases:
            name = self.aliases[name]
        return name

    def initializer_dims(self, name: str) -> tuple[int, ...] | None:
        return self.initializers.get(self.resolve(name))

    def is_constant(self, name: str) -> bool:
        name = self.resolve(name)
        return name in self.initializers or name in self.constant_nodes

    def initializer_array(self, name: str) -> np.ndarray | None:
        """The data of an initializer, or None when it is not in the file (external data)."""
        onnx = _onnx()
        name = self.resolve(name)
        for init in self._model.graph.initializer:
            if init.name == name:
                if init.data_location == onnx.TensorProto.EXTERNAL:
                    try:
                        onnx.external_data_helper.load_external_data_for_tensor(
                            init, str(Path(self.path).parent))
                    except Exception:  # missing or unreadable file: onnx's own error types vary
                        return None
                try:
                    return onnx.numpy_helper.to_array(init)
                except Exception:
                    return None
        return None

    def constant(self, name: str) -> np.ndarray | None:
        """An initializer's or a Constant node's value (small tensors such as Clip bounds)."""
        name = self.resolve(name)
        value = self.initializer_array(name) if name in self.initializers else None
        if value is not None:
            return value
        node = self.constant_nodes.get(name)
        if node is not None:
            for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
                if key in node.attrs:
                    return np.asarray(node.attrs[key])
        return None


def _attr(onnx: Any, a: Any) -> Any:
    value = onnx.helper.get_attribute_value(a)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, onnx.TensorProto):
        return onnx.numpy_helper.to_array(value)
    if isinstance(value, list):
        return [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value]
    return value


def _dims(onnx: Any, value_info: Any) -> tuple[int, ...] | None:
    t = value_info.type
    if not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
        return None
    dims = []
    for d in t.tensor_type.shape.dim:
        if d.HasField("dim_value") and d.dim_value > 0:
            dims.append(int(d.dim_value))
        else:
            dims.append(-1)
    return tuple(dims)


def read_graph(path: str, input_shape: tuple[int, int, int] | None = None) -> Graph:
    """Load `path`, set the image input's shape to (1, C, H, W) when `input_shape` (C, H, W) is
    given (or when only the batch dimension is symbolic), infer every tensor's shape."""
    onnx = _onnx()
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception as exc:  # onnx raises protobuf DecodeError, OSError, ValueError, ...
        raise InputError(Problem(path, "", f"cannot read the ONNX model: {exc}")) from None
    graph = model.graph
    inits = {i.name: tuple(int(d) for d in i.dims) for i in graph.initializer}
    images = [i for i in graph.input if i.name not in inits]
    if len(images) != 1:
        raise InputError(Problem(path, "graph.input", f"expected one image input (the inputs that "
                                                      f"are not initializers), found "
                                                      f"{len(images)}: "
                                                      f"{', '.join(i.name for i in images)}"))
    image = images[0]
    dims = _dims(onnx, image)
    if input_shape is not None:
        new = (1, *input_shape)
    elif dims is not None and len(dims) == 4 and all(d > 0 for d in dims[1:]):
        new = (1, *dims[1:])
    else:
        raise InputError(Problem(path, f"input '{image.name}'",
                                 f"the image input's shape is {dims or 'unknown'}; give it with "
                                 f"--input-shape C,H,W"))
    shape = image.type.tensor_type.shape
    while len(shape.dim) < 4:
        shape.dim.add()
    del shape.dim[4:]
    for d, v in zip(shape.dim, new):
        d.Clear()
        d.dim_value = v
    for vi in list(graph.value_info) + list(graph.output):
        if vi.type.HasField("tensor_type"):
            vi.type.tensor_type.ClearField("shape")
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception as exc:
        raise InputError(Problem(path, "", f"ONNX shape inference failed: {exc}")) from None
    shapes: dict[str, tuple[int, ...] | None] = {image.name: new}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
        shapes[vi.name] = _dims(onnx, vi)
    nodes = [OpNode(n.name, n.op_type, tuple(n.input), tuple(n.output),
                    {a.name: _attr(onnx, a) for a in n.attribute}) for n in graph.node]
    # exporters copy shared constants through Identity nodes: follow them, drop the nodes
    constant_nodes = {n.outputs[0]: n for n in nodes if n.op_type == "Constant" and n.outputs}
    constants = set(inits) | set(constant_nodes)
    aliases: dict[str, str] = {}
    for n in nodes:
        if n.op_type == "Identity" and n.inputs and (n.inputs[0] in constants
                                                     or n.inputs[0] in aliases):
            aliases[n.outputs[0]] = n.inputs[0]
    nodes = [n for n in nodes if not (n.op_type == "Identity" and n.outputs
                                      and n.outputs[0] in aliases)]
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    return Graph(path, image.name, shapes, inits, nodes, opset,
                 f"{model.producer_name} {model.producer_version}".strip(), model, aliases,
                 constant_nodes)
