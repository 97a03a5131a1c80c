"""Loading, name resolution, shape inference and the public model API."""

import json
import os
from pathlib import Path

import pytest

from isaacsim.errors import InputError
from isaacsim.network import IMAGE, Shape, builtin_networks, load_network, network_from_dict, resolve_network

SHIPPED = ["alexnet", "resnet18", "tiny", "vgg11", "vgg13", "vgg16", "vgg19"]
REPO = Path(__file__).resolve().parents[1]


def _tiny_dict(**changes):
    data = json.loads((REPO / "workloads/networks/tiny.json").read_text())
    data.update(changes)
    return data


def test_builtins_listed():
    assert set(SHIPPED) <= set(builtin_networks())


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_network_loads_with_a_source(name):
    net = load_network(name)
    assert net.name == name
    assert len(net.source) > 40
    assert [ly.index for ly in net.layers] == list(range(len(net.layers)))
    for layer in net.layers:
        for producer in layer.inputs:
            assert producer == IMAGE or net.layer(producer).index < layer.index
        assert layer.in_shape == net.shape_of(layer.inputs[0])
        assert min(layer.out_shape) >= 1


def test_vgg16_shapes():
    net = load_network("vgg16")
    assert net.input_shape == Shape(224, 224, 3)
    expect = {"conv1_1": (224, 224, 64), "pool1": (112, 112, 64), "conv3_3": (56, 56, 256),
              "pool4": (14, 14, 512), "conv5_3": (14, 14, 512), "pool5": (7, 7, 512),
              "fc6": (1, 1, 4096), "fc8": (1, 1, 1000)}
    for name, shape in expect.items():
        assert net.layer(name).out_shape == shape
    fc6 = net.layer("fc6")
    assert fc6.in_shape == (7, 7, 512) and fc6.fan_in == 25_088
    assert net.layer("conv1_2").fan_in == 576
    assert net.layer("pool1").fan_in == 0 and net.layer("pool1").macs == 0


def test_alexnet_and_resnet18_shapes():
    alex = load_network("alexnet")
    assert [alex.layer(n).out_shape for n in ("conv1", "pool1", "conv2", "pool2", "conv5", "pool5")] \
        == [(55, 55, 96), (27, 27, 96), (27, 27, 256), (13, 13, 256), (13, 13, 256), (6, 6, 256)]
    assert alex.layer("fc6").fan_in == 9_216
    res = load_network("resnet18")
    expect = {"conv1": (112, 112, 64), "pool1": (56, 56, 64), "res2_1_add": (56, 56, 64),
              "res3_0_proj": (28, 28, 128), "res4_1_add": (14, 14, 256),
              "res5_1_add": (7, 7, 512), "avgpool": (1, 1, 512), "fc": (1, 1, 1000)}
    for name, shape in expect.items():
        assert res.layer(name).out_shape == shape


def test_tiny_shapes():
    net = load_network("tiny")
    assert [tuple(ly.out_shape) for ly in net.layers] == [(16, 16, 8), (8, 8, 16), (4, 4, 16),
                                                        (1, 1, 10)]
    assert net.layer("fc1").fan_in == 256


def test_layer_lookup_and_consumers():
    net = load_network("resnet18")
    with pytest.raises(KeyError, match="did you mean 'res2_0_add'"):
        net.layer("res2_0_ad")
    assert "fc" in net and "nope" not in net
    assert [ly.name for ly in net.consumers("res2_1_add")] == ["res3_0_proj", "res3_0_conv1"]
    assert [ly.name for ly in net.consumers(IMAGE)] == ["conv1"]


def test_rectangular_kernels_strides_and_image_input():
    data = _tiny_dict(layers=[
        {"name": "c", "kind": "conv", "kernel": [3, 1], "stride": [2, 1], "padding": [1, 0],
         "out_channels": 4, "activation": "sigmoid"},
        {"name": "p", "kind": "avgpool", "kernel": [2, 4]},
        {"name": "skip", "kind": "conv", "input": "input", "kernel": 1, "out_channels": 4,
         "activation": "none"},
        {"name": "fc", "kind": "fc", "input": "p", "out_features": 3, "activation": "none"}])
    net = network_from_dict(data)
    c, p, skip, fc = net.layers
    assert c.out_shape == (8, 16, 4) and c.fan_in == 3 * 1 * 3
    assert p.stride == (2, 4) and p.out_shape == (4, 4, 4)   # pooling stride defaults to kernel
    assert skip.inputs == (IMAGE,) and skip.out_shape == (16, 16, 4)
    assert fc.inputs == ("p",) and fc.fan_in == 64 and fc.macs == 192


def test_resolution_prefers_current_directory(tmp_path, monkeypatch):
    folder = tmp_path / "workloads" / "networks"
    folder.mkdir(parents=True)
    (folder / "vgg16.json").write_text(json.dumps(_tiny_dict(name="local")))
    monkeypatch.chdir(tmp_path)
    assert load_network("vgg16").name == "local"
    assert load_network("alexnet").name == "alexnet"      # falls back to the repository copy
    assert resolve_network("x/y.json") == Path("x/y.json")


def test_unknown_builtin_name_suggests():
    with pytest.raises(InputError, match="did you mean 'resnet18'") as info:
        load_network("resnet81")
    assert "built-in networks: alexnet, efficientnet_b0, googlenet, mobilenet_v2, resnet18, " \
           "resnet50, squeezenet1_1, tiny" in str(info.value)


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_network(str(tmp_path / "none.json"))


def test_network_is_immutable():
    net = load_network("tiny")
    with pytest.raises(AttributeError):
        net.layers[0].stride = (2, 2)  # type: ignore[misc]
    assert os.fspath(resolve_network("tiny")).endswith("tiny.json")
