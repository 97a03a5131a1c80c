"""The numba datapath against its slow twin (tests/naive_datapath.py) on random small cases with
every option free: saturating ADCs, flip on and off, FlexPoint shifts d < 0 (rounded right shifts,
all three rules) and d > 0, narrow outputs that saturate. Outputs and all four counters must agree.
Also the rounding rule itself against exact rationals, and the rounding error bound for d < 0.
"""

from fractions import Fraction

import numpy as np
from functional_cases import operands
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from naive_datapath import naive_matvec, round_shift

from isaacsim.functional import ROUNDINGS, DatapathOptions, exact_matvec, matvec
from isaacsim.functional.options import INT64_MAX
from isaacsim.kernels.datapath import ROUND_FLOOR, ROUND_HALF_AWAY, ROUND_HALF_EVEN, shift_round
from isaacsim.targets.isaac.arch.scaling import required_adc_bits

CODES = {"half_even": ROUND_HALF_EVEN, "half_away": ROUND_HALF_AWAY, "floor": ROUND_FLOOR}
COUNTERS = ("adc_saturations", "output_saturations", "array_reads", "adc_conversions")


@st.composite
def small_configurations(draw):
    cell_bits = draw(st.integers(1, 4))
    weight_bits = draw(st.integers(1, 16))
    slices = -(-weight_bits // cell_bits)
    return dict(rows=draw(st.integers(2, 40)), cols=draw(st.integers(slices, 3 * slices + 5)),
                cell_bits=cell_bits, dac_bits=draw(st.integers(1, 3)),
                adc_bits=draw(st.integers(1, 10)), flip_encoding=draw(st.booleans()),
                weight_bits=weight_bits, input_bits=draw(st.integers(1, 16)),
                shift=draw(st.integers(-30, 6)), guard_bits=draw(st.integers(0, 12)),
                output_bits=draw(st.integers(2, 64)),
                rounding=draw(st.sampled_from(ROUNDINGS)))


@settings(max_examples=200, deadline=None)
@given(small_configurations(), st.data())
def test_kernel_matches_the_twin(opts, data):
    w, x = data.draw(operands(weight_bits=opts["weight_bits"], input_bits=opts["input_bits"],
                              max_rows=90, max_out=7, max_batch=3))
    assume(DatapathOptions.from_kwargs(**opts).int64_bound(w.shape[0]) <= INT64_MAX)
    res = matvec(w, x, **opts)
    twin = naive_matvec(w, x, **opts)
    assert res.outputs.tolist() == twin["outputs"]
    assert res.counters() == {k: twin[k] for k in COUNTERS}


@settings(max_examples=40, deadline=None)
@given(st.integers(-30, -1), st.sampled_from(ROUNDINGS), st.data())
def test_isaac_with_right_shifts_matches_the_twin(d, rounding, data):
    w, x = data.draw(operands(weight_bits=16, input_bits=16, max_rows=260, max_out=3, max_batch=2))
    res = matvec(w, x, shift=d, rounding=rounding, output_bits=16)
    twin = naive_matvec(w, x, shift=d, rounding=rounding, output_bits=16)
    assert res.outputs.tolist() == twin["outputs"]
    assert res.counters() == {k: twin[k] for k in COUNTERS}


@settings(max_examples=500, deadline=None)
@given(st.integers(-(2**61), 2**61), st.integers(-62, 8), st.sampled_from(ROUNDINGS))
def test_shift_round_is_the_documented_rule(value, shift, rounding):
    if shift > 0:
        value >>= 8  # keep the left shift inside int64
    assert shift_round(value, shift, CODES[rounding]) == round_shift(value, shift, rounding)


def test_rounding_ties():
    half_even = [shift_round(v, -1, ROUND_HALF_EVEN) for v in (-5, -3, -1, 1, 3, 5)]
    half_away = [shift_round(v, -1, ROUND_HALF_AWAY) for v in (-5, -3, -1, 1, 3, 5)]
    floor = [shift_round(v, -1, ROUND_FLOOR) for v in (-5, -3, -1, 1, 3, 5)]
    assert half_even == [-2, -2, 0, 0, 2, 2]
    assert half_away == [-3, -2, -1, 1, 2, 3]
    assert floor == [-3, -2, -1, 0, 1, 2]


@settings(max_examples=60, deadline=None)
@given(st.integers(-24, 8), st.sampled_from(ROUNDINGS), st.integers(1, 2), st.data())
def test_shift_scales_the_exact_product_within_the_rounding_bound(d, rounding, dac_bits, data):
    """Without saturation, output = exact x 2^d for d >= 0; for d < 0 each of the
    row_blocks x (slices x bit_cycles + 1) rounded terms errs by at most 1/2 (half rules) or
    lies in (-1, 0] (floor)."""
    w, x = data.draw(operands(weight_bits=16, input_bits=16, max_rows=400, max_out=5, max_batch=3))
    adc = required_adc_bits(128, dac_bits, 2, True)
    res = matvec(w, x, shift=d, rounding=rounding, dac_bits=dac_bits, adc_bits=adc)
    exact = exact_matvec(w, x)
    assert res.adc_saturations == 0 and res.output_saturations == 0
    terms = res.row_blocks * (res.options.slices * res.bit_cycles + 1)
    for got, want in zip(res.outputs.ravel().tolist(), exact.ravel().tolist()):
        err = got - Fraction(want) * Fraction(2) ** d
        if d >= 0:
            assert err == 0
        elif rounding == "floor":
            assert -terms < err <= 0
        else:
            assert abs(err) <= Fraction(terms, 2)


@settings(max_examples=60, deadline=None)
@given(st.integers(-30, -1), st.sampled_from(ROUNDINGS), st.data())
def test_guard_bits_bound_the_partial_rounding(d, rounding, data):
    """With g guard bits the partials round at 2^-g output steps and the sum is rounded once:
    |error| <= terms x 2^-g / 2 + 1/2 (half rules); with g >= -d no partial rounds at all and the
    output is exact x 2^d rounded once."""
    guard = data.draw(st.integers(0, 2 - d))
    w, x = data.draw(operands(weight_bits=16, input_bits=16, max_rows=300, max_out=4, max_batch=2))
    res = matvec(w, x, shift=d, guard_bits=guard, rounding=rounding)
    exact = exact_matvec(w, x)
    terms = res.row_blocks * (res.options.slices * res.bit_cycles + 1)
    for got, want in zip(res.outputs.ravel().tolist(), exact.ravel().tolist()):
        scaled = Fraction(want) * Fraction(2) ** d
        if guard >= -d:
            assert got == round_shift(want, d, rounding)
        elif rounding != "floor":
            assert abs(got - scaled) <= Fraction(terms, 2 ** (guard + 1)) + Fraction(1, 2)


def test_narrow_output_saturates_and_counts():
    w = np.full((8, 2), 100, np.int64)
    x = np.array([[100] * 8, [-100] * 8, [1] * 8])
    res = matvec(w, x, output_bits=16)
    assert res.outputs.tolist() == [[32767, 32767], [-32768, -32768], [800, 800]]
    assert res.output_saturations == 4
