"""Compact traces: CSV, one record per image (``docs/trace-format.md``).

Layout::

    # isaacsim-trace v1
    # generator: ...                       (optional "# key: value" metadata lines)
    image_id,crop,fraction,activation_bits,label,prediction,top1_ok
    img0,c1011,0.25,conv1_1:8;conv1_2:8,cat,cat,1

The reader records every problem in a `Checker` with its place (``line 4, field crop``) and keeps
going; records with bad fields are returned with neutral values so that cross-record checks still
see them (a trace with any problem is refused as a whole). Network-dependent checks live in
`isaacsim.traces.validate`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from fractions import Fraction

from isaacsim.crop import ALL_VECTORS, NO_CROP, CropVector, parse_fraction
from isaacsim.errors import InputError
from isaacsim.traces.model import BITS, FORMAT_VERSION, MAX_BITS, CompactImage, image_id_problem
from isaacsim.validate import Checker, describe, did_you_mean

VERSION_LINE = f"# isaacsim-trace v{FORMAT_VERSION}"
REQUIRED_COLUMNS = ("image_id", "crop")
OPTIONAL_COLUMNS = ("fraction", "activation_bits", "label", "prediction", "top1_ok", "top5_ok")
EXTRA_PREFIX = "x_"
"""Columns starting with ``x_`` are free user columns, carried through like label."""
BOOLEAN_COLUMNS = ("top1_ok", "top5_ok")
BOOLEAN_VALUES = {"1": True, "0": False, "true": True, "false": False}
CROP_PREFIX = "c"
"""Written before the crop vector (``c0011``) so spreadsheets and pandas keep it a string."""

_VERSION_RE = re.compile(r"^#\s*isaacsim-trace\s+v(\S*)\s*$")
_META_RE = re.compile(r"^#\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s?(.*)$")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_DIGITS_RE = re.compile(r"^[0-9]{1,3}$")


def read_compact(text: str, chk: Checker) -> tuple[dict[str, str], tuple[str, ...],
                                                   list[CompactImage]]:
    """Parse compact-trace text: ``(metadata, columns, records)``; problems go to `chk`."""
    lines = text.splitlines()
    if not lines or not _check_version(lines[0], chk):
        return {}, (), []
    meta: dict[str, str] = {}
    columns: tuple[str, ...] = ()
    images: list[CompactImage] = []
    fraction_cache: dict[str, Fraction] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        if line.startswith("#"):
            match = _META_RE.match(line)
            if match and not columns:
                meta.setdefault(match.group(1), match.group(2).strip())
            continue
        cells = _split(line, number, chk)
        if cells is None:
            continue
        if not columns:
            columns = _check_columns(cells, number, chk)
            if not columns:
                return meta, (), []
            continue
        if len(cells) != len(columns):
            chk.add(f"line {number}", f"malformed line: expected {len(columns)} fields "
                                      f"({','.join(columns)}), got {len(cells)}")
            continue
        images.append(_record(dict(zip(columns, cells)), number, chk, fraction_cache))
    if not columns:
        chk.add("line 2", "missing the column header line (image_id,crop,...) after the version "
                          "line")
    return meta, columns, images


def parse_crop(raw: str) -> CropVector | None:
    """The vector of a crop field (``1011`` or ``c1011``), or None when it is not one."""
    body = raw[1:] if raw.startswith(CROP_PREFIX) else raw
    if len(body) == 4 and set(body) <= {"0", "1"}:
        return ALL_VECTORS[int(body, 2)]
    return None


def parse_bits_spec(raw: str) -> tuple[int | None, tuple[tuple[str, int], ...], list[str]]:
    """Parse ``8``, ``conv1_1:8;conv1_2:6`` or ``4;conv1_1:16``: ``(all, per-map, errors)``."""
    errors: list[str] = []
    all_bits: int | None = None
    per_map: dict[str, int] = {}
    for item in raw.split(";"):
        name, sep, value = item.rpartition(":")
        bits = _bits(value)
        if bits is None:
            errors.append(f"bits must be an integer from 0 to {MAX_BITS} (0 = skipped), got "
                          f"{value!r}" + (f" for '{name}'" if sep else ""))
            continue
        if not sep:
            if all_bits is not None:
                errors.append(f"more than one bits value without a map name in {raw!r}; give one "
                              f"default and NAME:BITS for the others")
            all_bits = bits
        elif not _NAME_RE.match(name):
            errors.append(f"expected NAME:BITS with a layer name (or 'input'), got {item!r}")
        elif name in per_map:
            errors.append(f"map '{name}' is given twice")
        else:
            per_map[name] = bits
    return all_bits, tuple(per_map.items()), errors


def format_bits_spec(all_bits: int | None, layer_bits: tuple[tuple[str, int], ...]) -> str:
    """The inverse of `parse_bits_spec` (empty when nothing is overridden)."""
    items = [] if all_bits is None else [str(all_bits)]
    return ";".join(items + [f"{name}:{bits}" for name, bits in layer_bits])


def format_fraction(fraction: Fraction) -> str:
    """A fraction as a decimal when one reads back exactly (``0.25``), else as ``p/q``."""
    decimal = repr(float(fraction))
    return decimal if Fraction(decimal) == fraction else f"{fraction.numerator}/{fraction.denominator}"


def write_compact(rows: list[list[str]], columns: tuple[str, ...],
                  meta: Sequence[tuple[str, str]] = ()) -> str:
    """Compact-trace text: version line, ``# key: value`` lines, header, one line per row."""
    out = [VERSION_LINE] + [f"# {key}: {value}" for key, value in meta]
    out.append(",".join(columns))
    out += [",".join(row) for row in rows]
    return "\n".join(out) + "\n"


def _check_version(first: str, chk: Checker) -> bool:
    match = _VERSION_RE.match(first)
    if match is None:
        chk.add("line 1", f"missing format version: the first line of a compact trace must be "
                          f"'{VERSION_LINE}', got {describe(first)}")
        return False
    if match.group(1) != str(FORMAT_VERSION):
        chk.add("line 1", f"unsupported format version {match.group(1)!r}; this isaacsim reads "
                          f"compact traces of version {FORMAT_VERSION} ('{VERSION_LINE}')")
        return False
    return True


def _split(line: str, number: int, chk: Checker) -> list[str] | None:
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error as exc:
        chk.add(f"line {number}", f"malformed line: {exc} (a quoted field must close on the "
                                  f"same line)")
        return None


def _check_columns(cells: list[str], number: int, chk: Checker) -> tuple[str, ...]:
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    good = True
    for i, name in enumerate(cells):
        if name in cells[:i]:
            chk.add(f"line {number}, column {i + 1}", f"column '{name}' appears twice")
            good = False
        elif name not in known and not name.startswith(EXTRA_PREFIX):
            chk.add(f"line {number}, column {i + 1}",
                    f"unknown column '{name}'{did_you_mean(name, known)}; known columns: "
                    f"{', '.join(known)}, or a free column named {EXTRA_PREFIX}...")
            good = False
    for name in REQUIRED_COLUMNS:
        if name not in cells:
            chk.add(f"line {number}", f"missing required column '{name}' in the header line")
            good = False
    return tuple(cells) if good else ()


def _record(row: dict[str, str], number: int, chk: Checker,
            fraction_cache: dict[str, Fraction]) -> CompactImage:
    place = f"line {number}, field "
    for name, value in row.items():
        if "#" in value:
            chk.add(place + name, f"contains '#', which a CSV reader with comment='#' (pandas) "
                                  f"would take as the start of a comment, got {describe(value)}")
    image_id = row["image_id"]
    bad_id = image_id_problem(image_id)
    if bad_id:
        chk.add(place + "image_id", bad_id)
    crop = parse_crop(row["crop"])
    if crop is None:
        chk.add(place + "crop", f"expected a crop vector of 4 characters 0/1 in the order TOP "
                                f"BOTTOM LEFT RIGHT, optionally prefixed with "
                                f"'{CROP_PREFIX}' (e.g. {CROP_PREFIX}1011), got "
                                f"{describe(row['crop'])}")
    fraction = _fraction(row.get("fraction", ""), place + "fraction", chk, fraction_cache)
    all_bits: int | None = None
    layer_bits: tuple[tuple[str, int], ...] = ()
    if row.get("activation_bits"):
        all_bits, layer_bits, errors = parse_bits_spec(row["activation_bits"])
        for message in errors:
            chk.add(place + "activation_bits", message)
    for name in BOOLEAN_COLUMNS:
        value = row.get(name, "")
        if value and value.lower() not in BOOLEAN_VALUES:
            chk.add(place + name, f"expected 1, 0, true, false or empty, got {describe(value)}")
    # A record with problems is still returned, with neutral values for its bad fields, so that
    # cross-record checks (duplicate ids, map names) see it; the trace is refused anyway.
    fields = {k: v for k, v in row.items()
              if k not in ("image_id", "crop", "fraction", "activation_bits")}
    return CompactImage(image_id, NO_CROP if crop is None else crop,
                        fraction if isinstance(fraction, Fraction) else None, all_bits,
                        layer_bits, fields, number)


def _fraction(raw: str, place: str, chk: Checker,
              cache: dict[str, Fraction]) -> Fraction | None | bool:
    """The parsed fraction, None when the field is empty, False (problem recorded) when bad."""
    if not raw:
        return None
    if raw not in cache:
        try:
            cache[raw] = parse_fraction(raw, source=chk.source, place=place)
        except InputError as exc:
            chk.extend(exc.problems)
            return False
    return cache[raw]


def _bits(text: str) -> int | None:
    if not _DIGITS_RE.match(text):
        return None
    value = int(text)
    return value if BITS.problem(value) is None else None
