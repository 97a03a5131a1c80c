"""Synthetic compact traces from an object model calibrated to the seed's crop statistics.

Each image holds one object box, in coordinates normalised to the image (0..1, rows downwards):

* area fraction ``a ~ Beta(1.3, 2.3)`` (mean 0.361; ImageNet's average object scale is 0.358);
* aspect ratio ``r = width / height ~ LogNormal(0, 0.4)``; ``width = sqrt(a r)``,
  ``height = sqrt(a / r)``. A side longer than the image is cut to 1 and the other side stretched to
  keep the area ``a`` (so the aspect is clamped to ``[a, 1/a]``);
* centre ``~ N(0.5, 0.10)`` per axis, clipped to keep the box inside the image.

A side is croppable when the box does not enter that side's band of width f (top: box top >= f).
Policies: ``oracle`` takes, among the vectors whose sides are all croppable, the one removing the
largest area by ``removed_area_fraction`` (ties, impossible for f < 1/2 since every added side
removes more, would go to the lowest binary index); ``naive:VECTOR`` gives every image VECTOR;
``none`` gives 0000. All random numbers are drawn up front from ``numpy.random.default_rng(seed)``
in a fixed order (areas, aspects, centres), whatever the policy, so policies with one seed share
their objects. Derivation and measured figures: ``docs/crop-potential.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from isaacsim.crop import (
    ALL_VECTORS,
    DEFAULT_FRACTION,
    NO_CROP,
    CropVector,
    parse_fraction,
    parse_vector,
    removed_area_fraction,
)
from isaacsim.errors import InputError, Problem
from isaacsim.traces.compact import CROP_PREFIX, format_fraction, write_compact
from isaacsim.validate import IMAGES, SEED

AREA_BETA = (1.3, 2.3)
ASPECT_LOG_SIGMA = 0.4
CENTRE_MEAN = 0.5
CENTRE_SD = 0.10
POLICY_METHODS = ("oracle", "naive", "none")
COLUMNS = ("image_id", "crop", "fraction", "x_croppable")
_BIT_WEIGHTS = np.array([8, 4, 2, 1])


@dataclass(frozen=True)
class Boxes:
    """Object boxes, one per image, as normalised edges (``top < bottom``, ``left < right``)."""

    top: np.ndarray
    bottom: np.ndarray
    left: np.ndarray
    right: np.ndarray


@dataclass(frozen=True)
class Policy:
    """A crop-choice policy: ``oracle``, ``naive`` with its vector, or ``none``."""

    method: str
    vector: CropVector | None = None

    def __str__(self) -> str:
        return f"naive:{self.vector}" if self.method == "naive" else self.method


def parse_policy(text: str, *, source: str = "--policy") -> Policy:
    """``oracle``, ``none`` or ``naive:VECTOR`` (e.g. ``naive:1111``)."""
    method, sep, rest = text.partition(":")
    if method == "naive" and sep:
        return Policy("naive", parse_vector(rest, source=source))
    if method in ("oracle", "none") and not sep:
        return Policy(method)
    raise InputError(Problem(source, "", f"expected oracle, none or naive:VECTOR (e.g. "
                                         f"naive:1111), got {text!r}"))


def draw_boxes(rng: np.random.Generator, n: int) -> Boxes:
    """Draw `n` object boxes (all numbers up front, in the documented order)."""
    area = rng.beta(*AREA_BETA, size=n)
    aspect = rng.lognormal(0.0, ASPECT_LOG_SIGMA, size=n)
    centre = rng.normal(CENTRE_MEAN, CENTRE_SD, size=(n, 2))
    width = np.minimum(np.sqrt(area * aspect), 1.0)
    height = area / width
    tall = height > 1.0
    height = np.where(tall, 1.0, height)
    width = np.where(tall, area, width)
    cy = np.clip(centre[:, 0], height / 2, 1.0 - height / 2)
    cx = np.clip(centre[:, 1], width / 2, 1.0 - width / 2)
    return Boxes(cy - height / 2, cy + height / 2, cx - width / 2, cx + width / 2)


def croppable_sides(boxes: Boxes, fraction: Any = DEFAULT_FRACTION) -> np.ndarray:
    """Boolean ``(n, 4)`` array in ``[TOP, BOTTOM, LEFT, RIGHT]`` order: box outside that band."""
    f = float(parse_fraction(fraction))
    return np.stack([boxes.top >= f, boxes.bottom <= 1.0 - f,
                     boxes.left >= f, boxes.right <= 1.0 - f], axis=1)


def vector_indices(sides: np.ndarray) -> np.ndarray:
    """Index in `ALL_VECTORS` of each row of a boolean ``(n, 4)`` side array."""
    return sides.astype(np.int64) @ _BIT_WEIGHTS


def oracle_choice(croppable: np.ndarray, fraction: Any = DEFAULT_FRACTION) -> np.ndarray:
    """Per image, the index of the largest-area vector using croppable sides only.

    Ranks the 16 vectors by (larger removed area, lower index) and picks the best allowed one.
    """
    f = parse_fraction(fraction)
    order = sorted(range(16), key=lambda i: (-removed_area_fraction(ALL_VECTORS[i], f), i))
    rank = np.empty(16, dtype=np.int64)
    rank[order] = np.arange(16)[::-1]
    allowed_sides = vector_indices(croppable)
    candidates = np.arange(16)
    allowed = (candidates[None, :] & ~allowed_sides[:, None]) == 0
    return np.argmax(np.where(allowed, rank[None, :], -1), axis=1)


def synthesize(images: int, seed: int, fraction: Any = DEFAULT_FRACTION,
               policy: Policy | str = "oracle") -> tuple[np.ndarray, np.ndarray]:
    """``(chosen vector indices, croppable-side indices)`` for `images` synthetic images."""
    pol = parse_policy(policy) if isinstance(policy, str) else policy
    f = parse_fraction(fraction)
    boxes = draw_boxes(np.random.default_rng(seed), images)
    croppable = croppable_sides(boxes, f)
    if pol.method == "oracle":
        chosen = oracle_choice(croppable, f)
    else:
        vector = pol.vector if pol.method == "naive" else NO_CROP
        assert vector is not None, "a naive policy has a vector (parse_policy gives it one)"
        chosen = np.full(images, vector.index, dtype=np.int64)
    return chosen, vector_indices(croppable)


def synth_text(*, network: str, images: int, seed: int, fraction: Any = DEFAULT_FRACTION,
               policy: Policy | str = "oracle") -> str:
    """The compact-trace text of a synthetic trace; byte-identical for identical arguments.

    The header records the generator arguments (not the output path) and the object model.
    """
    check_counts(images, seed)
    pol = parse_policy(policy) if isinstance(policy, str) else policy
    f = parse_fraction(fraction)
    chosen, croppable = synthesize(images, seed, f, pol)
    text_f = format_fraction(f)
    names = np.array([CROP_PREFIX + str(v) for v in ALL_VECTORS])
    width = len(str(max(images - 1, 0)))
    ids = [f"img{i:0{width}d}" for i in range(images)]
    rows = [list(r) for r in zip(ids, names[chosen], [text_f] * images, names[croppable])]
    meta = [("generator", f"isaacsim traces synth --network {network} --images {images} "
                          f"--seed {seed} --fraction {text_f} --policy {pol}"),
            ("network", network),
            ("model", f"one object per image: area ~ Beta{AREA_BETA}, aspect ~ LogNormal(0, "
                      f"{ASPECT_LOG_SIGMA}), centre ~ N({CENTRE_MEAN}, {CENTRE_SD}) per axis "
                      f"clipped inside; x_croppable = sides the box leaves free "
                      f"(docs/crop-potential.md)")]
    return write_compact(rows, COLUMNS, meta)


def check_counts(images: Any, seed: Any) -> None:
    """`InputError` unless images and seed are integers within `IMAGES` and `SEED`."""
    problems = []
    for option, value, bound in (("--images", images, IMAGES), ("--seed", seed, SEED)):
        why = bound.problem(int(value) if isinstance(value, np.integer) else value)
        if why:
            problems.append(Problem(option, "", why))
    if problems:
        raise InputError(problems)


def area_table(fraction: Any = DEFAULT_FRACTION) -> dict[str, Fraction]:
    """Removed area of each of the 16 vectors at `fraction`, in binary order."""
    f = parse_fraction(fraction)
    return {str(v): removed_area_fraction(v, f) for v in ALL_VECTORS}
