"""The predictor's compact trace.

`traces predict` (`isaacsim.cli.predict_cmd`) reads and preprocesses the images with the oracle's
`isaacsim.oracle.images.load_image`, so the predictor sees exactly the arrays the network would,
and names them with the oracle's `isaacsim.oracle.labels.image_ids`, so that the two traces of the
same files pair up. The trace (docs/trace-format.md) has the columns ``image_id, crop, fraction,
x_ratios``: ``x_ratios`` holds the four side-to-centre energy-density ratios (TOP;BOTTOM;LEFT;RIGHT,
six significant digits, ``inf`` for a flat centre), from which `isaacsim.predictor.compare`
recomputes the vector at any threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from isaacsim.predictor.rule import Prediction
from isaacsim.traces import CROP_PREFIX, write_compact
from isaacsim.traces.compact import format_fraction

COLUMNS = ("image_id", "crop", "fraction", "x_ratios")
RATIO_DIGITS = 6
"""Significant digits of the ratios written: the threshold sweep's resolution (1 in 10^6)."""


def format_ratios(ratios: Sequence[float]) -> str:
    return ";".join("inf" if math.isinf(r) else f"{r:.{RATIO_DIGITS}g}" for r in ratios)


def parse_ratios(text: str) -> tuple[float, float, float, float] | None:
    """The four ratios of an ``x_ratios`` cell, or None when it is not four non-negative numbers."""
    try:
        values = tuple(float(v) for v in text.split(";"))
    except ValueError:
        return None
    if len(values) != 4 or any(math.isnan(v) or v < 0 for v in values):
        return None
    return values


def trace_text(ids: Sequence[str], predictions: Sequence[Prediction], fraction: Fraction,
               meta: Sequence[tuple[str, str]]) -> str:
    """The compact-trace text of the predictions (`COLUMNS`), with `meta` as header lines."""
    f = format_fraction(fraction)
    rows = [[i, CROP_PREFIX + str(p.vector), f, format_ratios(p.ratios)]
            for i, p in zip(ids, predictions)]
    return write_compact(rows, COLUMNS, meta)
