"""Sliding-window arithmetic shared by the windowed kinds (conv, pooling).

Spatial sizes follow the usual floor rule of convolution and pooling::

    out = floor((in + 2 * padding - kernel) / stride) + 1

which needs ``kernel <= in + 2 * padding`` (an output of at least 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from isaacsim.layers.base import Problems
from isaacsim.layers.parse import LayerParser
from isaacsim.network.model import Shape
from isaacsim.network.shapes import KERNEL, PADDING, STRIDE

AXES = ("height", "width")


def output_size(size: int, kernel: int, stride: int, padding: int, ceil: bool = False) -> int:
    """Output length along one axis of a sliding window (floor rule); < 1 when impossible.

    With `ceil` (``ceil_mode`` of a pool or a conv, as PyTorch and ONNX define it) the division
    rounds up, but a last window that would start beyond the input and its leading padding is
    dropped."""
    if not ceil:
        return (size + 2 * padding - kernel) // stride + 1
    out = -(-(size + 2 * padding - kernel) // stride) + 1
    if (out - 1) * stride >= size + padding:
        out -= 1
    return out


def parse_window(p: LayerParser, default_stride_is_kernel: bool) -> dict[str, Any]:
    """``kernel``, ``stride`` (default 1, or the kernel for pooling) and ``padding`` (default 0)."""
    kernel = p.pair("kernel", KERNEL)
    stride = p.pair("stride", STRIDE, default=kernel if default_stride_is_kernel else 1)
    return {"kernel": kernel, "stride": stride, "padding": p.pair("padding", PADDING, default=0)}


def window_problems(fields: Mapping[str, Any], in_shape: Shape) -> Problems:
    """A kernel larger than the padded input along some axis (there would be no output)."""
    kernel, padding = fields["kernel"], fields["padding"]
    padded = [size + 2 * p for size, p in zip((in_shape.height, in_shape.width), padding)]
    bad_axes = [axis for axis, k, n in zip(AXES, kernel, padded) if k > n]
    if not bad_axes:
        return []
    return [("kernel", f"kernel {kernel[0]}x{kernel[1]} is larger than the padded input "
                       f"{padded[0]}x{padded[1]} along the {' and '.join(bad_axes)} (input map "
                       f"{in_shape}, padding {padding[0]}x{padding[1]}), so there would "
                       f"be no output; use a smaller kernel or more padding")]


def spatial_out(fields: Mapping[str, Any], in_shape: Shape, channels: int) -> Shape:
    """Output map of the window over `in_shape`, with `channels` channels (``ceil_mode`` in
    `fields` rounds the output size up, see `output_size`)."""
    (kh, kw), (sh, sw), (ph, pw) = fields["kernel"], fields["stride"], fields["padding"]
    ceil = bool(fields.get("ceil_mode", False))
    return Shape(output_size(in_shape.height, kh, sh, ph, ceil),
                 output_size(in_shape.width, kw, sw, pw, ceil), channels)
