"""Windows, masks and fc row blocks on fixed cases, including the VGG-16 figures of issue 4."""

from fractions import Fraction

import numpy as np
import pytest
from naive_crop import naive_row_blocks, naive_window

from isaacsim.crop import (
    ALL_VECTORS,
    RowBlocks,
    Window,
    crop_margin,
    crop_summary,
    fc_input_mask,
    row_block_mask,
    row_blocks,
    window,
    window_mask,
    windows,
)
from isaacsim.errors import InputError
from isaacsim.network import IMAGE, Shape, load_network


@pytest.fixture(scope="module")
def vgg16():
    return load_network("vgg16")


def test_vgg16_quarter_crop_all_sides(vgg16):
    wins = windows(vgg16, "1111", 0.25)
    assert wins[IMAGE] == Window(56, 168, 56, 168)
    assert wins["conv1_1"] == Window(56, 168, 56, 168)
    assert wins["conv1_1"].pixels == 12_544 and vgg16.layer("conv1_1").output_pixels == 50_176
    assert wins["conv5_3"].rows == (3, 11) and wins["conv5_3"].cols == (3, 11)
    assert wins["pool5"].rows == (1, 6)
    assert wins["fc6"] == Window(0, 1, 0, 1)
    # aqua.md section 2: 224 -> 56 removed, 112 -> 28, 56 -> 14, 28 -> 7, 14 -> 3, 7 -> 1
    removed = {vgg16.layer(n).out_shape.height: wins[n].row_start
               for n in ("conv1_1", "pool1", "pool2", "pool3", "pool4", "pool5")}
    assert removed == {224: 56, 112: 28, 56: 14, 28: 7, 14: 3, 7: 1}


def test_vgg16_fc6_row_blocks(vgg16):
    wins = windows(vgg16, "1111", 0.25)
    pool5 = vgg16.layer("pool5").out_shape
    assert row_blocks(pool5, wins["pool5"], 128, "position") == RowBlocks(100, 196)
    # channel-major: every 128-input block spans positions inside the window
    assert row_blocks(pool5, wins["pool5"], 128, "channel") == RowBlocks(196, 196)
    assert row_blocks(pool5, wins["pool5"], 128, "channel") == naive_row_blocks(
        pool5, wins["pool5"], 128, "channel")
    summary = {m.name: m for m in crop_summary(vgg16, "1111", rows_per_array=128)}
    assert summary["fc6"].row_blocks == (100, 196)
    assert summary["fc7"].row_blocks == (32, 32) and summary["conv5_3"].row_blocks is None
    assert summary[IMAGE].kind == "input"


def test_single_sides_and_no_crop(vgg16):
    assert windows(vgg16, "1000")["conv1_1"] == Window(56, 224, 0, 224)
    assert windows(vgg16, "0100")["pool5"] == Window(0, 6, 0, 7)
    assert windows(vgg16, "0010")["pool4"] == Window(0, 14, 3, 14)
    assert windows(vgg16, "0001", "1/8")["conv1_1"] == Window(0, 224, 0, 196)
    full = windows(vgg16, "0000")
    assert all(w.pixels == vgg16.shape_of(n).pixels for n, w in full.items())


def test_residual_and_strided_layers_follow_their_own_map():
    net = load_network("resnet18")
    wins = windows(net, "1111", 0.25)
    assert wins["conv1"] == Window(28, 84, 28, 84)            # 112 -> 28 removed
    assert wins["res3_0_proj"] == wins["res3_0_add"] == Window(7, 21, 7, 21)
    assert wins["res5_1_add"] == Window(1, 6, 1, 6)           # 7 -> 1 removed
    assert wins["avgpool"] == Window(0, 1, 0, 1)


@pytest.mark.parametrize("size, f, floor, nearest", [
    (224, 0.25, 56, 56), (7, 0.25, 1, 2), (14, 0.25, 3, 4), (2, 0.25, 0, 0), (1, 0.49, 0, 0),
    (3, 0.4, 1, 1), (100, 0.29, 29, 29), (10, 0.125, 1, 1), (12, 0.125, 1, 2)])
def test_crop_margin(size, f, floor, nearest):
    assert crop_margin(size, f, "floor") == floor
    assert crop_margin(size, f, "nearest") == nearest


def test_nearest_never_empties_a_map():
    # nearest rounds 0.45 * 2 = 0.9 up to 1 row per side, which would empty a 2-row map; the cap
    # (size - 1) // 2 applies to every cropped side alike, so that adding a side never re-activates
    # rows that a smaller vector removed
    assert window(2, 2, "1111", 0.45, "nearest") == Window(0, 2, 0, 2)
    assert window(2, 2, "1000", 0.45, "nearest") == Window(0, 2, 0, 2)
    assert window(3, 3, "1111", 0.45, "nearest") == Window(1, 2, 1, 2)


def test_window_matches_naive_on_all_vectors():
    for v in ALL_VECTORS:
        for h, w in [(1, 1), (2, 3), (7, 7), (13, 27), (224, 224)]:
            for f in (Fraction(1, 8), Fraction(1, 4), Fraction(3, 7)):
                for rounding in ("floor", "nearest"):
                    assert tuple(window(h, w, v, f, rounding)) == naive_window(h, w, v, f, rounding)


def test_window_mask():
    mask = window_mask(7, 5, Window(1, 6, 2, 4))
    assert mask.dtype == bool and mask.shape == (7, 5)
    assert mask.sum() == 10 and mask[1, 2] and mask[5, 3] and not mask[0, 2] and not mask[1, 4]


def test_fc_input_mask_orders():
    shape, win = Shape(2, 2, 3), Window(0, 1, 0, 1)            # only position (0, 0) active
    assert fc_input_mask(shape, win, "position").tolist() == [1, 1, 1] + [0] * 9
    assert fc_input_mask(shape, win, "channel").tolist() == [1, 0, 0, 0] * 3


def test_row_block_mask_partial_last_block():
    mask = np.zeros(300, dtype=bool)
    mask[299] = True
    assert row_block_mask(mask, 128).tolist() == [False, False, True]
    with pytest.raises(ValueError):
        row_block_mask(mask, 0)


@pytest.mark.parametrize("shape, rows", [((4, 4, 16), 128), ((5, 3, 7), 10), ((7, 7, 512), 128),
                                         ((3, 3, 1), 4), ((1, 1, 300), 128)])
def test_row_blocks_match_naive(shape, rows):
    shape = Shape(*shape)
    for v in ALL_VECTORS:
        win = window(shape.height, shape.width, v, 0.3)
        for order in ("position", "channel"):
            assert tuple(row_blocks(shape, win, rows, order)) == naive_row_blocks(
                shape, win, rows, order)


def test_bad_arguments(vgg16):
    with pytest.raises(InputError, match="10a1"):
        windows(vgg16, "10a1")
    with pytest.raises(InputError, match="< 1/2"):
        windows(vgg16, "1111", 0.5)
    with pytest.raises(InputError, match="rounding"):
        window(4, 4, "1111", 0.25, "ceil")
    with pytest.raises(InputError, match="flatten"):
        crop_summary(vgg16, "1111", rows_per_array=128, flatten="row")
    with pytest.raises(ValueError):
        crop_margin(0)
