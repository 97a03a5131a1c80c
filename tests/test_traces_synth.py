"""Synthetic traces: determinism, the object model against a slow twin, policies, acceptance."""

import json
from pathlib import Path

import numpy as np
import pytest

from isaacsim.cli import main
from isaacsim.crop import ALL_VECTORS, removed_area_fraction
from isaacsim.traces import croppable_sides, draw_boxes, oracle_choice, synth_text, synthesize, trace_stats

REPO = Path(__file__).parents[1]


def synth(tmp_path, name, *args):
    out = tmp_path / name
    assert main(["traces", "synth", "--network", "vgg16", *args, "--out", str(out)]) == 0
    return out


def test_same_seed_byte_identical_different_seed_different(tmp_path, capsys):
    a = synth(tmp_path, "a.csv", "--images", "500", "--seed", "3")
    b = synth(tmp_path, "b.csv", "--images", "500", "--seed", "3")
    c = synth(tmp_path, "c.csv", "--images", "500", "--seed", "4")
    capsys.readouterr()
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_shipped_trace_is_exactly_what_the_command_generates(tmp_path, capsys):
    out = synth(tmp_path, "v.csv", "--images", "1000", "--seed", "0", "--fraction", "0.25",
                "--policy", "oracle")
    capsys.readouterr()
    assert out.read_bytes() == (REPO / "traces" / "vgg16_synth_1000.csv").read_bytes()


def test_header_records_the_arguments_not_the_output_path():
    text = synth_text(network="vgg16", images=3, seed=7, fraction="1/8", policy="naive:1010")
    lines = text.splitlines()
    assert lines[0] == "# isaacsim-trace v1"
    assert lines[1] == ("# generator: isaacsim traces synth --network vgg16 --images 3 --seed 7 "
                        "--fraction 0.125 --policy naive:1010")
    assert lines[4] == "image_id,crop,fraction,x_croppable"
    assert [line.split(",")[1] for line in lines[5:]] == ["c1010"] * 3


def slow_oracle(top, bottom, left, right, f):
    """Slow twin of the model for one box: croppable sides, then the best allowed vector."""
    free = (top >= f, bottom <= 1 - f, left >= f, right <= 1 - f)
    best = None
    for v in ALL_VECTORS:
        if all(free[i] or not v.bits[i] for i in range(4)):
            if best is None or removed_area_fraction(v, f) > removed_area_fraction(best, f):
                best = v
    return best.index, int("".join("1" if x else "0" for x in free), 2)


@pytest.mark.parametrize("fraction", ["1/4", "1/8", "0.3"])
def test_oracle_matches_the_slow_twin(fraction):
    boxes = draw_boxes(np.random.default_rng(11), 400)
    chosen = oracle_choice(croppable_sides(boxes, fraction), fraction)
    f = float(eval(fraction))
    for i in range(400):
        best, _ = slow_oracle(boxes.top[i], boxes.bottom[i], boxes.left[i], boxes.right[i], f)
        assert chosen[i] == best


def test_boxes_follow_the_documented_draws():
    n = 100_000
    boxes = draw_boxes(np.random.default_rng(0), n)
    rng = np.random.default_rng(0)                       # the documented draw order
    area, aspect = rng.beta(1.3, 2.3, n), rng.lognormal(0.0, 0.4, n)
    centre = rng.normal(0.5, 0.10, (n, 2))
    height, width = boxes.bottom - boxes.top, boxes.right - boxes.left
    assert (boxes.top >= 0).all() and (boxes.bottom <= 1).all()
    assert (boxes.left >= 0).all() and (boxes.right <= 1).all()
    assert np.allclose(height * width, area, rtol=1e-12)          # area kept, also when clamped
    inside = (width < 1) & (height < 1)
    assert 0.85 < inside.mean() < 0.95                    # about 9.5 % of boxes are clamped
    assert np.allclose((width / height)[inside], aspect[inside], rtol=1e-12)
    assert np.allclose(np.maximum(width, height)[~inside], 1.0)
    free = (centre[:, 0] - height / 2 >= 0) & (centre[:, 0] + height / 2 <= 1)
    assert np.allclose(((boxes.top + boxes.bottom) / 2)[free], centre[free, 0])
    assert abs(area.mean() - 1.3 / 3.6) < 0.003          # Beta(1.3, 2.3) mean 0.361


def test_oracle_picks_exactly_the_croppable_sides():
    # every added side removes more area, so the best vector is the full croppable set
    chosen, croppable = synthesize(5000, 5)
    assert np.array_equal(chosen, croppable)


def test_policies_share_the_objects_of_a_seed():
    oracle, free = synthesize(300, 9, policy="oracle")
    naive, free2 = synthesize(300, 9, policy="naive:1111")
    none, free3 = synthesize(300, 9, policy="none")
    assert np.array_equal(free, free2) and np.array_equal(free, free3)
    assert (naive == 15).all() and (none == 0).all()


def test_bad_arguments_are_all_reported(tmp_path, capsys):
    code = main(["traces", "synth", "--network", "vgg61", "--images", "0", "--seed", "-2",
                 "--fraction", "1/2", "--policy", "naive:10a1", "--out", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err
    assert code == 2
    for fragment in ("--images: expected an integer >= 1 and <= 10,000,000, got 0",
                     "--seed: expected an integer >= 0 and <= 2**63 - 1, got -2",
                     "--fraction: the crop fraction must be > 0 and < 1/2",
                     "--policy: expected a crop vector", "'10a1'"):
        assert fragment in err
    assert not (tmp_path / "x.csv").exists()
    assert main(["traces", "synth", "--network", "vgg61", "--images", "1", "--seed", "0",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "no network file or built-in network of this name" in capsys.readouterr().err


def test_acceptance_statistics_20000_images(tmp_path, capsys):
    """Issue 4: croppable fraction in [0.70, 0.82], mean area saved in [0.30, 0.38]."""
    out = synth(tmp_path, "t.csv", "--images", "20000", "--seed", "1")
    capsys.readouterr()
    assert main(["traces", "stats", str(out), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert list(stats) == ["images", "croppable_fraction", "mean_area_saved", "histogram"]
    assert stats["images"] == 20000
    assert 0.70 <= stats["croppable_fraction"] <= 0.82
    assert 0.30 <= stats["mean_area_saved"] <= 0.38
    assert sum(stats["histogram"].values()) == 20000


def test_one_eighth_is_almost_always_croppable():
    """aqua.md section 3: with f = 1/8 about 97 % of images are croppable."""
    stats = trace_stats(load_trace_text(synth_text(network="vgg16", images=20000, seed=2,
                                                   fraction="1/8")))
    assert 0.95 <= stats.croppable_fraction <= 0.99


def load_trace_text(text):
    from isaacsim.traces import parse_trace
    return parse_trace(text, "<synth>", form="compact")
