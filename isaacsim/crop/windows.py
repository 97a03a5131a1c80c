"""Active windows of feature maps under a crop ("scale feature maps proportionally").

For a map of H rows and W columns and crop fraction f, ``c = crop_margin(H, f)`` rows are removed
at the top if TOP is set and at the bottom if BOTTOM is set; likewise columns with W for LEFT and
RIGHT (the seed). Every layer's window is computed from its own output map, so
strided layers, pooling and residual adds all follow the same proportional rule.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from isaacsim.crop.vectors import DEFAULT_FRACTION, CropVector, parse_fraction, parse_rounding, parse_vector
from isaacsim.network.model import IMAGE, Network


class Window(NamedTuple):
    """Half-open active window ``rows [row_start, row_stop) x cols [col_start, col_stop)``."""

    row_start: int
    row_stop: int
    col_start: int
    col_stop: int

    @property
    def rows(self) -> tuple[int, int]:
        return (self.row_start, self.row_stop)

    @property
    def cols(self) -> tuple[int, int]:
        return (self.col_start, self.col_stop)

    @property
    def height(self) -> int:
        return self.row_stop - self.row_start

    @property
    def width(self) -> int:
        return self.col_stop - self.col_start

    @property
    def pixels(self) -> int:
        """Active spatial positions (each with all its channels)."""
        return self.height * self.width

    def contains(self, other: Window) -> bool:
        """True when `other` lies inside this window."""
        return (self.row_start <= other.row_start and other.row_stop <= self.row_stop
                and self.col_start <= other.col_start and other.col_stop <= self.col_stop)


def crop_margin(size: int, fraction: Any = DEFAULT_FRACTION, rounding: str = "floor") -> int:
    """Rows (or columns) removed from one cropped side of a map `size` long.

    ``floor``: ``floor(f * size)`` (the default, the seed). ``nearest``:
    ``floor(f * size + 1/2)``. Either is capped at ``(size - 1) // 2`` so that cropping both
    opposite sides leaves at least one row; the cap never binds for ``floor`` because f < 1/2.
    """
    if size < 1:
        raise ValueError(f"map size must be >= 1, got {size}")
    f = parse_fraction(fraction)
    if parse_rounding(rounding) == "floor":
        margin = f.numerator * size // f.denominator
    else:
        margin = (2 * f.numerator * size + f.denominator) // (2 * f.denominator)
    return min(margin, (size - 1) // 2)


def window(height: int, width: int, vector: str | CropVector, fraction: Any = DEFAULT_FRACTION,
           rounding: str = "floor") -> Window:
    """The active window of a `height` x `width` map under `vector` and `fraction`."""
    v = parse_vector(vector)
    row_margin = crop_margin(height, fraction, rounding)
    col_margin = crop_margin(width, fraction, rounding)
    return Window(row_margin if v.top else 0, height - row_margin if v.bottom else height,
                  col_margin if v.left else 0, width - col_margin if v.right else width)


def windows(network: Network, vector: str | CropVector, fraction: Any = DEFAULT_FRACTION,
            rounding: str = "floor") -> dict[str, Window]:
    """Window of the input image (key ``"input"``) and of every layer's output map, in order.

    Fc outputs are 1 x 1 maps, which the rule never crops.
    """
    v = parse_vector(vector)
    f = parse_fraction(fraction)
    parse_rounding(rounding)
    shape = network.input_shape
    out = {IMAGE: window(shape.height, shape.width, v, f, rounding)}
    for layer in network.layers:
        out[layer.name] = window(layer.out_shape.height, layer.out_shape.width, v, f, rounding)
    return out


def window_mask(height: int, width: int, win: Window) -> np.ndarray:
    """Boolean ``(height, width)`` array, True at the active positions of `win`."""
    mask = np.zeros((height, width), dtype=bool)
    mask[win.row_start:win.row_stop, win.col_start:win.col_stop] = True
    return mask
