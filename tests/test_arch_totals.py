"""The ISAAC-CE totals and peak metrics against the paper (isaac.md sections 1 and 4), through the
CLI's JSON, and how they change under `--set` (ADC resolution, counts, crossbar size).

Expected figures are the paper's, or arithmetic on the paper's numbers written out here.
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isaacsim.cli import main
from isaacsim.targets.isaac.arch import load_arch

# isaac.md 1e, one published ADC scaling: bits -> (pJ per conversion, um^2)
ADC_PUBLISHED = {4: (0.79, 361), 5: (0.99, 477), 6: (1.20, 627), 7: (1.42, 845), 8: (1.67, 1200),
                 9: (1.97, 1828), 10: (2.38, 3002)}
# isaac.md 1b and 1a: (power mW, area mm^2) per IMA / per tile, as printed
IMA_ROWS = {"ima.adc": (16, 0.0096), "ima.dac": (4, 0.00017), "ima.sample_hold": (0.01, 0.00004),
            "ima.xbar": (2.4, 0.0002), "ima.shift_add": (0.2, 0.00024), "ima.ir": (1.24, 0.0021),
            "ima.or": (0.23, 0.00077)}
TILE_ROWS = {"tile.edram": (20.7, 0.083), "tile.bus": (7, 0.090), "mesh.router": (42 / 4, 0.151 / 4),
             "tile.sigmoid": (0.52, 0.0006), "tile.shift_add": (0.05, 0.00006),
             "tile.maxpool": (0.4, 0.00024), "tile.or": (1.68, 0.0032)}


def arch_json(capsys, *sets):
    argv = ["arch", "--json"]
    for item in sets:
        argv += ["--set", item]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def close(value, target, rel):
    return abs(value - target) <= rel * abs(target)


def test_acceptance_totals_and_peak(capsys):
    d = arch_json(capsys)
    assert close(d["chip"]["power_w"], 65.8, 0.005)
    assert close(d["chip"]["area_mm2"], 85.4, 0.005)
    assert close(d["tile"]["power_mw"], 330, 0.01)
    assert close(d["tile"]["area_mm2"], 0.372, 0.01)
    assert close(d["peak"]["pe_gops_w"], 627.5, 0.005)
    assert close(d["peak"]["ce_gops_s_mm2"], 478.95, 0.015)
    assert close(d["peak"]["se_mb_mm2"], 0.74, 0.03)
    assert close(d["ima"]["power_mw"], 24.08, 1e-9)
    assert close(d["ima"]["area_mm2"], 0.01312, 1e-9)
    assert d["warnings"] == []


def test_peak_reproduces_the_papers_arithmetic(capsys):
    d = arch_json(capsys)
    # 16,128 arrays x 128 inputs x 16 weights per 16 cycles of 100 ns
    assert close(d["peak"]["macs_per_s"], 16128 * 128 * 16 / (16 * 100e-9), 1e-12)
    assert close(d["peak"]["gops_per_array"], 2.56, 1e-12)
    # CE is the honest 41,287.68 GOPS over our own chip area, not the printed 478.95
    assert close(d["peak"]["ce_gops_s_mm2"], 41287.68 / d["chip"]["area_mm2"], 1e-12)
    assert close(d["peak"]["ce_gops_s_mm2"], 483.3, 0.001)
    # SE: 33.03 M 16-bit weights = 63 MiB of crossbar storage over the chip area
    assert close(d["peak"]["se_mb_mm2"], 16128 * 128 * 16 * 2 / 2**20 / d["chip"]["area_mm2"], 1e-12)
    assert close(d["peak"]["chip_pj_per_mac"], 3.19, 0.005)


def test_component_rows_match_the_published_table(capsys):
    d = arch_json(capsys)
    rows = {r["key"]: r for r in d["components"]}
    for key, (mw, mm2) in {**IMA_ROWS, **TILE_ROWS}.items():
        assert close(rows[key]["power_mw"], mw, 1e-9), key
        assert close(rows[key]["area_mm2"], mm2, 1e-9), key
    assert close(rows["chip.ht"]["power_mw"], 10400, 1e-9)
    assert close(rows["chip.ht"]["area_mm2"], 22.88, 1e-9)
    counts = {k: rows[k]["count"] for k in rows}
    assert counts["ima.adc"] == 8 and counts["ima.xbar"] == 8
    assert counts["ima.dac"] == 8 * 128 and counts["ima.sample_hold"] == 8 * 128
    assert counts["mesh.router"] == 0.25 and counts["chip.ht"] == 4
    for row in d["components"]:
        assert set(row) >= {"level", "name", "count", "power_mw", "area_mm2"}
        assert row["level"] in ("ima", "tile", "chip")


def test_tile_and_chip_sums(capsys):
    d = arch_json(capsys)
    ima_mw = sum(mw for mw, _ in IMA_ROWS.values())
    tile_mw = 12 * ima_mw + sum(mw for mw, _ in TILE_ROWS.values())
    assert close(d["tile"]["power_mw"], tile_mw, 1e-9)
    assert close(d["chip"]["power_w"], (168 * tile_mw + 10400) / 1000, 1e-9)
    tile_mm2 = 12 * sum(a for _, a in IMA_ROWS.values()) + sum(a for _, a in TILE_ROWS.values())
    assert close(d["chip"]["area_mm2"], 168 * tile_mm2 + 22.88, 1e-9)


@pytest.mark.parametrize("bits", sorted(ADC_PUBLISHED))
def test_adc_bits_follow_the_published_table(bits, capsys):
    base = arch_json(capsys)
    d = arch_json(capsys, f"ima.adc.bits={bits}")
    adc = next(r for r in d["components"] if r["key"] == "ima.adc")
    energy, area = ADC_PUBLISHED[bits]
    assert close(adc["power_mw"], 16 * energy / 1.67, 1e-9)
    assert close(adc["area_mm2"], 0.0096 * area / 1200, 1e-9)
    delta_mw = adc["power_mw"] - 16
    delta_mm2 = adc["area_mm2"] - 0.0096
    assert close(d["tile"]["power_mw"], base["tile"]["power_mw"] + 12 * delta_mw, 1e-9)
    assert close(d["chip"]["power_w"], base["chip"]["power_w"] + 2016 * delta_mw / 1000, 1e-9)
    assert close(d["chip"]["area_mm2"], base["chip"]["area_mm2"] + 2016 * delta_mm2, 1e-9)
    assert close(d["peak"]["macs_per_s"], base["peak"]["macs_per_s"], 1e-12)


def test_adc_9_bits_figures(capsys):
    d = arch_json(capsys, "ima.adc.bits=9")
    # 9 bits: 16 mW x 1.97 / 1.67 per IMA; 0.0096 x 1828 / 1200 mm^2 per IMA
    assert close(d["ima"]["power_mw"], 24.08 - 16 + 16 * 1.97 / 1.67, 1e-9)
    assert close(d["chip"]["power_w"], 65.80808 + 2016 * (16 * 1.97 / 1.67 - 16) / 1000, 1e-9)
    assert close(d["chip"]["area_mm2"], 85.42472 + 2016 * 0.0096 * (1828 / 1200 - 1), 1e-9)
    assert d["warnings"] == []


def test_fewer_adc_bits_than_needed_warns(capsys):
    d = arch_json(capsys, "ima.adc.bits=7")
    assert len(d["warnings"]) == 1 and "fewer than the 8 bits" in d["warnings"][0]


def test_flip_encoding_off_needs_9_bits():
    arch = load_arch(sets={"ima.xbar.flip_encoding": False})
    assert arch.adc_bits == arch.adc_bits_required == 9
    assert arch.adc_conversions_per_read == 128
    assert close(arch.component("ima.adc").power_mw, 16 * 1.97 / 1.67, 1e-9)
    assert not arch.warnings


def test_bigger_crossbar_raises_resolution_and_scales_cells():
    arch = load_arch(sets={"ima.xbar.rows": 256})
    assert arch.adc_bits == 9   # 256 x 3 / 2 = 384 needs 9 bits
    assert close(arch.component("ima.xbar").power_mw, 8 * 0.3 * 2, 1e-12)
    assert arch.component("ima.dac").count == 8 * 256
    assert close(arch.peak.gops_per_array, 5.12, 1e-12)


def test_wider_crossbar_warns_about_adc_sample_rate():
    arch = load_arch(sets={"ima.xbar.cols": 256})
    assert any("ADC must convert 256 columns" in w for w in arch.warnings)
    two_adcs = load_arch(sets={"ima.xbar.cols": 256, "ima.adc.units": 16}).warnings
    assert not any("ADC must convert" in w for w in two_adcs)
    # 8 arrays x 32 weights of 2 bytes no longer fit the 256-byte IMA output register
    assert any("ima.or.bytes = 256 cannot hold" in w and "(512 bytes)" in w for w in two_adcs)


@settings(max_examples=40, deadline=None)
@given(arrays=st.integers(1, 32), imas=st.integers(1, 24), routers=st.integers(1, 64),
       per_router=st.integers(1, 6))
def test_counts_scale_with_structure(arrays, imas, routers, per_router):
    tiles = routers * per_router
    # one ADC per array, as ISAAC-CE (ima.adc.units counts ADCs per IMA)
    arch = load_arch(sets={"ima.arrays": arrays, "ima.adc.units": arrays, "tile.imas": imas,
                           "chip.tiles": tiles,
                           "mesh.tiles_per_router": per_router,
                           "mesh.ports": max(8, per_router + 1)})
    ima_mw = sum(mw for mw, _ in IMA_ROWS.values())
    per_array_mw = (16 + 4 + 0.01 + 2.4) / 8   # ADC, DAC, S+H and crossbar scale with arrays
    ima_mw += (arrays - 8) * per_array_mw
    tile_mw = imas * ima_mw + sum(mw for mw, _ in TILE_ROWS.values()) - 10.5 + 42 / per_router
    assert close(arch.totals.ima_power_mw, ima_mw, 1e-9)
    assert close(arch.totals.tile_power_mw, tile_mw, 1e-9)
    assert close(arch.totals.chip_power_w, (tiles * tile_mw + 10400) / 1000, 1e-9)
    assert arch.arrays_per_chip == arrays * imas * tiles
    assert arch.routers_per_chip == routers
    assert arch.mesh_routers_x * arch.mesh_routers_y == routers
    assert close(arch.peak.macs_per_s, arrays * imas * tiles * 1.28e9, 1e-9)


def test_text_report(capsys):
    assert main(["arch", "--set", "ima.adc.bits=7"]) == 0
    out = capsys.readouterr().out
    for fragment in ("= one IMA", "= one tile", "= one chip", "eDRAM-to-IMA bus", "384 wires",
                     "HyperTransport link", "CE ", "PE ", "SE ", "adc_conversion_pj",
                     "warning: ima.adc.bits = 7 is fewer than the 8 bits"):
        assert fragment in out, fragment
    # 168 x (329.81 - 12 x 16 x (1 - 1.42 / 1.67)) mW + 10.4 W
    chip_w = (168 * (329.81 - 12 * 16 * (1 - 1.42 / 1.67)) + 10400) / 1000
    assert f"chip: {chip_w:.3f} W" in out


def test_sustained_peak_counts_what_the_readout_converts():
    """An IMA's 8 ADCs convert 8 x 1.28 GS/s x 100 ns = 1,024 samples per cycle; every array
    reading every cycle asks 8 x 129 (the flip encoding's unit column): 128/129 reads per array
    per cycle. Half the ADCs: 512/1,032. 16 ADCs: the shift-and-add units (4 x 2.56 G ops/s =
    1,024 per cycle) bound it the same as 8 ADCs."""
    for sets, share in (({}, 1024 / 1032), ({"ima.adc.units": 4}, 512 / 1032),
                        ({"ima.adc.units": 16}, 1024 / 1032),
                        ({"ima.xbar.flip_encoding": False}, 1.0)):
        pk = load_arch(sets=sets).peak
        assert close(pk.readout_share, share, 1e-12), sets
        assert close(pk.sustained_ce_gops_s_mm2, share * pk.ce_gops_s_mm2, 1e-12)
        assert close(pk.sustained_pe_gops_w, share * pk.pe_gops_w, 1e-12)
