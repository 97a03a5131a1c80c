"""Work and parameter counts of the shipped networks against published figures.

Every count is derived from first principles by the loader (MACs = output pixels x fan_in x
out_channels for conv, N_in x units for fc). Published anchors:

* VGG-16: 15,470,264,320 MACs, 138,344,128 weights + 13,416 biases (isaac.md section 5).
* VGG-11/13/16/19 parameters: torchvision model documentation, ``num_params`` of VGG11_Weights
  etc. (132,863,336 / 133,047,848 / 138,357,544 / 143,667,240); GFLOPS (really GMACs) 7.61 /
  11.31 / 15.47 / 19.63.
* AlexNet (grouped, 227x227): Caffe bvlc_alexnet, 60,965,224 parameters; Sze et al., "Efficient
  Processing of Deep Neural Networks: A Tutorial and Survey", Proc. IEEE 2017: 666M conv MACs,
  58.6M fc MACs, 724M total; 2.3M conv weights, 58.6M fc weights, 61M total.
* ResNet-18: He et al., CVPR 2016, Table 1: 1.8 x 10^9 FLOPs (multiply-adds); torchvision
  ``ResNet18_Weights``: 11,689,512 parameters, 1.81 GFLOPS.
"""

import pytest

from isaacsim.network import load_network


def _conv_fc(net, kind):
    return [layer for layer in net.layers if layer.kind == kind]


def test_vgg16_totals():
    net = load_network("vgg16")
    assert net.macs == 15_470_264_320
    assert net.weights == 138_344_128
    assert net.biases == 13_416
    assert sum(ly.macs for ly in _conv_fc(net, "conv")) == 15_346_630_656
    assert sum(ly.macs for ly in _conv_fc(net, "fc")) == 123_633_664


@pytest.mark.parametrize("name, params, gmacs", [
    ("vgg11", 132_863_336, 7.61), ("vgg13", 133_047_848, 11.31),
    ("vgg16", 138_357_544, 15.47), ("vgg19", 143_667_240, 19.63)])
def test_vgg_family_matches_torchvision(name, params, gmacs):
    net = load_network(name)
    assert net.weights + net.biases == params
    assert round(net.macs / 1e9, 2) == gmacs


def test_vgg_family_layer_counts():
    # Simonyan & Zisserman Table 1: weight layers 11, 13, 16, 19; always 5 pools and 3 fc.
    for name, weight_layers in [("vgg11", 11), ("vgg13", 13), ("vgg16", 16), ("vgg19", 19)]:
        net = load_network(name)
        assert sum(ly.uses_crossbars for ly in net.layers) == weight_layers
        assert len(_conv_fc(net, "maxpool")) == 5
        assert len(_conv_fc(net, "fc")) == 3


def test_alexnet_grouped_counts():
    net = load_network("alexnet")
    conv, fc = _conv_fc(net, "conv"), _conv_fc(net, "fc")
    assert net.macs == 724_406_816
    assert sum(ly.macs for ly in conv) == 665_784_864          # Sze et al.: 666M
    assert sum(ly.macs for ly in fc) == 58_621_952             # 58.6M
    assert sum(ly.weights for ly in conv) == 2_332_704         # 2.3M
    assert net.weights == 60_954_656
    assert net.weights + net.biases == 60_965_224            # Caffe bvlc_alexnet
    assert [ly.groups for ly in conv] == [1, 2, 1, 2, 2]
    assert net.layer("conv2").fan_in == 5 * 5 * 96 // 2


def test_resnet18_counts():
    net = load_network("resnet18")
    assert net.macs == 1_814_073_344
    assert round(net.macs / 1e9, 2) == 1.81
    conv = _conv_fc(net, "conv")
    # torchvision counts conv weights, fc weights + bias and two batch-norm parameters per conv
    # output channel; with batch norm folded we count one bias per conv output channel instead.
    conv_channels = sum(ly.out_channels for ly in conv)
    assert conv_channels == 4_800
    assert net.weights == 11_678_912
    assert net.weights + 1_000 + 2 * conv_channels == 11_689_512
    assert net.weights + net.biases + conv_channels == 11_689_512


def test_resnet18_structure():
    net = load_network("resnet18")
    adds = _conv_fc(net, "add")
    assert len(adds) == 8
    assert all(a.activation == "relu" for a in adds)
    projections = [ly for ly in net.layers if ly.name.endswith("_proj")]
    assert [(p.kernel, p.stride, p.out_channels) for p in projections] == [
        ((1, 1), (2, 2), c) for c in (128, 256, 512)]
    assert net.layer("res3_0_add").inputs == ("res3_0_conv2", "res3_0_proj")
    assert net.layer("res3_0_proj").inputs == ("res2_1_add",)
    assert net.layer("res2_0_add").inputs == ("res2_0_conv2", "pool1")
    assert sum(ly.uses_crossbars for ly in net.layers) - len(projections) == 18


def test_tiny_is_small():
    net = load_network("tiny")
    assert net.macs < 200_000
    assert [ly.kind for ly in net.layers] == ["conv", "conv", "maxpool", "fc"]


# Networks imported from torchvision (scripts/export_torchvision.py): MACs as torchvision's model
# table gives them (its "GFLOPS" count multiply-adds) and as the papers state them; parameters as
# torchvision's sum(p.numel()), which counts two batch-norm parameters per normalised channel where
# isaacsim, with batch norm folded, counts one bias.
IMPORTED = {
    # name: (GMACs torchvision, paper's figure, torchvision parameters, batch-normalised channels)
    "mobilenet_v2": (0.30, "300M multiply-adds (Sandler et al. Table 3)", 3_504_872, 17_056),
    "resnet50": (4.09, "3.8 x 10^9 FLOPs (He et al. Table 1; stride on the 1x1 conv)", 25_557_032,
                 26_560),
    "squeezenet1_1": (0.35, "2.4x less computation than SqueezeNet 1.0", 1_235_496, 0),
    "googlenet": (1.50, "1.5 billion multiply-adds (Szegedy et al. section 5)", 6_624_904, 7_280),
    "efficientnet_b0": (0.39, "0.39B FLOPS (Tan & Le Table 2)", 5_288_548, 21_008),
}


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_imported_networks_match_torchvision(name):
    gmacs, _, params, bn_channels = IMPORTED[name]
    net = load_network(name)
    assert round(net.macs / 1e9, 2) == gmacs
    assert net.weights + net.biases + bn_channels == params
    convs = [ly for ly in net.layers if ly.kind == "conv"]
    if bn_channels and name != "efficientnet_b0":  # every conv is batch-normalised (EfficientNet's
        assert sum(ly.out_channels for ly in convs) == bn_channels  # excitation convs are not)


def test_mobilenet_v2_depthwise_and_residual_structure():
    net = load_network("mobilenet_v2")
    depthwise = [ly for ly in net.layers if ly.kind == "conv" and ly.groups > 1]
    assert len(depthwise) == 17
    assert all(ly.groups == ly.in_shape.channels == ly.out_channels and ly.fan_in == 9
               for ly in depthwise)
    assert sum(ly.kind == "add" for ly in net.layers) == 10
    assert {ly.activation for ly in net.layers if ly.kind == "conv"} == {"relu6", "none"}


def test_googlenet_and_squeezenet_concat_their_branches():
    g = load_network("googlenet")
    concats = [ly for ly in g.layers if ly.kind == "concat"]
    assert len(concats) == 9 and all(len(ly.inputs) == 4 for ly in concats)
    assert g.layer(concats[-1].name).out_shape == (7, 7, 1024)
    s = load_network("squeezenet1_1")
    assert sum(ly.kind == "concat" for ly in s.layers) == 8
    assert any(ly.params.get("ceil_mode") for ly in s.layers)


def test_efficientnet_b0_squeeze_and_excitation_blocks():
    net = load_network("efficientnet_b0")
    scales = [ly for ly in net.layers if ly.kind == "scale"]
    assert len(scales) == 16  # one per MBConv block
    for ly in scales:
        vector = net.layer(ly.inputs[1])
        assert vector.activation == "sigmoid" and tuple(vector.out_shape)[:2] == (1, 1)
        assert vector.out_shape.channels == ly.out_shape.channels
    assert sum(ly.activation == "silu" for ly in net.layers) > 40

