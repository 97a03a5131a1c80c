"""Replication policies and chip budgets (docs/mapping.md, "Replication")."""

import math

import pytest

from isaacsim.errors import InputError
from isaacsim.network import load_network
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.mapping import array_grid, isaac_replication, map_network, no_replication, scaled
from isaacsim.targets.isaac.mapping.build import _pack


@pytest.fixture(scope="module")
def arch():
    return load_arch("isaac-ce")


def test_vgg16_isaac_replication():
    rep = isaac_replication(load_network("vgg16"))
    assert rep["conv1_1"] == rep["conv1_2"] == 256
    assert rep["conv2_1"] == rep["conv2_2"] == 64
    assert rep["conv3_1"] == rep["conv3_3"] == 16
    assert rep["conv4_1"] == rep["conv4_3"] == 4
    assert rep["conv5_1"] == rep["conv5_3"] == 1
    assert rep["fc6"] == rep["fc7"] == rep["fc8"] == 1
    assert "pool1" not in rep


def test_resnet18_branches_and_projections():
    rep = isaac_replication(load_network("resnet18"))
    assert rep["conv1"] == 256  # pool1 (stride 2) then res2 at x64
    assert rep["res2_0_conv1"] == rep["res2_1_conv2"] == 64
    # a projection and the strided conv beside it read the same map at the same rate
    assert rep["res3_0_proj"] == rep["res3_0_conv1"] == rep["res3_0_conv2"] == 16
    assert rep["res4_0_proj"] == 4 and rep["res5_0_proj"] == rep["res5_1_conv2"] == 1
    assert rep["fc"] == 1


def test_alexnet_uses_pooling_strides():
    rep = isaac_replication(load_network("alexnet"))
    assert (rep["conv1"], rep["conv2"], rep["conv3"], rep["conv5"]) == (16, 4, 1, 1)


def test_scaled_and_none():
    rep = isaac_replication(load_network("vgg16"))
    assert scaled(rep, 3)["conv1_1"] == 86 and scaled(rep, 3)["conv5_1"] == 1
    assert set(scaled(rep, 256).values()) == {1}
    assert set(no_replication(load_network("vgg16")).values()) == {1}
    with pytest.raises(ValueError):
        scaled(rep, 0)


@pytest.mark.parametrize("chips", [5, 6, 7, 8, 100])
def test_chip_budget_is_the_largest_that_fits(arch, chips):
    vgg = load_network("vgg16")
    m = map_network(vgg, arch, replication="isaac", chips=chips)
    assert m.totals.chips <= chips
    d = m.replication_divisor
    base = isaac_replication(vgg)
    assert {lm.name: lm.replication for lm in m.layers if lm.arrays} == scaled(base, d)
    if d > 1:  # one less would not fit: the mapping of divisor d - 1 needs more chips
        xbar = [layer for layer in vgg.layers if layer.uses_crossbars]
        grids = {layer.name: array_grid(layer, 16, 128, 128, 2) for layer in xbar}
        assert _pack(xbar, grids, scaled(base, d - 1), arch, "layer").chips > chips
    assert str(chips) in m.describe_replication()


def test_budget_six_chips_halves_vgg(arch):
    m = map_network(load_network("vgg16"), arch, chips=6)
    assert m.replication_divisor == 2 and m.totals.chips == 6
    assert m.layer("conv1_1").replication == 128 and m.layer("conv4_1").replication == 2


def test_budget_too_small_is_an_input_error(arch):
    with pytest.raises(InputError) as info:
        map_network(load_network("vgg16"), arch, chips=4)
    text = str(info.value)
    assert "needs 5 chips even without replication" in text and "budget is 4" in text


def test_budget_with_no_replication_only_checks(arch):
    m = map_network(load_network("vgg16"), arch, replication="none", chips=5)
    assert m.totals.chips == 5 and m.replication_divisor == 1
    with pytest.raises(InputError):
        map_network(load_network("vgg16"), arch, replication="none", chips=4)


def test_bad_options(arch):
    with pytest.raises(InputError) as info:
        map_network(load_network("tiny"), arch, replication="isac", packing="dense",
                    flatten="row", chips=0)
    text = str(info.value)
    assert "did you mean 'isaac'" in text and "packing" in text and "flatten" in text
    assert "chip budget" in text
    assert len(info.value.problems) == 4


def test_chips_computed_from_tiles(arch):
    small = load_arch("isaac-ce", {"chip.tiles": 84})
    vgg = load_network("vgg16")
    a, b = map_network(vgg, arch, replication="none"), map_network(vgg, small, replication="none")
    assert a.totals.tiles == b.totals.tiles
    assert b.totals.chips == math.ceil(b.totals.tiles / 84) > a.totals.chips
