"""Per-image map helpers of the engine."""

from __future__ import annotations

import numpy as np

from isaacsim.kernels import jit


@jit
def row_counts(bits, pix_at, widths, rows_at, rows):
    """Fill `rows[rows_at[n] + y]`, the active pixels (bits > 0) of node n's map before its row y
    (y = 0 .. height), for an image's flat maps (node n's are `bits[pix_at[n]:pix_at[n + 1]]`, in
    rows of `widths[n]`); return the active pixels of every map."""
    out = np.zeros(pix_at.size - 1, np.int64)
    for n in range(pix_at.size - 1):
        width = widths[n]
        count = np.int64(0)
        rows[rows_at[n]] = 0
        for y in range((pix_at[n + 1] - pix_at[n]) // max(width, 1)):
            row = bits[pix_at[n] + y * width:pix_at[n] + (y + 1) * width]
            for x in range(width):  # branch-free, so that it vectorizes
                count += np.int64(row[x] > 0)
            rows[rows_at[n] + y + 1] = count
        out[n] = count
    return out
