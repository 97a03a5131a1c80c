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


@jit
def ring_slots(act_before, base, capacity):
    """`out[q]`: the release-ring slot, `(base + act_before[q]) mod capacity`, of the first active
    pixel at or after raster position q of a producer's map whose first active pixel has global
    rank `base` (`act_before` as `active_before` returns it). One division per map, none per op:
    the kernel reads a receptive-field row's first slot here."""
    out = np.empty(act_before.size, np.int64)
    slot = (base + act_before[0]) % capacity
    out[0] = slot
    for q in range(1, act_before.size):
        slot += act_before[q] - act_before[q - 1]
        if slot >= capacity:
            slot -= capacity
        out[q] = slot
    return out


@jit
def active_counts(bits, pix_at):
    """`out[n]`: the active pixels (bits > 0) of node n's map, `bits[pix_at[n]:pix_at[n + 1]]` of
    an image's flat maps."""
    out = np.zeros(pix_at.size - 1, np.int64)
    for n in range(pix_at.size - 1):
        count = 0
        for q in range(pix_at[n], pix_at[n + 1]):
            if bits[q] > 0:
                count += 1
        out[n] = count
    return out
