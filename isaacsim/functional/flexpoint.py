"""FlexPoint for inference: shared per-tensor exponents calibrated from the largest magnitudes seen.

A FlexPoint tensor is integer mantissas of `bits` bits sharing one exponent e: the value of a
mantissa m is m x 2^e. For a layer with weight, input and output exponents e_w, e_x, e_y the
datapath computes Y = round((sum_i X_i W_i) x 2^d) with d = e_w + e_x - e_y (the seed),
the shift `matvec` takes as ``shift``.

Calibration (Autoflex-style, Koster et al. 2017, reduced to inference): every tensor's exponent is
the smallest one whose mantissa range holds the largest magnitude seen on calibration data, with
`headroom` spare bits against larger values at run time. docs/functional-model.md section 10.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from isaacsim.precision import EXPONENT_LIMIT, Exponents

DEFAULT_HEADROOM_BITS = 1
"""Spare bits above the calibrated maximum for inputs and outputs (run-time data may exceed the
calibration data). Weights are known exactly at programming time and get none."""


def exponent_for(max_magnitude: float, bits: int, headroom_bits: int = 0) -> int:
    """Smallest exponent e with max_magnitude <= (2^(bits-1) - 1) x 2^(e - headroom_bits).

    The largest mantissa kept for the maximum is 2^(bits-1) - 1 (1 for 1-bit values, whose range
    -1..0 holds no positive value). A zero maximum gives e = 0. The result is clamped to the
    workload's exponent range -64..64.
    """
    if not math.isfinite(max_magnitude) or max_magnitude < 0:
        raise ValueError(f"max_magnitude must be a finite number >= 0, got {max_magnitude!r}")
    if bits < 1 or headroom_bits < 0:
        raise ValueError(f"need bits >= 1 and headroom_bits >= 0, got {bits}, {headroom_bits}")
    if max_magnitude == 0:
        return 0
    top = max((1 << (bits - 1)) - 1, 1)
    e = math.ceil(math.log2(max_magnitude / top)) + headroom_bits
    while max_magnitude > math.ldexp(top, e - headroom_bits):  # guard the float log2
        e += 1
    while max_magnitude <= math.ldexp(top, e - 1 - headroom_bits):
        e -= 1
    return max(-EXPONENT_LIMIT, min(EXPONENT_LIMIT, e))


def quantize(values: np.ndarray, exponent: int, bits: int) -> tuple[np.ndarray, int]:
    """Mantissas of `values` for `exponent`: rint(values / 2^e) (half to even) clipped to the
    signed `bits`-bit range. Returns the int64 mantissas and how many values were clipped."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    scaled = np.rint(np.ldexp(np.asarray(values, np.float64), -exponent))
    clipped = int(np.count_nonzero((scaled < lo) | (scaled > hi)))
    return np.clip(scaled, lo, hi).astype(np.int64), clipped


def dequantize(mantissas: np.ndarray, exponent: int) -> np.ndarray:
    """float64 values m x 2^e (exact for |m| < 2^53)."""
    return np.ldexp(np.asarray(mantissas, np.float64), exponent)


@dataclass
class AbsMax:
    """Running largest magnitude of a tensor over calibration batches."""

    value: float = 0.0

    def update(self, values: np.ndarray) -> None:
        if values.size:
            self.value = max(self.value, float(np.max(np.abs(values))))


@dataclass(frozen=True)
class Headroom:
    """Spare bits per tensor (docs/functional-model.md section 10)."""

    weight: int = 0
    input: int = DEFAULT_HEADROOM_BITS
    output: int = DEFAULT_HEADROOM_BITS


def calibrate(weight_max: float, input_max: float, output_max: float, *, weight_bits: int,
              input_bits: int, output_bits: int, headroom: Headroom = Headroom()) -> Exponents:
    """Exponents of one layer from the largest magnitudes of its weights, inputs and outputs."""
    return Exponents(weight=exponent_for(weight_max, weight_bits, headroom.weight),
                     input=exponent_for(input_max, input_bits, headroom.input),
                     output=exponent_for(output_max, output_bits, headroom.output))


def shift_of(exponents: Exponents) -> int:
    """The datapath shift d = e_w + e_x - e_y."""
    return exponents.weight + exponents.input - exponents.output
