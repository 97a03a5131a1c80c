"""The in-memory trace model: per-pixel bits of compact and explicit records, expand round trip."""

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.crop import ALL_VECTORS, crop_margin
from isaacsim.errors import InputError
from isaacsim.network import load_network
from isaacsim.traces import (
    ExplicitImage,
    Region,
    active_mask,
    expand,
    image_bits,
    load_trace,
    map_names,
    parse_bits_spec,
    parse_trace,
    write_explicit,
)

REPO = Path(__file__).parents[1]
TINY = load_network("tiny")
VGG = load_network("vgg16")


def compact(body, network=TINY, columns="image_id,crop,fraction,activation_bits"):
    return parse_trace(f"# isaacsim-trace v1\n{columns}\n{body}", "<test>", form="compact",
                       network=network)


def explicit(*records, network=TINY):
    head = '{"format": "isaacsim-trace", "format_version": 1, "form": "explicit"}'
    return parse_trace("\n".join((head,) + records) + "\n", "<test>", form="explicit",
                       network=network)


def naive_compact_bits(image, network, name, default_bits, fraction=Fraction(1, 4)):
    """Slow twin: per pixel, is it inside the floor-rounded margins of its sides?"""
    h, w = network.shape_of(name)[:2]
    f = image.fraction or fraction
    mr, mc = crop_margin(h, f), crop_margin(w, f)
    top, bottom, left, right = image.crop.bits
    bits = image.map_bits(name, default_bits)
    out = np.zeros((h, w), dtype=np.int64)
    for r in range(h):
        for c in range(w):
            inside = (not top or r >= mr) and (not bottom or r < h - mr) \
                and (not left or c >= mc) and (not right or c < w - mc)
            out[r, c] = bits if inside else 0
    return out


def test_compact_bits_are_the_crop_window_at_the_map_bits():
    trace = compact("a,c1011,,conv2:8\nb,0110,1/8,4;pool1:2\nc,c0000,,")
    a, b, c = trace.images
    bits = image_bits(a, TINY, "conv1", 16)
    assert bits.shape == (16, 16) and bits.dtype == np.int64
    assert (bits[4:, 4:12] == 16).all() and bits.sum() == 16 * 12 * 8
    assert np.unique(image_bits(a, TINY, "conv2", 16)).tolist() == [0, 8]
    inp = image_bits(b, TINY, "input", 16)                           # bottom, left; 16 / 8 = 2
    assert inp[:14, 2:].min() == 4 and inp.sum() == 4 * 14 * 14
    assert image_bits(b, TINY, "pool1", 16).max() == 2
    assert (image_bits(c, TINY, "conv2", 9) == 9).all()
    assert (image_bits(a, TINY, "fc1", 16) == 16).all()               # 1 x 1 maps are never cropped


@pytest.mark.parametrize("vector", ALL_VECTORS)
def test_compact_bits_match_the_slow_twin(vector):
    trace = compact(f"x,c{vector},,conv1_2:7\ny,{vector},0.3,", network=VGG)
    for image in trace.images:
        for name in map_names(VGG)[::4]:
            assert np.array_equal(image_bits(image, VGG, name, 16),
                                  naive_compact_bits(image, VGG, name, 16))


def test_explicit_regions_later_ones_win_and_uncovered_modes():
    trace = explicit(
        '{"image_id": "d", "regions": [{"layer": "conv2", "rows": [0, 8], "cols": [0, 8], '
        '"bits": 4}, {"layer": "conv2", "rows": [2, 6], "cols": [2, 6], "bits": "default"}, '
        '{"layer": "conv2", "rows": [0, 1], "cols": [0, 8], "bits": 0}]}',
        '{"image_id": "s", "uncovered": "skip", "regions": [{"layer": "conv2", "rows": [2, 6], '
        '"cols": [2, 6], "bits": "default"}, {"layer": "conv2", "rows": [3, 4], "cols": [3, 4], '
        '"bits": 5}]}')
    d, s = trace.images
    bits = image_bits(d, TINY, "conv2", 16)
    assert (bits[0] == 0).all() and (bits[1:2] == 4).all() and (bits[2:6, 2:6] == 16).all()
    assert (bits[6:] == 4).all()
    assert (image_bits(d, TINY, "conv1", 12) == 12).all()       # no region: default everywhere
    skip = image_bits(s, TINY, "conv2", 16)
    assert skip.sum() == 15 * 16 + 5 and skip[3, 3] == 5
    assert (image_bits(s, TINY, "input", 16) == 0).all()        # skip applies to every map


def test_active_mask_of_the_input_image():
    trace = compact("a,c1100,,\n")
    mask = active_mask(trace.images[0], TINY)
    assert mask.dtype == bool and mask.shape == (16, 16)
    assert mask[:4].sum() == 0 and mask[12:].sum() == 0 and mask[4:12].all()


def test_default_bits_argument_is_checked():
    image = compact("a,c1100,,\n").images[0]
    for bad in (17, -1, 2.0, True):
        with pytest.raises(ValueError, match="default_bits"):
            image_bits(image, TINY, "conv1", bad)


def test_region_outside_an_unchecked_network_is_an_error_not_a_silent_clip():
    image = ExplicitImage("a", (Region("conv2", (0, 16), (0, 16), 0),))
    with pytest.raises(ValueError, match="outside map 'conv2'"):
        image_bits(image, TINY, "conv2", 16)


@pytest.mark.parametrize("network_name", ["tiny", "vgg16"])
def test_expand_round_trip_gives_identical_bits(network_name, tmp_path, capsys):
    network = load_network(network_name)
    names = map_names(network)
    specs = (("", ""), ("1/8", f"{names[1]}:6"), ("0.3", f"3;{names[-2]}:0"))
    lines = [f"i{v.index}_{k},c{v},{frac},{bits}" for v in ALL_VECTORS
             for k, (frac, bits) in enumerate(specs)]
    src = tmp_path / "c.csv"
    src.write_text("# isaacsim-trace v1\nimage_id,crop,fraction,activation_bits,label\n"
                   + "\n".join(line + ",cat" for line in lines) + "\n")
    out = tmp_path / "e.jsonl"
    assert main(["traces", "expand", str(src), "--network", network_name, "--out", str(out)]) == 0
    capsys.readouterr()
    before, after = load_trace(src, network), load_trace(out, network)
    assert after.form == "explicit" and after.network_name == network_name
    assert [i.image_id for i in before.images] == [i.image_id for i in after.images]
    for a, b in zip(before.images, after.images):
        assert b.fields["label"] == "cat" and b.fields["crop"] == str(a.crop)
        for name in names:
            for default in (16, 8):
                assert np.array_equal(image_bits(a, network, name, default),
                                      image_bits(b, network, name, default)), (a, name)


def test_expand_of_an_uncropped_record_has_no_regions():
    trace = compact("a,c0000,,\n")
    image = expand(trace, TINY).images[0]
    assert image.regions == () and image.uncovered == "default"
    assert write_explicit(expand(trace, TINY)).count("\n") == 2


def test_bits_spec_parsing():
    assert parse_bits_spec("8") == (8, (), [])
    assert parse_bits_spec("conv1:8;input:4") == (None, (("conv1", 8), ("input", 4)), [])
    assert parse_bits_spec("4;conv1:16") == (4, (("conv1", 16),), [])
    for bad, fragment in (("conv1:x", "got 'x'"), ("conv1:8;conv1:4", "given twice"),
                          ("8;9", "more than one"), ("1x:3", "expected NAME:BITS"),
                          ("", "got ''"), ("conv1:-1", "got '-1'")):
        assert any(fragment in e for e in parse_bits_spec(bad)[2]), bad


def test_crop_column_accepts_plain_and_prefixed_vectors_and_fields_carry_through():
    trace = compact("a,c0011,,,x,y,1\nb,0011,,,,,false\n",
                    columns="image_id,crop,fraction,activation_bits,label,prediction,top1_ok")
    a, b = trace.images
    assert a.crop == b.crop == ALL_VECTORS[3]
    assert a.fields == {"label": "x", "prediction": "y", "top1_ok": "1"}


def test_compact_trace_reads_with_pandas():
    frame = pd.read_csv(REPO / "traces" / "vgg16_synth_1000.csv", comment="#")
    assert list(frame.columns) == ["image_id", "crop", "fraction", "x_croppable"]
    assert len(frame) == 1000 and frame["crop"].str.fullmatch(r"c[01]{4}").all()


def test_shipped_soft_crop_example():
    trace = load_trace(REPO / "traces" / "tiny_soft_crop.jsonl", TINY)
    images = {i.image_id: i for i in trace.images}
    soft = image_bits(images["soft_1111"], TINY, "conv1", 16)
    assert set(np.unique(soft)) == {4, 16} and (soft[4:12, 4:12] == 16).all()
    assert soft[:4].max() == 4
    hard = compact("x,c1111,,\n").images[0]
    for name in map_names(TINY):
        assert np.array_equal(image_bits(images["skip_outside_1111"], TINY, name, 16),
                              image_bits(hard, TINY, name, 16))
        assert (image_bits(images["uncropped"], TINY, name, 11) == 11).all()


def test_loader_refuses_what_validate_refuses():
    with pytest.raises(InputError, match="duplicate image id 'a'"):
        compact("a,c0000,,\na,c1111,,\n")
