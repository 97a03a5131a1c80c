"""Per-image map helpers of the engine."""

from __future__ import annotations

import numpy as np

from isaacsim.kernels import jit


@jit
def active_before(bits):
    """`out[q]`: the active pixels (bits > 0) of the 2-D map `bits` before raster position q, for
    q = 0 .. H*W (length H*W + 1, int64)."""
    flat = bits.ravel()
    out = np.empty(flat.size + 1, np.int64)
    count = 0
    out[0] = 0
    for q in range(flat.size):
        if flat[q] > 0:
            count += 1
        out[q + 1] = count
    return out
