"""Packing into IMAs, tiles and chips; home tiles; buffer capacities; every shipped network."""

import math

import pytest

from isaacsim.errors import InputError
from isaacsim.network import builtin_networks, load_network
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.mapping import map_network
from isaacsim.targets.isaac.mapping.packing import buffer_capacities, home_shares, pack


@pytest.fixture(scope="module")
def arch():
    return load_arch("isaac-ce")


def test_layer_packing_whole_imas_and_tiles():
    p = pack([4, 20, 97], arrays_per_ima=8, imas_per_tile=12, tiles_per_chip=2)
    assert [pl.imas for pl in p.placements] == [1, 3, 13]
    assert [pl.tiles for pl in p.placements] == [(0,), (1,), (2, 3)]
    assert (p.arrays, p.imas, p.tiles, p.chips) == (121, 17, 4, 2)


def test_shared_packing_is_dense():
    p = pack([4, 20, 97], arrays_per_ima=8, imas_per_tile=12, tiles_per_chip=2, packing="shared")
    assert [pl.imas for pl in p.placements] == [1, 3, 13]  # arrays 0-3, 4-23, 24-120
    assert [pl.tiles for pl in p.placements] == [(0,), (0,), (0, 1)]
    assert (p.imas, p.tiles, p.chips) == (math.ceil(121 / 8), 2, 1)


def test_shared_packing_moves_a_layer_whose_buffer_would_not_fit():
    p = pack([4, 4, 4], 8, 12, 168, "shared", buffer_bytes=[40, 40, 20], edram_bytes=64)
    assert [pl.tiles for pl in p.placements] == [(0,), (1,), (1,)]


def test_home_shares():
    assert home_shares([0, 1, 2], [10, 20, 30], 64) == [64, 64, 64]
    assert home_shares([0, 0, 1], [16, 48, 30], 64) == [16, 48, 64]
    assert home_shares([0, 0], [60, 60], 64) == [32, 32]


def test_buffer_capacities_pool_the_tiles_that_are_no_home():
    # the home share plus a whole eDRAM per other tile that is no layer's home
    assert buffer_capacities([(0,), (1, 2, 3), (4,)], [10, 20, 30], 64) == [64, 192, 64]
    # shared packing: tile 1 is the first layer's home, so the second pools only tile 2, and the
    # second and third split their home tile 3 in proportion to need (48 : 16)
    assert buffer_capacities([(0, 1), (1, 2, 3), (3,)], [16, 48, 16], 64) == [
        64 + 64, 48 + 64, 16]


@pytest.mark.parametrize("name", builtin_networks())
@pytest.mark.parametrize("replication", ["none", "isaac"])
@pytest.mark.parametrize("packing", ["layer", "shared"])
def test_every_shipped_network_maps(arch, name, replication, packing):
    net = load_network(name)
    if (name, replication, packing) == ("efficientnet_b0", "none", "shared"):
        # a 5x5 depthwise conv on a 56-wide map needs (60 x 4 + 5) x 144 x 2 = 70,560 bytes of
        # buffer; packed densely its tiles are other layers' homes, so it gets one 64 KiB eDRAM
        with pytest.raises(InputError, match="needs 70,560 bytes but gets 65,536"):
            map_network(net, arch, replication=replication, packing=packing)
        return
    m = map_network(net, arch, replication=replication, packing=packing)
    assert [lm.name for lm in m.layers] == [layer.name for layer in net.layers]
    used = set()
    for layer, lm in zip(net.layers, m.layers):
        if layer.uses_crossbars:
            assert lm.arrays == lm.arrays_per_replica * lm.replication > 0
            assert lm.home_tile == lm.tiles[-1] and list(lm.tiles) == list(
                range(lm.tiles[0], lm.tiles[-1] + 1))
            assert lm.first_chip == lm.tiles[0] // 168 and lm.last_chip == lm.tiles[-1] // 168
            assert lm.buffer_bytes <= lm.buffer_capacity_bytes
            assert lm.imas >= math.ceil(lm.arrays / 8)
            if packing == "layer":
                assert not used & set(lm.tiles)  # a tile serves one layer
                assert lm.buffer_home_bytes == arch.edram_bytes
                assert lm.buffer_capacity_bytes == arch.edram_bytes * len(lm.tiles)  # pooled
            used |= set(lm.tiles)
        else:
            producer = layer.inputs[0]
            expect = 0 if producer == "input" else m.layer(producer).home_tile
            assert lm.home_tile == expect and lm.arrays == 0 and lm.tiles == ()
    assert m.totals.arrays == sum(lm.arrays for lm in m.layers)
    assert m.totals.tiles == max(used) + 1
    assert m.chips == m.totals.chips == math.ceil(m.totals.tiles / 168)
    assert m.totals.imas <= sum(lm.imas for lm in m.layers)


def test_small_edram_names_the_layer_need_and_capacity():
    arch = load_arch("isaac-ce", {"tile.edram.bytes": 2048})
    with pytest.raises(InputError) as info:
        map_network(load_network("vgg16"), arch)
    text = str(info.value)
    # conv5_1 pools the eDRAM of its 12 tiles: 24,576 bytes for a need of 35,840
    assert "layer 'conv5_1'" in text and "35,840 bytes" in text and "24,576 bytes" in text
    assert "arch.tile.edram.bytes=2987" in text  # ceil(35,840 / 12)
    assert "conv4_2" not in text  # 64,512 bytes fit in 48 tiles of 2,048


def test_network_without_crossbar_layers(arch):
    from isaacsim.network import network_from_dict
    net = network_from_dict({"format_version": 1, "name": "p",
                             "input": {"height": 4, "width": 4, "channels": 1},
                             "layers": [{"name": "p", "kind": "maxpool", "kernel": 2}]})
    with pytest.raises(InputError, match="no conv or fc layer"):
        map_network(net, arch)
