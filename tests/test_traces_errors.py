"""Every bad trace in tests/data/bad_traces is refused with its place, by the loader and the CLI.

Each ``<case>.csv`` / ``<case>.jsonl`` has a ``<case>.expect`` holding message fragments, one per
line; the first is the place (line and field). All cases are checked against the ``tiny`` network.
The loader (used by the simulator) and ``traces validate`` share one code path, so both must give
the same text; the CLI exits 2 without a traceback.
"""

from pathlib import Path

import pytest

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.network import load_network
from isaacsim.traces import load_trace

BAD = Path(__file__).parent / "data" / "bad_traces"
CASES = sorted(p.name for p in BAD.iterdir() if p.suffix in (".csv", ".jsonl"))
REQUIRED = ["bad_vector.csv", "duplicate_id.csv", "window_outside.jsonl", "bits_17.csv",
            "bits_17_explicit.jsonl", "unknown_layer.csv", "unknown_layer_explicit.jsonl",
            "wrong_version.csv", "wrong_version_explicit.jsonl", "bad_fraction.csv",
            "malformed_line.csv", "missing_version.csv", "empty.csv", "numeric_id.csv",
            "numeric_id_explicit.jsonl"]


def _fragments(case):
    return [line for line in (BAD / case).with_suffix(".expect").read_text().splitlines() if line]


def test_every_required_case_exists_with_expectations():
    assert set(REQUIRED) <= set(CASES)
    for case in CASES:
        assert (BAD / case).with_suffix(".expect").is_file(), case


@pytest.mark.parametrize("case", CASES)
def test_loader_reports_place_and_reason(case):
    with pytest.raises(InputError) as info:
        load_trace(BAD / case, load_network("tiny"))
    text = str(info.value)
    assert str(BAD / case) in text
    for fragment in _fragments(case):
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert "{" not in text.replace('{"format"', "")   # no unformatted f-string braces
    places = [p.place for p in info.value.problems]
    assert all(place.startswith("line ") for place in places), places


@pytest.mark.parametrize("case", CASES)
def test_validate_command_exits_2_with_the_same_message(case, capsys):
    code = main(["traces", "validate", str(BAD / case), "--network", "tiny"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "Traceback" not in err
    with pytest.raises(InputError) as info:
        load_trace(BAD / case, load_network("tiny"))
    assert str(info.value) in err
    first = _fragments(case)[0]
    assert f"{BAD / case}: {first}" in err     # file, then place


def test_all_problems_reported_at_once_in_line_order():
    with pytest.raises(InputError) as info:
        load_trace(BAD / "many_problems.csv", load_network("tiny"))
    places = [p.place for p in info.value.problems]
    assert places == ["line 3, field crop", "line 4, field fraction", "line 4, field image_id",
                      "line 4, field activation_bits", "line 5, field activation_bits",
                      "line 5, field activation_bits"]


def test_network_checks_need_the_network(capsys):
    # without --network only the file itself is checked; the summary says what was not
    assert main(["traces", "validate", str(BAD / "unknown_layer.csv")]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "not checked" in out and "--network" in out
    assert main(["traces", "validate", str(BAD / "window_outside.jsonl")]) == 0
    assert "the header names tiny" in capsys.readouterr().out


def test_missing_file_and_unknown_form(tmp_path, capsys):
    assert main(["traces", "validate", str(tmp_path / "nope.csv")]) == 2
    assert "trace file not found" in capsys.readouterr().err
    odd = tmp_path / "trace.txt"
    odd.write_text("image_id,crop\n")
    assert main(["traces", "validate", str(odd)]) == 2
    assert "cannot tell the trace form" in capsys.readouterr().err


def test_form_from_first_line_when_the_name_does_not_tell(tmp_path, capsys):
    compact = tmp_path / "a.trace"
    compact.write_text("# isaacsim-trace v1\nimage_id,crop\nx,c1111\n")
    explicit = tmp_path / "b.trace"
    explicit.write_text('{"format": "isaacsim-trace", "format_version": 1, "form": "explicit"}\n')
    assert load_trace(compact).form == "compact"
    assert load_trace(explicit).form == "explicit"


def test_validate_ok_summary(capsys):
    path = Path(__file__).parents[1] / "traces" / "tiny_soft_crop.jsonl"
    assert main(["traces", "validate", str(path), "--network", "tiny"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == f"{path}: OK, explicit trace v1, 4 images, checked against network tiny"
    assert "\n" not in out


def test_spreadsheet_bom_and_crlf_are_accepted_multiline_quotes_are_not(tmp_path):
    good = tmp_path / "excel.csv"
    good.write_bytes(b"\xef\xbb\xbf# isaacsim-trace v1\r\nimage_id,crop,label\r\n"
                     b"a,c1111,\"x, y\"\r\n")
    trace = load_trace(good)
    assert trace.images[0].fields["label"] == "x, y"
    bad = tmp_path / "multiline.csv"
    bad.write_text('# isaacsim-trace v1\nimage_id,crop,label\na,c1111,"x\ny"\n')
    with pytest.raises(InputError, match="line 3: malformed line: .*must close on the same line"):
        load_trace(bad)
