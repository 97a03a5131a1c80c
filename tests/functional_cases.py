"""Hypothesis strategies shared by the functional-model tests: integer matrices and vectors drawn
from a seed and a value pattern, so large arrays cost one draw and extremes are frequent."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

PATTERNS = ("uniform", "extremes", "mixed", "min", "max", "sparse", "small")


def fill(rng: np.random.Generator, shape: tuple[int, ...], bits: int, pattern: str) -> np.ndarray:
    """Signed `bits`-bit integers of `shape` following `pattern`."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if pattern == "min":
        return np.full(shape, lo, np.int64)
    if pattern == "max":
        return np.full(shape, hi, np.int64)
    if pattern == "extremes":
        return rng.choice(np.array([lo, hi], np.int64), size=shape)
    if pattern == "small":
        return rng.integers(max(lo, -2), min(hi, 2) + 1, size=shape, dtype=np.int64)
    values = rng.integers(lo, hi + 1, size=shape, dtype=np.int64)
    if pattern == "mixed":
        mask = rng.random(shape) < 0.3
        values[mask] = rng.choice(np.array([lo, hi, 0, -1], np.int64)[: 4 if bits > 1 else 2],
                                  size=int(mask.sum()))
    elif pattern == "sparse":
        values[rng.random(shape) < 0.8] = 0
    return values


@st.composite
def operands(draw, *, weight_bits: int, input_bits: int, max_rows: int, max_out: int,
             max_batch: int):
    """(weights [rows, outputs], inputs [batch, rows]) with independent value patterns."""
    n_rows = draw(st.integers(1, max_rows))
    n_out = draw(st.integers(1, max_out))
    batch = draw(st.integers(1, max_batch))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w = fill(rng, (n_rows, n_out), weight_bits, draw(st.sampled_from(PATTERNS)))
    x = fill(rng, (batch, n_rows), input_bits, draw(st.sampled_from(PATTERNS)))
    return w, x
