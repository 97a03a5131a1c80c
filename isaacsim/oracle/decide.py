"""Which crop vectors keep an image's answer, and which one the oracle keeps.

Criterion (docs/oracle.md, "Criterion"): ``top1``: the cropped pass's top-1 class is the
reference class; ``top5``: the reference class is among the cropped pass's five highest scores.
Classes are ranked by score, equal scores by the lower class index (a stable sort), so the
decision is deterministic. The oracle keeps the passing vector first in `masks.ranking` (most
skipped MACs, then fewer cropped sides, then the lower binary index); 0000 when none passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from isaacsim.crop import NO_CROP

CRITERIA = ("top1", "top5")
REFERENCES = ("label", "uncropped")


def top_classes(scores: np.ndarray, k: int) -> np.ndarray:
    """The `k` best classes of each row of `scores` ``[n, classes]``, best first (ties: lower
    index first)."""
    return np.argsort(-scores, axis=-1, kind="stable")[..., :k]


@dataclass(frozen=True)
class Decision:
    """The oracle's outcome for one image."""

    prediction: int
    """Top-1 class of the uncropped pass (vector 0000)."""
    top5: tuple[int, ...]
    """Top-5 classes of the uncropped pass."""
    reference: int
    """The class the criterion compares against (the label, or `prediction`)."""
    passing: tuple[bool, ...]
    """Per vector (binary order): whether it meets the criterion."""
    chosen: int
    """Index of the kept vector."""


def decide(scores: np.ndarray, label: int | None, criterion: str, reference: str,
           order: list[int]) -> Decision:
    """The decision for one image from its scores ``[16, classes]`` (row v = vector v)."""
    top = top_classes(scores, 5)
    prediction = int(top[NO_CROP.index, 0])
    if reference == "label":
        if label is None:
            raise ValueError("reference 'label' needs the image's label")
        ref = label
    else:
        ref = prediction
    if criterion == "top1":
        passing = top[:, 0] == ref
    else:
        passing = (top == ref).any(axis=1)
    chosen = next((v for v in order if passing[v]), NO_CROP.index)
    return Decision(prediction, tuple(int(c) for c in top[NO_CROP.index]), ref,
                    tuple(bool(p) for p in passing), chosen)
