"""``scale``: a map multiplied channel by channel by a vector (the excitation of a
squeeze-and-excitation block: EfficientNet, MobileNetV3).

Format: ``scale``, the earlier layer whose ``1 x 1 x C`` output scales the map read through
``input`` (``H x W x C``); the output is ``H x W x C``. A digital kind: an op multiplies the ``C``
values of one pixel by the vector, read from the vector's only pixel (a broadcast edge, stride 0),
counted as ``C`` operations of the tile's shift-and-add unit in the ``add`` stage [U] (ISAAC has no
multiplier in a tile; a 16 x 16-bit product is a sequence of shift-and-adds that the add stage's
one cycle does not cover: the cost is a lower bound).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from isaacsim.layers.base import LayerKind, Problems
from isaacsim.layers.parse import LayerParser
from isaacsim.network.model import Layer, Shape
from isaacsim.plan import Geometry


class Scale(LayerKind):
    name = "scale"
    keys = frozenset({"scale"})
    digital_stage = "add"
    unit = "add"

    def parse(self, p: LayerParser) -> dict[str, Any]:
        return {"inputs": (p.reference("scale", required=True),)}

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        (_, shape), (vector, v) = zip(fields["inputs"], in_shapes)
        if (v.height, v.width, v.channels) != (1, 1, shape.channels):
            return {}, [("scale", f"'{vector}' ({v}) must be a 1x1x{shape.channels} vector: one "
                                  f"factor per channel of the map it scales ({shape})")]
        return {"out_shape": shape}, []

    def geometry(self, layer: Layer, src_shape: Shape) -> Geometry:
        if src_shape.height == 1 and src_shape.width == 1 and layer.in_shape.pixels > 1:
            return Geometry(1, 1, 0, 0)  # the vector: every pixel reads its only pixel
        return Geometry(1, 1)

    def stride_factor(self, layer: Layer, source: int = 0) -> Fraction:
        """The vector is read once for all the map's pixels: its producer runs `H x W` times
        slower than this layer (1 for the map)."""
        return Fraction(1, layer.in_shape.pixels) if source == 1 else Fraction(1)

    def unit_ops(self, layer: Layer) -> int:
        return layer.out_shape.channels


KIND = Scale()
