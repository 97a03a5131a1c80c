"""FlexPoint calibration and the per-layer numerics (issue 6 item 3): exponents from the largest
magnitudes with headroom, quantization, guard bits, and layer runs whose integer error is zero at
ISAAC's settings and whose float error is operand quantization plus one output rounding."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isaacsim.functional import options_from_arch
from isaacsim.functional.flexpoint import (
    AbsMax,
    Headroom,
    auto_guard_bits,
    calibrate,
    dequantize,
    exponent_for,
    quantize,
    shift_of,
)
from isaacsim.functional.layers import nonnegative_input, sample_rows, weight_columns
from isaacsim.functional.numerics import Sampling, layer_numerics, rounding_steps
from isaacsim.network import load_network
from isaacsim.precision import Exponents, LayerPrecision
from isaacsim.targets.isaac.arch import load_arch

ISAAC = options_from_arch(load_arch("isaac-ce"))


def test_exponent_examples():
    assert exponent_for(1.0, 16) == -14          # 1 <= 32767 x 2^-14, 1 > 32767 x 2^-15
    assert exponent_for(1.0, 16, headroom_bits=1) == -13
    assert exponent_for(32767.0, 16) == 0 and exponent_for(32768.0, 16) == 1
    assert exponent_for(0.0, 16) == 0
    assert exponent_for(1.0, 1) == 0             # 1-bit values: the largest kept mantissa is 1
    assert exponent_for(1e300, 16) == 64 and exponent_for(1e-300, 16) == -64  # clamped
    with pytest.raises(ValueError):
        exponent_for(float("nan"), 16)


@given(st.floats(1e-12, 1e12), st.integers(1, 16), st.integers(0, 3))
def test_exponent_is_the_smallest_that_fits(m, bits, headroom):
    e = exponent_for(m, bits, headroom)
    top = max(2 ** (bits - 1) - 1, 1)
    assert m <= math.ldexp(top, e - headroom)
    assert m > math.ldexp(top, e - 1 - headroom)


def test_quantize_rounds_half_even_and_counts_clips():
    m, clipped = quantize(np.array([0.5, 1.5, 2.5, -2.5, 100.0, -100.0]), 0, 4)
    assert m.tolist() == [0, 2, 2, -2, 7, -8] and clipped == 2
    m, clipped = quantize(np.array([0.75, -0.25]), -2, 16)
    assert m.tolist() == [3, -1] and clipped == 0
    assert dequantize(m, -2).tolist() == [0.75, -0.25]


def test_calibrate_and_shift():
    tracker = AbsMax()
    tracker.update(np.array([0.5, -3.0]))
    tracker.update(np.array([]))
    assert tracker.value == 3.0
    e = calibrate(1.0, 3.0, 40.0, weight_bits=16, input_bits=16, output_bits=16)
    assert e == Exponents(weight=-14, input=-12, output=-8)  # inputs/outputs one spare bit
    assert shift_of(e) == -18
    e = calibrate(1.0, 3.0, 40.0, weight_bits=8, input_bits=8, output_bits=8,
                  headroom=Headroom(input=0, output=0))
    assert e == Exponents(weight=-6, input=-5, output=-1)


def test_guard_bits_and_rounding_bound():
    assert auto_guard_bits(9 * 129, -16) == 11 and auto_guard_bits(9 * 129, -5) == 5
    assert auto_guard_bits(1, -3) == 0 and auto_guard_bits(200, 3) == 0
    assert rounding_steps(129, -14, 0) == Fraction(129, 2)
    assert rounding_steps(129, -14, 8) == Fraction(129, 512) + Fraction(1, 2)
    assert rounding_steps(129, -14, 14) == Fraction(1, 2) and rounding_steps(129, 2, 0) == 0


def test_sampling_is_im2col_with_padding():
    net = load_network("tiny")
    conv2 = net.layer("conv2")  # 3x3 stride 2 pad 1 on 16x16x8
    fmap = np.arange(16 * 16 * 8, dtype=float).reshape(16, 16, 8)
    rows = sample_rows(np.random.default_rng(0), conv2, fmap, pixels=64)
    assert rows.shape == (64, 1, 72)  # every output pixel of the 8x8 map, in raster order
    corner = rows[0, 0].reshape(3, 3, 8)
    assert np.all(corner[0] == 0) and np.all(corner[:, 0] == 0)  # top and left padding
    assert np.array_equal(corner[1:, 1:], fmap[0:2, 0:2])
    assert np.array_equal(rows[9, 0].reshape(3, 3, 8), fmap[1:4, 1:4])  # output (1, 1)
    assert nonnegative_input(net, net.layer("fc1"))
    assert not nonnegative_input(net, net.layer("conv1"))


def test_weight_chunks_do_not_depend_on_the_request():
    conv = load_network("vgg16").layer("conv3_1")
    whole = weight_columns(conv, 7, None, 0, 256)
    assert np.array_equal(weight_columns(conv, 7, None, 10, 20), whole[:, 10:20])
    assert not np.array_equal(weight_columns(conv, 8, None, 0, 256), whole)


@pytest.mark.parametrize("network, layer", [("tiny", "conv1"), ("tiny", "conv2"), ("tiny", "fc1"),
                                            ("alexnet", "conv2")])
def test_layer_numerics_at_isaac_settings(network, layer):
    net = load_network(network)
    res = layer_numerics(net, net.layer(layer), ISAAC, LayerPrecision(),
                         Sampling(images=2, pixels=8, seed=3))
    assert res.integer_max_abs_error == 0
    assert res.adc_saturations == res.output_saturations == 0
    # float error = operand quantization + datapath rounding, within the deterministic bound ...
    assert res.float_rms_error <= res.quantization_rms_error + res.rounding_bound
    # ... and statistically what operand quantization plus one output rounding predict
    assert res.float_rms_error == pytest.approx(res.expected_rms_error, rel=0.3)
    assert res.float_relative_error < 1e-3


def test_guard_bits_zero_rounds_every_partial():
    net = load_network("vgg16")
    layer = net.layer("conv3_1")
    auto = layer_numerics(net, layer, ISAAC, LayerPrecision(), Sampling(images=1, pixels=4))
    bare = layer_numerics(net, layer, ISAAC, LayerPrecision(),
                          Sampling(images=1, pixels=4, guard_bits=0))
    assert auto.guard_bits == 11 and bare.guard_bits == 0
    assert bare.integer_max_abs_error == 0
    assert bare.float_rms_error > 5 * auto.float_rms_error  # biased truncation of small partials
    assert bare.float_rms_error <= bare.quantization_rms_error + bare.rounding_bound


def test_low_precision_layer():
    net = load_network("tiny")
    res = layer_numerics(net, net.layer("conv2"), ISAAC,
                         LayerPrecision(weight_bits=8, activation_bits=8),
                         Sampling(images=1, pixels=16))
    assert (res.weight_bits, res.input_bits, res.output_bits) == (8, 8, 8)
    assert res.integer_max_abs_error == 0
    assert res.array_reads == 16 * 1 * 1 * 8  # 16 samples, 1 row block, 1 col block, 8 cycles
    assert 1e-3 < res.float_relative_error < 3e-2
