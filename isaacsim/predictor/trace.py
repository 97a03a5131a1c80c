"""Predicting the crop vectors of image files and writing them as a compact trace.

The images are read and preprocessed by the oracle's `isaacsim.oracle.images.load_image`, so the
predictor sees exactly the arrays the network would. The trace (docs/trace-format.md) has the
columns ``image_id, crop, fraction, x_ratios``: ``x_ratios`` holds the four side-to-centre
energy-density ratios (TOP;BOTTOM;LEFT;RIGHT, six significant digits, ``inf`` for a flat centre),
from which `isaacsim.predictor.compare` recomputes the vector at any threshold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

from isaacsim.errors import InputError, Problem
from isaacsim.predictor.rule import Prediction, predict_checked
from isaacsim.traces import CROP_PREFIX, write_compact
from isaacsim.traces.compact import format_fraction
from isaacsim.traces.model import image_id_problem

COLUMNS = ("image_id", "crop", "fraction", "x_ratios")
RATIO_DIGITS = 6
"""Significant digits of the ratios written: the threshold sweep's resolution (1 in 10^6)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]")


def image_id_for(path: Path) -> str:
    """A trace image id for an image file: its name without the ending, each character other
    than letters, digits, ``. _ + -`` replaced by ``_``, and prefixed with ``img_`` when pandas
    would not read it back as text (``007``, ``nan``)."""
    text = _UNSAFE.sub("_", path.stem) or "img"
    return text if image_id_problem(text) is None else f"img_{text}"


def image_ids(paths: Sequence[Path]) -> list[str]:
    """`image_id_for` of every file; two files with the same id are an `InputError`."""
    ids = [image_id_for(p) for p in paths]
    first: dict[str, Path] = {}
    problems = []
    for i, p in zip(ids, paths):
        if i in first:
            problems.append(Problem(str(p), "", f"gives the image id {i!r}, as '{first[i]}' does "
                                                f"(ids are file names without their ending); "
                                                f"rename one of them"))
        first.setdefault(i, p)
    if problems:
        raise InputError(problems)
    return ids


def predict_files(paths: Sequence[Path], kernels: tuple[str, ...], threshold: float,
                  fraction: Fraction, *, resize: int, size: int,
                  advance: Callable[[int], None] | None = None) -> list[Prediction]:
    """The prediction of every image file, in order; `advance(1)` after each. An undecodable or
    missing file is an `InputError` naming it (from `load_image`)."""
    from isaacsim.oracle.images import load_image
    out = []
    for path in paths:
        out.append(predict_checked(load_image(path, resize=resize, size=size), kernels, threshold,
                                 fraction))
        if advance is not None:
            advance(1)
    return out


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
