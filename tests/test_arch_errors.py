"""Every bad architecture file in tests/data/bad_arch is refused with a located message.

Each ``<case>.json`` has a ``<case>.expect`` holding message fragments, one per line, that must all
appear. The loader raises `InputError`; the CLI prints the same message and exits 2.
Also: bad `--set` items and names, checked through the CLI.
"""

from pathlib import Path

import pytest

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.targets.isaac.arch import load_arch

BAD = Path(__file__).parent / "data" / "bad_arch"
CASES = sorted(p.stem for p in BAD.glob("*.json"))


def _fragments(case):
    return [line for line in (BAD / f"{case}.expect").read_text().splitlines() if line]


def _cli(capsys, *argv):
    code = main(["arch", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_case_has_expectations():
    assert len(CASES) >= 12
    for case in CASES:
        assert (BAD / f"{case}.expect").is_file(), case


@pytest.mark.parametrize("case", CASES)
def test_loader_reports_place_and_reason(case):
    with pytest.raises(InputError) as info:
        load_arch(str(BAD / f"{case}.json"))
    text = str(info.value)
    assert str(BAD / f"{case}.json") in text
    for fragment in _fragments(case):
        assert fragment in text, f"{fragment!r} not in:\n{text}"


@pytest.mark.parametrize("case", CASES)
def test_cli_exits_2_with_the_message(case, capsys):
    code, out, err = _cli(capsys, "--arch", str(BAD / f"{case}.json"))
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    for fragment in _fragments(case):
        assert fragment in err, f"{fragment!r} not in:\n{err}"


def test_all_problems_of_a_file_are_reported_at_once():
    with pytest.raises(InputError) as info:
        load_arch(str(BAD / "negative_count.json"))
    assert {p.place for p in info.value.problems} == {"$.chip.tiles", "$.cycle_ns",
                                                      "$.ima.adc.power_mw"}


def test_set_with_wrong_type_names_the_key_and_expected_type(capsys):
    code, out, err = _cli(capsys, "--set", "ima.adc.bits=banana")
    assert code == 2 and out == ""
    assert "--set ima.adc.bits=banana" in err
    assert "expected an integer from 4 to 10" in err
    assert "got 'banana' (a string)" in err
    assert "Traceback" not in err


def test_set_unknown_keys_get_dotted_did_you_mean(capsys):
    code, _, err = _cli(capsys, "--set", "ima.adc.bitz=9", "--set", "adc.bits=9",
                        "--set", "chip.tile=84")
    assert code == 2
    assert "--set ima.adc.bitz=9: unknown key 'ima.adc.bitz' (did you mean 'ima.adc.bits'?)" in err
    assert "--set adc.bits=9: unknown key 'adc.bits' (did you mean 'ima.adc.bits'?)" in err
    assert "--set chip.tile=84: unknown key 'chip.tile' (did you mean 'chip.tiles'?)" in err
    assert "3 problems" in err


def test_set_problems_and_file_problems_together():
    with pytest.raises(InputError) as info:
        load_arch(str(BAD / "base_wrong_type.json"), {"chip.tiles": 0, "tile.imas": "x"})
    sources = sorted(p.source for p in info.value.problems)
    assert sources == ["--set chip.tiles=0", "--set tile.imas=x", str(BAD / "base_wrong_type.json")]


def test_a_set_overrides_a_bad_file_set_of_the_same_key():
    arch = load_arch(str(BAD / "base_wrong_type.json"), {"ima.adc.bits": 9})
    assert arch.adc_bits == 9


def test_rule_problem_points_at_the_override_that_caused_it():
    with pytest.raises(InputError) as info:
        load_arch("isaac-ce", {"mesh.tiles_per_router": 5})
    (problem,) = info.value.problems
    assert problem.source == "--set mesh.tiles_per_router=5"
    assert "expected a multiple of mesh.tiles_per_router = 5" in problem.message
    assert "got 168; use 165 or 170" in problem.message


def test_unknown_builtin_name(capsys):
    code, _, err = _cli(capsys, "--arch", "isaac-c")
    assert code == 2
    assert "no built-in architecture or file named 'isaac-c' (did you mean 'isaac-ce'?)" in err


def test_missing_file(capsys, tmp_path):
    code, _, err = _cli(capsys, "--arch", str(tmp_path / "nope.json"))
    assert code == 2
    assert "nope.json: architecture file not found" in err


def test_set_needs_key_equals_value(capsys):
    code, _, err = _cli(capsys, "--set", "ima.adc.bits")
    assert code == 2
    assert "expected KEY=VALUE" in err


def test_debug_shows_the_traceback():
    with pytest.raises(InputError):
        main(["arch", "--debug", "--set", "ima.adc.bits=banana"])


def test_help_works(capsys):
    with pytest.raises(SystemExit) as info:
        main(["arch", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--set KEY=VALUE" in out and "--json" in out and "--arch NAME_OR_FILE" in out
