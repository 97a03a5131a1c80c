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


def auto_guard_bits(terms: int, shift: int) -> int:
    """Guard bits that keep the rounding of `terms` partials within half an output step in total:
    ceil(log2(terms)), but no more than -shift (beyond that no partial is shifted right)."""
    return min(max(terms - 1, 0).bit_length(), max(-shift, 0))


@dataclass(frozen=True)
class ShiftWindow:
    """The shifts a layer's shift-and-add units apply (docs/functional-model.md section 6): each
    partial of slice k in bit-cycle t is added with shift `k w + t v + d + g`, the offset
    correction with `(weight_bits - 1) + d + g`, and the accumulator is rounded by `-g` at the end.
    `lo` and `hi` bound all of them; a unit that shifts at most `max_shift` bits either way per
    operation needs `passes` operations for the widest (docs/timing-model.md s12)."""

    shift: int
    """d = e_w + e_x - e_y."""
    guard_bits: int
    """g, fractional accumulator bits (`auto_guard_bits` of the layer's partials per output)."""
    lo: int
    hi: int
    passes: int


def shift_window(exponents: Exponents, *, weight_bits: int, input_bits: int, cell_bits: int,
                 dac_bits: int, row_blocks: int, max_shift: int,
                 guard_bits: int | None = None) -> ShiftWindow:
    """The shift amounts of a layer with `exponents` on a datapath of S = ceil(weight_bits /
    cell_bits) slices and T = ceil((input_bits - 1) / dac_bits) + 1 bit-cycles (1-bit DACs:
    T = input_bits), whose outputs sum `row_blocks` row blocks; `guard_bits` None chooses them as
    `numerics` does (`auto_guard_bits` of row_blocks x (S T + 1) partials)."""
    if max_shift < 1:
        raise ValueError(f"max_shift must be >= 1, got {max_shift}")
    slices = -(-weight_bits // cell_bits)
    cycles = -(-(input_bits - 1) // dac_bits) + 1
    d = shift_of(exponents)
    g = auto_guard_bits(row_blocks * (slices * cycles + 1), d) if guard_bits is None else guard_bits
    lo = d + g if g == 0 else min(d + g, -g)  # the final rounding by 2^-g, when there is one
    hi = d + g + max((slices - 1) * cell_bits + (cycles - 1) * dac_bits, weight_bits - 1)
    passes = max(1, -(-max(abs(lo), abs(hi)) // max_shift))
    return ShiftWindow(shift=d, guard_bits=g, lo=lo, hi=hi, passes=passes)
