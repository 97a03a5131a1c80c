"""The full-activity consistency rule (docs/energy-model.md): an IMA, a tile and a chip kept fully
busy for one second by the per-event energies consume the table's power within 1 %.

The event rates are written out here from the fully-busy definitions in docs/energy-model.md, not
taken from `isaacsim.targets.isaac.arch.energy`, so a change of either side shows up.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isaacsim.targets.isaac.arch import full_activity, load_arch


def busy_ima_events_per_s(a):
    """Events per second of one IMA with every array reading every cycle, its ADCs converting and
    its shift-and-add units adding at their own rates (units x samples or operations per second)."""
    cycles = 1e9 / a.cycle_ns
    columns = a.xbar_cols + (1 if a.flip_encoding else 0)   # + the flip encoding's unit column
    reads = a.arrays_per_ima
    bit_cycles = math.ceil(a.input_bits / a.dac_bits)
    cells_per_weight = math.ceil(a.weight_bits / a.cell_bits)
    outputs = reads * (a.xbar_cols / cells_per_weight) / bit_cycles
    ir_bytes = reads * a.xbar_rows * a.dac_bits / 8 + reads * a.xbar_rows * a.input_bits / 8 / bit_cycles
    e = a.energy
    conversions_per_s = a.adcs_per_ima * a.adc_gsamples_per_s * 1e9
    additions_per_s = a.ima_shift_add_units * a.ima_shift_add_gops_per_s * 1e9
    return (cycles * (reads * e.xbar_read_pj + reads * a.xbar_rows * e.dac_row_drive_pj
                      + reads * columns * e.sample_hold_pj
                      + ir_bytes * e.ir_byte_pj + outputs * 2 * (a.input_bits / 8) * e.ima_or_byte_pj)
            + conversions_per_s * e.adc_conversion_pj + additions_per_s * e.ima_shift_add_pj)


def busy_tile_own_pj_per_s(a):
    """Energy per second of one tile's periphery (its IMAs excluded) with every unit busy."""
    clocks = a.tile_clock_ghz * 1e9    # per second
    e = a.energy
    flits_per_s = a.mesh_link_gbytes_per_s * 1e9 * 8 / a.flit_bits * a.router_ports
    edram = clocks * (e.edram_read_pj + e.edram_write_pj) / 2   # one access per clock, either kind
    return (edram + clocks * a.tile_bus_wires * e.bus_bit_pj
            + flits_per_s / a.tiles_per_router * e.router_flit_pj
            + clocks * (a.sigmoid_units * e.sigmoid_op_pj + a.tile_shift_add_units * e.tile_shift_add_pj
                        + a.maxpool_units * e.maxpool_op_pj)
            + clocks * 2 * (a.input_bits / 8) * e.tile_or_byte_pj)


def busy_power_w(a):
    """(IMA mW, tile mW, chip W) consumed when kept fully busy for one second."""
    ima_mw = busy_ima_events_per_s(a) * 1e-12 * 1e3
    tile_mw = a.imas_per_tile * ima_mw + busy_tile_own_pj_per_s(a) * 1e-9
    ht_bytes_per_s = a.ht_links * a.ht_link_gbytes_per_s * 1e9
    chip_mw = (a.tiles_per_chip * tile_mw + ht_bytes_per_s * a.energy.ht_byte_pj * 1e-9
               + a.energy.chip_static_mw)
    return ima_mw, tile_mw, chip_mw / 1000


def assert_consistent(a, rel=0.01):
    ima_mw, tile_mw, chip_w = busy_power_w(a)
    t = a.totals
    assert ima_mw == pytest.approx(t.ima_power_mw, rel=rel)
    assert tile_mw == pytest.approx(t.tile_power_mw, rel=rel)
    assert chip_w == pytest.approx(t.chip_power_w, rel=rel)


def test_isaac_ce_fully_busy_matches_the_table():
    a = load_arch()
    ima_mw, tile_mw, chip_w = busy_power_w(a)
    assert ima_mw == pytest.approx(24.08, rel=0.01)
    assert tile_mw == pytest.approx(330, rel=0.01)
    assert chip_w == pytest.approx(65.8, rel=0.01)
    assert_consistent(a, rel=1e-9)   # exact by construction of the definitions


def test_energies_agree_with_the_published_derivations():
    e = load_arch().energy
    assert e.dac_row_drive_pj == pytest.approx(4 * 100 / 1024)   # 0.39 pJ, isaac.md 1e
    assert e.xbar_read_pj == pytest.approx(0.3 * 100)             # 30 pJ per 128x128 read
    # an ADC's power over its sample rate: 2 mW / 1.28 GS/s, whatever the ADC count
    assert e.adc_conversion_pj == pytest.approx(16 * 100 / (8 * 128)) == pytest.approx(1.5625)
    assert e.ima_shift_add_pj == pytest.approx(0.05 / 2.56)
    for units in (2, 4, 16):
        assert load_arch(sets={"ima.adc.units": units}).energy.adc_conversion_pj == \
            pytest.approx(1.5625)
    assert e.edram_read_pj == e.edram_write_pj == pytest.approx(20.7 / 1.2)
    assert e.router_flit_pj == pytest.approx(42 * 100 / (8 * 80))
    assert e.ht_byte_pj == 0 and e.ht_static_mw == pytest.approx(10400)


def test_static_fraction_splits_hyper_transport():
    a = load_arch(sets={"chip.ht.static_fraction": 0.25})
    assert a.energy.ht_static_mw == pytest.approx(2600)
    assert a.energy.ht_byte_pj == pytest.approx(0.75 * 10400 * 100 / (4 * 640))
    assert_consistent(a, rel=1e-9)


def test_full_activity_is_per_cycle():
    a = load_arch()
    act = full_activity(a)
    assert act["adc_conversion"] == pytest.approx(8 * 128)
    assert act["ima_shift_add"] == pytest.approx(4 * 256) and act["sample_hold"] == 8 * 129
    assert act["dac_row_drive"] == 1024 and act["xbar_read"] == 8
    assert act["ir_byte"] == 256 and act["ima_or_byte"] == 32
    assert act["edram_access"] == 120 and act["bus_bit"] == 384 * 120
    assert act["router_flit"] == 8 * 80 / 4 and act["ht_byte"] == 4 * 640


@settings(max_examples=60, deadline=None)
@given(arrays=st.integers(1, 16), imas=st.integers(1, 16), routers=st.integers(1, 50),
       adc_bits=st.integers(4, 10), rows=st.sampled_from([32, 64, 100, 128, 256]),
       cols=st.sampled_from([32, 64, 128, 200]), cell_bits=st.integers(1, 4),
       dac_bits=st.integers(1, 2), flip=st.booleans(), cycle_ns=st.sampled_from([50, 100, 200]),
       static=st.sampled_from([0.0, 0.5, 1.0]), input_bits=st.sampled_from([8, 12, 16]))
def test_consistency_under_scaled_configurations(arrays, imas, routers, adc_bits, rows, cols,
                                                 cell_bits, dac_bits, flip, cycle_ns, static,
                                                 input_bits):
    a = load_arch(sets={
        "ima.arrays": arrays, "tile.imas": imas, "chip.tiles": 4 * routers, "ima.adc.bits": adc_bits,
        "ima.xbar.rows": rows, "ima.xbar.cols": cols, "ima.xbar.cell_bits": cell_bits,
        "ima.dac.bits": dac_bits, "ima.xbar.flip_encoding": flip, "cycle_ns": cycle_ns,
        "chip.ht.static_fraction": static, "datapath.input_bits": input_bits})
    assert_consistent(a, rel=1e-9)


def test_adc_power_follows_its_sample_rate():
    """Energy per conversion is set by the resolution: half the rate, half the power, the same
    1.5625 pJ per conversion; the area does not change."""
    base, half = load_arch(), load_arch(sets={"ima.adc.gsamples_per_s": 0.64})
    rows = {a: {r.key: r for r in a.components} for a in (base, half)}
    assert rows[half]["ima.adc"].power_mw == pytest.approx(rows[base]["ima.adc"].power_mw / 2)
    assert rows[half]["ima.adc"].area_mm2 == rows[base]["ima.adc"].area_mm2
    assert half.energy.adc_conversion_pj == pytest.approx(base.energy.adc_conversion_pj) \
        == pytest.approx(1.5625)
