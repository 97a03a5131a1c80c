"""Arrays per layer, blocks, grouped convs and rolling buffers (docs/mapping.md)."""

import math

import pytest

from isaacsim.network import load_network, network_from_dict
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.mapping import array_grid, map_network, rolling_buffer_bytes
from isaacsim.targets.isaac.mapping.arrays import split


def test_split():
    assert split(300, 128) == (128, 128, 44)
    assert split(256, 128) == (128, 128)
    assert split(5, 128) == (5,)
    assert split(0, 128) == ()


def test_blocks_of_a_partial_layer():
    layer = load_network("vgg16").layer("fc8")
    g = array_grid(layer, 16, 128, 128, 2)
    assert (g.row_blocks, g.col_blocks, g.arrays) == (32, 63, 2016)
    assert g.rows_per_row_block == (128,) * 32
    assert g.cols_per_col_block == (128,) * 62 + (64,)
    assert sum(g.cols_per_col_block) == 1000 * 8
    conv = load_network("vgg16").layer("conv1_1")
    g = array_grid(conv, 16, 128, 128, 2)
    assert g.rows_per_row_block == (27,) and g.cols_per_col_block == (128,) * 4


def test_weight_straddling_columns_follows_the_formula():
    layer = load_network("vgg16").layer("conv2_1")  # 64 * 9 rows, 128 outputs
    g = array_grid(layer, 6, 128, 128, 2)  # 3 slices per weight
    assert g.slices_per_weight == 3
    assert g.col_blocks == math.ceil(128 * 3 / 128) == 3
    assert g.row_blocks == math.ceil(576 / 128)


def test_grouped_conv_has_arrays_per_group():
    alex = load_network("alexnet")
    conv2 = alex.layer("conv2")  # 27x27x96 -> 256, 5x5, groups 2
    assert conv2.groups == 2 and conv2.fan_in == 5 * 5 * 48
    g = array_grid(conv2, 16, 128, 128, 2)
    per_group_cols = math.ceil(128 * 8 / 128)
    assert g.row_blocks == math.ceil(1200 / 128) == 10
    assert g.col_blocks == 2 * per_group_cols == 16
    assert g.arrays == 160
    assert sum(g.cols_per_col_block) == 256 * 8
    assert g.rows_per_row_block == (128,) * 9 + (48,)


def test_flip_encoding_unit_column_does_not_change_the_count():
    vgg = load_network("vgg16")
    on = map_network(vgg, load_arch("isaac-ce"), replication="none")
    off = map_network(vgg, load_arch("isaac-ce", {"ima.xbar.flip_encoding": False,
                                                  "ima.adc.bits": 9}), replication="none")
    assert on.totals == off.totals


def test_rolling_buffer_formula():
    net = network_from_dict({
        "format_version": 1, "name": "b", "input": {"height": 10, "width": 12, "channels": 5},
        "layers": [
            {"name": "c", "kind": "conv", "kernel": [3, 5], "padding": [1, 2], "out_channels": 4,
             "activation": "relu"},
            {"name": "f", "kind": "fc", "out_features": 3, "activation": "none"}]})
    assert rolling_buffer_bytes(net.layer("c")) == ((12 + 4) * 2 + 5) * 5 * 2
    assert rolling_buffer_bytes(net.layer("f")) == 10 * 12 * 4 * 2
    with pytest.raises(ValueError):
        array_grid(load_network("vgg16").layer("pool1"), 16, 128, 128, 2)


def test_other_array_sizes():
    arch = load_arch("isaac-ce", {"ima.xbar.rows": 64, "ima.xbar.cols": 256, "ima.adc.bits": 8})
    m = map_network(load_network("vgg16"), arch, replication="none")
    lm = m.layer("conv3_1")
    assert lm.row_blocks == math.ceil(1152 / 64)
    assert lm.col_blocks == math.ceil(256 * 8 / 256)
