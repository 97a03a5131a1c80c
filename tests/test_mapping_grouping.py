"""`mapping.grouping`: a grouped (depthwise) convolution's groups on arrays of their own or packed
side by side on an array's diagonal."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.network import network_from_dict
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.mapping import map_network
from isaacsim.targets.isaac.mapping.arrays import array_grid, arrays_per_replica
from isaacsim.workload import load_workload

DEPTHWISE = {"format_version": 1, "name": "dw", "input": {"height": 8, "width": 8, "channels": 32},
             "layers": [{"name": "dw", "kind": "conv", "kernel": 3, "padding": 1,
                         "out_channels": 32, "groups": 32, "activation": "relu6"},
                        {"name": "pw", "kind": "conv", "kernel": 1, "out_channels": 16,
                         "activation": "none"}]}


def test_a_depthwise_layer_packs_fourteen_groups_per_array():
    layer = network_from_dict(DEPTHWISE).layer("dw")
    separate = array_grid(layer, 16, 128, 128, 2)
    assert (separate.arrays, separate.cols_per_col_block[:2]) == (32, (8, 8))
    # 9 rows and 16 / 2 = 8 columns per group: 128 // 9 = 14 groups fit (128 // 8 = 16 would)
    g = array_grid(layer, 16, 128, 128, 2, "diagonal")
    assert (g.row_blocks, g.col_blocks, g.groups_per_array) == (1, 3, 14)
    assert g.rows_per_row_block == (9,) and g.cols_per_col_block == (112, 112, 32)
    assert arrays_per_replica(layer, 16, 128, 128, 2, "diagonal") == 3


@settings(max_examples=200, deadline=None)
@given(groups=st.integers(1, 64), per_group=st.integers(1, 8), kernel=st.integers(1, 5),
       out_mult=st.integers(1, 3), bits=st.integers(1, 16), rows=st.sampled_from([16, 64, 128]),
       cols=st.sampled_from([16, 64, 128]))
def test_diagonal_grids_hold_every_weight_once(groups, per_group, kernel, out_mult, bits, rows,
                                               cols):
    c = groups * per_group
    net = network_from_dict({"format_version": 1, "name": "g",
                             "input": {"height": 6, "width": 6, "channels": c},
                             "layers": [{"name": "l", "kind": "conv", "kernel": kernel,
                                         "padding": kernel // 2, "out_channels": c * out_mult,
                                         "groups": groups, "activation": "none"}]})
    layer = net.layer("l")
    g = array_grid(layer, bits, rows, cols, 2, "diagonal")
    slices = -(-bits // 2)
    assert g.arrays == arrays_per_replica(layer, bits, rows, cols, 2, "diagonal")
    assert g.arrays <= array_grid(layer, bits, rows, cols, 2).arrays
    # every group's weight columns appear once; no array holds more rows or columns than it has
    assert sum(g.cols_per_col_block) == layer.out_channels * slices
    assert max(g.cols_per_col_block) <= cols
    assert g.groups_per_array * sum(g.rows_per_row_block) <= rows or g.groups_per_array == 1


def _workload(tmp_path, grouping):
    net = tmp_path / "dw.json"
    net.write_text(json.dumps(DEPTHWISE))
    trace = tmp_path / "trace.csv"
    if not trace.exists():
        assert main(["traces", "synth", "--network", str(net), "--images", "4", "--seed", "5",
                     "--out", str(trace)]) == 0
    wl = tmp_path / f"{grouping}.json"
    wl.write_text(json.dumps({"format_version": 1, "name": grouping, "network": str(net),
                              "arch": "isaac-ce", "trace": str(trace),
                              "mapping": {"grouping": grouping}}))
    return wl


def test_diagonal_grouping_reads_the_same_rows_with_fewer_arrays_on_both_engines(tmp_path):
    layers = {}
    for grouping in ("separate", "diagonal"):
        wl = _workload(tmp_path, grouping)
        runs = []
        for engine in ("fast", "reference"):
            out = tmp_path / f"{grouping}_{engine}"
            assert main(["run", str(wl), "--engine", engine, "--out", str(out),
                         "--progress", "off"]) == 0
            runs.append(pd.read_csv(out / "layers.csv"))
        pd.testing.assert_frame_equal(*runs)
        layers[grouping] = runs[0].set_index(["image_id", "layer"])
    sep, diag = layers["separate"], layers["diagonal"]
    dw = [i for i in sep.index if i[1] == "dw"]
    for i in dw:
        # the same 32 x 9 rows driven, the same 32 x 8 weight columns converted per read; the unit
        # columns and array reads drop from 32 arrays to 3
        assert diag.loc[i, "dac_drives"] == sep.loc[i, "dac_drives"] > 0
        bits = sep.loc[i, "bit_cycles"]
        assert sep.loc[i, "adc_conversions"] == bits * 32 * (8 + 1)
        assert diag.loc[i, "adc_conversions"] == bits * (32 * 8 + 3)
        assert (sep.loc[i, "array_reads"], diag.loc[i, "array_reads"]) == (bits * 32, bits * 3)


def test_map_reports_grouping_and_utilisation(tmp_path, capsys):
    wl = _workload(tmp_path, "diagonal")
    capsys.readouterr()
    assert main(["map", str(wl), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    dw = next(lm for lm in out["layers"] if lm["name"] == "dw")
    assert out["grouping"] == "diagonal" and dw["groups_per_array"] == 14
    # cells: 32 groups x 9 rows x 8 columns over 3 arrays of 128 x 128 (one replica each x 4)
    assert dw["cells_used"] / dw["cells_allocated"] == pytest.approx(32 * 9 * 8 / (3 * 128 * 128))
    assert dw["row_utilization"] == pytest.approx(32 * 9 / (3 * 128))


def test_an_unknown_grouping_is_refused_at_its_key(tmp_path):
    wl = _workload(tmp_path, "separate")
    with pytest.raises(InputError, match=r"\$\.mapping\.grouping.*'diagonal'"):
        load_workload(str(wl), {"mapping.grouping": "diagnal"})


def test_mobilenet_v2_fits_one_chip_with_diagonal_grouping():
    arch = load_arch("isaac-ce")
    net = load_workload("mobilenet_v2_cropped").network
    assert map_network(net, arch).totals.chips == 4
    packed = map_network(net, arch, grouping="diagonal")
    assert (packed.totals.arrays, packed.totals.chips) == (11_145, 1)
