"""Image preprocessing for the oracle and the predictor (`isaacsim.oracle.images`), against
arithmetic done here on the pixels written."""

from __future__ import annotations

import numpy as np
import pytest

Image = pytest.importorskip("PIL.Image")

from isaacsim.errors import InputError  # noqa: E402
from isaacsim.oracle import IMAGENET_MEAN, IMAGENET_STD, list_images, load_image  # noqa: E402


def _png(path, pixels):
    Image.fromarray(pixels).save(path)
    return path


def test_centre_crop_scale_and_normalise(tmp_path):
    """4 x 6 (rows x columns), short side already 4: no resize; the crop takes columns 1..4."""
    pixels = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3) * 3
    got = load_image(_png(tmp_path / "a.png", pixels), resize=4, size=4)
    assert got.shape == (3, 4, 4) and got.dtype == np.float32
    crop = pixels[:, 1:5].astype(np.float32) / np.float32(255)
    expected = ((crop - np.float32(IMAGENET_MEAN)) / np.float32(IMAGENET_STD)).transpose(2, 0, 1)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_short_side_resized_and_uniform_colour_kept(tmp_path):
    """A 40 x 80 image of one colour: resized to 32 x 64, centre 32 x 32; every pixel keeps the
    colour (bilinear interpolation of equal values)."""
    pixels = np.empty((40, 80, 3), np.uint8)
    pixels[:] = (200, 100, 50)
    got = load_image(_png(tmp_path / "b.png", pixels), resize=32, size=32, mean=(0, 0, 0),
                     std=(1, 1, 1))
    assert got.shape == (3, 32, 32)
    for c, value in enumerate((200, 100, 50)):
        np.testing.assert_allclose(got[c], value / 255, rtol=1e-6)


def test_grey_and_alpha_become_rgb(tmp_path):
    grey = np.full((8, 8), 128, np.uint8)
    got = load_image(_png(tmp_path / "g.png", grey), resize=8, size=8, mean=(0, 0, 0),
                     std=(1, 1, 1))
    assert got.shape == (3, 8, 8) and np.allclose(got, 128 / 255)
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255
    got = load_image(_png(tmp_path / "rgba.png", rgba), resize=8, size=8, mean=(0, 0, 0),
                     std=(1, 1, 1))
    assert np.allclose(got[0], 1.0) and np.allclose(got[1:], 0.0)


def test_list_images_sorted_filtered_and_checked(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name in ("b.png", "a.JPG", "c.txt", ".hidden.png"):
        (folder / name).write_bytes(b"x")
    (folder / "sub.png").mkdir()
    assert [p.name for p in list_images(folder)] == ["a.JPG", "b.png"]
    extra = tmp_path / "z.webp"
    extra.write_bytes(b"x")
    assert [p.name for p in list_images([str(extra), folder])] == ["z.webp", "a.JPG", "b.png"]
    for bad, needle in (([tmp_path / "missing.png"], "no such file"),
                        ([folder / "b.png", folder], "given twice"),
                        ([tmp_path / "imgs" / "sub.png"], "no image files"),
                        ([], "no images given")):
        with pytest.raises(InputError, match=needle):
            list_images(bad)


def test_bad_files_and_options(tmp_path):
    text = tmp_path / "t.png"
    text.write_text("hello")
    with pytest.raises(InputError, match="cannot decode"):
        load_image(text)
    with pytest.raises(InputError, match="no such image file"):
        load_image(tmp_path / "none.png")
    ok = _png(tmp_path / "ok.png", np.zeros((8, 8, 3), np.uint8))
    for kwargs, needle in (({"resize": 8, "size": 16}, "--size"), ({"resize": 0}, "--resize"),
                           ({"mean": (0, 0)}, "--mean"), ({"std": (1, 0, 1)}, "--std"),
                           ({"std": (1, float("nan"), 1)}, "--std")):
        with pytest.raises(InputError, match=needle):
            load_image(ok, **kwargs)
