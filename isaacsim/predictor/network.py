"""The crop predictor as layers ahead of a network, so that `run` simulates its cost.

`with_predictor(network, kernels)` returns the network with four layers first:

* ``predictor_conv``: the gradient kernels as a 3x3 convolution over the image, no padding (the
  rule's responses at interior pixels), one group per image channel (each channel convolved with
  every kernel, ``fan_in`` 9), two columns per kernel, the kernel and its negative, so that the
  ReLU of the activation unit gives ``|response|`` as the sum of the two: ``2 x kernels x C``
  output channels (sobel and laplace on RGB: 18). On crossbars like any conv layer.
* ``predictor_energy`` (``grad_energy``), ``predictor_decision`` (``crop_decision``) and
  ``predictor_gate`` (``crop_gate``): the band sums, the decision and the gate that holds the
  image at the host until the decision exists (`isaacsim.predictor.kinds`).

Every layer that read the image reads the gate instead. docs/predictor.md gives the reasons.
"""

from __future__ import annotations

from dataclasses import replace

from isaacsim.errors import InputError, Problem
from isaacsim.network import IMAGE, Network
from isaacsim.network.load import network_from_dict
from isaacsim.predictor import kinds
from isaacsim.predictor.kernels import kernel_stack

CONV, ENERGY, DECISION, GATE = ("predictor_conv", "predictor_energy", "predictor_decision",
                                "predictor_gate")
NAMES = (CONV, ENERGY, DECISION, GATE)


def with_predictor(network: Network, kernels: tuple[str, ...], speedup: int = 1) -> Network:
    """`network` with the predictor's layers first (module docstring); `speedup`: the gate's
    (the predictor's replication over the first layer's, `isaacsim.predictor.kinds`)."""
    taken = [n for n in NAMES if n in network]
    shape = network.input_shape
    problems = []
    if taken:
        problems.append(Problem(network.origin or network.name, "$.layers",
                                f"layer name '{taken[0]}' is reserved for the crop predictor; "
                                f"rename the layer"))
    if shape.height < 3 or shape.width < 3:
        problems.append(Problem(network.origin or network.name, "$.input",
                                f"the crop predictor's 3x3 kernels need an image of at least 3 x 3 "
                                f"pixels, got {shape}"))
    if problems:
        raise InputError(problems)
    columns = 2 * len(kernel_stack(kernels)) * shape.channels
    head = network_from_dict({
        "format_version": 1, "name": network.name,
        "input": {"height": shape.height, "width": shape.width, "channels": shape.channels},
        "layers": [
            {"name": CONV, "kind": "conv", "kernel": 3, "stride": 1, "padding": 0,
             "groups": shape.channels, "out_channels": columns, "activation": "relu"},
            {"name": ENERGY, "kind": kinds.GradEnergy.name},
            {"name": DECISION, "kind": kinds.CropDecision.name},
            {"name": GATE, "kind": kinds.CropGate.name, "input": IMAGE, "decision": DECISION,
             "speedup": speedup}]},
        source=f"the crop predictor of {network.origin or network.name}")
    offset = len(head.layers)
    body = tuple(replace(layer, index=layer.index + offset,
                         inputs=tuple(GATE if name == IMAGE else name for name in layer.inputs))
                 for layer in network.layers)
    return Network(name=network.name, source=network.source, input_shape=shape,
                   layers=head.layers + body, origin=network.origin)


def whole_image_layers(network: Network) -> frozenset[str]:
    """The layers that compute their whole map for every image, whatever its crop: those that a
    crop gate's decision depends on (the predictor scans the whole image). Empty without a
    gate."""
    out: set[str] = set()
    todo = [name for layer in network.layers if layer.kind == kinds.CropGate.name
            for name in layer.inputs[1:]]
    while todo:
        name = todo.pop()
        if name != IMAGE and name not in out:
            out.add(name)
            todo.extend(network.layer(name).inputs)
    return frozenset(out)
