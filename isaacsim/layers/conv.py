"""``conv``: a (grouped) convolution whose weights the target stores as matrices.

Format: ``kernel``, ``stride`` (1), ``padding`` (0), ``out_channels``, ``groups`` (1),
``activation``, ``ceil_mode`` (false: as for pooling, the output size rounds up, the last window
reaching up to a stride - 1 past the padded map, where it reads zeros; TensorFlow's SAME padding
of a strided convolution, one more row or column after the map than before it, is ``padding``
before plus ``ceil_mode``). A layer with ``groups`` groups is ``groups`` independent matrices of ``fan_in =
K_h * K_w * C_in / groups`` rows by ``C_out / groups`` columns. Its rolling input buffer holds
``padded W_in * (K_h - 1) + K_w`` pixels of ``C_in`` values (the ISAAC paper).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from isaacsim.layers.base import LayerKind, Problems
from isaacsim.layers.parse import LayerParser
from isaacsim.layers.window import parse_window, spatial_out, window_problems
from isaacsim.network.model import Layer, Shape
from isaacsim.network.shapes import CHANNELS, GROUPS


class Conv(LayerKind):
    name = "conv"
    keys = frozenset({"kernel", "stride", "padding", "out_channels", "groups", "activation",
                      "ceil_mode"})
    crossbar = True
    windowed = True

    def parse(self, p: LayerParser) -> dict[str, Any]:
        fields = {**parse_window(p, default_stride_is_kernel=False),
                  "out_channels": p.bounded("out_channels", CHANNELS),
                  "groups": p.bounded("groups", GROUPS, default=1),
                  "activation": p.activation()}
        ceil = p.boolean("ceil_mode", default=False)
        return {**fields, "ceil_mode": ceil} if ceil else fields

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        in_shape = in_shapes[0]
        problems = window_problems(fields, in_shape)
        g, out_c = fields["groups"], fields["out_channels"]
        if in_shape.channels % g:
            problems.append(("groups", f"the input has {in_shape.channels} channels, which "
                                       f"{g} groups do not divide evenly"))
        if out_c % g:
            problems.append(("groups", f"out_channels {out_c} is not divisible by groups {g}"))
        if problems:
            return {}, problems
        out = spatial_out(fields, in_shape, out_c)
        fan_in = fields["kernel"][0] * fields["kernel"][1] * in_shape.channels // g
        weights = fan_in * out_c
        return {"out_shape": out, "fan_in": fan_in, "macs": out.pixels * weights,
                "weights": weights, "biases": out_c}, []

    def buffer_values(self, layer: Layer) -> int:
        kh, kw = layer.kernel
        padded_width = layer.in_shape.width + 2 * layer.padding[1]
        return (padded_width * (kh - 1) + kw) * layer.in_shape.channels

    def im2col(self, layer: Layer, fmap: np.ndarray, positions: np.ndarray) -> np.ndarray:
        (kh, kw), (sh, sw), (ph, pw) = layer.kernel, layer.stride, layer.padding
        out_h, out_w = layer.out_shape.height, layer.out_shape.width
        # zeros after the map for the last windows of ceil_mode (none otherwise)
        end_h = max((out_h - 1) * sh + kh - fmap.shape[0] - 2 * ph, 0)
        end_w = max((out_w - 1) * sw + kw - fmap.shape[1] - 2 * pw, 0)
        padded = np.pad(fmap, ((ph, ph + end_h), (pw, pw + end_w), (0, 0)))
        per_group = fmap.shape[2] // layer.groups
        rows = np.empty((len(positions), layer.groups, layer.fan_in))
        for n, pos in enumerate(positions):
            oy, ox = divmod(int(pos), layer.out_shape.width)
            patch = padded[oy * sh:oy * sh + kh, ox * sw:ox * sw + kw, :]
            for g in range(layer.groups):
                rows[n, g] = patch[:, :, g * per_group:(g + 1) * per_group].reshape(-1)
        return rows

    def weight_shapes(self, layer: Layer) -> tuple[tuple[int, ...], ...]:
        """HWIO ``(kh, kw, C_in / groups, C_out)`` or the matrix ``(fan_in, C_out)``."""
        kh, kw = layer.kernel
        return ((kh, kw, layer.fan_in // (kh * kw), layer.out_channels),
                (layer.fan_in, layer.out_channels))


KIND = Conv()
