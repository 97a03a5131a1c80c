"""Per-image map helpers of the engine."""

from __future__ import annotations

import numpy as np

from isaacsim.kernels import jit


@jit
def active_counts(bits, pix_at):
    """`out[n]`: the active pixels (bits > 0) of node n's map, `bits[pix_at[n]:pix_at[n + 1]]` of
    an image's flat maps."""
    out = np.zeros(pix_at.size - 1, np.int64)
    for n in range(pix_at.size - 1):
        seg = bits[pix_at[n]:pix_at[n + 1]]
        count = np.int64(0)
        for q in range(seg.size):  # from 0 and branch-free, so that it vectorizes
            count += np.int64(seg[q] > 0)
        out[n] = count
    return out
