"""Crop vectors and fractions: parsing, ordering, validation messages, removed area."""

import math
from fractions import Fraction

import pytest

from isaacsim.crop import (
    ALL_VECTORS,
    DEFAULT_FRACTION,
    NO_CROP,
    CropVector,
    parse_flatten,
    parse_fraction,
    parse_rounding,
    parse_vector,
    removed_area_fraction,
)
from isaacsim.errors import InputError


def test_sixteen_vectors_in_binary_order():
    assert [str(v) for v in ALL_VECTORS] == [format(i, "04b") for i in range(16)]
    assert len(set(ALL_VECTORS)) == 16
    assert [v.index for v in ALL_VECTORS] == list(range(16))
    assert str(NO_CROP) == "0000"


def test_parse_vector_bit_order():
    v = parse_vector("1011")
    assert (v.top, v.bottom, v.left, v.right) == (True, False, True, True)
    assert str(v) == "1011" and v.cropped_sides == 3
    assert parse_vector(v) is v
    assert parse_vector("1111").covers(v) and not v.covers(parse_vector("0100"))


@pytest.mark.parametrize("bad", ["10a1", "101", "10111", "", " 1011", "2011", 1011, None,
                                 "TBLR"])
def test_bad_vectors_are_input_errors(bad):
    with pytest.raises(InputError) as info:
        parse_vector(bad, source="line 3", place="field crop")
    text = str(info.value)
    assert text.startswith("line 3: field crop: expected a crop vector of exactly 4 characters")
    assert "TOP BOTTOM LEFT RIGHT" in text and repr(bad) in text


@pytest.mark.parametrize("value, expected", [
    (0.25, Fraction(1, 4)), ("0.25", Fraction(1, 4)), ("1/8", Fraction(1, 8)),
    (Fraction(1, 3), Fraction(1, 3)), (0.29, Fraction(29, 100)), (" 0.125 ", Fraction(1, 8)),
    (0.49999999999999994, Fraction("0.49999999999999994"))])
def test_parse_fraction(value, expected):
    assert parse_fraction(value) == expected


@pytest.mark.parametrize("bad, fragment", [
    (0, "> 0 and < 1/2"), (0.5, "> 0 and < 1/2"), ("1/2", "> 0 and < 1/2"), (-0.1, "> 0"),
    (0.75, "< 1/2"), ("abc", "such as 0.25 or 1/8"), (math.nan, "such as"), (math.inf, "such as"),
    (True, "such as"), ("1/0", "such as"), (None, "such as")])
def test_bad_fractions(bad, fragment):
    with pytest.raises(InputError) as info:
        parse_fraction(bad, source="--fraction")
    assert str(info.value).startswith("--fraction: ")
    assert fragment in str(info.value)


def test_rounding_and_flatten_names():
    assert parse_rounding("nearest") == "nearest"
    assert parse_flatten("channel") == "channel"
    with pytest.raises(InputError, match="did you mean 'floor'"):
        parse_rounding("flor")
    with pytest.raises(InputError, match="did you mean 'position'"):
        parse_flatten("positon")


@pytest.mark.parametrize("vector, removed", [
    ("0000", 0), ("1000", 0.25), ("0001", 0.25), ("1010", 0.4375), ("0101", 0.4375),
    ("1100", 0.5), ("0011", 0.5), ("1110", 0.625), ("1011", 0.625), ("1111", 0.75)])
def test_removed_area_matches_aqua_section_1(vector, removed):
    # aqua.md section 1, f = 1/4: 25 % one side, 43.75 % two adjacent, 50 % two opposite,
    # 62.5 % three, 75 % four
    assert removed_area_fraction(vector) == Fraction(removed)
    assert DEFAULT_FRACTION == Fraction(1, 4)


def test_vector_is_frozen():
    v = CropVector(True, False, False, False)
    with pytest.raises(AttributeError):
        v.top = False  # type: ignore[misc]
