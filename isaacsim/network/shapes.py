"""Shape inference and per-layer work counts.

`infer_layer` turns the validated fields of one layer (`LayerSpec`) and the shapes of its
producers into a `Layer`, or into a list of ``(field, message)`` problems when the shapes are
impossible. Spatial sizes follow the usual floor rule of convolution and pooling::

    out = floor((in + 2 * padding - kernel) / stride) + 1

which needs ``kernel <= in + 2 * padding`` (an output of at least 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from isaacsim.network.model import Layer, Shape
from isaacsim.validate import Bound, number_text

AXES = ("height", "width")

# Ranges of a network's numbers (docs/input-ranges.md). Single values first, then the products
# they cannot bound alone, checked per layer (and over the network) at the layer's JSON path.
SIDE = Bound("integer", 1, 16384, "ImageNet CNNs read 224 to 600 pixels a side; 16,384 is 27x that")
CHANNELS = Bound("integer", 1, 65536, "published CNNs have at most a few thousand channels")
FEATURES = Bound("integer", 1, 2 ** 20, "fc layers have at most tens of thousands of outputs "
                                        "(VGG: 4096; ImageNet-21k: 21,841)")
KERNEL = Bound("integer", 1, 64, "published kernels are at most 11 x 11 (AlexNet) and global pools "
                                 "7 x 7; an op's receptive field is scanned pixel by pixel")
STRIDE = Bound("integer", 1, 64, "published strides are 1 to 4 (pools: up to the kernel)")
PADDING = Bound("integer", 0, 64, "at most the largest kernel allowed")
GROUPS = Bound("integer", 1, 65536, "at most one group per channel (depthwise)")
LAYERS = Bound("integer", 1, 4096, "ResNet-152 has 155 layers; ResNet-1001 about 1000")
NETWORK_PIXELS = Bound("integer", 1, 2 ** 24, "height x width summed over the input and every "
                                              "layer (VGG-16: 154,500): the simulator keeps int64 "
                                              "state per pixel of each distinct image's maps")
MAP_VALUES = Bound("integer", 1, 2 ** 28, "height x width x channels of a map: an fc layer's "
                                          "inputs and the numerics' float64 vectors (2 GiB)")
WEIGHTS = Bound("integer", 1, 2 ** 28, "VGG-16's fc6 has 102,760,448 weights; the numerics hold "
                                       "a layer's weights as float64 (2 GiB)")


@dataclass(frozen=True)
class LayerSpec:
    """The validated fields of one layer, before its shapes are known."""

    name: str
    kind: str
    index: int
    input_name: str
    """Producer layer name, or the image."""
    add_name: str = ""
    """For add: the earlier layer whose output is added."""
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    groups: int = 1
    out_channels: int = 0
    """conv output channels, or fc units (``out_features``)."""
    activation: str = "none"
    comment: str = ""


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length along one axis of a sliding window (floor rule); < 1 when impossible."""
    return (size + 2 * padding - kernel) // stride + 1


def infer_layer(spec: LayerSpec, in_shape: Shape,
                added_shape: Shape | None = None) -> tuple[Layer | None, list[tuple[str, str]]]:
    """Build the `Layer` for `spec` reading a map of `in_shape` (plus `added_shape` for add).

    Returns ``(layer, [])`` or ``(None, problems)`` where each problem is ``(field, message)``,
    `field` being the JSON key the message is about (``""``: the layer as a whole).
    """
    build = {"conv": _conv, "maxpool": _pool, "avgpool": _pool, "fc": _fc}.get(spec.kind)
    if spec.kind == "add":
        layer, problems = _add(spec, in_shape, added_shape)
    elif build is not None:
        layer, problems = build(spec, in_shape)
    else:
        raise ValueError(f"unknown layer kind {spec.kind!r}")  # the loader checks kinds first
    too_large = size_problems(layer) if layer is not None else []
    return (None, too_large) if too_large else (layer, problems)


def _window_problems(spec: LayerSpec, in_shape: Shape) -> list[tuple[str, str]]:
    sizes = (in_shape.height, in_shape.width)
    padded = [size + 2 * p for size, p in zip(sizes, spec.padding)]
    bad_axes = [axis for axis, k, n in zip(AXES, spec.kernel, padded) if k > n]
    if not bad_axes:
        return []
    return [("kernel", f"kernel {spec.kernel[0]}x{spec.kernel[1]} is larger than the padded input "
                       f"{padded[0]}x{padded[1]} along the {' and '.join(bad_axes)} (input map "
                       f"{in_shape}, padding {spec.padding[0]}x{spec.padding[1]}), so there would "
                       f"be no output; use a smaller kernel or more padding")]


def _spatial_out(spec: LayerSpec, in_shape: Shape, channels: int) -> Shape:
    h = output_size(in_shape.height, spec.kernel[0], spec.stride[0], spec.padding[0])
    w = output_size(in_shape.width, spec.kernel[1], spec.stride[1], spec.padding[1])
    return Shape(h, w, channels)


def _conv(spec: LayerSpec, in_shape: Shape) -> tuple[Layer | None, list[tuple[str, str]]]:
    problems = _window_problems(spec, in_shape)
    g = spec.groups
    if in_shape.channels % g:
        problems.append(("groups", f"the input has {in_shape.channels} channels, which "
                                   f"{g} groups do not divide evenly"))
    if spec.out_channels % g:
        problems.append(("groups", f"out_channels {spec.out_channels} is not divisible by "
                                   f"groups {g}"))
    if problems:
        return None, problems
    out = _spatial_out(spec, in_shape, spec.out_channels)
    fan_in = spec.kernel[0] * spec.kernel[1] * in_shape.channels // g
    weights = fan_in * spec.out_channels
    return _make(spec, in_shape, out, fan_in=fan_in, macs=out.pixels * weights,
                 weights=weights, biases=spec.out_channels), []


def size_problems(layer: Layer) -> list[tuple[str, str]]:
    """A layer whose output map or weights are too large to simulate (`SIDE`, `MAP_VALUES`,
    `WEIGHTS`); the field is ``""``: the problem is the layer's as a whole. The pixels of all maps
    together (`NETWORK_PIXELS`) are checked by the loader."""
    out = layer.out_shape
    checks = ((max(out.height, out.width), SIDE, f"the output map {out} has a side of"),
              (out.values, MAP_VALUES, f"the output map {out} holds"),
              (layer.weights, WEIGHTS, "the layer has"))
    units = ("pixels", "values", "weights")
    return [("", f"{what} {value:,} {unit}, more than the {number_text(bound.maximum)} accepted "
                 f"({bound.reason}); use a smaller input, fewer channels or a larger stride")
            for (value, bound, what), unit in zip(checks, units) if value > bound.maximum]


def _pool(spec: LayerSpec, in_shape: Shape) -> tuple[Layer | None, list[tuple[str, str]]]:
    problems = _window_problems(spec, in_shape)
    if problems:
        return None, problems
    out = _spatial_out(spec, in_shape, in_shape.channels)
    return _make(spec, in_shape, out), []


def _fc(spec: LayerSpec, in_shape: Shape) -> tuple[Layer | None, list[tuple[str, str]]]:
    fan_in = in_shape.values
    weights = fan_in * spec.out_channels
    out = Shape(1, 1, spec.out_channels)
    return _make(spec, in_shape, out, fan_in=fan_in, macs=weights, weights=weights,
                 biases=spec.out_channels), []


def _add(spec: LayerSpec, in_shape: Shape,
         added_shape: Shape | None) -> tuple[Layer | None, list[tuple[str, str]]]:
    if added_shape is None:
        raise ValueError("an add layer needs the shape of the layer it adds")
    if added_shape != in_shape:
        return None, [("add", f"cannot add '{spec.add_name}' ({added_shape}) to "
                              f"'{spec.input_name}' ({in_shape}): the shapes must be equal; a "
                              f"shortcut that changes the shape needs a projection (a 1x1 conv "
                              f"with the right stride and out_channels) first")]
    return _make(spec, in_shape, in_shape), []


def _make(spec: LayerSpec, in_shape: Shape, out_shape: Shape, *, fan_in: int = 0, macs: int = 0,
          weights: int = 0, biases: int = 0) -> Layer:
    inputs = (spec.input_name, spec.add_name) if spec.kind == "add" else (spec.input_name,)
    return Layer(name=spec.name, kind=spec.kind, index=spec.index, inputs=inputs,
                 in_shape=in_shape, out_shape=out_shape, kernel=spec.kernel, stride=spec.stride,
                 padding=spec.padding, groups=spec.groups,
                 out_channels=spec.out_channels or out_shape.channels,
                 activation=spec.activation, fan_in=fan_in, macs=macs, weights=weights,
                 biases=biases, comment=spec.comment)
