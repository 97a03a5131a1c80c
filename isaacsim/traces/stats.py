"""Statistics of a compact trace: images, croppable share, mean area saved, vector histogram.

The area saved by one image is ``removed_area_fraction(crop, fraction)`` (the seed,
unrounded) with the record's fraction, else the default 1/4. ``mean_area_saved`` averages it over
all images (uncropped ones count 0, so it is what the work scales with);
``mean_area_saved_croppable`` (text output and API only, not in ``--json``) over the images with a
crop other than 0000.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, cast

from isaacsim.crop import ALL_VECTORS, DEFAULT_FRACTION, NO_CROP, removed_area_fraction
from isaacsim.errors import InputError, Problem
from isaacsim.traces.model import CompactImage, Trace

HISTOGRAM_KEYS = tuple(str(v) for v in ALL_VECTORS)
"""Histogram order: the 16 vectors in binary order 0000, 0001, ..., 1111 (TOP most significant)."""


@dataclass(frozen=True)
class TraceStats:
    images: int
    croppable: int
    """Images whose crop is not 0000."""
    total_area_saved: float
    """Sum over images of the removed area fraction."""
    histogram: dict[str, int]
    fractions: tuple[Fraction, ...] = ()
    """The distinct crop fractions of the records (the default for records without one), sorted."""

    @property
    def croppable_fraction(self) -> float | None:
        return self.croppable / self.images if self.images else None

    @property
    def mean_area_saved(self) -> float | None:
        return self.total_area_saved / self.images if self.images else None

    @property
    def mean_area_saved_croppable(self) -> float | None:
        return self.total_area_saved / self.croppable if self.croppable else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the keys of ``traces stats --json`` (None for an empty trace)."""
        return {"images": self.images, "croppable_fraction": self.croppable_fraction,
                "mean_area_saved": self.mean_area_saved, "histogram": dict(self.histogram)}


def trace_stats(trace: Trace, default_fraction: Any = DEFAULT_FRACTION) -> TraceStats:
    """Statistics of a compact trace; `InputError` for an explicit one (it has no crop vectors)."""
    if trace.form != "compact":
        raise InputError(Problem(trace.source, "", "stats needs a compact trace (one crop vector "
                                                   "per image); this is an explicit trace"))
    pairs: Counter = Counter()
    for image in cast("tuple[CompactImage, ...]", trace.images):  # a compact trace's records
        fraction = default_fraction if image.fraction is None else image.fraction
        pairs[(image.crop, fraction)] += 1
    total = sum(count * removed_area_fraction(vector, fraction)
                for (vector, fraction), count in pairs.items())
    histogram = dict.fromkeys(HISTOGRAM_KEYS, 0)
    for (vector, _), count in pairs.items():
        histogram[str(vector)] += count
    images = len(trace.images)
    return TraceStats(images, images - histogram[str(NO_CROP)], float(total), histogram,
                      tuple(sorted({fraction for _, fraction in pairs})))
