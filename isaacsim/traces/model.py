"""The in-memory trace model shared by compact and explicit traces (``docs/trace-format.md``).

A trace is a sequence of image records. What the engine consumes is `image_bits`: for one image and
one map (a layer's output map, or ``"input"`` for the input image) an ``(H, W)`` integer array of
activation bits, 0 where the pixel is skipped. Both record kinds answer it:

* `CompactImage` (one CSV line): a crop vector, an optional crop fraction and optional per-map
  activation bits. Inside the crop window of the map the bits are the map's override or the
  caller's default; outside they are 0.
* `ExplicitImage` (one JSON line): rectangular regions per map, each with its bits. Pixels no region
  covers take the caller's default bits (``uncovered: "default"``) or 0 (``uncovered: "skip"``);
  later regions override earlier ones.

Objects here are built by the readers after validation and never modified.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from isaacsim.crop import DEFAULT_FRACTION, CropVector, window
from isaacsim.network import IMAGE, Network
from isaacsim.network.shapes import SIDE
from isaacsim.validate import Bound, has_control_character

FORMAT_VERSION = 1
"""The trace format version this package reads and writes."""
MAX_BITS = 16
"""Activation bits range from 0 (skipped) to `MAX_BITS`."""
BITS = Bound("integer", 0, MAX_BITS, "0 skips a pixel; the datapath's words are 16 bits")
WINDOW = Bound("integer", 0, SIDE.maximum, "row and column indices of a map, whose sides are at "
                                           "most 16,384 pixels")
FORMS = ("compact", "explicit")
UNCOVERED = ("default", "skip")
"""What explicit records do with pixels no region covers: the caller's default bits, or 0."""


PANDAS_NA_TEXTS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN",
                             "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None",
                             "n/a", "nan", "null"})
"""Texts that `pandas.read_csv` reads as a missing value by default."""
_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
MAX_NUMERIC_ID_DIGITS = 18
"""A number-like id longer than this may not fit pandas' int64 column."""


def image_id_problem(image_id: str) -> str | None:
    """Why `image_id` would not survive the reports' round trip through `pandas.read_csv` with
    default arguments or a spreadsheet, or None when it does.

    pandas infers a type per column: ids that all look like integers become an integer column,
    and one id like ``1.5`` turns the whole column into floats (``1`` is read back as ``1.0``).
    So a number-like id is accepted only as a plain integer (``7``, ``-3``, not ``007``, ``+1``,
    ``1.0``, ``1e3``); ids that read as missing values, booleans or infinities, empty ids and
    ids with control characters are refused too."""
    if not image_id:
        return "empty image id"
    if has_control_character(image_id):
        return f"image id {image_id!r} contains a control character; give printable text"
    text = image_id.strip()
    hint = f"give a text id such as img{text or '0'}"
    if image_id in PANDAS_NA_TEXTS or text in PANDAS_NA_TEXTS:
        return f"image id {image_id!r} is read as a missing value by pandas and spreadsheets; {hint}"
    if text.lower() in ("true", "false"):
        return f"image id {image_id!r} is read back as a boolean by pandas and spreadsheets; {hint}"
    if text.lower().lstrip("+-") in ("inf", "infinity"):
        return f"image id {image_id!r} is read back as an infinite number by pandas; {hint}"
    if not _NUMBER_RE.match(text):
        return None
    number = float(text)
    plain = number.is_integer() and "." not in text and "e" not in text.lower()
    canonical = str(int(text)) if plain else repr(number)
    if text != image_id or text != canonical:
        return (f"image id {image_id!r} is read back as the number {canonical} by pandas and "
                f"spreadsheets; {hint}")
    if not plain or len(text.lstrip("-")) > MAX_NUMERIC_ID_DIGITS:
        return (f"image id {image_id!r} is a number that is not a plain integer of at most "
                f"{MAX_NUMERIC_ID_DIGITS} digits: in a column of numbers pandas would read the "
                f"ids back as floats or lose digits; {hint}")
    return None


@dataclass(frozen=True, slots=True)
class Region:
    """Pixels ``rows [r0, r1) x cols [c0, c1)`` of map `layer` run at `bits` (None: the default).
    Slots, not a dict: an explicit trace of 50,000 VGG-16 images holds 850,000 regions."""

    layer: str
    rows: tuple[int, int]
    cols: tuple[int, int]
    bits: int | None
    place: str = field(default="", compare=False)
    """Where the region is in its file (``line 4, $.regions[2]``), for messages."""


@dataclass(frozen=True)
class CompactImage:
    """One compact record: a crop vector applied to every map, with optional per-map bits."""

    image_id: str
    crop: CropVector
    fraction: Fraction | None = None
    """Crop fraction of this image; None means the trace default (`DEFAULT_FRACTION`)."""
    all_bits: int | None = None
    """Bits of every map not named in `layer_bits`; None means the caller's default."""
    layer_bits: tuple[tuple[str, int], ...] = ()
    """Per-map bits overrides ``(map name, bits)``, in file order."""
    fields: Mapping[str, str] = field(default_factory=dict)
    """Carried-through columns (label, prediction, top1_ok, x_...); not used by timing."""
    line: int = field(default=0, compare=False)

    def map_bits(self, layer_name: str, default_bits: int) -> int:
        """Bits of the active window of map `layer_name`."""
        for name, bits in self.layer_bits:
            if name == layer_name:
                return bits
        return default_bits if self.all_bits is None else self.all_bits

    def bits(self, network: Network, layer_name: str, default_bits: int, *,
             rounding: str = "floor", default_fraction: Any = DEFAULT_FRACTION) -> np.ndarray:
        shape = network.shape_of(layer_name)
        fraction = default_fraction if self.fraction is None else self.fraction
        win = window(shape.height, shape.width, self.crop, fraction, rounding)
        out = np.zeros((shape.height, shape.width), dtype=np.int64)
        out[win.row_start:win.row_stop, win.col_start:win.col_stop] = \
            self.map_bits(layer_name, default_bits)
        return out


@dataclass(frozen=True)
class ExplicitImage:
    """One explicit record: regions with their bits on any maps; later regions win."""

    image_id: str
    regions: tuple[Region, ...] = ()
    uncovered: str = "default"
    """`UNCOVERED`: pixels outside every region run at the default bits, or are skipped."""
    fields: Mapping[str, Any] = field(default_factory=dict)
    line: int = field(default=0, compare=False)

    def bits(self, network: Network, layer_name: str, default_bits: int, *,
             rounding: str = "floor", default_fraction: Any = DEFAULT_FRACTION) -> np.ndarray:
        """`rounding` and `default_fraction` are accepted for symmetry; regions are exact."""
        shape = network.shape_of(layer_name)
        base = default_bits if self.uncovered == "default" else 0
        out = np.full((shape.height, shape.width), base, dtype=np.int64)
        for region in self.regions:
            if region.layer != layer_name:
                continue
            (r0, r1), (c0, c1) = region.rows, region.cols
            if not (0 <= r0 < r1 <= shape.height and 0 <= c0 < c1 <= shape.width):
                raise ValueError(f"image '{self.image_id}': region rows [{r0}, {r1}) cols "
                                 f"[{c0}, {c1}) lies outside map '{layer_name}' ({shape.height} x "
                                 f"{shape.width}); validate the trace against this network")
            out[r0:r1, c0:c1] = default_bits if region.bits is None else region.bits
        return out


TraceImage = CompactImage | ExplicitImage


@dataclass(frozen=True)
class Trace:
    """A validated trace: its form, its header metadata and its image records in file order."""

    source: str
    form: str
    """One of `FORMS`."""
    images: tuple[TraceImage, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)
    """Header metadata: ``# key: value`` comment lines (compact) or the header object (explicit)."""
    columns: tuple[str, ...] = ()
    """Compact traces: the CSV columns in file order."""
    version: int = FORMAT_VERSION

    @property
    def network_name(self) -> str | None:
        """The network the header names, if any (required to match for explicit traces)."""
        name = self.meta.get("network")
        return name if isinstance(name, str) and name else None

    def __len__(self) -> int:
        return len(self.images)


def image_bits(image: TraceImage, network: Network, layer_name: str, default_bits: int, *,
               rounding: str = "floor", default_fraction: Any = DEFAULT_FRACTION) -> np.ndarray:
    """Per-pixel activation bits of map `layer_name` (a layer's output map, or ``"input"``).

    Returns an ``(H, W)`` int64 array with values in 0..16; 0 marks a skipped pixel. Compact records
    use the crop window of the map (`isaacsim.crop.window` with the record's fraction, else
    `default_fraction`, and `rounding`); explicit records paint their regions in order.
    """
    if isinstance(default_bits, bool) or not isinstance(default_bits, (int, np.integer)) \
            or not 0 <= default_bits <= MAX_BITS:
        raise ValueError(f"default_bits must be an integer from 0 to {MAX_BITS}, got "
                         f"{default_bits!r}")
    return image.bits(network, layer_name, int(default_bits), rounding=rounding,
                      default_fraction=default_fraction)


def active_mask(image: TraceImage, network: Network, layer_name: str = IMAGE, *,
                rounding: str = "floor", default_fraction: Any = DEFAULT_FRACTION) -> np.ndarray:
    """Boolean ``(H, W)`` mask of the computed pixels of a map; by default the input image's."""
    return image_bits(image, network, layer_name, 1, rounding=rounding,
                      default_fraction=default_fraction) > 0
