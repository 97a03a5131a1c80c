"""Crop vectors, crop fractions and the option names of the crop model.

A crop vector is four bits ``[TOP, BOTTOM, LEFT, RIGHT]``, written as a string such as ``"1011"``
(``docs/crop-model.md``; semantics from the AQuA seed). A crop fraction f is the
share of a map's height (or width) removed on each cropped side, 2**-20 <= f < 1/2 (docs/input-ranges.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from isaacsim.errors import InputError, Problem
from isaacsim.validate import Bound, describe, did_you_mean, short_json

SIDES = ("top", "bottom", "left", "right")
"""Side names in the bit order of a crop vector."""

DEFAULT_FRACTION = Fraction(1, 4)
MIN_FRACTION = 2 ** -20
FRACTION = Bound("number", MIN_FRACTION, 0.5, "removed from each cropped side, so below 1/2; a "
                                              "fraction below 2**-20 removes no row of any map "
                                              "(sides are at most 16,384 pixels)",
                 exclusive_maximum=True)
ROUNDINGS = ("floor", "nearest")
"""How ``f * size`` becomes a whole number of removed rows or columns (``crop_margin``)."""
FLATTEN_ORDERS = ("position", "channel")
"""Flatten order of a spatial map feeding an fc layer: position-major (h, w, c) or channel-major
(c, h, w)."""


@dataclass(frozen=True, order=True)
class CropVector:
    """Which sides of every map are cropped. ``str(v)`` gives the ``"1011"`` form."""

    top: bool
    bottom: bool
    left: bool
    right: bool

    def __str__(self) -> str:
        return "".join("1" if side else "0" for side in self.bits)

    @property
    def bits(self) -> tuple[bool, bool, bool, bool]:
        return (self.top, self.bottom, self.left, self.right)

    @property
    def index(self) -> int:
        """Position in `ALL_VECTORS`: the bits read as a binary number, TOP most significant."""
        return int(str(self), 2)

    @property
    def cropped_sides(self) -> int:
        return sum(self.bits)

    def covers(self, other: CropVector) -> bool:
        """True when every side `other` crops is also cropped here (a superset vector)."""
        return all(mine or not theirs for mine, theirs in zip(self.bits, other.bits))


ALL_VECTORS: tuple[CropVector, ...] = tuple(
    CropVector(*(bit == "1" for bit in format(i, "04b"))) for i in range(16))
"""The 16 vectors in binary order: 0000, 0001, 0010, ..., 1111."""

NO_CROP = ALL_VECTORS[0]


def parse_vector(value: str | CropVector, *, source: str = "crop vector",
                 place: str = "") -> CropVector:
    """A `CropVector` from ``"1011"`` (or a `CropVector`, returned as is); `InputError` otherwise."""
    if isinstance(value, CropVector):
        return value
    if isinstance(value, str) and len(value) == 4 and set(value) <= {"0", "1"}:
        return ALL_VECTORS[int(value, 2)]
    raise InputError(Problem(source, place,
                             f"expected a crop vector of exactly 4 characters, each 0 or 1, in the "
                             f"order TOP BOTTOM LEFT RIGHT (e.g. 1011 crops the top, left and "
                             f"right), got {describe(value)}"))


def parse_fraction(value: Any, *, source: str = "crop fraction", place: str = "") -> Fraction:
    """The crop fraction as an exact `Fraction` in (0, 1/2).

    Accepts a number, a `Fraction`, or a string such as ``"0.25"`` or ``"1/8"``. A float is read as
    the shortest decimal that prints it (``0.29`` is 29/100), so ``floor(0.29 * 100)`` is 29, not
    the 28 that binary floating point would give.
    """
    frac = _to_fraction(value)
    if frac is None:
        raise InputError(Problem(source, place, f"expected a crop fraction such as 0.25 or 1/8, "
                                                f"got {describe(value)}"))
    if not 0 < frac < Fraction(1, 2):
        raise InputError(Problem(source, place, f"the crop fraction must be > 0 and < 1/2 (it is "
                                                f"removed from each cropped side), got "
                                                f"{short_json(value)}"))
    if frac < Fraction(MIN_FRACTION):
        raise InputError(Problem(source, place, f"the crop fraction must be >= 2**-20: a smaller "
                                                f"one removes no row or column of any map (sides "
                                                f"are at most 16,384 pixels), got "
                                                f"{short_json(value)}"))
    return frac


def parse_rounding(value: str, *, source: str = "rounding", place: str = "") -> str:
    if value not in ROUNDINGS:
        raise InputError(Problem(source, place, f"expected one of {', '.join(ROUNDINGS)}, got "
                                                f"{describe(value)}{did_you_mean(str(value), ROUNDINGS)}"))
    return value


def parse_flatten(value: str, *, source: str = "flatten order", place: str = "") -> str:
    if value not in FLATTEN_ORDERS:
        hint = did_you_mean(str(value), FLATTEN_ORDERS)
        raise InputError(Problem(source, place, f"expected one of {', '.join(FLATTEN_ORDERS)}, got "
                                                f"{describe(value)}{hint}"))
    return value


def removed_area_fraction(vector: str | CropVector, fraction: Any = DEFAULT_FRACTION) -> Fraction:
    """Share of an (unrounded) map removed: ``1 - (1 - f(T+B)) (1 - f(L+R))`` (the seed).

    With f = 1/4: 1/4 for one side, 7/16 for two adjacent sides, 1/2 for two opposite sides, 5/8
    for three and 3/4 for four.
    """
    v = parse_vector(vector)
    f = parse_fraction(fraction)
    return 1 - (1 - f * (v.top + v.bottom)) * (1 - f * (v.left + v.right))


def _to_fraction(value: Any) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str) and _FRACTION_TEXT.fullmatch(value):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            return None
    return None


_FRACTION_TEXT = re.compile(r"\s*[+-]?(\d{1,40}/\d{1,40}|(\d{1,40}\.?\d{0,40}|\.\d{1,40})"
                            r"([eE][+-]?\d{1,3})?)\s*")
"""A fraction as text: ``1/8``, ``0.125``, ``1.25e-1``; at most 40 digits a part and a three-digit
exponent, so that reading it never builds a huge integer (``1e999999999`` would)."""
