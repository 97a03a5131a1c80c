"""Replication policies: how many copies of each crossbar layer's weights the mapper places.

* ``none``: one copy of every layer.
* ``isaac`` (the ISAAC paper): walk back from the last conv layer (the last crossbar layer of a
  windowed kind). Layers from the last conv onwards (including fc layers) get 1. Any earlier layer
  L gets the largest, over L's consumers C, of ``factor(C) x stride_factor(C)``: windowed consumers
  (conv, pooling) contribute their ``stride_h x stride_w``, others (add, fc) 1
  (`LayerKind.stride_factor`). For a chain this is the product of the downstream
  strides and pooling factors; at a ResNet branch both paths normally agree (the add checks that
  their shapes match) and the maximum keeps the layer fast enough for its most demanding consumer.
  Digital layers (pooling, add) are never replicated; their factors only propagate.
* a chip budget (``scale``): the isaac replication divided by a common integer ``d``, rounded up,
  for the smallest ``d`` whose mapping fits (chosen in `isaacsim.targets.isaac.mapping.build`).
"""

from __future__ import annotations

import math
from fractions import Fraction

from isaacsim.network import Network

POLICIES = ("none", "isaac")
"""Replication policies a workload or ``--replication`` may name."""


def isaac_replication(network: Network) -> dict[str, int]:
    """ISAAC's balancing replication of every crossbar layer (layer name -> copies)."""
    convs = [layer.index for layer in network.layers
             if layer.uses_crossbars and layer.handler.windowed]
    last_conv = max(convs) if convs else -1
    factor: dict[str, Fraction] = {}
    for layer in reversed(network.layers):
        if layer.index >= last_conv:
            factor[layer.name] = Fraction(1)
            continue
        factor[layer.name] = max(
            [factor[c.name] * c.handler.stride_factor(c, i)
             for c in network.consumers(layer.name)
             for i, name in enumerate(c.inputs) if name == layer.name] or [Fraction(1)])
    # a factor below 1 (a layer that runs once per image, such as a squeeze-and-excitation
    # branch's convs) still needs one copy
    return {layer.name: max(1, math.ceil(factor[layer.name])) for layer in network.layers
            if layer.uses_crossbars}


def no_replication(network: Network) -> dict[str, int]:
    """One copy of every crossbar layer."""
    return {layer.name: 1 for layer in network.layers if layer.uses_crossbars}


def scaled(replication: dict[str, int], divisor: int) -> dict[str, int]:
    """Every layer's replication divided by `divisor`, rounded up (never below 1)."""
    if divisor < 1:
        raise ValueError(f"divisor must be >= 1, got {divisor}")
    return {name: -(-copies // divisor) for name, copies in replication.items()}


def replication_for(network: Network, policy: str) -> dict[str, int]:
    """The replication of a named policy (one of `POLICIES`)."""
    if policy == "none":
        return no_replication(network)
    if policy == "isaac":
        return isaac_replication(network)
    raise ValueError(f"unknown replication policy {policy!r}; expected one of {POLICIES}")
