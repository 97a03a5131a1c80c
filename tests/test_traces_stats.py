"""`traces stats` on hand-made traces: counts, area by the aqua.md formula, histogram order."""

import json

import pytest

from isaacsim.cli import main
from isaacsim.traces import HISTOGRAM_KEYS, parse_trace, trace_stats

HAND = """# isaacsim-trace v1
image_id,crop,fraction
a,c0000,
b,c1000,
c,c1111,
d,c0011,1/8
e,c1010,0.25
f,c0000,0.125
"""
# areas: 0, 1/4, 3/4, 1/4 (two opposite sides at 1/8), 7/16, 0 -> sum 27/16 over 6 images


def test_hand_made_trace(tmp_path, capsys):
    path = tmp_path / "hand.csv"
    path.write_text(HAND)
    assert main(["traces", "stats", str(path), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert list(stats) == ["images", "croppable_fraction", "mean_area_saved", "histogram"]
    assert stats["images"] == 6
    assert stats["croppable_fraction"] == pytest.approx(4 / 6, abs=1e-15)
    assert stats["mean_area_saved"] == pytest.approx(27 / 16 / 6, abs=1e-15)
    assert list(stats["histogram"]) == list(HISTOGRAM_KEYS)
    assert HISTOGRAM_KEYS[:3] == ("0000", "0001", "0010") and HISTOGRAM_KEYS[-1] == "1111"
    assert {k: v for k, v in stats["histogram"].items() if v} == {
        "0000": 2, "0011": 1, "1000": 1, "1010": 1, "1111": 1}


def test_croppable_mean_and_text_output(tmp_path, capsys):
    trace = parse_trace(HAND, "<hand>", form="compact")
    stats = trace_stats(trace)
    assert stats.mean_area_saved_croppable == pytest.approx(27 / 16 / 4)
    path = tmp_path / "hand.csv"
    path.write_text(HAND)
    assert main(["traces", "stats", str(path)]) == 0
    out = capsys.readouterr().out
    assert "6 images, 66.67% croppable" in out
    assert "1111       1  16.67%  0.7500" in out          # mixed fractions: areas shown at 1/4


def test_empty_trace_has_no_fractions(capsys, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("# isaacsim-trace v1\nimage_id,crop\n")
    assert main(["traces", "stats", str(path), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["images"] == 0 and stats["croppable_fraction"] is None
    assert stats["mean_area_saved"] is None and sum(stats["histogram"].values()) == 0


def test_explicit_traces_have_no_crop_vectors(capsys):
    from pathlib import Path
    path = Path(__file__).parents[1] / "traces" / "tiny_soft_crop.jsonl"
    assert main(["traces", "stats", str(path)]) == 2
    assert "stats needs a compact trace" in capsys.readouterr().err
