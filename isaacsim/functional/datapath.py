"""`matvec`: a signed integer matrix-vector product through the ISAAC datapath, bit for bit.

The public function validates and converts its arguments, encodes the weights a chunk of whole
column blocks at a time (bounded memory for fc-sized matrices) and calls the numba kernel
`isaacsim.kernels.datapath.matvec_kernel` on each chunk. docs/functional-model.md is the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from isaacsim.errors import InputError, Problem
from isaacsim.functional.encoding import as_integer_array, check_range, encode_weights
from isaacsim.functional.options import INT64_MAX, DatapathOptions
from isaacsim.kernels import datapath as K

_ROUNDING_CODES = {"half_even": K.ROUND_HALF_EVEN, "half_away": K.ROUND_HALF_AWAY,
                   "floor": K.ROUND_FLOOR}
_CHUNK_BYTES = 16 << 20
"""Encoded cells are built for this many bytes of column blocks at a time."""


@dataclass(frozen=True)
class MatvecResult:
    """Outputs and event counts of one `matvec` call (all counts summed over the batch)."""

    outputs: np.ndarray
    """int64, shape (outputs,) for one input vector or (batch, outputs); read-only."""
    adc_saturations: int
    """Column conversions (data and unit columns) whose sum exceeded 2^adc_bits - 1 and were
    clipped."""
    output_saturations: int
    """Outputs clipped to the output_bits signed range."""
    array_reads: int
    """Array x bit-cycle reads: batch x row_blocks x col_blocks x bit_cycles."""
    adc_conversions: int
    """Columns converted: per array read, its occupied data columns plus the unit column when the
    flip encoding is on."""
    row_blocks: int
    col_blocks: int
    bit_cycles: int
    """Reads per input vector per array (DatapathOptions.bit_cycles)."""
    options: DatapathOptions

    @property
    def arrays(self) -> int:
        return self.row_blocks * self.col_blocks

    def counters(self) -> dict[str, int]:
        """The four event counters, keyed by name."""
        return {"adc_saturations": self.adc_saturations,
                "output_saturations": self.output_saturations,
                "array_reads": self.array_reads, "adc_conversions": self.adc_conversions}


def matvec(weights: Any, inputs: Any, **options: Any) -> MatvecResult:
    """Multiply signed integer `inputs` by signed integer `weights` through the ISAAC datapath.

    weights: integer array [rows, outputs] of `weight_bits`-bit signed values. inputs: integer
    array [rows] or [batch, rows] of `input_bits`-bit signed values. Keyword options (defaults are
    ISAAC's): rows=128, cols=128, cell_bits=2, dac_bits=1, adc_bits=8, flip_encoding=True,
    weight_bits=16, input_bits=16, shift=0, guard_bits=0, output_bits=64, rounding="half_even".

    With enough ADC bits for the configuration (`isaacsim.targets.isaac.arch.required_adc_bits`),
    shift 0 and no
    output saturation the result equals ``inputs @ weights`` exactly. Raises `InputError` naming
    every bad argument.
    """
    opts = DatapathOptions.from_kwargs(**options)
    w, x, single = _check_arrays(weights, inputs, opts)
    n_rows, n_out = w.shape
    per_array = opts.weights_per_array
    row_blocks = -(-n_rows // opts.rows)
    col_blocks = -(-n_out // per_array)
    params = _params(opts)
    out = np.zeros((x.shape[0], n_out), np.int64)
    counts = np.zeros(K.N_COUNTS, np.int64)
    bytes_per_block = 8 * n_rows * per_array * opts.slices
    chunk = per_array * max(1, _CHUNK_BYTES // max(bytes_per_block, 1))
    for j0 in range(0, n_out, chunk):
        j1 = min(j0 + chunk, n_out)
        cells, flipped = encode_weights(w[:, j0:j1], opts)
        K.matvec_kernel(cells, flipped, x, params, out[:, j0:j1], counts)
    used_cols = n_out * opts.slices + (col_blocks if opts.flip_encoding else 0)
    batch = x.shape[0]
    out.flags.writeable = False
    return MatvecResult(
        outputs=out[0] if single else out,
        adc_saturations=int(counts[K.ADC_SATURATIONS]),
        output_saturations=int(counts[K.OUTPUT_SATURATIONS]),
        array_reads=batch * row_blocks * col_blocks * opts.bit_cycles,
        adc_conversions=batch * row_blocks * opts.bit_cycles * used_cols,
        row_blocks=row_blocks, col_blocks=col_blocks, bit_cycles=opts.bit_cycles, options=opts)


def exact_matvec(weights: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """The exact integer product ``inputs @ weights`` in int64 when it cannot overflow, else as
    Python ints (dtype object)."""
    w = np.asarray(weights)
    x = np.asarray(inputs)
    bound = int(np.abs(w.astype(object)).max(initial=0)) * int(np.abs(x.astype(object)).max(
        initial=0)) * w.shape[0]
    if bound <= INT64_MAX:
        return x.astype(np.int64) @ w.astype(np.int64)
    return x.astype(object) @ w.astype(object)


def _check_arrays(weights: Any, inputs: Any,
                  opts: DatapathOptions) -> tuple[np.ndarray, np.ndarray, bool]:
    problems: list[Problem] = []
    w, p = as_integer_array(weights, "weights", (2,), "matvec")
    problems += p
    x, p = as_integer_array(inputs, "inputs", (1, 2), "matvec")
    problems += p
    if w is not None:
        if w.shape[0] == 0 or w.shape[1] == 0:
            problems.append(Problem("matvec", "weights", f"expected at least one row and one "
                                                         f"output, got shape {w.shape}"))
        problems += check_range(w, opts.weight_bits, "weights", "matvec")
    if x is not None:
        problems += check_range(x, opts.input_bits, "inputs", "matvec")
    single = x is not None and x.ndim == 1
    if x is not None and single:
        x = x[None, :]
    if w is not None and x is not None and x.shape[1] != w.shape[0]:
        problems.append(Problem("matvec", "inputs", f"{x.shape[1]} values per input vector, but "
                                                    f"weights has {w.shape[0]} rows"))
    if not problems and w is not None and opts.int64_bound(w.shape[0]) > INT64_MAX:  # None: a problem
        problems.append(Problem("matvec", "weights",
                                f"{w.shape[0]} rows at {opts.weight_bits}-bit weights, "
                                f"{opts.input_bits}-bit inputs, shift {opts.shift} and "
                                f"{opts.guard_bits} guard bits can exceed the int64 accumulator; "
                                "split the rows or lower the widths, shift or guard bits "
                                "(docs/functional-model.md section 8)"))
    if problems:
        raise InputError(problems)
    return np.ascontiguousarray(w), np.ascontiguousarray(x), single


def _params(opts: DatapathOptions) -> np.ndarray:
    p = np.zeros(K.N_PARAMS, np.int64)
    p[K.ROWS], p[K.CELL_BITS], p[K.DAC_BITS] = opts.rows, opts.cell_bits, opts.dac_bits
    p[K.ADC_MAX] = (1 << opts.adc_bits) - 1
    p[K.SLICES], p[K.CYCLES] = opts.slices, opts.bit_cycles
    p[K.ARRAY_COLS] = opts.weights_per_array * opts.slices
    p[K.SHIFT] = opts.shift
    p[K.OUT_LO] = -(1 << (opts.output_bits - 1))
    p[K.OUT_HI] = (1 << (opts.output_bits - 1)) - 1
    p[K.ROUNDING] = _ROUNDING_CODES[opts.rounding]
    p[K.FLIP] = int(opts.flip_encoding)
    p[K.OFFSET_SHIFT] = opts.weight_bits - 1
    p[K.GUARD] = opts.guard_bits
    return p
