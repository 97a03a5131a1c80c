"""Every bad workload in tests/data/bad_workloads is refused with a located message.

Each ``<case>.json`` has a ``<case>.expect`` holding message fragments, one per line, that must all
appear (the JSON path and the explanation). The loader raises `InputError`; ``map`` prints the same
message, names the file, and exits 2 without a traceback.
"""

from pathlib import Path

import pytest

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.workload import load_workload

BAD = Path(__file__).parent / "data" / "bad_workloads"
VGG = str(Path(__file__).parents[1] / "workloads" / "vgg16.json")
CASES = sorted(p.stem for p in BAD.glob("*.json"))


def _fragments(case):
    return [line for line in (BAD / f"{case}.expect").read_text().splitlines() if line]


def test_every_case_has_expectations():
    assert len(CASES) >= 15
    for case in CASES:
        assert (BAD / f"{case}.expect").is_file(), case


@pytest.mark.parametrize("case", CASES)
def test_loader_reports_place_and_reason(case):
    with pytest.raises(InputError) as info:
        load_workload(BAD / f"{case}.json")
    text = str(info.value)
    assert str(BAD / f"{case}.json") in text
    for fragment in _fragments(case):
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert "{" not in text.replace("({...})", "").replace('{"base"', "")


@pytest.mark.parametrize("case", CASES)
def test_map_exits_2_naming_the_file(case, capsys):
    code = main(["map", str(BAD / f"{case}.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert str(BAD / f"{case}.json") in err
    for fragment in _fragments(case):
        assert fragment in err


def test_set_problems_point_at_the_option(capsys):
    code = main(["map", VGG, "--set", "mapping.replication=nope",
                 "--set", "precision.layers.fc9.weight_bits=3", "--set", "precision.weight_bits=17",
                 "--set", "arch.ima.xbar.rowz=3"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"--set mapping.replication=nope: {VGG}: $.mapping.replication" in err
    assert "--set precision.layers.fc9.weight_bits=3" in err and "unknown layer 'fc9'" in err
    assert "--set precision.weight_bits=17" in err and "got 17" in err
    assert "--set arch.ima.xbar.rowz=3" in err and "did you mean 'ima.xbar.rows'?" in err
    assert "4 problems" in err


def test_set_into_a_value_is_refused(capsys):
    assert main(["map", VGG, "--set", "mapping.replication.x=1"]) == 2
    assert "is a value, not a section" in capsys.readouterr().err


def test_small_edram_exits_2_naming_the_layer(capsys):
    code = main(["map", VGG, "--set", "arch.tile.edram.bytes=2048"])
    err = capsys.readouterr().err
    assert code == 2
    assert "layer 'conv5_1'" in err and "needs 35,840 bytes but gets 24,576 bytes" in err
    assert "arch.tile.edram.bytes=2987" in err
    assert "conv1_1" not in err and "conv4_2" not in err  # those fit their pooled eDRAM


@pytest.mark.parametrize("case", ["bad_stride", "unknown_kind", "residual_mismatch"])
def test_bad_network_through_map_names_layer_and_field(case, tmp_path, capsys):
    net = Path(__file__).parent / "data" / "bad_networks" / f"{case}.json"
    wl = tmp_path / "w.json"
    wl.write_text(f'{{"format_version": 1, "network": "{net}"}}')
    assert main(["map", str(wl)]) == 2
    err = capsys.readouterr().err
    fragments = [f for f in (net.with_suffix(".expect")).read_text().splitlines() if f]
    assert str(net) in err
    for fragment in fragments:
        assert fragment in err
    assert "layer '" in err and "$.layers[" in err


def test_chip_budget_too_small(capsys):
    assert main(["map", VGG, "--chips", "4"]) == 2
    assert "needs 5 chips even without replication" in capsys.readouterr().err
