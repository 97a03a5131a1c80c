"""Explicit traces: JSON Lines, one image per line, regions per map (``docs/trace-format.md``).

Layout (line 1 is the header, every further non-blank line one image)::

    {"format": "isaacsim-trace", "format_version": 1, "form": "explicit", "network": "tiny"}
    {"image_id": "img0", "uncovered": "default",
     "regions": [{"layer": "conv1", "rows": [0, 4], "cols": [0, 16], "bits": 4}]}

The reader records every problem with its place (``line 3, $.regions[1].bits``) and keeps going;
records with problems are kept (without their bad parts) for the cross-record checks.
`expand` turns compact records into explicit ones for a given network.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any, cast

from isaacsim.crop import DEFAULT_FRACTION, Window, windows
from isaacsim.jsonio import JsonError, parse_json
from isaacsim.network import Network
from isaacsim.traces.compact import format_fraction
from isaacsim.traces.model import (
    BITS,
    FORMAT_VERSION,
    MAX_BITS,
    UNCOVERED,
    WINDOW,
    CompactImage,
    ExplicitImage,
    Region,
    Trace,
    image_id_problem,
)
from isaacsim.validate import Checker, describe, is_version, join, number_text

FORMAT_NAME = "isaacsim-trace"
HEADER_KEYS = {"format", "format_version", "form", "network", "generator", "comment"}
RECORD_KEYS = {"image_id", "uncovered", "regions", "fields"}
REGION_KEYS = {"layer", "rows", "cols", "bits"}
DEFAULT_BITS = "default"
"""Region ``bits`` value meaning the map's default bits (given by the simulation)."""


def read_explicit(text: str, chk: Checker) -> tuple[dict[str, Any], list[ExplicitImage]]:
    """Parse explicit-trace text: ``(header, records)``; problems go to `chk`."""
    lines = text.splitlines()
    header = _header(lines[0] if lines else "", chk)
    if header is None:
        return {}, []
    images = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            data = parse_json(line)
        except JsonError as exc:
            column = exc.place.split(", ", 1)[1] if exc.place.startswith("line 1, ") else ""
            place = exc.place if exc.place.startswith("$") else column
            chk.add(f"line {number}" + (f", {place}" if place else ""), exc.message)
            continue
        image = _record(data, number, chk)
        if image is not None:
            images.append(image)
    return header, images


def write_explicit(trace: Trace) -> str:
    """JSON Lines text of an explicit trace: its header line, then one line per image."""
    header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "form": "explicit"}
    header.update({k: v for k, v in trace.meta.items() if k in HEADER_KEYS - set(header)})
    lines = [json.dumps(header)]
    for image in cast("tuple[ExplicitImage, ...]", trace.images):  # an explicit trace's records
        record: dict[str, Any] = {"image_id": image.image_id, "uncovered": image.uncovered,
                                  "regions": [_region_dict(r) for r in image.regions]}
        if image.fields:
            record["fields"] = dict(image.fields)
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


def expand(trace: Trace, network: Network, *, rounding: str = "floor",
           default_fraction: Any = DEFAULT_FRACTION, generator: str = "") -> Trace:
    """The explicit trace with the same per-map bits as compact `trace` on `network`.

    Each image keeps ``uncovered: "default"``; for every map whose window is smaller than the map it
    gets bits-0 regions for the cropped bands (top, bottom, left, right, without overlap), and for
    every map with a bits override one region over its window with those bits.
    """
    if trace.form == "explicit":
        return trace
    compact = cast("tuple[CompactImage, ...]", trace.images)  # not explicit, so compact
    images = tuple(expand_image(image, network, rounding=rounding,
                                default_fraction=default_fraction) for image in compact)
    meta = {"network": network.name, "comment": f"expanded from {trace.source} with "
                                                f"rounding {rounding}"}
    if generator:
        meta["generator"] = generator
    return Trace(trace.source, "explicit", images, meta)


def expand_image(image: CompactImage, network: Network, *, rounding: str = "floor",
                 default_fraction: Any = DEFAULT_FRACTION) -> ExplicitImage:
    """One compact record as an explicit record (see `expand`)."""
    fraction = default_fraction if image.fraction is None else image.fraction
    wins = windows(network, image.crop, fraction, rounding)
    regions: list[Region] = []
    for name, win in wins.items():
        shape = network.shape_of(name)
        if image.all_bits is not None or any(n == name for n, _ in image.layer_bits):
            regions.append(Region(name, win.rows, win.cols, image.map_bits(name, 0)))
        regions += [Region(name, rows, cols, 0)
                    for rows, cols in cropped_bands(shape.height, shape.width, win)]
    fields = {"crop": str(image.crop), "fraction": format_fraction(fraction), **image.fields}
    return ExplicitImage(image.image_id, tuple(regions), "default", fields, image.line)


def cropped_bands(height: int, width: int, win: Window) -> list[tuple[tuple[int, int],
                                                                      tuple[int, int]]]:
    """Non-overlapping ``(rows, cols)`` rectangles covering a map outside `win`, non-empty only."""
    bands = [((0, win.row_start), (0, width)), ((win.row_stop, height), (0, width)),
             ((win.row_start, win.row_stop), (0, win.col_start)),
             ((win.row_start, win.row_stop), (win.col_stop, width))]
    return [(rows, cols) for rows, cols in bands if rows[0] < rows[1] and cols[0] < cols[1]]


def _region_dict(region: Region) -> dict[str, Any]:
    return {"layer": region.layer, "rows": list(region.rows), "cols": list(region.cols),
            "bits": DEFAULT_BITS if region.bits is None else region.bits}


def _header(first: str, chk: Checker) -> dict[str, Any] | None:
    expected = (f'{{"format": "{FORMAT_NAME}", "format_version": {FORMAT_VERSION}, '
                f'"form": "explicit"}}')
    try:
        header = parse_json(first)
    except JsonError:
        header = None
    if not isinstance(header, dict) or "format" not in header or "image_id" in header:
        chk.add("line 1", f"missing format version: the first line of an explicit trace must be "
                          f"a header such as {expected}")
        return None
    place = "line 1, $"
    if header.get("format") != FORMAT_NAME:
        chk.add(f"{place}.format", f"expected '{FORMAT_NAME}', got {describe(header['format'])}")
        return None
    version = header.get("format_version")
    if not is_version(version, FORMAT_VERSION):
        chk.add(f"{place}.format_version",
                "missing format version" if version is None else
                f"unsupported format version {describe(version)}; this isaacsim reads explicit "
                f"traces of version {FORMAT_VERSION}")
        return None
    chk.keys(header, place, HEADER_KEYS, required=("form",))
    if "form" in header:
        chk.choice(header, "form", place, ["explicit"])
    for key in ("network", "generator", "comment"):
        if key in header:
            chk.string(header, key, place)
    return header


def _record(data: Any, number: int, chk: Checker) -> ExplicitImage | None:
    path = f"line {number}, $"
    if not chk.keys(data, path, RECORD_KEYS, required=("image_id",)):
        if not isinstance(data, Mapping):
            return None
    image_id = chk.string(data, "image_id", path) if "image_id" in data else None
    bad_id = image_id_problem(image_id) if image_id is not None else None
    if bad_id:
        chk.add(join(path, "image_id"), bad_id)
    uncovered = chk.choice(data, "uncovered", path, UNCOVERED, default="default")
    regions = data.get("regions", [])
    parsed: list[Region] = []
    if not isinstance(regions, list):
        chk.add(join(path, "regions"), f"expected a list of regions, got {describe(regions)}")
    else:
        for i, region in enumerate(regions):
            r = _region(region, join(join(path, "regions"), i), chk)
            if r is not None:
                parsed.append(r)
    fields = data.get("fields", {})
    if not isinstance(fields, Mapping) or not all(
            isinstance(v, (str, int, float, bool)) or v is None for v in fields.values()):
        chk.add(join(path, "fields"), f"expected an object of strings, numbers, booleans or null, "
                                      f"got {describe(fields)}")
    # Returned even with problems (bad regions left out) so that duplicate ids and map names are
    # still checked; the trace is refused anyway.
    good_fields = dict(fields) if isinstance(fields, Mapping) else {}
    return ExplicitImage(image_id or "", tuple(parsed), uncovered or "default", good_fields, number)


def _region(data: Any, path: str, chk: Checker) -> Region | None:
    before = len(chk.problems)
    if not chk.keys(data, path, REGION_KEYS, required=("layer", "rows", "cols", "bits")):
        if not isinstance(data, Mapping):
            return None
    layer = chk.string(data, "layer", path) if "layer" in data else None
    rows = _range(data, "rows", path, chk)
    cols = _range(data, "cols", path, chk)
    bits = data.get("bits")
    if "bits" in data and bits != DEFAULT_BITS and BITS.problem(bits):
        chk.add(join(path, "bits"), f"bits must be an integer from 0 to {MAX_BITS} (0 = skipped) "
                                    f"or \"{DEFAULT_BITS}\", got {describe(bits)}")
    if len(chk.problems) > before or layer is None or rows is None or cols is None:  # None: problem
        return None
    # one string per map name, not per region (an image names every map again)
    return Region(sys.intern(layer), rows, cols, None if bits == DEFAULT_BITS else bits, path)


def _range(data: Mapping, key: str, path: str, chk: Checker) -> tuple[int, int] | None:
    if key not in data:
        return None
    value = data[key]
    if (not isinstance(value, list) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value)):
        chk.add(join(path, key), f"expected [start, stop] (two integers, half-open), got "
                                 f"{describe(value)}")
        return None
    if not 0 <= value[0] < value[1] <= WINDOW.maximum:
        chk.add(join(path, key), f"expected 0 <= start < stop <= {WINDOW.maximum} (a non-empty "
                                 f"half-open range inside a map), got [{number_text(value[0])}, "
                                 f"{number_text(value[1])})")
        return None
    return (value[0], value[1])
