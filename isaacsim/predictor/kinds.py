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

The predictor must keep the network's pace, image for image, so every input of these kinds has
stride factor 1: the ISAAC replication gives the gradient convolution the replication of the
network's first layer (docs/predictor.md, "Mapping").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from isaacsim.layers import LayerKind, LayerParser, get_kind, register
from isaacsim.layers.base import Problems
from isaacsim.network.model import Layer, Shape
from isaacsim.plan import Geometry

ACCUMULATIONS = 3
"""Running sums a pixel's energy is added to, at most (a corner pixel: two side bands; the
centre's pixels: the centre)."""
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
    keys = frozenset({"decision"})
    keeps_sign = True
    digital_stage = "pool"
    unit = "none"
    at_host = True

    def parse(self, p: LayerParser) -> dict[str, Any]:
        return {"inputs": (p.reference("decision", required=True),)}

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


KINDS = (GradEnergy(), CropDecision(), CropGate())
for _kind in KINDS:
    try:
        get_kind(_kind.name)
    except KeyError:
        register(_kind)
