"""Fully connected layers under a crop: zero inputs and skippable crossbar row blocks.

An fc layer reading a spatial map flattens it to N = H*W*C inputs; inputs at cropped positions are
zero. The layer's weight matrix is cut into row blocks of `rows_per_array` consecutive flattened
inputs (one block per crossbar array row range); a block whose inputs are all cropped contributes
nothing, so its arrays are not activated (the seed).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from isaacsim.crop.vectors import parse_flatten
from isaacsim.crop.windows import Window, window_mask
from isaacsim.network.model import Shape


class RowBlocks(NamedTuple):
    """Row blocks of an fc layer that hold at least one active input, out of ``ceil(N / rows)``."""

    active: int
    total: int


def fc_input_mask(in_shape: Shape, win: Window, flatten: str = "position") -> np.ndarray:
    """Boolean vector of the N flattened inputs of an fc layer, True where the input is active.

    ``position``: index ``(h * W + w) * C + c`` (the C values of one position are consecutive).
    ``channel``: index ``(c * H + h) * W + w`` (each channel's map is consecutive).
    """
    return flat_mask(window_mask(in_shape.height, in_shape.width, win), in_shape.channels, flatten)


def flat_mask(active: np.ndarray, channels: int, flatten: str = "position") -> np.ndarray:
    """Boolean vector of the ``H x W x channels`` flattened inputs whose position is True in the
    ``(H, W)`` map `active`, in `flatten` order (see `fc_input_mask`)."""
    positions = np.asarray(active, dtype=bool).ravel()
    if parse_flatten(flatten) == "position":
        return np.repeat(positions, channels)
    return np.tile(positions, channels)


def row_block_mask(input_mask: np.ndarray, rows_per_array: int) -> np.ndarray:
    """Boolean vector over row blocks: True when the block holds at least one active input.

    The last block may be partial (N need not be a multiple of `rows_per_array`).
    """
    if rows_per_array < 1:
        raise ValueError(f"rows_per_array must be >= 1, got {rows_per_array}")
    n_inputs = input_mask.size
    n_blocks = -(-n_inputs // rows_per_array)
    padded = np.zeros(n_blocks * rows_per_array, dtype=bool)
    padded[:n_inputs] = input_mask
    return np.logical_or.reduce(padded.reshape(n_blocks, rows_per_array), axis=1)  # .any(axis=1)


def row_blocks(in_shape: Shape, win: Window, rows_per_array: int,
               flatten: str = "position") -> RowBlocks:
    """Active and total row blocks of an fc layer whose input map `in_shape` has window `win`."""
    blocks = row_block_mask(fc_input_mask(in_shape, win, flatten), rows_per_array)
    return RowBlocks(int(blocks.sum()), int(blocks.size))
