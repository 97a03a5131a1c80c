"""Hypothesis invariants of the crop model (issue 4): for any map, vector, fraction and rounding,

* active pixels never exceed total pixels;
* cropping more sides (a superset vector) never activates more pixels or fc row blocks;
* every layer's window of every shipped network is non-empty for any f in (0, 1/2);
* windows shrink monotonically as f grows.
"""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from naive_crop import naive_row_blocks

from isaacsim.crop import (
    ALL_VECTORS,
    ROUNDINGS,
    CropVector,
    crop_summary,
    fc_input_mask,
    row_blocks,
    window,
    window_mask,
    windows,
)
from isaacsim.network import Shape, builtin_networks, load_network

NETWORKS = {name: load_network(name) for name in builtin_networks()}

sizes = st.integers(min_value=1, max_value=400)
vectors = st.sampled_from(ALL_VECTORS)
roundings = st.sampled_from(ROUNDINGS)
fractions = st.one_of(
    st.floats(min_value=2 ** -20, max_value=0.5, exclude_max=True),
    st.fractions(min_value=0, max_value=Fraction(1, 2), max_denominator=1000).filter(
        lambda f: 0 < f < Fraction(1, 2)))
shapes = st.builds(Shape, st.integers(1, 9), st.integers(1, 9), st.integers(1, 40))
flattens = st.sampled_from(["position", "channel"])


def union(a: CropVector, b: CropVector) -> CropVector:
    return CropVector(*(x or y for x, y in zip(a.bits, b.bits)))


@given(sizes, sizes, vectors, fractions, roundings)
def test_active_never_exceeds_total_and_is_non_empty(h, w, v, f, rounding):
    win = window(h, w, v, f, rounding)
    assert 0 <= win.row_start < win.row_stop <= h
    assert 0 <= win.col_start < win.col_stop <= w
    assert 1 <= win.pixels <= h * w
    assert window_mask(h, w, win).sum() == win.pixels


@given(sizes, sizes, vectors, vectors, fractions, roundings)
def test_more_sides_never_activate_more_pixels(h, w, v, extra, f, rounding):
    bigger = union(v, extra)
    assert bigger.covers(v)
    small_crop, big_crop = window(h, w, v, f, rounding), window(h, w, bigger, f, rounding)
    assert small_crop.contains(big_crop)
    assert big_crop.pixels <= small_crop.pixels


@given(shapes, st.integers(1, 64), vectors, vectors, fractions, roundings, flattens)
def test_more_sides_never_activate_more_row_blocks(shape, rows, v, extra, f, rounding, order):
    bigger = union(v, extra)
    small = row_blocks(shape, window(shape.height, shape.width, v, f, rounding), rows, order)
    big = row_blocks(shape, window(shape.height, shape.width, bigger, f, rounding), rows, order)
    assert big.active <= small.active <= small.total == big.total
    assert big.active >= 1


@given(shapes, st.integers(1, 64), vectors, fractions, flattens)
def test_row_blocks_agree_with_naive(shape, rows, v, f, order):
    win = window(shape.height, shape.width, v, f)
    assert tuple(row_blocks(shape, win, rows, order)) == naive_row_blocks(shape, win, rows, order)
    assert fc_input_mask(shape, win, order).sum() == win.pixels * shape.channels


@given(sizes, sizes, vectors, fractions, fractions, roundings)
def test_windows_are_monotone_in_f(h, w, v, f1, f2, rounding):
    low, high = sorted([Fraction(repr(f)) if isinstance(f, float) else f for f in (f1, f2)])
    assert window(h, w, v, low, rounding).contains(window(h, w, v, high, rounding))


@settings(max_examples=40, deadline=None)
@given(vectors, fractions, roundings)
def test_every_layer_of_every_shipped_network_keeps_a_window(v, f, rounding):
    for net in NETWORKS.values():
        for name, win in windows(net, v, f, rounding).items():
            shape = net.shape_of(name)
            assert 1 <= win.pixels <= shape.pixels


@settings(max_examples=25, deadline=None)
@given(vectors, vectors, fractions, flattens)
def test_network_summaries_are_monotone_in_the_vector(v, extra, f, order):
    net = NETWORKS["vgg16"]
    bigger = union(v, extra)
    small = crop_summary(net, v, f, rows_per_array=128, flatten=order)
    big = crop_summary(net, bigger, f, rows_per_array=128, flatten=order)
    for a, b in zip(small, big):
        assert b.active_pixels <= a.active_pixels <= a.total_pixels
        if a.row_blocks is not None:
            assert b.row_blocks.active <= a.row_blocks.active <= a.row_blocks.total
