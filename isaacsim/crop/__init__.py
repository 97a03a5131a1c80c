"""Activation cropping (AQuA): crop vectors, per-map active windows and fc row blocks.

Semantics follow the seed and are documented in ``docs/crop-model.md``. Public
API::

    parse_vector("1011") -> CropVector; ALL_VECTORS (16, binary order); NO_CROP
    parse_fraction(0.25 | "1/8") -> Fraction in (0, 1/2); DEFAULT_FRACTION = 1/4
    removed_area_fraction(vector, fraction) -> Fraction
    crop_margin(size, fraction, rounding) -> int
    window(H, W, vector, fraction, rounding) -> Window (r0, r1, c0, c1), half-open
    windows(network, vector, fraction, rounding) -> {"input" | layer name: Window}
    window_mask(H, W, window) -> bool array (H, W)
    fc_input_mask(in_shape, window, flatten) -> bool array (N,)
    row_block_mask(input_mask, rows_per_array) -> bool array (ceil(N / rows),)
    row_blocks(in_shape, window, rows_per_array, flatten) -> RowBlocks(active, total)
    crop_summary(network, vector, fraction, rows_per_array=..., ...) -> tuple[MapCrop, ...]
"""

from isaacsim.crop.fc import RowBlocks, fc_input_mask, row_block_mask, row_blocks
from isaacsim.crop.summary import MapCrop, crop_summary
from isaacsim.crop.vectors import (
    ALL_VECTORS,
    DEFAULT_FRACTION,
    FLATTEN_ORDERS,
    NO_CROP,
    ROUNDINGS,
    SIDES,
    CropVector,
    parse_flatten,
    parse_fraction,
    parse_rounding,
    parse_vector,
    removed_area_fraction,
)
from isaacsim.crop.windows import Window, crop_margin, window, window_mask, windows

__all__ = ["ALL_VECTORS", "DEFAULT_FRACTION", "FLATTEN_ORDERS", "NO_CROP", "ROUNDINGS", "SIDES",
           "CropVector", "MapCrop", "RowBlocks", "Window", "crop_margin", "crop_summary",
           "fc_input_mask", "parse_flatten", "parse_fraction", "parse_rounding", "parse_vector",
           "removed_area_fraction", "row_block_mask", "row_blocks", "window", "window_mask",
           "windows"]
