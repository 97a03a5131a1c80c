"""``fc``: a fully connected layer, one weight matrix over its whole flattened input map.

Format: ``out_features``, ``activation``. ``fan_in = H * W * C`` of the input; the output is a
1 x 1 map of ``out_features`` channels. Its receptive field is the whole input map, its input
buffer the whole map, and under a crop an op reads only the row blocks of its matrix that hold an
active input (the seed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from isaacsim.layers.base import LayerKind, Problems
from isaacsim.layers.parse import LayerParser
from isaacsim.network.model import Layer, Shape
from isaacsim.network.shapes import FEATURES
from isaacsim.plan import Geometry


class FullyConnected(LayerKind):
    name = "fc"
    keys = frozenset({"out_features", "activation"})
    crossbar = True
    skips_row_blocks = True

    def parse(self, p: LayerParser) -> dict[str, Any]:
        return {"out_channels": p.bounded("out_features", FEATURES), "activation": p.activation()}

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        fan_in = in_shapes[0].values
        out_c = fields["out_channels"]
        weights = fan_in * out_c
        return {"out_shape": Shape(1, 1, out_c), "fan_in": fan_in, "macs": weights,
                "weights": weights, "biases": out_c}, []

    def buffer_values(self, layer: Layer) -> int:
        return layer.in_shape.values

    def geometry(self, layer: Layer, src_shape: Shape) -> Geometry:
        return Geometry(src_shape.height, src_shape.width)

    def sampled_outputs(self, layer: Layer, pixels: int) -> int:
        return 1

    def sample_positions(self, layer: Layer, rng: np.random.Generator, pixels: int) -> np.ndarray:
        """The one output position; nothing is drawn."""
        return np.zeros(1, dtype=np.int64)

    def im2col(self, layer: Layer, fmap: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The whole map flattened position-major (h, w, c), one row."""
        return fmap.reshape(1, 1, -1)


KIND = FullyConnected()
