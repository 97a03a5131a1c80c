"""``add``: the residual sum of two maps of equal shape, run by the tile's shift-and-add units.

Format: ``add`` (the earlier layer whose output is added to the one read through ``input``),
``activation``. An op adds C value pairs; in ISAAC it takes the ``add`` stage (timing-model s4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from isaacsim.layers.base import LayerKind, Problems
from isaacsim.layers.parse import LayerParser
from isaacsim.network.model import Layer, Shape


class Add(LayerKind):
    name = "add"
    keys = frozenset({"add", "activation"})
    digital_stage = "add"
    unit = "add"

    def parse(self, p: LayerParser) -> dict[str, Any]:
        return {"inputs": (p.reference("add", required=True),), "activation": p.activation()}

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        (read, read_shape), (added, added_shape) = zip(fields["inputs"], in_shapes)
        if added_shape != read_shape:
            return {}, [("add", f"cannot add '{added}' ({added_shape}) to '{read}' ({read_shape}): "
                                f"the shapes must be equal; a shortcut that changes the shape needs "
                                f"a projection (a 1x1 conv with the right stride and out_channels) "
                                f"first")]
        return {"out_shape": read_shape}, []

    def unit_ops(self, layer: Layer) -> int:
        return layer.out_shape.channels


KIND = Add()
