"""The registry of named 3x3 gradient kernels the crop predictor convolves the image with.

Each name gives one or more 3x3 integer kernels (a name such as ``sobel`` stands for its x and y
pair). The kernels are the textbook ones (Gonzalez and Woods, *Digital Image Processing*, ch. 3
and 10); they are small integers, so a crossbar stores them exactly at any weight precision of 5
bits or more (docs/predictor.md, "Kernels").
"""

from __future__ import annotations

import numpy as np

from isaacsim.errors import InputError, Problem
from isaacsim.validate import did_you_mean


def _pair(x: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """An x-derivative kernel and its transpose, the y derivative."""
    k = np.array(x, dtype=np.int64)
    return k, k.T.copy()


KERNELS: dict[str, tuple[np.ndarray, ...]] = {
    "sobel": _pair([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "prewitt": _pair([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
    "scharr": _pair([[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]]),
    "laplace": (np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.int64),),
    "laplace8": (np.array([[1, 1, 1], [1, -8, 1], [1, 1, 1]], dtype=np.int64),),
}
"""Name -> its 3x3 kernels (x then y for the derivative pairs). Every kernel sums to 0, so a flat
region responds 0 whatever its brightness."""

DEFAULT_KERNELS = ("sobel", "laplace")


def parse_kernels(value: str | list[str] | tuple[str, ...], *, source: str = "--kernels",
                  place: str = "") -> tuple[str, ...]:
    """Kernel names from ``"sobel,laplace"`` (or a list of names), in the given order, each once;
    `InputError` naming an unknown one with a did-you-mean."""
    names = [n.strip() for n in value.split(",")] if isinstance(value, str) else list(value)
    problems = []
    if not names or any(not isinstance(n, str) or not n for n in names):
        problems.append(Problem(source, place, f"expected kernel names separated by commas, e.g. "
                                               f"sobel,laplace (known: {', '.join(KERNELS)}), got "
                                               f"{value!r}"))
    else:
        for n in names:
            if n not in KERNELS:
                problems.append(Problem(source, place, f"unknown kernel {n!r}{did_you_mean(n, KERNELS)};"
                                                       f" known: {', '.join(KERNELS)}"))
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            problems.append(Problem(source, place, f"kernel {dupes[0]!r} is named twice; name each "
                                                   f"once"))
    if problems:
        raise InputError(problems)
    return tuple(names)


def kernel_stack(names: tuple[str, ...]) -> np.ndarray:
    """The kernels of `names` as one ``(K, 3, 3)`` int64 array, in order."""
    return np.stack([k for n in names for k in KERNELS[n]])
