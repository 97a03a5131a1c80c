"""Per-layer precision: defaults, overrides by name, exponents, the resolved form."""

import pytest

from isaacsim.errors import InputError
from isaacsim.network import load_network
from isaacsim.precision import Exponents, LayerPrecision, check_precision, load_precision, uniform_precision
from isaacsim.validate import Checker

VGG = load_network("vgg16")


def test_defaults_are_16_16_and_exponents_0():
    p = load_precision(None, VGG)
    assert p.default == LayerPrecision(16, 16, Exponents(0, 0, 0))
    assert list(p.layers) == [layer.name for layer in VGG.layers]
    assert all(lp == p.default for lp in p.layers.values())


def test_all_layers_then_by_name():
    p = load_precision({"weight_bits": 8, "activation_bits": 12,
                        "exponents": {"output": -1},
                        "layers": {"conv1_1": {"weight_bits": 4, "exponents": {"input": 3}},
                                   "pool1": {"activation_bits": 6}}}, VGG)
    assert p.of("conv1_1") == LayerPrecision(4, 12, Exponents(0, 3, -1))
    assert p.of("conv1_2") == LayerPrecision(8, 12, Exponents(0, 0, -1))
    assert p.of("pool1").activation_bits == 6
    assert p.of("no-such-layer") == p.default


def test_to_dict_lists_only_differences_and_reloads():
    data = {"weight_bits": 8, "layers": {"fc8": {"activation_bits": 4},
                                         "conv2_1": {"exponents": {"weight": 2}}}}
    p = load_precision(data, VGG)
    d = p.to_dict()
    assert d["layers"] == {"conv2_1": {"exponents": {"weight": 2}}, "fc8": {"activation_bits": 4}}
    assert load_precision(d, VGG) == p


def test_uniform_precision():
    p = uniform_precision(VGG, 4, 2)
    assert {(lp.weight_bits, lp.activation_bits) for lp in p.layers.values()} == {(4, 2)}
    with pytest.raises(InputError):
        uniform_precision(VGG, 17)


@pytest.mark.parametrize("data, fragment", [
    ({"weight_bits": 0}, "$.precision.weight_bits: expected an integer >= 1 and <= 16, got 0"),
    ({"weight_bits": True}, "got True (a boolean)"),
    ({"activation_bits": 0}, "0 activation bits would skip the whole layer"),
    ({"activation_bits": 17}, "got 17"),
    ({"layers": {"conv1_3": {}}}, "unknown layer 'conv1_3'"),
    ({"layers": {"fc6": {"weigth_bits": 4}}}, "did you mean 'weight_bits'?"),
    ({"layers": {"pool2": {"exponents": {"weight": 1}}}}, "a maxpool layer has no weights"),
    ({"exponents": {"input": 65}}, "expected an integer >= -64 and <= 64, got 65"),
    ({"layers": []}, "$.precision.layers: expected an object"),
    ("8", "$.precision: expected an object"),
])
def test_problems(data, fragment):
    with pytest.raises(InputError) as info:
        load_precision(data, VGG, source="w.json")
    assert fragment in str(info.value)
    assert str(info.value).startswith("w.json: ") or "problems" in str(info.value)


def test_structure_checked_without_a_network():
    chk = Checker("w.json")
    assert check_precision(chk, {"weight_bits": 20, "layers": {"x": {"activation_bits": 0}}},
                           None) is None
    text = " | ".join(str(p) for p in chk.problems)
    assert "weight_bits" in text and "$.precision.layers.x.activation_bits" in text
