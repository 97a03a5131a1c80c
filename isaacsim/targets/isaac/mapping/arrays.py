"""How one crossbar layer's weights tile onto arrays, and the rolling input buffer it needs.

Formulas (``docs/mapping.md``; the ISAAC paper sections 2, 3 and 5):

* A layer's kind (`isaacsim.layers`) gives its weight matrix. A conv layer with ``groups``
  groups is ``groups`` independent matrices of ``fan_in`` rows (``K_h * K_w * C_in / groups``) by
  ``C_out / groups`` outputs; each group has its own arrays.
  An fc layer is one matrix of ``H * W * C`` rows by ``out_features`` outputs.
* One weight of ``weight_bits`` bits takes ``ceil(weight_bits / cell_bits)`` adjacent columns.
* Row blocks: ``ceil(fan_in / xbar_rows)``; column blocks per group:
  ``ceil(C_out / groups * ceil(weight_bits / cell_bits) / xbar_cols)``. A replica holds
  ``row_blocks x col_blocks`` arrays, where ``col_blocks`` counts the column blocks of all groups
  (group after group). The last row block and the last column block of a group may be partial.
* The flip encoding's unit column is an extra, 129th column of every array (the ISAAC paper): it never
  holds weights, so it does not change these counts; ``cols_per_col_block`` lists weight columns.
* Rolling buffer (the ISAAC paper): ``(padded W_in * (K_h - 1) + K_w) * C_in * 2`` bytes for a conv
  (values are stored as 16-bit words whatever their precision); the whole input map,
  ``H * W * C * 2`` bytes, for an fc.
"""

from __future__ import annotations

from dataclasses import dataclass

from isaacsim.network import Layer

VALUE_BYTES = 2
"""Bytes per stored activation value in eDRAM (16-bit words, the ISAAC paper)."""

GROUPINGS = ("separate", "diagonal")
"""How a grouped convolution's groups take arrays: each its own (``separate``, the default), or
as many as fit side by side on one array's diagonal (``diagonal``: a depthwise layer's 3x3 kernels,
9 rows and one weight's columns each, 14 to an array of 128 x 128). docs/mapping.md s2."""


@dataclass(frozen=True)
class ArrayGrid:
    """The arrays of one replica of a crossbar layer."""

    row_blocks: int
    """Row blocks of one group (partial sums added by the shift-and-add units)."""
    col_blocks: int
    """Column blocks of all groups together."""
    rows_per_row_block: tuple[int, ...]
    """Rows used in each row block (the same in every group)."""
    cols_per_col_block: tuple[int, ...]
    """Weight columns used in each column block, group after group (unit column not included)."""
    slices_per_weight: int
    """Adjacent columns holding one weight: ceil(weight_bits / cell_bits)."""
    groups_per_array: int = 1
    """``diagonal`` grouping: groups side by side on one array (its rows and columns split between
    them; column block j holds groups j x k .. j x k + k - 1). 1: every group has its own arrays."""

    @property
    def arrays(self) -> int:
        """Arrays in one replica: row blocks x column blocks."""
        return self.row_blocks * self.col_blocks


def split(total: int, block: int) -> tuple[int, ...]:
    """`total` items in blocks of `block`: full blocks then the remainder (``split(300, 128) ==
    (128, 128, 44)``); ``()`` for 0."""
    full, rest = divmod(total, block)
    return (block,) * full + ((rest,) if rest else ())


def diagonal_groups(layer: Layer, weight_bits: int, xbar_rows: int, xbar_cols: int,
                    cell_bits: int) -> int:
    """Groups of `layer` that fit side by side on one array (1 when it has one group, or when one
    group's rows or columns need more than an array)."""
    cols = layer.out_channels // layer.groups * -(-weight_bits // cell_bits)
    if layer.groups == 1 or layer.fan_in > xbar_rows or cols > xbar_cols:
        return 1
    return min(xbar_rows // layer.fan_in, xbar_cols // cols, layer.groups)


def arrays_per_replica(layer: Layer, weight_bits: int, xbar_rows: int, xbar_cols: int,
                       cell_bits: int, grouping: str = "separate") -> int:
    """``array_grid(...).arrays`` computed without building the grid (any size, at once)."""
    if grouping == "diagonal":
        k = diagonal_groups(layer, weight_bits, xbar_rows, xbar_cols, cell_bits)
        if k > 1:
            return -(-layer.groups // k)
    slices = -(-weight_bits // cell_bits)
    return -(-layer.fan_in // xbar_rows) * -(-(layer.out_channels // layer.groups * slices)
                                             // xbar_cols) * layer.groups


def array_grid(layer: Layer, weight_bits: int, xbar_rows: int, xbar_cols: int,
               cell_bits: int, grouping: str = "separate") -> ArrayGrid:
    """The arrays of one replica of conv or fc `layer` at `weight_bits` bits per weight."""
    if not layer.uses_crossbars:
        raise ValueError(f"layer '{layer.name}' ({layer.kind}) has no crossbar arrays")
    if weight_bits < 1 or cell_bits < 1 or xbar_rows < 1 or xbar_cols < 1:
        raise ValueError(f"bad array geometry: weight_bits {weight_bits}, cell_bits {cell_bits}, "
                         f"{xbar_rows} x {xbar_cols} arrays")
    if grouping not in GROUPINGS:
        raise ValueError(f"grouping must be one of {GROUPINGS}, got {grouping!r}")
    groups = layer.groups
    slices = -(-weight_bits // cell_bits)
    k = diagonal_groups(layer, weight_bits, xbar_rows, xbar_cols, cell_bits) \
        if grouping == "diagonal" else 1
    if k > 1:
        per_group = layer.out_channels // groups * slices
        cols = tuple(min(k, groups - j) * per_group for j in range(0, groups, k))
        return ArrayGrid(row_blocks=1, col_blocks=len(cols), rows_per_row_block=(layer.fan_in,),
                         cols_per_col_block=cols, slices_per_weight=slices, groups_per_array=k)
    rows = split(layer.fan_in, xbar_rows)
    cols_per_group = split(layer.out_channels // groups * slices, xbar_cols)
    return ArrayGrid(row_blocks=len(rows), col_blocks=len(cols_per_group) * groups,
                     rows_per_row_block=rows, cols_per_col_block=cols_per_group * groups,
                     slices_per_weight=slices)


def rolling_buffer_bytes(layer: Layer) -> int:
    """Bytes of input a crossbar layer must hold to run (the ISAAC paper; docs/mapping.md): its
    kind's buffer in values (`LayerKind.buffer_values`), 16-bit words each."""
    if not layer.uses_crossbars:
        raise ValueError(f"layer '{layer.name}' ({layer.kind}) has no crossbar input buffer")
    return layer.handler.buffer_values(layer) * VALUE_BYTES
