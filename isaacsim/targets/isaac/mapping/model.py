"""The mapping's immutable records: `LayerMapping` per layer, `Totals`, and `Mapping`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from isaacsim.network import Shape


@dataclass(frozen=True)
class LayerMapping:
    """Where one layer sits and what it occupies.

    Crossbar layers (conv, fc) have arrays, IMAs and tiles. Digital layers (pooling, add) have
    none (zeros and empty tuples) and run on the home tile of their first producer.
    """

    name: str
    kind: str
    out_shape: Shape
    macs: int
    """Crossbar multiply-accumulates per image (0 for digital layers)."""
    groups: int
    row_blocks: int
    col_blocks: int
    arrays_per_replica: int
    rows_per_row_block: tuple[int, ...]
    cols_per_col_block: tuple[int, ...]
    """Weight columns used per column block (the flip encoding's unit column is extra)."""
    replication: int
    arrays: int
    """Arrays of all replicas."""
    imas: int
    """IMAs holding any of the layer's arrays."""
    tiles: tuple[int, ...]
    """Global ids (chip * tiles_per_chip + local tile) of the tiles holding the layer's arrays."""
    home_tile: int
    """Crossbar layer: the tile of its last arrays (tile S+A, activation, input buffer). Digital
    layer: the home tile of its first producer (tile 0 when that is the input image)."""
    first_chip: int
    last_chip: int
    buffer_bytes: int
    """Rolling input buffer the layer needs (0 for digital layers)."""
    buffer_capacity_bytes: int
    """Capacity of the layer's rolling input buffer (0 for digital layers): its share of its home
    tile's eDRAM (`buffer_home_bytes`) plus the whole eDRAM of every other tile holding its arrays
    that is no layer's home (docs/mapping.md s4). The mapper refuses a need above it; the lowering
    turns it into pixel slots, ``floor(capacity / (C_in x 2))`` (docs/timing-model.md s5)."""
    weight_bits: int
    activation_bits: int
    buffer_home_bytes: int = 0
    """The part of `buffer_capacity_bytes` on the home tile: its whole eDRAM, or with ``shared``
    packing a share of it split with the other layers homed there (0 for digital layers)."""
    groups_per_array: int = 1
    """``diagonal`` grouping: groups side by side on each array (1: every group has its own)."""
    shift_lo: int = 0
    shift_hi: int = 0
    """Crossbar layer: the smallest and largest shift its shift-and-add units apply, from its
    FlexPoint exponents (`isaacsim.functional.flexpoint.shift_window`; 0 for digital layers)."""
    shift_passes: int = 1
    """Shift-and-add operations per partial: 1 unless a shift is wider than
    `ima.shift_add.max_shift` (docs/timing-model.md s12)."""

    @property
    def uses_crossbars(self) -> bool:
        return self.arrays > 0

    @property
    def array_rows(self) -> int:
        """Rows used, summed over the arrays of one replica: what one read of all its row blocks
        drives (``rows_per_row_block`` holds one group's rows; with ``diagonal`` grouping a
        column block holds several groups, each on rows of its own)."""
        rows = sum(self.rows_per_row_block)
        return rows * (self.groups if self.groups_per_array > 1 else self.col_blocks)

    def to_dict(self) -> dict[str, Any]:
        """JSON form; ``tiles`` is the number of tiles, their ids are ``first_tile``..``home_tile``
        (consecutive)."""
        return {
            "name": self.name, "kind": self.kind, "out_shape": list(self.out_shape),
            "macs": self.macs, "groups": self.groups, "groups_per_array": self.groups_per_array,
            "row_blocks": self.row_blocks,
            "col_blocks": self.col_blocks, "arrays_per_replica": self.arrays_per_replica,
            "replication": self.replication, "arrays": self.arrays, "imas": self.imas,
            "tiles": len(self.tiles), "first_tile": self.tiles[0] if self.tiles else self.home_tile,
            "home_tile": self.home_tile, "first_chip": self.first_chip,
            "last_chip": self.last_chip, "buffer_bytes": self.buffer_bytes,
            "buffer_capacity_bytes": self.buffer_capacity_bytes,
            "buffer_home_bytes": self.buffer_home_bytes, "weight_bits": self.weight_bits,
            "activation_bits": self.activation_bits, "shift_lo": self.shift_lo,
            "shift_hi": self.shift_hi, "shift_passes": self.shift_passes,
            "rows_per_row_block": list(self.rows_per_row_block),
            "cols_per_col_block": list(self.cols_per_col_block),
        }


@dataclass(frozen=True)
class Totals:
    """Hardware occupied by the whole mapping."""

    arrays: int
    imas: int
    tiles: int
    chips: int

    def to_dict(self) -> dict[str, int]:
        return {"arrays": self.arrays, "imas": self.imas, "tiles": self.tiles, "chips": self.chips}


@dataclass(frozen=True)
class Mapping:
    """A network mapped onto an architecture: every layer's placement and the totals."""

    network: str
    arch: str
    layers: tuple[LayerMapping, ...]
    """One entry per network layer, in network order."""
    totals: Totals
    replication: str
    """The policy asked for: "none" or "isaac"."""
    replication_divisor: int
    """1, or the divisor a chip budget applied to the policy's replication (rounded up)."""
    chip_budget: int | None
    packing: str
    flatten: str
    tiles_per_chip: int
    grouping: str = "separate"
    """How grouped convolutions' groups take arrays (`GROUPINGS`)."""

    @property
    def chips(self) -> int:
        """Chips the mapping needs (computed from its tiles, never assumed)."""
        return self.totals.chips

    def layer(self, name: str) -> LayerMapping:
        for lm in self.layers:
            if lm.name == name:
                return lm
        raise KeyError(f"no layer '{name}' in the mapping of '{self.network}'")

    def describe_replication(self) -> str:
        """One line saying which replication was used and why."""
        text = self.replication
        if self.replication_divisor > 1:
            text += f" divided by {self.replication_divisor} (rounded up)"
        if self.chip_budget is not None:
            text += (f", the largest that fits the budget of {self.chip_budget} chip"
                     f"{'s' if self.chip_budget != 1 else ''}")
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"network": self.network, "arch": self.arch, "replication": self.replication,
                "replication_divisor": self.replication_divisor, "chip_budget": self.chip_budget,
                "replication_used": self.describe_replication(), "packing": self.packing,
                "flatten": self.flatten, "grouping": self.grouping,
                "tiles_per_chip": self.tiles_per_chip,
                "layers": [lm.to_dict() for lm in self.layers], "totals": self.totals.to_dict()}
