"""Hypothesis invariants of the mapping."""

from hypothesis import given, settings
from hypothesis import strategies as st

from isaacsim.network import builtin_networks, load_network, network_from_dict
from isaacsim.precision import uniform_precision
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.mapping import array_grid, isaac_replication, map_network, no_replication

ARCH = load_arch("isaac-ce")
NETWORKS = {name: load_network(name) for name in builtin_networks()}


@st.composite
def conv_nets(draw):
    """Random small chains of convs and pools ending in an fc (buffers fit in 64 KB)."""
    size = 16
    channels = in_channels = draw(st.integers(1, 8))
    layers = []
    for i in range(draw(st.integers(1, 5))):
        if size >= 2 and draw(st.booleans()):
            layers.append({"name": f"p{i}", "kind": "maxpool", "kernel": 2, "stride": 2})
            size //= 2
        else:
            k = draw(st.sampled_from([1, 3, 5]))
            stride = draw(st.sampled_from([1, 1, 2]))
            groups = draw(st.sampled_from([1, 2]))
            if channels % groups:
                groups = 1
            out = draw(st.integers(1, 30)) * groups
            layers.append({"name": f"c{i}", "kind": "conv", "kernel": k, "stride": stride,
                           "padding": k // 2, "out_channels": out, "groups": groups,
                           "activation": "relu"})
            size = (size + 2 * (k // 2) - k) // stride + 1
            channels = out
    layers.append({"name": "fc", "kind": "fc", "out_features": draw(st.integers(1, 300)),
                   "activation": "none"})
    return network_from_dict({"format_version": 1, "name": "r", "layers": layers,
                              "input": {"height": 16, "width": 16, "channels": in_channels}},
                            "random")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(NETWORKS)), st.integers(1, 15), st.integers(1, 4),
       st.sampled_from([64, 128, 256]))
def test_more_weight_bits_never_fewer_arrays(name, bits, cell_bits, cols):
    for layer in NETWORKS[name].layers:
        if layer.uses_crossbars:
            fewer = array_grid(layer, bits, 128, cols, cell_bits)
            more = array_grid(layer, bits + 1, 128, cols, cell_bits)
            assert more.arrays >= fewer.arrays
            assert sum(more.cols_per_col_block) >= sum(fewer.cols_per_col_block)


@settings(max_examples=60, deadline=None)
@given(conv_nets(), st.integers(1, 16))
def test_random_networks_map_and_isaac_is_at_least_none(net, bits):
    prec = uniform_precision(net, weight_bits=bits)
    none = map_network(net, ARCH, prec, replication="none")
    isaac = map_network(net, ARCH, prec, replication="isaac")
    for a, b in zip(none.layers, isaac.layers):
        assert b.replication >= a.replication >= 1
        assert b.arrays >= a.arrays
        if a.arrays:
            assert a.arrays == a.row_blocks * a.col_blocks
            assert sum(a.rows_per_row_block) == net.layer(a.name).fan_in
    assert isaac.totals.arrays >= none.totals.arrays
    assert isaac.totals.chips >= none.totals.chips


def test_isaac_at_least_none_on_shipped_networks():
    for net in NETWORKS.values():
        isaac, none = isaac_replication(net), no_replication(net)
        assert isaac.keys() == none.keys()
        assert all(isaac[k] >= none[k] == 1 for k in isaac)
