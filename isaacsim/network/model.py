"""Immutable network model: `Shape`, `Layer` and `Network`.

Objects here are built only by `isaacsim.network.load` (from a JSON file or a dict), after every
field has been validated and every shape inferred; they are never modified afterwards.

Counting conventions (documented in ``docs/network-format.md``):

* ``macs``: multiply-accumulates done on crossbars, i.e. by conv and fc layers only. Pooling and
  residual adds run in the tile's digital units and count 0 MACs.
* ``weights``: crossbar-resident weights, ``fan_in * out_channels`` for conv and fc.
* ``biases``: one per output channel of every conv and fc layer (a batch normalisation that
  follows a conv folds into that conv's weights and bias at inference, so networks are described
  without it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from isaacsim.validate import did_you_mean

if TYPE_CHECKING:
    from isaacsim.layers import LayerKind

ACTIVATIONS = ("relu", "sigmoid", "none", "relu6", "hardswish", "hardsigmoid", "tanh", "silu")
"""Activation functions applied by the tile's activation (sigmoid) unit, one unit op per output
value whichever it is (docs/energy-model.md)."""

IMAGE = "input"
"""Reserved name of the network's input image, usable wherever a layer name is expected."""


class Shape(NamedTuple):
    """A feature map (or the input image): height x width x channels, in values."""

    height: int
    width: int
    channels: int

    @property
    def pixels(self) -> int:
        """Spatial positions, height * width."""
        return self.height * self.width

    @property
    def values(self) -> int:
        """All values of the map, height * width * channels (an fc layer's flattened size)."""
        return self.height * self.width * self.channels

    def __str__(self) -> str:
        return f"{self.height}x{self.width}x{self.channels}"


@dataclass(frozen=True)
class Layer:
    """One layer with its inferred shapes and its per-image work.

    Spatial parameters are ``(height, width)`` pairs. Layers without a spatial window (fc, add)
    carry the neutral values kernel ``(1, 1)``, stride ``(1, 1)``, padding ``(0, 0)``.
    """

    name: str
    kind: str
    """The name of a registered layer kind (`isaacsim.layers`)."""
    index: int
    """Position in the network's layer list, from 0."""
    inputs: tuple[str, ...]
    """Producer layer names (`IMAGE` for the input image). An add layer has two: the layer it reads
    (``input``) first, then the layer it adds (``add``)."""
    in_shape: Shape
    """Shape of the first producer's output (for fc, the map that is flattened)."""
    out_shape: Shape
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    groups: int = 1
    out_channels: int = 0
    """Output channels (conv), units (fc), or the passed-through channel count (pool, add)."""
    activation: str = "none"
    """One of `ACTIVATIONS`, applied after the layer (after the sum, for add)."""
    fan_in: int = 0
    """Crossbar rows one output needs: kh*kw*C_in/groups (conv), H*W*C of the input (fc); 0 for
    layers without crossbars."""
    macs: int = 0
    """Crossbar multiply-accumulates per image."""
    weights: int = 0
    biases: int = 0
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)
    """Fields of a layer kind that `Layer` has no attribute for (plug-in kinds)."""
    comment: str = field(default="", compare=False)

    @property
    def handler(self) -> LayerKind:
        """The layer's kind: what isaacsim knows about layers of this kind."""
        from isaacsim.layers.registry import get_kind  # the kinds import this module
        return get_kind(self.kind)

    @property
    def uses_crossbars(self) -> bool:
        """True when the layer's weights form matrices the target stores (conv and fc)."""
        return self.handler.crossbar

    @property
    def output_pixels(self) -> int:
        """Spatial positions of the output map (1 for fc)."""
        return self.out_shape.pixels


@dataclass(frozen=True)
class Network:
    """A validated network: its input shape and its layers in execution order."""

    name: str
    source: str
    """Citation of where the network's structure comes from (free text)."""
    input_shape: Shape
    layers: tuple[Layer, ...]
    origin: str = field(default="", compare=False)
    """The file or built-in name it was loaded from, for messages."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {layer.name: layer for layer in self.layers})

    def layer(self, name: str) -> Layer:
        """The layer called `name`; `KeyError` naming close matches when there is none."""
        try:
            return self._by_name[name]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"network '{self.name}' has no layer '{name}'"
                           f"{did_you_mean(name, self._by_name)}") from None  # type: ignore[attr-defined]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]

    def shape_of(self, name: str) -> Shape:
        """Output shape of layer `name`, or the input shape for `IMAGE`."""
        return self.input_shape if name == IMAGE else self.layer(name).out_shape

    def consumers(self, name: str) -> tuple[Layer, ...]:
        """Layers that read the output of `name` (a layer name or `IMAGE`), in order."""
        return tuple(layer for layer in self.layers if name in layer.inputs)

    @property
    def macs(self) -> int:
        """Crossbar multiply-accumulates per image, all layers."""
        return sum(layer.macs for layer in self.layers)

    @property
    def weights(self) -> int:
        return sum(layer.weights for layer in self.layers)

    @property
    def biases(self) -> int:
        return sum(layer.biases for layer in self.layers)
