"""`python -m isaacsim numerics`: the acceptance run of issue 6, determinism, options, weights
files and exit code 2 with one message per problem."""

import json

import numpy as np
import pytest

from isaacsim.cli import main

KEYS = {"name", "integer_max_abs_error", "float_max_abs_error", "float_rms_error",
        "float_relative_error", "adc_saturations", "output_saturations", "exponents"}


def run(capsys, *argv):
    code = main(["numerics", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_acceptance_vgg16_conv1_1_conv3_1(capsys):
    code, out, err = run(capsys, "workloads/vgg16.json", "--layers", "conv1_1,conv3_1",
                         "--images", "2", "--json")
    assert code == 0 and err == ""
    layers = json.loads(out)["layers"]
    assert [entry["name"] for entry in layers] == ["conv1_1", "conv3_1"]
    for entry in layers:
        assert KEYS <= set(entry)
        assert set(entry["exponents"]) == {"weight", "input", "output"}
        assert entry["integer_max_abs_error"] == 0
        assert entry["adc_saturations"] == entry["output_saturations"] == 0
        assert entry["samples"] == 2 * 16
        # explained by 16-bit quantization: operand rounding plus one output rounding
        assert entry["float_rms_error"] == pytest.approx(entry["expected_rms_error"], rel=0.1)
        assert entry["float_relative_error"] < 1e-3
        assert entry["float_max_abs_error"] < 8 * entry["output_lsb"]


def test_same_seed_same_numbers(capsys):
    args = ["workloads/vgg16.json", "--layers", "conv1_1", "--images", "1", "--json"]
    _, first, _ = run(capsys, *args)
    _, again, _ = run(capsys, *args)
    _, other, _ = run(capsys, *args, "--seed", "5")
    assert first == again and first != other
    assert json.loads(other)["seed"] == 5 and json.loads(first)["seed"] == 0


def test_table_output(capsys):
    code, out, err = run(capsys, "workloads/vgg16.json", "--layers", "conv1_1", "--images", "1",
                         "--pixels", "4")
    assert code == 0
    assert out.splitlines()[1].split()[:3] == ["layer", "samples", "bits"]
    assert out.splitlines()[2].split()[:2] == ["conv1_1", "4"]
    assert "layer 1/1 conv1_1" in err


def test_workload_exponents_and_guard_bits(capsys):
    _, out, _ = run(capsys, "workloads/vgg16.json", "--layers", "conv1_1", "--images", "1",
                    "--exponents", "workload", "--guard-bits", "0", "--json",
                    "--set", "precision.layers.conv1_1.exponents.weight=-14",
                    "--set", "precision.layers.conv1_1.exponents.input=-12",
                    "--set", "precision.layers.conv1_1.exponents.output=-10")
    entry = json.loads(out)["layers"][0]
    assert entry["exponents"] == {"weight": -14, "input": -12, "output": -10}
    assert (entry["shift"], entry["guard_bits"]) == (-16, 0)
    assert entry["integer_max_abs_error"] == 0


def test_eight_bit_precision_from_the_workload(capsys):
    _, out, _ = run(capsys, "workloads/vgg16.json", "--layers", "conv2_1", "--images", "1",
                    "--pixels", "4", "--json", "--set", "precision.weight_bits=8",
                    "--set", "precision.activation_bits=8")
    entry = json.loads(out)["layers"][0]
    assert (entry["weight_bits"], entry["input_bits"]) == (8, 8)
    assert entry["integer_max_abs_error"] == 0
    assert entry["float_relative_error"] > 1e-3  # 8-bit quantization is visible


def test_weights_file(capsys, tmp_path):
    path = tmp_path / "w.npz"
    w = np.random.default_rng(0).standard_normal((3, 3, 3, 64))
    np.savez(path, conv1_1=w, fc8=np.zeros((4096, 1000)))
    _, out, _ = run(capsys, "workloads/vgg16.json", "--layers", "conv1_1", "--images", "1",
                    "--weights", str(path), "--json")
    entry = json.loads(out)["layers"][0]
    assert entry["weights"] == "file" and entry["integer_max_abs_error"] == 0
    assert entry["exponents"]["weight"] == int(np.ceil(np.log2(np.abs(w).max() / 32767)))


def test_bad_weights_file(capsys, tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, conv1_1=np.zeros((3, 3, 4, 64)), conv1_3=np.zeros(3), pool1=np.zeros(3),
             conv1_2=np.full((576, 64), np.nan))
    code, _, err = run(capsys, "workloads/vgg16.json", "--layers", "conv1_1,conv1_2",
                       "--weights", str(path))
    assert code == 2
    assert f"{path}: conv1_1: expected shape (3, 3, 3, 64) or (27, 64), got (3, 3, 4, 64)" in err
    assert f"{path}: conv1_3: no layer 'conv1_3' in network 'vgg16' (did you mean" in err
    assert f"{path}: pool1: layer 'pool1' is a maxpool layer and has no weights" in err
    assert f"{path}: conv1_2: contains NaN or infinite values" in err
    code, _, err = run(capsys, "workloads/vgg16.json", "--weights", str(tmp_path / "none.npz"))
    assert code == 2 and "none.npz: weights file not found" in err


@pytest.mark.parametrize("argv, message", [
    (["--layers", "conv1_1,fc66"], "--layers: fc66: no layer 'fc66' in network 'vgg16' (did you "
                                   "mean 'fc6'?)"),
    (["--layers", "pool1"], "--layers: pool1: 'pool1' is a maxpool layer; only conv and fc "
                            "layers use the crossbars"),
    (["--layers", ","], "--layers ,: expected layer names separated by single commas"),
    (["--layers", "conv1_1,,fc6"], "--layers conv1_1,,fc6: expected layer names separated by "
                                   "single commas, e.g. conv1,fc1; an item is empty"),
])
def test_bad_layers(capsys, argv, message):
    code, out, err = run(capsys, "workloads/vgg16.json", *argv)
    assert code == 2 and out == "" and message in err


@pytest.mark.parametrize("argv", [["--images", "0"], ["--pixels", "x"], ["--guard-bits", "-1"],
                                  ["--exponents", "max"]])
def test_bad_arguments_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(["numerics", "workloads/vgg16.json", *argv])
    assert info.value.code == 2
