"""The layer kinds of the crop predictor's digital stages (registered when this module is
imported; `isaacsim.predictor.network` builds the layers).

* ``grad_energy``: per pixel of the gradient convolution's output, the sum of its ``C`` absolute
  responses (``C - 1`` adds) and its accumulation into the running sums of the bands and the
  centre that hold it (at most 3: two side bands at a corner, or one band, or the centre): ``C +
  2`` operations of the tile's shift-and-add unit in the ``add`` stage. Output ``H x W x 1``.
* ``crop_decision``: one op per image reading the whole energy map (the receptive field of an fc
  layer: it waits for every pixel), comparing each side's sum with the threshold times the
  centre's (the band sizes are constants, folded into 4 fixed multipliers): 4 products and 4
  comparisons, 8 shift-and-add operations [U] (a product is a sequence of shift-and-adds: a lower
  bound, as for ``scale``). Output ``1 x 1 x 1``, the 4-bit vector.
* ``crop_gate``: the image as the network reads it, released when the decision exists. Its op for
  a pixel reads that pixel of the image and the decision (a broadcast edge, stride 0) and does no
  arithmetic (unit ``none``, the ``pool`` stage: a pure join at the default 0 cycles, as a
  concat). It runs at the host (`LayerKind.at_host`), which holds the image: the network's
  input pixels leave the host only after the decision, and only the active ones.

The predictor must keep the network's pace, image for image: the gate asks its decision input
for ``speedup`` times the pace of the network's first layer (its stride factor, default 1), the
other inputs have stride factor 1, so the ISAAC replication gives the gradient convolution
``speedup`` times the replication of the network's first layer (docs/predictor.md, "Mapping").
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from isaacsim.layers import LayerKind, LayerParser, get_kind, register
from isaacsim.layers.base import Problems
from isaacsim.network.model import Layer, Shape
from isaacsim.plan import Geometry
from isaacsim.validate import Bound

ACCUMULATIONS = 3
"""Running sums a pixel's energy is added to, at most (a corner pixel: two side bands; the
centre's pixels: the centre)."""
SPEEDUP = Bound("integer", 1, 4096, "times the pace of the network's first layer; at 4,096 VGG-16's "
                                   "predictor would need 3 million crossbar arrays, 30 times "
                                   "ISAAC-CE's network")
"""Range of the predictor's speedup (the gate's ``speedup``, the workload's
``predictor.speedup``)."""
DECISION_OPS = 8
"""Operations of the decision: 4 products (threshold x centre sum x band size ratio) and 4
comparisons."""


class GradEnergy(LayerKind):
    name = "grad_energy"
    digital_stage = "add"
    unit = "add"

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        return {"out_shape": Shape(in_shapes[0].height, in_shapes[0].width, 1)}, []

    def unit_ops(self, layer: Layer) -> int:
        return layer.in_shape.channels - 1 + ACCUMULATIONS


class CropDecision(LayerKind):
    name = "crop_decision"
    digital_stage = "add"
    unit = "add"

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        return {"out_shape": Shape(1, 1, 1)}, []

    def geometry(self, layer: Layer, src_shape: Shape) -> Geometry:
        return Geometry(src_shape.height, src_shape.width)  # the whole map, as an fc layer's

    def unit_ops(self, layer: Layer) -> int:
        return DECISION_OPS


class CropGate(LayerKind):
    name = "crop_gate"
    keys = frozenset({"decision", "speedup"})
    keeps_sign = True
    digital_stage = "pool"
    unit = "none"
    at_host = True

    def parse(self, p: LayerParser) -> dict[str, Any]:
        return {"inputs": (p.reference("decision", required=True),),
                "speedup": p.bounded("speedup", SPEEDUP, default=1)}

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        image, decision = in_shapes
        if decision.pixels != 1:
            return {}, [("decision", f"the decision must be a 1x1 map, got {decision}")]
        return {"out_shape": image}, []

    def geometry(self, layer: Layer, src_shape: Shape) -> Geometry:
        if src_shape.pixels == 1 and layer.in_shape.pixels > 1:
            return Geometry(1, 1, 0, 0)  # the decision: every pixel reads its only pixel
        return Geometry(1, 1)

    def stride_factor(self, layer: Layer, source: int = 0) -> Fraction:
        """The decision must come `speedup` times faster than the image is read (1 for the
        image)."""
        return Fraction(layer.params.get("speedup", 1)) if source == 1 else Fraction(1)


KINDS = (GradEnergy(), CropDecision(), CropGate())
for _kind in KINDS:
    try:
        get_kind(_kind.name)
    except KeyError:
        register(_kind)
