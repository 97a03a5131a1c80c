"""What each of the 16 crop vectors removes from a network: per-map masks and skipped MACs.

Both come from isaacsim's own crop code (`isaacsim.crop`), so the oracle's masks are the windows
``python -m isaacsim crop --json`` prints and the simulator skips, and the MACs it ranks vectors
by are the crossbar work the simulator leaves out (docs/oracle.md, "Masks").
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from isaacsim.crop import (
    ALL_VECTORS,
    crop_summary,
    fc_input_mask,
    removed_area_fraction,
    row_block_mask,
    window_mask,
    windows,
)
from isaacsim.network import Network

ROUNDING = "floor"
"""The simulator's default rounding of ``f * size`` (docs/crop-model.md)."""
FLATTEN = "position"
"""The simulator's default flatten order of a map read by an fc layer (docs/crop-model.md)."""


def map_masks(network: Network, fraction: Any) -> dict[str, np.ndarray]:
    """Map name (``input`` or a layer) -> float32 array ``[16, 1, H, W]``: 1 inside that map's
    window under each vector of `ALL_VECTORS` (in binary order), 0 outside. Maps of one size share
    one array (a window depends only on the map's height and width)."""
    per_vector = [windows(network, v, fraction, ROUNDING) for v in ALL_VECTORS]
    by_size: dict[tuple[int, int], np.ndarray] = {}
    out: dict[str, np.ndarray] = {}
    for name in per_vector[0]:
        shape = network.shape_of(name)
        size = (shape.height, shape.width)
        if size not in by_size:
            stack = np.stack([window_mask(*size, wins[name]) for wins in per_vector])
            by_size[size] = stack.astype(np.float32)[:, None, :, :]
        out[name] = by_size[size]
    return out


def skipped_macs(network: Network, fraction: Any, rows_per_array: int) -> tuple[int, ...]:
    """Crossbar MACs per image that each vector of `ALL_VECTORS` skips on `network`.

    A conv-like layer skips its MACs per output position (``macs / positions``) at every position
    outside its output window; an fc layer skips ``out_features`` MACs for every input row in a row
    block of `rows_per_array` rows that holds no active input (docs/crop-model.md, "Fully connected
    layers"). Layers without crossbars (pooling, adds) have no MACs.
    """
    out = []
    for vector in ALL_VECTORS:
        maps = {m.name: m for m in crop_summary(network, vector, fraction,
                                                rows_per_array=rows_per_array,
                                                rounding=ROUNDING, flatten=FLATTEN)}
        total = 0
        for layer in network.layers:
            if not layer.uses_crossbars:
                continue
            if layer.handler.skips_row_blocks:
                producer = layer.inputs[0]
                inputs = fc_input_mask(network.shape_of(producer), maps[producer].window, FLATTEN)
                blocks = row_block_mask(inputs, rows_per_array)
                rows = np.repeat(blocks, rows_per_array)[:inputs.size]
                total += int(np.count_nonzero(~rows)) * layer.out_channels
            else:
                m = maps[layer.name]
                total += (m.total_pixels - m.active_pixels) * (layer.macs // layer.output_pixels)
        out.append(total)
    return tuple(out)


def ranking(skipped: tuple[int, ...]) -> list[int]:
    """Vector indices, best first: most skipped MACs, then fewer cropped sides, then the lower
    binary index (the oracle's deterministic tie-break)."""
    return sorted(range(len(ALL_VECTORS)),
                  key=lambda i: (-skipped[i], ALL_VECTORS[i].cropped_sides, i))


def removed_area(fraction: Fraction) -> tuple[float, ...]:
    """Geometric share of the image each vector removes before rounding (docs/crop-model.md)."""
    return tuple(float(removed_area_fraction(v, fraction)) for v in ALL_VECTORS)
