"""Slow, obvious twin of `isaacsim.functional.matvec` in pure Python integers.

Built independently of the kernel: it lays out every physical array (rows x cols cells plus a unit
column), drives it one bit-cycle at a time, converts every column with a saturating ADC, undoes the
flip encoding, and rounds right shifts with `fractions.Fraction` (Python's `round` is half-even).
Only for small cases in tests.
"""

from __future__ import annotations

import math
from fractions import Fraction


def round_shift(value: int, shift: int, rounding: str) -> int:
    """value x 2^shift, rounded to an integer by `rounding` when shift < 0."""
    if shift >= 0:
        return value * 2 ** shift
    q = Fraction(value, 2 ** -shift)
    if rounding == "half_even":
        return round(q)
    if rounding == "half_away":
        return int(math.copysign(math.floor(abs(q) + Fraction(1, 2)), q)) if q else 0
    if rounding == "floor":
        return math.floor(q)
    raise ValueError(rounding)


def naive_matvec(weights, inputs, *, rows=128, cols=128, cell_bits=2, dac_bits=1, adc_bits=8,
                 flip_encoding=True, weight_bits=16, input_bits=16, shift=0, guard_bits=0,
                 output_bits=64, rounding="half_even"):
    """weights: rows_total x outputs nested lists (or arrays) of ints; inputs: list of vectors.

    Returns a dict with `outputs` (list of lists) and the four counters.
    """
    W = [[int(v) for v in row] for row in weights]
    X = [[int(v) for v in vec] for vec in inputs]
    n_rows, n_out = len(W), len(W[0])
    slices = -(-weight_bits // cell_bits)
    cycles = -(-(input_bits - 1) // dac_bits) + 1
    per_array = cols // slices
    cell_max = 2 ** cell_bits - 1
    adc_max = 2 ** adc_bits - 1
    counts = {"adc_saturations": 0, "output_saturations": 0, "array_reads": 0,
              "adc_conversions": 0}

    # program the arrays: (row block, column block) -> (cells[rows][cols], flipped[cols], used cols)
    arrays = {}
    for r0 in range(0, n_rows, rows):
        for j0 in range(0, n_out, per_array):
            cells = [[0] * cols for _ in range(rows)]
            used = 0
            for j in range(j0, min(j0 + per_array, n_out)):
                for k in range(slices):
                    c = (j - j0) * slices + k
                    used = c + 1
                    for i in range(rows):
                        if r0 + i < n_rows:
                            stored = W[r0 + i][j] + 2 ** (weight_bits - 1)
                            cells[i][c] = (stored // 2 ** (k * cell_bits)) % 2 ** cell_bits
            flipped = [False] * cols
            if flip_encoding:
                for c in range(used):
                    if sum(cells[i][c] for i in range(rows)) > rows * cell_max / 2:
                        flipped[c] = True
                        for i in range(rows):
                            cells[i][c] = cell_max - cells[i][c]
            arrays[r0, j0] = (cells, flipped, used)

    outputs = []
    for x in X:
        y = [0] * n_out
        for (r0, j0), (cells, flipped, used) in arrays.items():
            block = [x[r0 + i] if r0 + i < n_rows else 0 for i in range(rows)]
            for t in range(cycles):
                sign_cycle = t == cycles - 1
                if sign_cycle:
                    levels = [1 if v < 0 else 0 for v in block]
                else:
                    levels = [(v >> (t * dac_bits)) % 2 ** dac_bits for v in block]
                counts["array_reads"] += 1
                unit = None
                if flip_encoding:
                    unit = _adc(sum(levels), adc_max, counts)
                for c in range(used):
                    a = _adc(sum(levels[i] * cells[i][c] for i in range(rows)), adc_max, counts)
                    if flipped[c]:
                        a = cell_max * unit - a
                    j, k = j0 + c // slices, c % slices
                    term = -a if sign_cycle else a
                    y[j] += round_shift(term, k * cell_bits + t * dac_bits + shift + guard_bits,
                                        rounding)
            if j0 == 0:  # the offset correction once per row block, for every output
                correction = round_shift(-(2 ** (weight_bits - 1)) * sum(block),
                                         shift + guard_bits, rounding)
                y = [v + correction for v in y]
        lo, hi = -(2 ** (output_bits - 1)), 2 ** (output_bits - 1) - 1
        y = [round_shift(v, -guard_bits, rounding) for v in y]
        for j, v in enumerate(y):
            if v < lo or v > hi:
                counts["output_saturations"] += 1
                y[j] = min(max(v, lo), hi)
        outputs.append(y)
    return {"outputs": outputs, **counts}


def _adc(value: int, adc_max: int, counts: dict) -> int:
    counts["adc_conversions"] += 1
    if value > adc_max:
        counts["adc_saturations"] += 1
        return adc_max
    return value
