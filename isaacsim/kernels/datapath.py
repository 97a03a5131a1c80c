"""Bit-exact inner loops of the ISAAC datapath (docs/functional-model.md).

`matvec_kernel` runs one chunk of whole column blocks of an encoded weight matrix against a batch of
signed input vectors: for every row block and bit-cycle it forms every column's sum of DAC level x
stored cell, converts it with a saturating ADC, undoes the flip encoding with the unit column,
shifts the partial by slice, bit-cycle and FlexPoint shift (rounding right shifts), subtracts the
sign cycle, removes the weight offset with the digital input sum, adds the row blocks and saturates
the result to the output width. The caller (`isaacsim.functional.datapath`) validates, encodes the
weights and allocates `out` and `counts`. `tests/naive_datapath.py` is the slow twin.

Parameter vector `p` (int64; see the index constants below): ROWS (crossbar rows), CELL_BITS,
DAC_BITS, ADC_MAX (2^adc_bits - 1), SLICES (columns per weight), CYCLES (bit-cycles per input),
ARRAY_COLS (data columns used per full column block), SHIFT (d), OUT_LO / OUT_HI (output
saturation bounds), ROUNDING (one of the ROUND_* codes), FLIP (0/1), OFFSET_SHIFT
(weight_bits - 1), GUARD (fractional accumulator bits g: partials use shift + g, the sum is rounded
once by 2^-g).
"""

from __future__ import annotations

import numpy as np

from isaacsim.kernels import jit

ROWS, CELL_BITS, DAC_BITS, ADC_MAX, SLICES, CYCLES, ARRAY_COLS, SHIFT, OUT_LO, OUT_HI, ROUNDING, \
    FLIP, OFFSET_SHIFT, GUARD = range(14)
N_PARAMS = 14
ROUND_HALF_EVEN, ROUND_HALF_AWAY, ROUND_FLOOR = range(3)
# counts entries
ADC_SATURATIONS, OUTPUT_SATURATIONS = range(2)
N_COUNTS = 2


@jit
def shift_round(x, s, mode):
    """x * 2^s for s >= 0; for s < 0, x / 2^-s rounded by `mode` (one of the ROUND_* codes).

    The caller keeps |x| < 2^62 and |s| <= 62, so nothing here overflows.
    """
    if s >= 0:
        return x << s
    n = -s
    q = x >> n  # floor division by 2^n (arithmetic shift)
    if mode == ROUND_FLOOR:
        return q
    r = x - (q << n)  # 0 <= r < 2^n
    half = np.int64(1) << (n - 1)
    if r > half:
        return q + 1
    if r < half:
        return q
    if mode == ROUND_HALF_EVEN:
        return q + (q & 1)
    return q + 1 if x > 0 else q  # half away from zero: x / 2^n = q + 1/2


@jit
def matvec_kernel(cells, flipped, inputs, p, out, counts):
    """Fill `out[b, j]` with output j for input vector b and add the saturation counts to `counts`.

    cells: int64 [rows_total, n_cols], stored cell values (offset-encoded slices, complemented in
    flipped columns), column j * SLICES + k holding slice k of output j. flipped: int64
    [row_blocks, n_cols], 1 where that array column stores complemented slices. inputs: int64
    [batch, rows_total], signed input values. out: int64 [batch, n_cols // SLICES]. counts: int64
    [N_COUNTS].
    """
    n_batch, n_rows = inputs.shape
    n_cols = cells.shape[1]
    n_out = n_cols // p[SLICES]
    rows, cb, v = p[ROWS], p[CELL_BITS], p[DAC_BITS]
    adc_max, slices, cycles, mode = p[ADC_MAX], p[SLICES], p[CYCLES], p[ROUNDING]
    d = p[SHIFT] + p[GUARD]  # partials land in an accumulator with GUARD fractional bits
    flip = p[FLIP] != 0
    cell_max = (np.int64(1) << cb) - 1
    v_mask = (np.int64(1) << v) - 1
    low_mask = (np.int64(1) << ((cycles - 1) * v)) - 1
    n_row_blocks = (n_rows + rows - 1) // rows
    n_col_blocks = (n_cols + p[ARRAY_COLS] - 1) // p[ARRAY_COLS]
    colsum = np.zeros(n_cols, np.int64)
    acc = np.zeros(n_out, np.int64)
    adc_sat = 0
    out_sat = 0
    for b in range(n_batch):
        acc[:] = 0
        for rb in range(n_row_blocks):
            r0 = rb * rows
            r1 = min(r0 + rows, n_rows)
            # weight offset: sum_i x_i (W_i + 2^(wb-1)) - 2^(wb-1) sum_i x_i, once per row block
            xsum = np.int64(0)
            for i in range(r0, r1):
                xsum += inputs[b, i]
            correction = shift_round(-(xsum << p[OFFSET_SHIFT]), d, mode)
            for j in range(n_out):
                acc[j] += correction
            for t in range(cycles):
                sign_cycle = t == cycles - 1
                colsum[:] = 0
                unit = np.int64(0)
                for i in range(r0, r1):
                    x = inputs[b, i]
                    if sign_cycle:
                        g = np.int64(1) if x < 0 else np.int64(0)
                    else:
                        g = ((x & low_mask) >> (t * v)) & v_mask
                    if g != 0:
                        unit += g
                        for c in range(n_cols):
                            colsum[c] += g * cells[i, c]
                if flip and unit > adc_max:  # every array of the row block has its unit column
                    unit = adc_max
                    adc_sat += n_col_blocks
                base = t * v + d
                for c in range(n_cols):
                    a = colsum[c]
                    if a > adc_max:
                        a = adc_max
                        adc_sat += 1
                    if flipped[rb, c] != 0:
                        a = cell_max * unit - a
                    if sign_cycle:
                        a = -a
                    k = c % slices
                    acc[c // slices] += shift_round(a, k * cb + base, mode)
        for j in range(n_out):
            y = shift_round(acc[j], -p[GUARD], mode)
            if y > p[OUT_HI]:
                y = p[OUT_HI]
                out_sat += 1
            elif y < p[OUT_LO]:
                y = p[OUT_LO]
                out_sat += 1
            out[b, j] = y
    counts[ADC_SATURATIONS] += adc_sat
    counts[OUTPUT_SATURATIONS] += out_sat
