"""Replication policies: how many copies of each crossbar layer's weights the mapper places.

* ``none``: one copy of every layer.
* ``isaac`` (the ISAAC paper): walk back from the last conv layer. Layers from the last conv
  onwards (including fc layers) get 1. Any earlier layer L gets the largest, over L's consumers C,
  of ``factor(C) x stride_h(C) x stride_w(C)``, where conv and pooling consumers contribute their
  stride and add or fc consumers contribute 1. For a chain this is the product of the downstream
  strides and pooling factors; at a ResNet branch both paths normally agree (the add checks that
  their shapes match) and the maximum keeps the layer fast enough for its most demanding consumer.
  Digital layers (pooling, add) are never replicated; their factors only propagate.
* a chip budget (``scale``): the isaac replication divided by a common integer ``d``, rounded up,
  for the smallest ``d`` whose mapping fits (chosen in `isaacsim.targets.isaac.mapping.build`).
"""

from __future__ import annotations

from isaacsim.network import POOL_KINDS, Network

POLICIES = ("none", "isaac")
"""Replication policies a workload or ``--replication`` may name."""


def _downstream_factor(consumer_kind: str, stride: tuple[int, int]) -> int:
    """How much faster a layer must produce for a consumer of this kind and stride."""
    if consumer_kind == "conv" or consumer_kind in POOL_KINDS:
        return stride[0] * stride[1]
    return 1


def isaac_replication(network: Network) -> dict[str, int]:
    """ISAAC's balancing replication of every crossbar layer (layer name -> copies)."""
    convs = [layer.index for layer in network.layers if layer.kind == "conv"]
    last_conv = max(convs) if convs else -1
    factor: dict[str, int] = {}
    for layer in reversed(network.layers):
        if layer.index >= last_conv:
            factor[layer.name] = 1
            continue
        factor[layer.name] = max(
            [factor[c.name] * _downstream_factor(c.kind, c.stride)
             for c in network.consumers(layer.name)] or [1])
    return {layer.name: factor[layer.name] for layer in network.layers if layer.uses_crossbars}


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
