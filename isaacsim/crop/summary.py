"""Per-map crop summary of a whole network: windows, active pixels and fc row blocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from isaacsim.crop.fc import RowBlocks, row_blocks
from isaacsim.crop.vectors import DEFAULT_FRACTION, CropVector, parse_flatten
from isaacsim.crop.windows import Window, windows
from isaacsim.network.model import IMAGE, Network, Shape


@dataclass(frozen=True)
class MapCrop:
    """The crop of one map: the input image (kind ``"input"``) or a layer's output."""

    name: str
    kind: str
    shape: Shape
    window: Window
    row_blocks: RowBlocks | None = None
    """For fc layers only: row blocks of its weight matrix holding an active input."""

    @property
    def active_pixels(self) -> int:
        return self.window.pixels

    @property
    def total_pixels(self) -> int:
        return self.shape.pixels

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready record (row-block fields only for fc layers)."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind,
                               "shape": list(self.shape), "rows": list(self.window.rows),
                               "cols": list(self.window.cols),
                               "active_pixels": self.active_pixels,
                               "total_pixels": self.total_pixels}
        if self.row_blocks is not None:
            out["active_row_blocks"] = self.row_blocks.active
            out["total_row_blocks"] = self.row_blocks.total
        return out


def crop_summary(network: Network, vector: str | CropVector, fraction: Any = DEFAULT_FRACTION,
                 *, rows_per_array: int, rounding: str = "floor",
                 flatten: str = "position") -> tuple[MapCrop, ...]:
    """One `MapCrop` for the input image, then one per layer, in network order.

    Each fc layer's row blocks use the window of the map it reads, flattened in `flatten` order
    and cut into blocks of `rows_per_array` rows (the architecture's crossbar rows).
    """
    parse_flatten(flatten)
    wins = windows(network, vector, fraction, rounding)
    out = [MapCrop(IMAGE, "input", network.input_shape, wins[IMAGE])]
    for layer in network.layers:
        blocks = None
        if layer.handler.skips_row_blocks:
            producer = layer.inputs[0]
            blocks = row_blocks(network.shape_of(producer), wins[producer], rows_per_array, flatten)
        out.append(MapCrop(layer.name, layer.kind, layer.out_shape, wins[layer.name], blocks))
    return tuple(out)
