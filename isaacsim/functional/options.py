"""Datapath options of the functional model: ISAAC defaults, validation, derived counts.

`DatapathOptions.from_kwargs` is the single path from keyword arguments to a validated, immutable
record; `options_from_arch` reads the same keywords off an `isaacsim.targets.isaac.arch.Architecture`.
docs/functional-model.md explains every option.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from isaacsim.validate import Checker

ROUNDINGS = ("half_even", "half_away", "floor")
"""Rules for right shifts (negative total shift), docs/functional-model.md section 6:
round half to even (default, unbiased), round half away from zero, floor (a bare arithmetic
shift)."""

DEFAULTS: dict[str, Any] = {
    "rows": 128, "cols": 128, "cell_bits": 2, "dac_bits": 1, "adc_bits": 8, "flip_encoding": True,
    "weight_bits": 16, "input_bits": 16, "shift": 0, "guard_bits": 0, "output_bits": 64,
    "rounding": "half_even", "max_shift": 31,
}
"""ISAAC's settings (the ISAAC paper). `output_bits` 64 is the accumulator itself: with the int64
bound checked by `matvec`, nothing saturates, so the default model is exact."""

# Limits of the options. Widths stay far from int64 so every intermediate value is exact.
_MAX_DIM = 1 << 16
_MAX_CELL_BITS = 8
_MAX_DAC_BITS = 8
_MAX_ADC_BITS = 32
_MAX_VALUE_BITS = 32
_MAX_SHIFT = 62

INT64_MAX = (1 << 63) - 1


@dataclass(frozen=True)
class DatapathOptions:
    """Validated datapath options; see `DEFAULTS` for ISAAC's values."""

    rows: int
    """Crossbar rows: inputs per array. A matrix with more rows spans several row blocks."""
    cols: int
    """Crossbar data columns (the flip encoding's unit column comes on top)."""
    cell_bits: int
    dac_bits: int
    adc_bits: int
    flip_encoding: bool
    weight_bits: int
    input_bits: int
    shift: int
    """FlexPoint exponent difference d = e_w + e_x - e_y added to every partial shift."""
    guard_bits: int
    """Fractional bits g of the shift-and-add accumulator below the output LSB: partials are
    added with shift k w + t v + d + g (rounded when negative) and the sum is rounded once by 2^-g.
    0 (default) rounds every partial to the output LSB."""
    output_bits: int
    """Signed output mantissa width; outputs saturate to [-2^(b-1), 2^(b-1) - 1]."""
    rounding: str
    max_shift: int
    """Bits a shift-and-add unit shifts, either way, in one operation; a wider shift takes more
    operations (time and energy, not numerics: `flexpoint.shift_window`)."""

    @classmethod
    def from_kwargs(cls, source: str = "matvec", **kwargs: Any) -> DatapathOptions:
        """Validate keyword options (unknown names, types, ranges); all problems in one error."""
        given = {k: _plain(v) for k, v in kwargs.items()}
        chk = Checker(source)
        chk.keys(given, "options", allowed=DEFAULTS)
        get: dict[str, Any] = {}  # checked values (int, bool or str) by field name
        for key, lo, hi in (("rows", 1, _MAX_DIM), ("cols", 1, _MAX_DIM),
                            ("cell_bits", 1, _MAX_CELL_BITS), ("dac_bits", 1, _MAX_DAC_BITS),
                            ("adc_bits", 1, _MAX_ADC_BITS), ("weight_bits", 1, _MAX_VALUE_BITS),
                            ("input_bits", 1, _MAX_VALUE_BITS), ("shift", -_MAX_SHIFT, _MAX_SHIFT),
                            ("guard_bits", 0, _MAX_SHIFT), ("output_bits", 2, 64),
                            ("max_shift", 1, _MAX_SHIFT)):
            get[key] = chk.integer(given, key, "options", minimum=lo, maximum=hi,
                                   default=DEFAULTS[key])
        get["flip_encoding"] = chk.boolean(given, "flip_encoding", "options",
                                           default=DEFAULTS["flip_encoding"])
        get["rounding"] = chk.choice(given, "rounding", "options", ROUNDINGS,
                                     default=DEFAULTS["rounding"])
        if chk.ok:
            slices = -(-get["weight_bits"] // get["cell_bits"])
            if get["cols"] < slices:
                chk.add("options.cols",
                        f"a {get['weight_bits']}-bit weight in {get['cell_bits']}-bit cells needs "
                        f"{slices} adjacent columns, but an array has only {get['cols']}; "
                        "raise cols or cell_bits")
        chk.raise_if_any()
        return cls(**get)

    # -- derived counts ---------------------------------------------------------------------------
    @property
    def slices(self) -> int:
        """Cells (adjacent columns) per weight: ceil(weight_bits / cell_bits)."""
        return -(-self.weight_bits // self.cell_bits)

    @property
    def bit_cycles(self) -> int:
        """Array reads per input vector: the low input_bits - 1 bits (sign-extended to a whole
        number of DAC groups) in groups of dac_bits, plus one shift-and-subtract cycle driving the
        sign bit. Equals input_bits for 1-bit DACs."""
        return -(-(self.input_bits - 1) // self.dac_bits) + 1

    @property
    def weights_per_array(self) -> int:
        """Outputs held by one array: cols // slices."""
        return self.cols // self.slices

    def as_dict(self) -> dict[str, Any]:
        """Keyword arguments that rebuild these options: ``matvec(w, x, **opts.as_dict())``."""
        return asdict(self)

    def int64_bound(self, rows_total: int) -> int:
        """Largest magnitude any accumulator value can reach for a matrix of `rows_total` rows.

        Every recovered slice partial p satisfies 0 <= p <= (2^w - 1)(2^v - 1) x rows of its block,
        even when the ADC saturates; summed over slices and bit-cycles with their shifts this is at
        most rows_total (2^(S w) - 1)(2^(T v) - 1) 2^max(d + g, 0) with g the guard bits. The
        offset correction adds rows_total 2^(weight_bits - 1) 2^(input_bits - 1) 2^max(d + g, 0),
        and rounding at most one per partial. `matvec` requires the sum to fit int64
        (docs/functional-model.md section 8).
        """
        scale = 1 << max(self.shift + self.guard_bits, 0)
        row_blocks = -(-rows_total // self.rows)
        data = rows_total * ((1 << (self.slices * self.cell_bits)) - 1) \
            * ((1 << (self.bit_cycles * self.dac_bits)) - 1) * scale
        offset = rows_total * (1 << (self.weight_bits - 1)) * (1 << (self.input_bits - 1)) * scale
        return data + offset + row_blocks * (self.slices * self.bit_cycles + 1)


def options_from_arch(arch: Any) -> dict[str, Any]:
    """Keyword options of `matvec` taken from an `isaacsim.targets.isaac.arch.Architecture` (or any
    object with xbar_rows, xbar_cols, cell_bits, dac_bits, adc_bits, flip_encoding, weight_bits, input_bits,
    ima_shift_add_max_shift).

    `shift`, `output_bits` and `rounding` are not architecture parameters and keep their defaults.
    """
    return {"rows": int(arch.xbar_rows), "cols": int(arch.xbar_cols),
            "cell_bits": int(arch.cell_bits), "dac_bits": int(arch.dac_bits),
            "adc_bits": int(arch.adc_bits), "flip_encoding": bool(arch.flip_encoding),
            "weight_bits": int(arch.weight_bits), "input_bits": int(arch.input_bits),
            "max_shift": int(arch.ima_shift_add_max_shift)}


def _plain(value: Any) -> Any:
    """numpy scalars as Python scalars, so ``rows=np.int64(128)`` is accepted."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    return value
