"""How weights are stored in crossbar cells and how integer arrays are checked against bit widths.

`encode_weights` applies the offset encoding (add 2^(weight_bits - 1)), cuts every stored weight
into `slices` cells of `cell_bits` over adjacent columns (slice k holds bits k*cell_bits ..) and,
with the flip encoding, complements every array column whose slices sum to more than half the
largest possible sum (the ISAAC paper). Pure numpy; docs/functional-model.md sections 2 and 3.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from isaacsim.errors import Problem
from isaacsim.functional.options import DatapathOptions


def encode_weights(weights: np.ndarray, opts: DatapathOptions) -> tuple[np.ndarray, np.ndarray]:
    """Stored cells and flip flags of a signed int64 matrix [rows_total, outputs].

    Returns ``cells`` int64 [rows_total, outputs * slices] (column j * slices + k holds slice k of
    output j, complemented where flipped) and ``flipped`` int64 [row_blocks, outputs * slices]
    (1 where the column of that row block's array stores complemented slices).
    """
    n_rows, n_out = weights.shape
    cell_max = (1 << opts.cell_bits) - 1
    stored = weights.astype(np.int64) + (1 << (opts.weight_bits - 1))
    shifts = np.arange(opts.slices, dtype=np.int64) * opts.cell_bits
    cells = ((stored[:, :, None] >> shifts) & cell_max).reshape(n_rows, n_out * opts.slices)
    n_blocks = -(-n_rows // opts.rows)
    if not opts.flip_encoding:
        return np.ascontiguousarray(cells), np.zeros((n_blocks, cells.shape[1]), np.int64)
    padded = np.zeros((n_blocks * opts.rows, cells.shape[1]), np.int64)
    padded[:n_rows] = cells
    blocks = padded.reshape(n_blocks, opts.rows, cells.shape[1])
    # flip when a column's slices sum to more than half of rows x (2^w - 1), its largest sum
    flipped = 2 * blocks.sum(axis=1) > opts.rows * cell_max
    blocks = np.where(flipped[:, None, :], cell_max - blocks, blocks)
    cells = blocks.reshape(n_blocks * opts.rows, -1)[:n_rows]
    return np.ascontiguousarray(cells), flipped.astype(np.int64)


def check_range(values: np.ndarray, bits: int, name: str, source: str) -> list[Problem]:
    """Problems for entries of `values` outside the signed `bits`-bit range (none if all fit)."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if values.size == 0:
        return []
    vmin, vmax = int(values.min()), int(values.max())
    if lo <= vmin and vmax <= hi:
        return []
    bad = (values < lo) | (values > hi)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    where = f"{name}[{', '.join(map(str, first))}]"
    return [Problem(source, where,
                    f"{int(bad.sum())} value(s) outside the {bits}-bit signed range {lo}..{hi} "
                    f"(first {int(values[first])}, smallest {vmin}, largest {vmax}); "
                    f"scale the values or raise {name.rstrip('s')}_bits")]


def as_integer_array(value: Any, name: str, ndims: tuple[int, ...],
                     source: str) -> tuple[np.ndarray | None, list[Problem]]:
    """`value` as an int64 array of one of the allowed numbers of dimensions, or problems."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        kind = {"b": "booleans", "f": "floats", "O": "Python objects", "U": "strings"}.get(
            arr.dtype.kind, f"dtype {arr.dtype}")
        return None, [Problem(source, name, f"expected an integer numpy array, got {kind}; "
                                            "convert to fixed point first (e.g. np.rint(x * 2**f)"
                                            ".astype(np.int64))")]
    if arr.ndim not in ndims:
        shapes = " or ".join(f"{n}-D" for n in ndims)
        return None, [Problem(source, name, f"expected a {shapes} array, got shape {arr.shape}")]
    if arr.dtype == np.uint64 and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        return None, [Problem(source, name, f"value {int(arr.max())} does not fit int64")]
    return arr.astype(np.int64), []
