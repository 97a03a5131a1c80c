"""`LayerKind`: everything the simulator knows about one kind of layer, in one object.

A kind says how a layer of that kind is written in a network file (`keys`, `parse`), what shape it
produces and how much work it is (`infer`), how its weights occupy the machine (`crossbar`,
`buffer_values`, `windowed`), how it lowers to the timing plan (`geometry`, `digital_stage`), which
events its ops cause (`skips_row_blocks`, `unit`, `unit_ops`) and how the functional model samples
it (`keeps_sign`, `sampled_outputs`, `im2col`, `weight_shapes`). Every method is target neutral:
a target (today ISAAC, `isaacsim.targets.isaac`) turns these answers into arrays, nodes, edges and
event coefficients.

The built-in kinds are modules of this package (conv, fc, maxpool/avgpool/globalavgpool, add,
concat); a new kind is one subclass registered with `isaacsim.layers.register`
(docs/network-format.md, "Adding a layer kind").
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from isaacsim.plan import Geometry

if TYPE_CHECKING:
    from isaacsim.layers.parse import LayerParser
    from isaacsim.network.model import Layer, Shape

Problems = list[tuple[str, str]]
"""``(field, message)`` pairs; `field` is the JSON key the message is about (``""``: the layer)."""


class LayerKind:
    """Base class of layer kinds. Subclasses set `name` and override what differs."""

    name: str = ""
    """The ``kind`` string of the network format."""
    keys: frozenset[str] = frozenset()
    """JSON keys of this kind besides ``name``, ``kind``, ``input`` and ``comment``."""
    crossbar: bool = False
    """Its weights form a matrix [fan_in, out_channels / groups] per group that the target stores
    (ISAAC: in crossbar arrays); ops are matrix-vector products. False: a digital layer run by the
    tile's units."""
    windowed: bool = False
    """Its output pixel reads a sliding window (kernel, stride, padding) of its input map; the
    replication policy speeds up its producers by its stride."""
    skips_row_blocks: bool = False
    """A crossbar kind whose op reads only the blocks of weight rows with an active input (an fc
    layer under a crop); False: every op reads every row block."""
    keeps_sign: bool = False
    """It applies no activation, so its output is non-negative exactly when all its inputs are
    (pooling, concat)."""
    digital_stage: str = ""
    """Digital kinds: the stage of the target's pipeline its op takes (ISAAC: ``pool`` or ``add``,
    timing-model s4)."""
    unit: str = ""
    """Digital kinds: the tile unit that does its work (ISAAC: ``pool``, ``add``, or ``none`` for a
    kind that only moves data, such as concat: no unit operations)."""
    at_host: bool = False
    """Digital kinds: its ops run at the host, with the image source, off chip (the crop
    predictor's gate, which holds the image until the decision; isaacsim.predictor.kinds)."""

    # -- the network format -----------------------------------------------------------------------
    def parse(self, p: LayerParser) -> dict[str, Any]:
        """The kind's fields read from the layer's JSON object through `p` (which records problems
        and returns ``None`` for a bad value): a dict of `Layer` field values, plus ``"inputs"``
        for producers beyond the first. Values may be ``None`` where a problem was recorded."""
        return {}

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]) -> tuple[dict[str, Any],
                                                                                     Problems]:
        """Output shape and work of a layer with `fields` reading maps of `in_shapes` (one per
        producer, first producer first): a dict with ``out_shape`` and, for crossbar kinds,
        ``fan_in``, ``macs``, ``weights``, ``biases``; or problems when the shapes are impossible."""
        raise NotImplementedError(f"layer kind {self.name!r} does not infer shapes")

    # -- mapping -------------------------------------------------------------------------------------
    def buffer_values(self, layer: Layer) -> int:
        """Input values a crossbar layer must hold to run (its rolling input buffer)."""
        raise NotImplementedError(f"layer kind {self.name!r} has no input buffer")

    def stride_factor(self, layer: Layer, source: int = 0) -> Fraction:
        """How many times faster than this layer its producer on input `source` (an index into
        `layer.inputs`) must produce pixels (ISAAC replication): the stride product of a windowed
        kind, else 1."""
        return Fraction(layer.stride[0] * layer.stride[1] if self.windowed else 1)

    # -- lowering ------------------------------------------------------------------------------------
    def geometry(self, layer: Layer, src_shape: Shape) -> Geometry:
        """Receptive field of an output pixel on an input map of `src_shape` (plan.Geometry)."""
        if self.windowed:
            (kh, kw), (sh, sw), (ph, pw) = layer.kernel, layer.stride, layer.padding
            return Geometry(kh, kw, sh, sw, ph, pw)
        return Geometry(1, 1)

    # -- events ---------------------------------------------------------------------------------------
    def unit_ops(self, layer: Layer) -> int:
        """Digital kinds: operations of `unit` per op (per output pixel)."""
        return 0

    # -- the functional model -------------------------------------------------------------------------
    def sampled_outputs(self, layer: Layer, pixels: int) -> int:
        """Output positions the numerics study samples when asked for `pixels` per map."""
        return min(pixels, layer.out_shape.pixels)

    def sample_positions(self, layer: Layer, rng: np.random.Generator, pixels: int) -> np.ndarray:
        """Raster indices of the output positions the numerics study samples: `sampled_outputs`
        of them drawn uniformly without replacement, sorted."""
        total = layer.out_shape.pixels
        return np.sort(rng.choice(total, size=self.sampled_outputs(layer, pixels), replace=False))

    def im2col(self, layer: Layer, fmap: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Rows [len(positions), groups, fan_in] of the weight matrix's input for the output
        `positions` (raster indices) of input map `fmap` [H, W, C]."""
        raise NotImplementedError(f"layer kind {self.name!r} has no weight matrix")

    def weight_shapes(self, layer: Layer) -> tuple[tuple[int, ...], ...]:
        """Array shapes a user's weights file may give for the layer (numerics)."""
        return ((layer.fan_in, layer.out_channels),)

    def __repr__(self) -> str:
        return f"<layer kind {self.name!r}>"
