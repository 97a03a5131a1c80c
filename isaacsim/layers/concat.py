"""``concat``: maps of equal height and width joined along their channels (Inception, DenseNet).

Format: ``inputs``, a non-empty list of earlier layers (or ``input`` for the image) joined after
the map read through ``input`` (the previous layer by default): ``{"kind": "concat", "input": "a",
"inputs": ["b", "c"]}`` gives ``H x W x (C_a + C_b + C_c)``, channels in that order. Names may
repeat. There is no ``activation``: a concat only moves data. Every input must have the same
height and width.

A concat is a digital kind that does no arithmetic: its producers' outputs are written side by
side into the eDRAM of its consumers, so it names no unit (``unit = "none"``: no unit operations
and no eDRAM reads of its own), and it counts only the eDRAM writes of its output pixels (``C x 2``
bytes per crossbar consumer) and their transfers. Its op, one per active output pixel, is ready
when that pixel of every input is (a 1x1 receptive field on each input edge). In ISAAC it takes
the ``pool`` stage, whose default of 0 cycles (``timing.pool_cycles``) makes it a pure join: the
pixel is ready for its consumers as if its producers had written into their buffer directly
(timing-model s8) [U].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from isaacsim.layers.base import LayerKind, Problems
from isaacsim.layers.parse import LayerParser
from isaacsim.network.model import Shape
from isaacsim.network.shapes import CHANNELS
from isaacsim.validate import Bound, number_text

INPUTS = Bound("integer", 1, 4096, "Inception modules join 4 branches, DenseNet blocks up to 64 "
                                   "maps; 4,096 is the most layers a network may have")
"""Names in a concat's ``inputs`` list."""


class Concat(LayerKind):
    name = "concat"
    keys = frozenset({"inputs"})
    keeps_sign = True
    digital_stage = "pool"
    unit = "none"

    def parse(self, p: LayerParser) -> dict[str, Any]:
        names = p.references("inputs", INPUTS)
        return {"inputs": (None,) if names is None else names}  # None: the problem is recorded

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        names = fields["inputs"]
        first, size = names[0], in_shapes[0][:2]
        problems: Problems = [
            (f"inputs[{i - 1}]", f"cannot join '{name}' ({shape}) to '{first}' ({in_shapes[0]}): "
                                 f"every input of a concat needs the same height and width "
                                 f"({size[0]}x{size[1]}); resize with a pool or a strided conv "
                                 f"first")
            for i, (name, shape) in enumerate(zip(names, in_shapes)) if i and shape[:2] != size]
        channels = sum(shape.channels for shape in in_shapes)
        if channels > CHANNELS.limit:
            problems.append(("inputs", f"the joined map would have {channels:,} channels, more "
                                       f"than the {number_text(CHANNELS.limit)} accepted "
                                       f"({CHANNELS.reason})"))
        if problems:
            return {}, problems
        return {"out_shape": Shape(size[0], size[1], channels)}, []


KIND = Concat()
