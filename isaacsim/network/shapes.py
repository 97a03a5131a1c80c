"""The ranges of a network's numbers, and the size checks every layer passes whatever its kind.

Each layer kind (`isaacsim.layers`) infers its own output shape and work; `size_problems` then
refuses maps and weight matrices too large to simulate.
"""

from __future__ import annotations

from isaacsim.network.model import Layer
from isaacsim.validate import Bound, number_text

# Ranges of a network's numbers (docs/input-ranges.md). Single values first, then the products
# they cannot bound alone, checked per layer (and over the network) at the layer's JSON path.
SIDE = Bound("integer", 1, 16384, "ImageNet CNNs read 224 to 600 pixels a side; 16,384 is 27x that")
CHANNELS = Bound("integer", 1, 65536, "published CNNs have at most a few thousand channels")
FEATURES = Bound("integer", 1, 2 ** 20, "fc layers have at most tens of thousands of outputs "
                                        "(VGG: 4096; ImageNet-21k: 21,841)")
KERNEL = Bound("integer", 1, 64, "published kernels are at most 11 x 11 (AlexNet) and global pools "
                                 "7 x 7; an op's receptive field is scanned pixel by pixel")
STRIDE = Bound("integer", 1, 64, "published strides are 1 to 4 (pools: up to the kernel)")
PADDING = Bound("integer", 0, 64, "at most the largest kernel allowed")
GROUPS = Bound("integer", 1, 65536, "at most one group per channel (depthwise)")
LAYERS = Bound("integer", 1, 4096, "ResNet-152 has 155 layers; ResNet-1001 about 1000")
NETWORK_PIXELS = Bound("integer", 1, 2 ** 24, "height x width summed over the input and every "
                                              "layer (VGG-16: 154,500): the simulators keep int64 "
                                              "state per pixel of the image being simulated, and "
                                              "a stream one byte per pixel of every image's "
                                              "maps")
MAP_VALUES = Bound("integer", 1, 2 ** 28, "height x width x channels of a map: an fc layer's "
                                          "inputs and the numerics' float64 vectors (2 GiB)")
WEIGHTS = Bound("integer", 1, 2 ** 28, "VGG-16's fc6 has 102,760,448 weights; the numerics hold "
                                       "a layer's weights as float64 (2 GiB)")


def size_problems(layer: Layer) -> list[tuple[str, str]]:
    """A layer whose output map or weights are too large to simulate (`SIDE`, `MAP_VALUES`,
    `WEIGHTS`); the field is ``""``: the problem is the layer's as a whole. The pixels of all maps
    together (`NETWORK_PIXELS`) are checked by the loader."""
    out = layer.out_shape
    checks = ((max(out.height, out.width), SIDE, f"the output map {out} has a side of"),
              (out.values, MAP_VALUES, f"the output map {out} holds"),
              (layer.weights, WEIGHTS, "the layer has"))
    units = ("pixels", "values", "weights")
    return [("", f"{what} {value:,} {unit}, more than the {number_text(bound.limit)} accepted "
                 f"({bound.reason}); use a smaller input, fewer channels or a larger stride")
            for (value, bound, what), unit in zip(checks, units) if value > bound.limit]
