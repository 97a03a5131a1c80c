"""Loading architectures: built-ins, complete and base-form files, overrides, round trips, unit
conversions, and the ADC resolution rule of isaac.md 2b."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isaacsim.targets.isaac.arch import builtin_names, load_arch, required_adc_bits


def write(path, obj):
    path.write_text(json.dumps(obj))
    return str(path)


def test_builtin_isaac_ce_parameters():
    a = load_arch()
    assert "isaac-ce" in builtin_names()
    assert (a.name, a.cycle_ns, a.xbar_rows, a.xbar_cols, a.cell_bits) == ("isaac-ce", 100, 128, 128, 2)
    assert (a.dac_bits, a.adc_bits, a.flip_encoding) == (1, 8, True)
    assert (a.arrays_per_ima, a.imas_per_tile, a.tiles_per_chip) == (8, 12, 168)
    assert (a.edram_bytes, a.edram_banks, a.edram_bus_bits, a.tile_bus_wires) == (65536, 2, 256, 384)
    assert (a.tiles_per_router, a.router_ports, a.flit_bits, a.mesh_link_gbytes_per_s) == (4, 8, 32, 3.2)
    assert (a.ht_links, a.ht_link_gbytes_per_s, a.tile_clock_ghz) == (4, 6.4, 1.2)
    assert (a.arrays_per_chip, a.imas_per_chip, a.routers_per_chip) == (16128, 2016, 42)
    assert (a.mesh_routers_x, a.mesh_routers_y) == (7, 6)   # 14 x 12 tiles, 2 x 2 per router


def test_unit_conversions_are_done_at_load():
    a = load_arch()
    assert a.mesh_link_bytes_per_cycle == 320          # 3.2 GB/s x 100 ns
    assert a.mesh_link_bits_per_cycle == 2560 and a.mesh_link_flits_per_cycle == 80
    assert a.ht_link_bytes_per_cycle == 640            # 6.4 GB/s x 100 ns
    assert a.tile_clocks_per_cycle == 120              # 1.2 GHz x 100 ns
    assert a.edram_bytes_per_cycle == 32 * 120 and a.tile_bus_bits_per_cycle == 384 * 120
    assert a.cycles_per_input == 16 and a.slices_per_weight == 8
    assert a.mesh_hop_cycles == 0 and a.ht_latency_cycles == 1
    assert isinstance(a.mesh_hop_cycles, int) and isinstance(a.ht_latency_cycles, int)
    slow = load_arch(sets={"cycle_ns": 200, "mesh.hop_ns": 150})
    assert slow.mesh_link_bytes_per_cycle == 640 and slow.mesh_hop_cycles == 1
    assert slow.ht_latency_cycles == 1   # 100 ns / 200 ns rounds half up


def test_to_dict_round_trips(tmp_path):
    a = load_arch(sets={"ima.adc.bits": 9, "chip.tiles": 84, "name": "half"})
    tree = a.to_dict()
    assert tree["format_version"] == 1 and tree["ima"]["adc"]["bits"] == 9
    assert tree["chip"]["tiles"] == 84
    again = load_arch(write(tmp_path / "x.json", tree))
    assert again == a


def test_auto_bits_are_resolved_in_to_dict():
    tree = load_arch().to_dict()
    assert tree["ima"]["adc"]["bits"] == 8


def test_base_form_file_and_set_precedence(tmp_path):
    path = write(tmp_path / "small.json", {"format_version": 1, "base": "isaac-ce",
                                           "set": {"chip.tiles": 84, "ima.adc.bits": 9}})
    a = load_arch(path)
    assert a.name == "small" and a.tiles_per_chip == 84 and a.adc_bits == 9
    b = load_arch(path, {"ima.adc.bits": 10})
    assert b.adc_bits == 10 and b.tiles_per_chip == 84


def test_base_chain_relative_to_the_file(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "mid.json", {"format_version": 1, "base": "isaac-ce", "name": "mid",
                                          "set": {"tile.imas": 6}})
    top = write(tmp_path / "top.json", {"format_version": 1, "base": "sub/mid.json",
                                        "set": {"ima.arrays": 4}})
    a = load_arch(top)
    assert (a.name, a.imas_per_tile, a.arrays_per_ima) == ("top", 6, 4)


def test_complete_file_without_name_takes_the_file_stem(tmp_path):
    tree = load_arch().to_dict()
    del tree["name"]
    assert load_arch(write(tmp_path / "mine.json", tree)).name == "mine"


def test_sets_do_not_change_the_builtin():
    load_arch(sets={"chip.tiles": 4})
    assert load_arch().tiles_per_chip == 168


def test_timing_stage_parameters():
    a = load_arch(sets={"timing.fetch_cycles": 2})
    assert (a.fetch_cycles, a.adc_cycles, a.ima_sa_cycles, a.tile_sa_cycles) == (2, 1, 1, 1)
    assert (a.act_cycles, a.write_cycles, a.pool_cycles, a.add_cycles) == (1, 1, 0, 1)


def test_required_adc_bits_examples():
    assert required_adc_bits(128, 1, 2, False) == 9    # isaac.md 2b
    assert required_adc_bits(128, 1, 2, True) == 8
    assert required_adc_bits(128, 2, 2, False) == 11
    assert required_adc_bits(100, 1, 2, True) == 8     # 150 fits in 8 bits
    assert required_adc_bits(1, 1, 1, True) == 1
    with pytest.raises(ValueError):
        required_adc_bits(0, 1, 2, True)


@given(log_rows=st.integers(0, 12), v=st.integers(1, 4), w=st.integers(1, 4), flip=st.booleans())
def test_required_adc_bits_follow_the_papers_rule(log_rows, v, w, flip):
    rule = log_rows + v + w - (1 if v == 1 or w == 1 else 0)
    if flip and w > 1:
        rule -= 1      # the encoding halves the largest column sum
    assert required_adc_bits(2 ** log_rows, v, w, flip) == rule


@given(rows=st.integers(1, 5000), v=st.integers(1, 4), w=st.integers(1, 4), flip=st.booleans())
def test_required_adc_bits_cover_the_largest_column_sum(rows, v, w, flip):
    bits = required_adc_bits(rows, v, w, flip)
    largest = rows * (2 ** v - 1) * (2 ** w - 1)
    if flip:
        largest = max(largest // 2, rows * (2 ** v - 1))   # flipped columns, unit column
    assert largest < 2 ** bits
    assert bits == 1 or largest >= 2 ** (bits - 1)
    assert bits <= math.ceil(math.log2(rows * (2 ** v - 1) * (2 ** w - 1) + 1))
