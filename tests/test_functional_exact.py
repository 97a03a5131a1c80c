"""Exactness of the functional datapath (issue 6 item 2).

* At ISAAC's settings (128 rows, 2-bit cells, 1-bit DACs, 8-bit ADC, flip encoding, d = 0, 16-bit
  weights and inputs) `matvec` equals the exact integer product for any values, extremes included,
  with no ADC or output saturation.
* For any crossbar size 16..256, cells of 1..4 bits, DACs of 1..2 bits, weight and input widths
  1..16, flip on or off, with the ADC resolution `required_adc_bits` gives: still exact.
* Without the flip encoding an 8-bit ADC at 128 rows / 2-bit cells saturates on dense large
  operands, and the error is the documented one (docs/functional-model.md section 5).
"""

import numpy as np
import pytest
from functional_cases import operands
from hypothesis import given, settings
from hypothesis import strategies as st
from naive_datapath import naive_matvec

from isaacsim.functional import DEFAULTS, exact_matvec, matvec, options_from_arch
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.arch.scaling import required_adc_bits

LO, HI = -(2**15), 2**15 - 1


@settings(max_examples=60, deadline=None)
@given(operands(weight_bits=16, input_bits=16, max_rows=700, max_out=40, max_batch=6))
def test_isaac_settings_are_exact(case):
    w, x = case
    res = matvec(w, x)
    assert np.array_equal(res.outputs, exact_matvec(w, x))
    assert res.adc_saturations == 0 and res.output_saturations == 0


@pytest.mark.parametrize("n_rows", [1, 127, 128, 129, 576, 25088])
@pytest.mark.parametrize("wv, xv", [(LO, LO), (LO, HI), (HI, LO), (HI, HI), (HI, -1), (LO, -1)])
def test_isaac_extremes(n_rows, wv, xv):
    w = np.full((n_rows, 17), wv, np.int64)
    w[:, 1] = -wv - 1  # a column of the opposite extreme
    x = np.full((2, n_rows), xv, np.int64)
    x[1, ::2] = -xv - 1
    res = matvec(w, x)
    assert np.array_equal(res.outputs, exact_matvec(w, x))
    assert res.adc_saturations == 0


@st.composite
def configurations(draw):
    rows = draw(st.integers(16, 256))
    cell_bits = draw(st.integers(1, 4))
    dac_bits = draw(st.integers(1, 2))
    flip = draw(st.booleans())
    weight_bits = draw(st.integers(1, 16))
    input_bits = draw(st.integers(1, 16))
    slices = -(-weight_bits // cell_bits)
    cols = draw(st.integers(slices, 256))
    return dict(rows=rows, cols=cols, cell_bits=cell_bits, dac_bits=dac_bits, flip_encoding=flip,
                weight_bits=weight_bits, input_bits=input_bits,
                adc_bits=required_adc_bits(rows, dac_bits, cell_bits, flip))


@settings(max_examples=150, deadline=None)
@given(configurations(), st.data())
def test_exact_with_required_adc_bits(opts, data):
    w, x = data.draw(operands(weight_bits=opts["weight_bits"], input_bits=opts["input_bits"],
                              max_rows=3 * opts["rows"], max_out=30, max_batch=4))
    res = matvec(w, x, **opts)
    assert np.array_equal(res.outputs, exact_matvec(w, x))
    assert res.adc_saturations == 0 and res.output_saturations == 0


@settings(max_examples=40, deadline=None)
@given(configurations(), st.integers(0, 2**32 - 1))
def test_worst_case_column_needs_the_required_bits(opts, seed):
    """Inputs of -1 drive every DAC at full level on every cycle; with every stored slice at its
    largest value (no flip) a column reaches rows x (2^v - 1)(2^w - 1): one ADC bit fewer than
    required saturates, the required bits do not."""
    opts = dict(opts, flip_encoding=False, weight_bits=4 * opts["cell_bits"])
    opts["adc_bits"] = required_adc_bits(opts["rows"], opts["dac_bits"], opts["cell_bits"], False)
    opts["cols"] = max(opts["cols"], 4)
    w = np.full((opts["rows"], 3), 2 ** (opts["weight_bits"] - 1) - 1, np.int64)
    x = np.full(opts["rows"], -1, np.int64)
    if opts["input_bits"] == 1:
        opts["input_bits"] = 2  # a 1-bit input has only the sign cycle, which drives level 1
    assert matvec(w, x, **opts).adc_saturations == 0
    assert matvec(w, x, **dict(opts, adc_bits=opts["adc_bits"] - 1)).adc_saturations > 0


def test_flip_off_saturates_with_the_documented_error():
    """docs/functional-model.md section 5: 128 rows of 2^15 - 1 times inputs of -1 without the
    flip encoding. Every slice column sums 128 x 3 = 384 > 255 on every cycle."""
    w = np.full((128, 4), HI, np.int64)
    x = np.full(128, -1, np.int64)
    res = matvec(w, x, flip_encoding=False)
    clipped = -255 * (4**8 - 1) // 3  # sum_k 255 4^k x (sum_{t<15} 2^t - 2^15)
    assert np.array_equal(res.outputs, np.full(4, clipped + 2**15 * 128))
    assert res.outputs[0] == -1376171 and exact_matvec(w, x)[0] == -4194176
    assert res.adc_saturations == 4 * 8 * 16
    assert np.array_equal(matvec(w, x).outputs, exact_matvec(w, x))  # the encoding fixes it


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 200), st.integers(1, 3))
def test_flip_off_dense_large_operands_match_the_twin(seed, n_rows, n_out):
    rng = np.random.default_rng(seed)
    w = rng.integers(2**14, 2**15, (n_rows, n_out))        # stored slices mostly large
    x = rng.integers(-(2**15), -(2**14), (2, n_rows))      # negative: low bits dense
    res = matvec(w, x, flip_encoding=False)
    twin = naive_matvec(w, x, flip_encoding=False)
    assert np.array_equal(res.outputs, np.array(twin["outputs"]))
    assert res.adc_saturations == twin["adc_saturations"]
    if n_rows >= 128:
        assert res.adc_saturations > 0
        assert not np.array_equal(res.outputs, exact_matvec(w, x))


def test_options_from_arch_are_isaac_defaults():
    opts = options_from_arch(load_arch("isaac-ce"))
    assert opts == {k: DEFAULTS[k] for k in opts}
    assert required_adc_bits(128, 1, 2, True) == DEFAULTS["adc_bits"]


def test_counters_at_isaac_settings():
    """576 rows x 64 outputs: 5 row blocks x 4 column blocks (16 weights of 8 slices per array),
    16 bit-cycles per input vector; each read converts 128 data columns and the unit column."""
    rng = np.random.default_rng(1)
    w = rng.integers(LO, HI + 1, (576, 64))
    x = rng.integers(LO, HI + 1, (3, 576))
    res = matvec(w, x)
    assert (res.row_blocks, res.col_blocks, res.bit_cycles) == (5, 4, 16)
    assert res.array_reads == 3 * 5 * 4 * 16
    assert res.adc_conversions == res.array_reads * 129
    single = matvec(w, x[0])
    assert single.outputs.shape == (64,) and np.array_equal(single.outputs, res.outputs[0])
    assert not res.outputs.flags.writeable


def test_wide_values_fall_back_to_python_ints():
    w = np.full((4, 1), 2**30, np.int64)
    x = np.full(4, -(2**30), np.int64)
    ref = exact_matvec(w, x)
    assert ref.dtype == np.int64 and ref[0] == -(2**62)
    big = exact_matvec(np.full((2**20, 1), 2**31 - 1, np.int64), np.full(2**20, 2**31 - 1))
    assert big.dtype == object and big[0] == 2**20 * (2**31 - 1) ** 2
