"""Every bad network file in tests/data/bad_networks is refused with a located message.

Each ``<case>.json`` has a ``<case>.expect`` holding message fragments, one per line, that must all
appear (the JSON path, the layer name, the explanation). The loader raises `InputError`; the CLI
prints the same message and exits 2.
"""

from pathlib import Path

import pytest

from isaacsim.errors import InputError
from isaacsim.network import load_network, network_from_dict

BAD = Path(__file__).parent / "data" / "bad_networks"
CASES = sorted(p.stem for p in BAD.glob("*.json"))


def _fragments(case):
    return [line for line in (BAD / f"{case}.expect").read_text().splitlines() if line]


def test_every_case_has_expectations():
    assert len(CASES) >= 10
    for case in CASES:
        assert (BAD / f"{case}.expect").is_file(), case


@pytest.mark.parametrize("case", CASES)
def test_loader_reports_place_and_reason(case):
    with pytest.raises(InputError) as info:
        load_network(BAD / f"{case}.json")
    text = str(info.value)
    assert str(BAD / f"{case}.json") in text
    for fragment in _fragments(case):
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert "{" not in text.replace("({...})", "")   # no unformatted f-string braces


@pytest.mark.parametrize("case", CASES)
def test_cli_exits_2_with_the_message(case, capsys):
    from isaacsim.cli import main
    code = main(["crop", "--network", str(BAD / f"{case}.json"), "--crop", "1111"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    for fragment in _fragments(case):
        assert fragment in err


def test_all_problems_reported_at_once():
    with pytest.raises(InputError) as info:
        load_network(BAD / "many_problems.json")
    assert len(info.value.problems) == 5


def test_problems_after_a_bad_layer_do_not_cascade():
    # conv1 has a bad stride, so its shape is unknown: later layers are not shape-checked
    data = {"format_version": 1, "name": "x", "input": {"height": 4, "width": 4, "channels": 1},
            "layers": [{"name": "conv1", "kind": "conv", "kernel": 3, "stride": 0,
                        "out_channels": 2, "activation": "relu"},
                       {"name": "conv2", "kind": "conv", "kernel": 3, "out_channels": 2,
                        "activation": "relu"}]}
    with pytest.raises(InputError) as info:
        network_from_dict(data, source="mem")
    assert [p.place for p in info.value.problems] == ["$.layers[0].stride"]


@pytest.mark.parametrize("layer, fragment", [
    ({"name": "input", "kind": "fc", "out_features": 2, "activation": "none"}, "reserved"),
    ({"name": "a.b", "kind": "fc", "out_features": 2, "activation": "none"}, "bad layer name"),
    ({"name": "f", "kind": "fc", "out_features": 2, "activation": "none", "input": "f"},
     "refers to itself"),
    ({"name": "f", "kind": "conv", "kernel": [3, 3, 3], "out_channels": 2, "activation": "none"},
     "[height, width]"),
    ({"name": "f", "kind": "conv", "kernel": 1, "out_channels": 3, "groups": 2,
      "activation": "none"}, "out_channels 3 is not divisible by groups 2"),
    ({"name": "f", "kind": "add", "activation": "relu"}, "$.layers[0].add"),
])
def test_single_layer_problems(layer, fragment):
    data = {"format_version": 1, "name": "x", "input": {"height": 4, "width": 4, "channels": 2},
            "layers": [layer]}
    with pytest.raises(InputError) as info:
        network_from_dict(data)
    assert fragment in str(info.value)


def test_top_level_problems():
    with pytest.raises(InputError) as info:
        network_from_dict({"format_version": 1, "nmae": "x", "layers": []})
    text = str(info.value)
    assert "unknown key 'nmae' (did you mean 'name'?)" in text
    assert "$.input: missing required key" in text
    assert "$.layers: expected a non-empty list" in text
    with pytest.raises(InputError, match="expected a network description object"):
        network_from_dict([1, 2])
