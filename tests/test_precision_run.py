"""Precision in cost and time (issue 6): weight and activation bits, soft crops, presets."""

from __future__ import annotations

import json

import pytest

from isaacsim.runner import run_workload
from isaacsim.workload import load_workload

VGG = "workloads/vgg16_cropped.json"


def _run(path, sets=None, images=12):
    wl = load_workload(path, sets or {})
    out = run_workload(wl, images=images)
    return wl, out.tables["images"], out.tables["layers"]


@pytest.fixture(scope="module")
def vgg16():
    return {name: _run(VGG, sets) for name, sets in {
        "base": {}, "w8": {"precision.weight_bits": 8}, "a8": {"precision.activation_bits": 8}}.items()}


def _conv(layers):
    return layers[layers.kind == "conv"].reset_index(drop=True)


def test_8bit_weights_halve_adc_conversions_of_every_conv_layer(vgg16):
    base, w8 = _conv(vgg16["base"][2]), _conv(vgg16["w8"][2])
    assert (w8.adc_conversions * 2 == base.adc_conversions).all()
    assert (w8.array_reads * 2 == base.array_reads).all()
    assert (vgg16["w8"][1].energy_pj < vgg16["base"][1].energy_pj).all()


def test_8bit_activations_halve_array_reads_and_lower_latency(vgg16):
    base, a8 = _conv(vgg16["base"][2]), _conv(vgg16["a8"][2])
    assert (a8.array_reads * 2 == base.array_reads).all()
    assert (a8.adc_conversions * 2 == base.adc_conversions).all()
    assert (vgg16["a8"][1].latency_cycles < vgg16["base"][1].latency_cycles).all()
    assert (vgg16["a8"][1].energy_pj < vgg16["base"][1].energy_pj).all()


def test_counts_follow_the_formulas(vgg16):
    wl, _, layers = vgg16["w8"]
    mapping = wl.map()
    for lm in mapping.layers:
        if lm.kind != "conv":
            continue
        rows = layers[layers.layer == lm.name]
        cols = sum(lm.cols_per_col_block) + lm.col_blocks  # weight columns + unit columns
        assert (rows.array_reads == rows.active_pixels * lm.arrays_per_replica * 16).all()
        assert (rows.adc_conversions == rows.active_pixels * 16 * lm.row_blocks * cols).all()


def _explicit(tmp_path, border_bits):
    """Tiny network, one image: a border of 1/4 per side at `border_bits` in every map."""
    wl = load_workload("workloads/tiny_cropped.json")
    regions = []
    for name in ["input"] + [layer.name for layer in wl.network.layers]:
        h, w = wl.network.shape_of(name)[:2]
        if h < 4:
            continue
        regions.append({"layer": name, "rows": [0, h], "cols": [0, w], "bits": border_bits})
        regions.append({"layer": name, "rows": [h // 4, h - h // 4], "cols": [w // 4, w - w // 4],
                        "bits": "default"})
    header = {"format": "isaacsim-trace", "format_version": 1, "form": "explicit",
              "network": "tiny"}
    record = {"image_id": "x", "uncovered": "default", "regions": regions}
    path = tmp_path / f"soft{border_bits}.jsonl"
    path.write_text(json.dumps(header) + "\n" + json.dumps(record) + "\n")
    return path


def test_soft_crop_energy_lies_between_uncropped_and_cropped(tmp_path):
    runs = {}
    for bits in (0, 4):
        wl, images, layers = _run("workloads/tiny_cropped.json",
                                  {"trace": str(_explicit(tmp_path, bits))}, images=1)
        runs[bits] = (images.iloc[0], layers)
    hard, soft = runs[0][0], runs[4][0]
    assert hard.compute_energy_pj < soft.compute_energy_pj < soft.baseline_compute_energy_pj
    assert hard.latency_cycles <= soft.latency_cycles <= soft.baseline_latency_cycles
    # per-layer counts: border pixels at 4 bits, centre at 16
    mapping = wl.map()
    layers = runs[4][1].set_index("layer")
    for lm in mapping.layers:
        if lm.kind != "conv":
            continue
        h, w = lm.out_shape[:2]
        centre = (h - 2 * (h // 4)) * (w - 2 * (w // 4))
        bit_cycles = centre * 16 + (h * w - centre) * 4
        assert layers.loc[lm.name, "bit_cycles"] == bit_cycles
        assert layers.loc[lm.name, "array_reads"] == bit_cycles * lm.arrays_per_replica


@pytest.mark.parametrize("preset", ["vgg16_stripes", "vgg16_we_8_8", "vgg16_we_4_4"])
def test_presets_run(preset):
    wl, images, layers = _run(f"workloads/{preset}.json", images=3)
    assert (images.compute_energy_pj > 0).all()
    if preset == "vgg16_stripes":
        c = layers[(layers.layer == "conv3_2") & (layers.image_id == images.image_id[0])]
        assert int(c.bit_cycles.iloc[0]) == int(c.active_pixels.iloc[0]) * 10
