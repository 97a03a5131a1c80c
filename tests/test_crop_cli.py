"""`python -m isaacsim crop`: the acceptance figures of issue 4, options, and exit code 2."""

import json

import pytest

from isaacsim.cli import main


def run(capsys, *argv):
    code = main(["crop", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def layers_by_name(out):
    return {entry["name"]: entry for entry in json.loads(out)["layers"]}


def test_vgg16_1111_json_acceptance(capsys):
    code, out, err = run(capsys, "--network", "vgg16", "--crop", "1111", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert (data["crop"], data["fraction"], data["rows_per_array"]) == ("1111", 0.25, 128)
    layers = layers_by_name(out)
    assert list(layers)[0] == "input" and layers["input"]["kind"] == "input"
    assert layers["conv1_1"]["rows"] == [56, 168] and layers["conv1_1"]["cols"] == [56, 168]
    assert (layers["conv1_1"]["active_pixels"], layers["conv1_1"]["total_pixels"]) == (12544, 50176)
    assert layers["conv5_3"]["rows"] == [3, 11]
    assert layers["pool5"]["rows"] == [1, 6]
    assert (layers["fc6"]["active_row_blocks"], layers["fc6"]["total_row_blocks"]) == (100, 196)
    assert all(("active_row_blocks" in e) == (e["kind"] == "fc") for e in layers.values())
    assert len(layers) == 22


def test_options_change_the_result(capsys):
    _, out, _ = run(capsys, "--network", "vgg16", "--crop", "1111", "--flatten", "channel",
                    "--json")
    assert layers_by_name(out)["fc6"]["active_row_blocks"] == 196
    _, out, _ = run(capsys, "--network", "vgg16", "--crop", "1111", "--fraction", "1/8", "--json")
    assert layers_by_name(out)["pool5"]["rows"] == [0, 7]
    _, out, _ = run(capsys, "--network", "vgg16", "--crop", "1111", "--rounding", "nearest",
                    "--json")
    assert layers_by_name(out)["pool5"]["rows"] == [2, 5]
    _, out, _ = run(capsys, "--network", "vgg16", "--crop", "1111", "--set", "ima.xbar.rows=64",
                    "--json")
    assert layers_by_name(out)["fc6"]["total_row_blocks"] == 392


def test_table_output(capsys):
    code, out, _ = run(capsys, "--network", "tiny", "--crop", "1011")
    assert code == 0
    assert out.startswith("tiny: crop 1011 (top, left, right), fraction 1/4 = 0.25 per side")
    lines = out.splitlines()
    assert lines[1].split()[:4] == ["map", "kind", "shape", "rows"]
    fc_line = next(line for line in lines if line.startswith("fc1"))
    assert fc_line.endswith("2 / 2")       # 4x4x16 input, one cropped row of 4 positions


@pytest.mark.parametrize("argv, fragment", [
    (["--crop", "10a1"], "--crop: expected a crop vector of exactly 4 characters"),
    (["--crop", "111"], "got '111'"),
    (["--crop", "1111", "--fraction", "0.5"], "--fraction: the crop fraction must be > 0 and < 1/2"),
    (["--crop", "1111", "--fraction", "abc"], "--fraction: expected a crop fraction"),
    (["--crop", "1111", "--network", "vgg61"], "vgg61: no network file or built-in network"),
    (["--crop", "1111", "--set", "ima.xbar.rowz=64"], "rowz"),
])
def test_bad_input_exits_2(capsys, argv, fragment):
    argv = argv if "--network" in argv else ["--network", "vgg16", *argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert fragment in err and "Traceback" not in err


def test_bad_vector_and_fraction_reported_together(capsys):
    code, _, err = run(capsys, "--network", "vgg16", "--crop", "10a1", "--fraction", "0.7")
    assert code == 2
    assert "2 problems" in err and "--crop" in err and "--fraction" in err


def test_bad_rounding_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["crop", "--network", "vgg16", "--crop", "1111", "--rounding", "ceil"])
    assert info.value.code == 2
