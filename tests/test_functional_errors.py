"""Every InputError message of `matvec`: bad options, dtypes, shapes, out-of-range values, the int64
bound. Each message names its place and says how to fix it."""

import numpy as np
import pytest

from isaacsim.errors import InputError
from isaacsim.functional import DatapathOptions, matvec

W = np.zeros((4, 2), np.int64)
X = np.zeros(4, np.int64)


def messages(weights=W, inputs=X, **opts) -> list[str]:
    with pytest.raises(InputError) as info:
        matvec(weights, inputs, **opts)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("opts, expected", [
    ({"rows": 0}, "matvec: options.rows: expected an integer >= 1 and <= 65536, got 0"),
    ({"cell_bits": 9}, "matvec: options.cell_bits: expected an integer >= 1 and <= 8, got 9"),
    ({"adc_bits": 2.5}, "matvec: options.adc_bits: expected an integer >= 1 and <= 32, got 2.5 "
                        "(a number)"),
    ({"output_bits": 65},
     "matvec: options.output_bits: expected an integer >= 2 and <= 64, got 65"),
    ({"shift": -63}, "matvec: options.shift: expected an integer >= -62 and <= 62, got -63"),
    ({"flip_encoding": 1}, "matvec: options.flip_encoding: expected true or false, got 1 "
                           "(an integer)"),
    ({"rounding": "half_evn"}, "matvec: options.rounding: expected one of 'half_even', "
                               "'half_away', 'floor', got 'half_evn' (did you mean 'half_even'?)"),
    ({"adc_bit": 8}, "matvec: options.adc_bit: unknown key 'adc_bit' (did you mean 'adc_bits'?)"),
    ({"cols": 7}, "matvec: options.cols: a 16-bit weight in 2-bit cells needs 8 adjacent columns, "
                  "but an array has only 7; raise cols or cell_bits"),
])
def test_bad_options(opts, expected):
    assert messages(**opts)[0].startswith(expected)


def test_numpy_scalars_are_accepted_as_options():
    res = matvec(W, X, rows=np.int64(16), flip_encoding=np.bool_(False))
    assert res.options.rows == 16 and res.options.flip_encoding is False


def test_all_problems_reported_together():
    msgs = messages(np.full((4, 2), 2**15), np.zeros((1, 5)), rows=0)
    assert len(msgs) == 1  # arrays are checked only against valid widths
    msgs = messages(np.full((4, 2), 2**15), np.full((1, 5), -(2**15) - 1))
    assert msgs == [
        "matvec: weights[0, 0]: 8 value(s) outside the 16-bit signed range -32768..32767 "
        "(first 32768, smallest 32768, largest 32768); scale the values or raise weight_bits",
        "matvec: inputs[0, 0]: 5 value(s) outside the 16-bit signed range -32768..32767 "
        "(first -32769, smallest -32769, largest -32769); scale the values or raise input_bits",
        "matvec: inputs: 5 values per input vector, but weights has 4 rows",
    ]


@pytest.mark.parametrize("weights, inputs, expected", [
    (W.astype(float), X, "matvec: weights: expected an integer numpy array, got floats; convert"),
    (W, X.astype(bool), "matvec: inputs: expected an integer numpy array, got booleans"),
    (np.zeros(4, np.int64), X, "matvec: weights: expected a 2-D array, got shape (4,)"),
    (W, np.zeros((1, 1, 4), np.int64), "matvec: inputs: expected a 1-D or 2-D array, got shape "
                                      "(1, 1, 4)"),
    (np.zeros((4, 0), np.int64), X, "matvec: weights: expected at least one row and one output, "
                                    "got shape (4, 0)"),
    (W, np.full(4, 8), "matvec: inputs[0]: 4 value(s) outside the 4-bit signed range -8..7"),
])
def test_bad_arrays(weights, inputs, expected):
    assert any(m.startswith(expected) for m in messages(weights, inputs, input_bits=4)), \
        messages(weights, inputs, input_bits=4)


def test_int64_bound():
    opts = DatapathOptions.from_kwargs(weight_bits=24, input_bits=24)
    assert opts.int64_bound(2**13) < 2**63 < opts.int64_bound(2**15)
    msg = messages(np.zeros((8, 1), np.int64), np.zeros(8, np.int64), weight_bits=32,
                   input_bits=32)
    assert msg == ["matvec: weights: 8 rows at 32-bit weights, 32-bit inputs, shift 0 and 0 guard "
                   "bits can exceed the int64 accumulator; split the rows or lower the widths, "
                   "shift or guard bits (docs/functional-model.md section 8)"]
    isaac = DatapathOptions.from_kwargs()
    assert isaac.int64_bound(2**29) < 2**63  # ISAAC's 16-bit widths: half a billion rows


def test_result_is_frozen():
    res = matvec(W, X)
    with pytest.raises(AttributeError):
        res.adc_saturations = 3
    with pytest.raises(ValueError):
        res.outputs[0] = 1
