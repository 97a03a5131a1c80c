"""Networks: the description format, its validation, and shape inference.

Public API::

    load_network(name_or_file) -> Network      # file path or built-in name such as "vgg16"
    network_from_dict(data, source) -> Network # the same checks on an already-parsed object
    builtin_networks() -> tuple[str, ...]
    Network, Layer, Shape                      # immutable model objects

The JSON format is documented in ``docs/network-format.md``.
"""

from isaacsim.network.load import (
    FORMAT_VERSION,
    builtin_networks,
    load_network,
    network_dirs,
    network_from_dict,
    resolve_network,
)
from isaacsim.network.model import ACTIVATIONS, IMAGE, Layer, Network, Shape

__all__ = ["ACTIVATIONS", "FORMAT_VERSION", "IMAGE", "Layer", "Network", "Shape", "builtin_networks",
           "load_network", "network_dirs", "network_from_dict", "resolve_network"]
