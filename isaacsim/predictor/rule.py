"""The crop predictor's rule: gradient energy of each border band against the centre's.

For a preprocessed image ``x`` of shape ``(C, H, W)`` (the oracle's `load_image`) and the kernels
``K_1 .. K_n`` of the chosen names (`isaacsim.predictor.kernels`):

1. **Responses.** Each kernel is correlated with each channel at every interior position (a
   "valid" 3x3 convolution: the outermost ring of pixels, whose window would leave the image, has
   no response). The **gradient energy** of an interior pixel is the sum of the absolute
   responses over kernels and channels, ``E(h, w) = sum_k sum_c |(K_k * x_c)(h, w)|``.
2. **Bands.** With crop fraction f, the band of a side is the part of the input map that cropping
   that side alone removes: the rows (columns) outside ``isaacsim.crop.window(H, W, side, f)``.
   The centre is the window of ``1111``. Each region's **energy density** is its summed energy
   over its interior pixels divided by their number.
3. **Decision.** A side is cropped when its band's density is below `threshold` times the
   centre's: ``density(side) < threshold x density(centre)``. The vector is the set of cropped
   sides (any of the 16). An image without energy in its centre (a flat centre) is never cropped.

The ratios ``density(side) / density(centre)`` (infinite for a flat centre) determine the vector
for every threshold (`vector_at`), so a threshold sweep needs no second pass over the images.
docs/predictor.md states the rule and its rationale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from isaacsim.crop import ALL_VECTORS, DEFAULT_FRACTION, SIDES, CropVector, parse_fraction, window
from isaacsim.errors import InputError, Problem
from isaacsim.predictor.kernels import kernel_stack, parse_kernels
from isaacsim.validate import Bound

THRESHOLD = Bound("number", 0, 1e6, "a ratio of energy densities; 0 never crops, and a side "
                                    "whose density is a millionth of the centre's is cropped long "
                                    "before that")
"""Range of the threshold."""


@dataclass(frozen=True)
class Prediction:
    """The rule's answer for one image."""

    vector: CropVector
    ratios: tuple[float, float, float, float]
    """``density(side) / density(centre)`` for TOP, BOTTOM, LEFT, RIGHT (inf: a flat centre)."""
    centre_density: float


def parse_threshold(value: Any, *, source: str = "--threshold", place: str = "") -> float:
    """A threshold in `THRESHOLD`'s range from a number or its text; `InputError` otherwise."""
    try:
        t = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        t = math.nan
    why = THRESHOLD.problem(t) if math.isfinite(t) else "expected a finite number"
    if why is not None:
        raise InputError(Problem(source, place, f"{why}, got {value!r}; e.g. --threshold 0.5"))
    return t


def gradient_energy(image: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """``E`` of step 1: float64 ``(H - 2, W - 2)``, the energy of interior pixel ``(h + 1, w + 1)``
    at ``[h, w]``. `image` is ``(C, H, W)``, `kernels` ``(K, 3, 3)``."""
    x = np.asarray(image, dtype=np.float64)
    if x.ndim != 3 or x.shape[1] < 3 or x.shape[2] < 3:
        raise ValueError(f"expected an image (C, H, W) with H, W >= 3, got shape {x.shape}")
    h, w = x.shape[1] - 2, x.shape[2] - 2
    energy = np.zeros((h, w))
    for k in np.asarray(kernels, dtype=np.float64):
        response = np.zeros((x.shape[0], h, w))
        for i in range(3):
            for j in range(3):
                if k[i, j]:
                    response += k[i, j] * x[:, i:i + h, j:j + w]
        energy += np.abs(response).sum(axis=0)
    return energy


def band_slices(height: int, width: int, fraction: Any = DEFAULT_FRACTION
                ) -> dict[str, tuple[slice, slice]]:
    """Rows and columns of the input map in each side's band and in the centre (key
    ``"centre"``), from `isaacsim.crop.window` (floor rounding, as traces are simulated)."""
    out = {}
    for i, side in enumerate(SIDES):
        win = window(height, width, ALL_VECTORS[1 << (3 - i)], fraction)
        if side == "top":
            out[side] = (slice(0, win.row_start), slice(0, width))
        elif side == "bottom":
            out[side] = (slice(win.row_stop, height), slice(0, width))
        elif side == "left":
            out[side] = (slice(0, height), slice(0, win.col_start))
        else:
            out[side] = (slice(0, height), slice(win.col_stop, width))
    centre = window(height, width, ALL_VECTORS[15], fraction)
    out["centre"] = (slice(*centre.rows), slice(*centre.cols))
    return out


def densities(energy: np.ndarray, height: int, width: int,
              fraction: Any = DEFAULT_FRACTION) -> dict[str, float]:
    """Energy density of each band and of the centre (step 2); a region without interior pixels
    has density 0."""
    padded = np.zeros((height, width))
    padded[1:-1, 1:-1] = energy
    interior = np.zeros((height, width), dtype=bool)
    interior[1:-1, 1:-1] = True
    out = {}
    for name, (rows, cols) in band_slices(height, width, fraction).items():
        n = int(interior[rows, cols].sum())
        out[name] = float(padded[rows, cols].sum()) / n if n else 0.0
    return out


def vector_at(ratios: tuple[float, ...] | np.ndarray, threshold: float) -> CropVector:
    """The vector of step 3 from the side-to-centre ratios: side cropped iff ratio < threshold."""
    bits = [bool(r < threshold) for r in ratios]
    return CropVector(*bits)


def predict(image: np.ndarray, kernels: str | tuple[str, ...] = ("sobel", "laplace"),
            threshold: float = 0.5, fraction: Any = DEFAULT_FRACTION) -> Prediction:
    """The crop vector of one preprocessed image ``(C, H, W)`` (the module's rule); the options
    are checked (`InputError`)."""
    return predict_checked(image, parse_kernels(kernels), parse_threshold(threshold, source="threshold"),
                           parse_fraction(fraction))


def predict_checked(image: np.ndarray, kernels: tuple[str, ...], threshold: float,
                    fraction: Fraction) -> Prediction:
    """`predict` for options already checked (a loop over many images parses them once)."""
    _, height, width = np.shape(image)
    d = densities(gradient_energy(image, kernel_stack(kernels)), height, width, fraction)
    centre = d["centre"]
    ratios = tuple(d[s] / centre if centre > 0 else math.inf for s in SIDES)
    return Prediction(vector_at(ratios, threshold), ratios, centre)  # type: ignore[arg-type]
