"""``maxpool`` and ``avgpool``: windowed reductions run by the tile's pooling unit.

Format: ``kernel``, ``stride`` (= kernel), ``padding`` (0, at most half the kernel). The output
keeps the input's channels. An op does ``K_h x K_w x C`` comparisons or additions; in ISAAC it
takes the ``pool`` stage (timing-model s4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from isaacsim.layers.base import LayerKind, Problems
from isaacsim.layers.parse import LayerParser
from isaacsim.layers.window import parse_window, spatial_out, window_problems
from isaacsim.network.model import Layer, Shape


class Pool(LayerKind):
    keys = frozenset({"kernel", "stride", "padding"})
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
        return fields

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
