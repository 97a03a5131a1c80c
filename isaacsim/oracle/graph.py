"""The ONNX model the oracle runs: the user's model with every map multiplied by its crop mask.

For every map isaacsim knows (the input image and each layer's output, found by the importer's
`Imported.tensors`), the tensor holding that map is multiplied by a mask input
``isaacsim_mask_<H>x<W>`` of shape ``[batch, 1, H, W]``; every node that read the map reads the
product. A layer's tensor is the one after the batch normalisation, bias and activation isaacsim
folds into it, so a cropped position is 0 where the simulator skips it (docs/oracle.md, "Masks").
Maps of 1 x 1 positions (fc outputs, globally pooled maps) are never cropped and get no mask.

The batch dimension becomes symbolic, so one session evaluates the 16 crop vectors of an image as
a batch of 16. A Reshape whose constant target shape starts with a batch of 1 gets 0 there
(ONNX: copy the input's dimension), which is the same model at batch 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from isaacsim.errors import InputError, Problem
from isaacsim.importer import Imported, import_onnx

BATCH = "isaacsim_batch"
"""Name of the symbolic batch dimension."""
SUFFIX = "__isaacsim_unmasked"
"""Appended to the name of a map's tensor as its producer writes it, before the mask."""


@dataclass(frozen=True)
class MaskedModel:
    """A rewritten model, ready for onnxruntime."""

    model: bytes
    """The serialized ONNX model."""
    image: str
    """The image input."""
    output: str
    """The class-score output."""
    classes: int
    """Number of classes (the output's size per image)."""
    masks: dict[str, str]
    """Map name -> the mask input that multiplies it (maps of one size share an input)."""
    mask_sizes: dict[str, tuple[int, int]]
    """Mask input -> (H, W)."""


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise InputError(Problem("--model", "", "the crop oracle needs the onnx, onnxruntime and "
                                                "pillow packages: pip install 'isaacsim[oracle]'")) \
            from None
    return onnx


def model_input_shape(path: str) -> tuple[str, tuple[int | str, ...]]:
    """The image input's name and its dims as the model declares them (``-1`` or the symbol's
    name for a dimension that is not fixed)."""
    onnx = _onnx()
    try:
        model = onnx.load(path, load_external_data=False)
    except FileNotFoundError:
        raise InputError(Problem(path, "", "no such model file; give an ONNX model")) from None
    except Exception as exc:  # protobuf DecodeError, OSError, ...
        raise InputError(Problem(path, "", f"cannot read the ONNX model: {exc}")) from None
    inits = {i.name for i in model.graph.initializer}
    images = [i for i in model.graph.input if i.name not in inits]
    if len(images) != 1:
        raise InputError(Problem(path, "graph.input", f"expected one image input, found "
                                                      f"{len(images)}"))
    dims: list[int | str] = []
    t = images[0].type.tensor_type
    for d in t.shape.dim if t.HasField("shape") else []:
        dims.append(int(d.dim_value) if d.HasField("dim_value") else (d.dim_param or -1))
    return images[0].name, tuple(dims)


def check_input_shape(path: str, size: int) -> None:
    """`InputError` naming the model and both shapes unless its image input takes
    ``[N, 3, size, size]`` (each dimension fixed to that value or left open)."""
    name, dims = model_input_shape(path)
    want = (3, size, size)
    shown = "x".join(str(d) for d in dims) or "no shape"
    if len(dims) != 4 or any(isinstance(d, int) and d > 0 and d != w for d, w in zip(dims[1:], want)):
        raise InputError(Problem(path, f"input '{name}'",
                                 f"the model takes images of shape {shown} (N x C x H x W), but "
                                 f"the preprocessing gives 3x{size}x{size} (RGB, --size {size}); "
                                 f"give --size (and --resize) matching the model, or a model that "
                                 f"reads 3-channel {size} x {size} images"))


def import_model(path: str, size: int) -> Imported:
    """The model as an isaacsim network, its image fixed to 3 x `size` x `size`."""
    check_input_shape(path, size)
    return import_onnx(path, input_shape=(3, size, size))


def masked_model(path: str, imported: Imported) -> MaskedModel:
    """Rewrite the model at `path` (with its weights) as described in the module docstring."""
    onnx = _onnx()
    try:
        model = onnx.load(path)
    except Exception as exc:  # external data missing, unreadable file
        raise InputError(Problem(path, "", f"cannot read the ONNX model with its weights: {exc}")) \
            from None
    graph = model.graph
    network = imported.network
    shapes = imported.graph.shapes
    if len(graph.output) != 1:
        raise InputError(Problem(path, "graph.output", f"expected one output (the class scores), "
                                                       f"found {len(graph.output)}: "
                                                       f"{', '.join(o.name for o in graph.output)}"))
    output = graph.output[0].name
    out_shape = shapes.get(output)
    if out_shape is None or len(out_shape) not in (2, 4) or out_shape[0] != 1 \
            or any(d != 1 for d in out_shape[2:]) or out_shape[1] < 1:
        raise InputError(Problem(path, f"output '{output}'",
                                 f"expected class scores of shape N x C, got "
                                 f"{'x'.join(map(str, out_shape)) if out_shape else 'an unknown shape'}"))
    image = imported.graph.image
    _batch_dims(onnx, graph, image, network.input_shape)
    _reshapes(onnx, graph, shapes, imported)
    masks: dict[str, str] = {}
    sizes: dict[str, tuple[int, int]] = {}
    targets: dict[str, str] = {}     # tensor -> mask input
    for name, tensor in imported.tensors.items():
        shape = network.shape_of(name)
        if shape.pixels == 1:
            continue
        want = (1, shape.channels, shape.height, shape.width)
        if shapes.get(tensor) != want:
            raise InputError(Problem(path, f"tensor '{tensor}'",
                                     f"holds map '{name}' of {shape} but ONNX gives it the shape "
                                     f"{shapes.get(tensor)}; the oracle cannot mask it"))
        mask = f"isaacsim_mask_{shape.height}x{shape.width}"
        masks[name] = mask
        sizes[mask] = (shape.height, shape.width)
        targets[tensor] = mask
    for mask, (h, w) in sizes.items():
        graph.input.append(onnx.helper.make_tensor_value_info(
            mask, onnx.TensorProto.FLOAT, [BATCH, 1, h, w]))
    _insert_masks(onnx, graph, image, targets)
    return MaskedModel(model.SerializeToString(), image, output, int(out_shape[1]), masks, sizes)


def _batch_dims(onnx: Any, graph: Any, image: str, shape: Any) -> None:
    """The image input becomes [BATCH, C, H, W]; the outputs' batch symbolic; inferred shapes of
    inner tensors (fixed to a batch of 1 by some exporters) dropped."""
    for vi in graph.input:
        if vi.name == image:
            dims = vi.type.tensor_type.shape.dim
            while len(dims) < 4:
                dims.add()
            for d, v in zip(dims, (None, shape.channels, shape.height, shape.width)):
                d.Clear()
                if v is None:
                    d.dim_param = BATCH
                else:
                    d.dim_value = v
    del graph.value_info[:]
    for vi in graph.output:
        t = vi.type.tensor_type
        if t.HasField("shape") and len(t.shape.dim):
            t.shape.dim[0].Clear()
            t.shape.dim[0].dim_param = BATCH


def _reshapes(onnx: Any, graph: Any, shapes: dict, imported: Imported) -> None:
    """A Reshape to a constant shape whose first entry is the batch of 1 copies the batch instead
    (0), with a new initializer (the old one may be shared)."""
    inits = {i.name: i for i in graph.initializer}
    consts = {n.output[0]: n for n in graph.node if n.op_type == "Constant" and n.output}
    for node in graph.node:
        if node.op_type != "Reshape" or len(node.input) < 2:
            continue
        if any(a.name == "allowzero" and a.i == 1 for a in node.attribute):
            continue
        src = shapes.get(node.input[0])
        if not src or src[0] != 1:
            continue
        target = imported.graph.resolve(node.input[1])
        value = None
        if target in inits:
            value = onnx.numpy_helper.to_array(inits[target])
        elif target in consts:
            for a in consts[target].attribute:
                if a.name == "value":
                    value = onnx.numpy_helper.to_array(a.t)
        if value is None or value.ndim != 1 or value.size < 2 or int(value[0]) != 1:
            continue
        fixed = np.array(value, dtype=np.int64)
        fixed[0] = 0
        name = f"{node.input[1]}__isaacsim_batch_{node.name or len(graph.initializer)}"
        graph.initializer.append(onnx.numpy_helper.from_array(fixed, name))
        node.input[1] = name


def _insert_masks(onnx: Any, graph: Any, image: str, targets: dict[str, str]) -> None:
    """Multiply each target tensor by its mask input.

    A node output is renamed (``SUFFIX``) and the product takes its name, so every reader and a
    graph output see the masked map; the image input keeps its name and its readers are rewired."""
    nodes = list(graph.node)
    new = []
    masked: dict[str, str] = {}
    if image in targets:
        product = f"{image}__isaacsim_masked"
        new.append(onnx.helper.make_node("Mul", [image, targets[image]], [product],
                                         name="isaacsim_mask_input"))
        masked[image] = product
        for node in nodes:
            for i, t in enumerate(node.input):
                if t == image:
                    node.input[i] = product
    for node in nodes:
        new.append(node)
        for i, t in enumerate(node.output):
            if t in targets and t != image:
                node.output[i] = t + SUFFIX
                new.append(onnx.helper.make_node("Mul", [t + SUFFIX, targets[t]], [t],
                                                 name=f"isaacsim_mask_{len(masked)}"))
                masked[t] = t
    missing = [t for t in targets if t not in masked]
    if missing:
        raise InputError(Problem("--model", "", f"no node of the graph writes '{missing[0]}', "
                                                f"which holds a map isaacsim imported"))
    del graph.node[:]
    graph.node.extend(new)
