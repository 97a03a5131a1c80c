"""Strict JSON reading (isaacsim/jsonio.py): what the standard parser accepts silently or crashes on."""

from __future__ import annotations

import pytest

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.jsonio import MAX_DEPTH, JsonError, load_json, parse_json
from isaacsim.overrides import parse_sets


@pytest.mark.parametrize("text, place, fragment", [
    ('{"a": 1, "a": 2}', "$.a", "key 'a' is given more than once"),
    ('{"x": [{"b": 1}, {"b": 1, "c": 2, "b": 3}]}', "$.x[1].b", "more than once"),
    ("[" * 100_000 + "]" * 100_000, f"line 1, column {MAX_DEPTH + 1}", "nested more than"),
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "$" + "[0]" * MAX_DEPTH, "nested more than"),
    ("1" * 5000, "line 1, column 1", "an integer of 5000 digits"),
    ('{"s": "-999",\n "n": -' + "9" * 41 + "}", "line 2, column 7", "an integer of 41 digits"),
    ("1e400", "line 1, column 1", "too large to represent"),
    ('["NaN", NaN]', "line 1, column 9", "NaN is not a JSON number"),
    ('{"a": -Infinity}', "line 1, column 7", "-Infinity is not a JSON number"),
    ('{"a": 1,}', "line 1, column 9", "malformed JSON"),
])
def test_refused(text, place, fragment):
    with pytest.raises(JsonError) as info:
        parse_json(text)
    assert info.value.place == (place[:60] + "..." if len(place) > 80 else place)
    assert fragment in info.value.message


def test_accepted_values_are_the_standard_ones():
    text = '{"a": [1, 2.5, -3e-2, true, null, "x"], "b": {"c": ' + "9" * 40 + "}}"
    assert parse_json(text) == {"a": [1, 2.5, -0.03, True, None, "x"], "b": {"c": int("9" * 40)}}
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_json(nested) is not None


def test_files_report_file_and_place(tmp_path):
    path = tmp_path / "w.json"
    path.write_text('{"format_version": 1,\n "format_version": 2}')
    with pytest.raises(InputError) as info:
        load_json(path)
    assert str(info.value) == f"{path}: $.format_version: key 'format_version' is given more than " \
                              "once in this object; keep one"


def test_set_values_plain_text_stays_text_but_refused_json_is_an_error():
    assert parse_sets(["trace=traces/x.csv", "a.b=9", "c=[1, 2]"]) == {
        "trace": "traces/x.csv", "a.b": 9, "c": [1, 2]}
    with pytest.raises(InputError) as info:
        parse_sets(["chip.tiles=1e400", "x=NaN", "y=" + "[" * 1000 + "]" * 1000])
    assert [p.source.split("=")[0] for p in info.value.problems] == [
        "--set chip.tiles", "--set x", "--set y"]


def test_deeply_nested_architecture_file_exits_2(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text('{"format_version": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert main(["arch", "--arch", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: line 1, column " in err and "nested more than" in err
    assert "Traceback" not in err
