"""The crop predictor's rule (isaacsim.predictor.rule): energies against a direct loop, the band
geometry against the crop windows, the decision on images built to have a known answer."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isaacsim.crop import ALL_VECTORS, window
from isaacsim.errors import InputError
from isaacsim.predictor import KERNELS, kernel_stack, parse_kernels, parse_threshold, predict, vector_at
from isaacsim.predictor.rule import band_slices, densities, gradient_energy


def direct_energy(image, kernels):
    """Sum over kernels and channels of |response| at each interior pixel, by plain loops."""
    c, h, w = image.shape
    out = np.zeros((h - 2, w - 2))
    for k in kernels:
        for ch in range(c):
            for y in range(1, h - 1):
                for x in range(1, w - 1):
                    s = sum(k[i][j] * float(image[ch, y - 1 + i, x - 1 + j])
                            for i in range(3) for j in range(3))
                    out[y - 1, x - 1] += abs(s)
    return out


def test_energy_matches_a_direct_loop():
    rng = np.random.default_rng(1)
    image = rng.normal(size=(3, 9, 11)).astype(np.float32)
    kernels = kernel_stack(("sobel", "laplace", "scharr"))
    np.testing.assert_allclose(gradient_energy(image, kernels), direct_energy(image, kernels),
                               rtol=1e-12, atol=1e-9)


def test_every_kernel_ignores_brightness():
    flat = np.full((3, 8, 8), 3.7)
    for name in KERNELS:
        assert np.allclose(gradient_energy(flat, kernel_stack((name,))), 0)


@given(st.integers(3, 300), st.integers(3, 300), st.sampled_from(["1/4", "1/8", "0.3", "1/3"]))
def test_bands_are_what_one_side_crops(h, w, f):
    bands = band_slices(h, w, f)
    for i, side in enumerate(("top", "bottom", "left", "right")):
        win = window(h, w, ALL_VECTORS[1 << (3 - i)], f)
        mask = np.ones((h, w), bool)
        mask[win.row_start:win.row_stop, win.col_start:win.col_stop] = False
        got = np.zeros((h, w), bool)
        got[bands[side]] = True
        assert (got == mask).all()
    centre = window(h, w, "1111", f)
    assert bands["centre"] == (slice(*centre.rows), slice(*centre.cols))


def textured(h=64, w=64, rows=(16, 48), cols=(16, 48), seed=0):
    """Noise inside rows x cols, a constant elsewhere."""
    rng = np.random.default_rng(seed)
    image = np.full((3, h, w), 0.2)
    image[:, rows[0]:rows[1], cols[0]:cols[1]] = rng.normal(size=(3, rows[1] - rows[0],
                                                                  cols[1] - cols[0]))
    return image


def test_object_in_the_centre_crops_all_sides():
    assert str(predict(textured(), threshold=0.5).vector) == "1111"


def test_object_reaching_a_border_keeps_that_side():
    # the object runs from the top edge down and from the left edge to the centre's right edge
    p = predict(textured(rows=(0, 48), cols=(0, 48)), threshold=0.5)
    assert str(p.vector) == "0101"
    assert p.ratios[0] > 0.5 and p.ratios[2] > 0.5 and p.ratios[1] < 0.1 and p.ratios[3] < 0.1


def test_flat_image_is_never_cropped():
    p = predict(np.zeros((3, 32, 32)), threshold=1e6)
    assert str(p.vector) == "0000" and all(math.isinf(r) for r in p.ratios)
    assert p.centre_density == 0


def test_ratios_are_band_densities_over_the_centre():
    image = textured(seed=3, rows=(5, 60), cols=(10, 40))
    p = predict(image, ("sobel",), 0.5, "1/4")
    d = densities(gradient_energy(image, kernel_stack(("sobel",))), 64, 64, "1/4")
    assert p.ratios == pytest.approx(tuple(d[s] / d["centre"] for s in ("top", "bottom", "left",
                                                                         "right")))
    # the decision is the strict comparison density < T x centre
    for t in (0.0, 0.3, 1.0, 2.0):
        assert vector_at(p.ratios, t).bits == tuple(d[s] < t * d["centre"] for s in
                                                     ("top", "bottom", "left", "right"))


@given(st.lists(st.floats(0, 10), min_size=4, max_size=4), st.floats(0, 5), st.floats(0, 5))
def test_a_higher_threshold_crops_a_superset(ratios, a, b):
    lo, hi = sorted((a, b))
    assert vector_at(ratios, hi).covers(vector_at(ratios, lo))


def test_kernel_names_are_checked():
    assert parse_kernels("sobel, laplace") == ("sobel", "laplace")
    assert kernel_stack(("sobel", "laplace")).shape == (3, 3, 3)
    with pytest.raises(InputError, match="did you mean 'sobel'"):
        parse_kernels("sobol")
    with pytest.raises(InputError, match="named twice"):
        parse_kernels("sobel,sobel")
    with pytest.raises(InputError, match="kernel names"):
        parse_kernels("")


@pytest.mark.parametrize("bad", ["-0.1", "nan", "inf", "x", "1e7", True])
def test_threshold_is_checked(bad):
    with pytest.raises(InputError, match="--threshold"):
        parse_threshold(bad)
