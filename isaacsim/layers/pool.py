"""``maxpool``, ``avgpool`` and ``globalavgpool``: windowed reductions run by the tile's pooling
unit.

Format: ``kernel``, ``stride`` (= kernel), ``padding`` (0, at most half the kernel), ``ceil_mode``
(false: the output size rounds down, as a conv's by default; true: up, as PyTorch's and ONNX's
``ceil_mode``, the last window then reaching past the map and reading only the pixels inside it).
The output keeps the input's channels. An op does ``K_h x K_w x C`` comparisons or additions; in ISAAC it
takes the ``pool`` stage (timing-model s4).

``globalavgpool`` has no keys: it is an ``avgpool`` whose kernel (and stride) is its input's height
and width, without padding, so its output is ``1 x 1 x C`` and its one op adds ``H x W x C``
values. Its kernel is not held to the 64 of ``kernel`` (like an fc layer, its receptive field is
the whole input map).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from isaacsim.layers.base import LayerKind, Problems
from isaacsim.layers.parse import LayerParser
from isaacsim.layers.window import parse_window, spatial_out, window_problems
from isaacsim.network.model import Layer, Shape


class Pool(LayerKind):
    keys = frozenset({"kernel", "stride", "padding", "ceil_mode"})
    windowed = True
    keeps_sign = True
    digital_stage = "pool"
    unit = "pool"

    def __init__(self, name: str):
        self.name = name

    def parse(self, p: LayerParser) -> dict[str, Any]:
        fields = parse_window(p, default_stride_is_kernel=True)
        kernel, padding = fields["kernel"], fields["padding"]
        if kernel and padding and any(2 * pad > k for k, pad in zip(kernel, padding)):
            p.add("padding", f"padding {padding[0]}x{padding[1]} is more than half the kernel "
                             f"{kernel[0]}x{kernel[1]}: some pooling windows would hold only padding")
        ceil = p.boolean("ceil_mode", default=False)
        return {**fields, "ceil_mode": ceil} if ceil else fields

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        problems = window_problems(fields, in_shapes[0])
        if problems:
            return {}, problems
        return {"out_shape": spatial_out(fields, in_shapes[0], in_shapes[0].channels)}, []

    def unit_ops(self, layer: Layer) -> int:
        return layer.kernel[0] * layer.kernel[1] * layer.out_shape.channels


MAX = Pool("maxpool")
AVG = Pool("avgpool")


class GlobalPool(Pool):
    """A pool whose window is its whole input map (``globalavgpool``): no keys; `infer` sets the
    kernel and the stride to the input's height and width, padding 0."""

    keys = frozenset()

    def parse(self, p: LayerParser) -> dict[str, Any]:
        return {}

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        size = (in_shapes[0].height, in_shapes[0].width)
        window = {"kernel": size, "stride": size, "padding": (0, 0)}
        shape, problems = super().infer(window, in_shapes)
        return ({**shape, **window} if shape else {}), problems


GLOBAL_AVG = GlobalPool("globalavgpool")
