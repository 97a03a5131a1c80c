"""Slow, obvious versions of the crop computations, for comparison with the vectorised ones."""

import math
from fractions import Fraction


def naive_window(height, width, vector, fraction, rounding="floor"):
    """Per-side margins written out literally from aqua.md section 2."""
    f = Fraction(fraction)

    def margin(size):
        exact = f * size
        m = math.floor(exact) if rounding == "floor" else math.floor(exact + Fraction(1, 2))
        return min(m, (size - 1) // 2)

    top, bottom, left, right = (bit == "1" for bit in str(vector))
    r0 = margin(height) if top else 0
    r1 = height - margin(height) if bottom else height
    c0 = margin(width) if left else 0
    c1 = width - margin(width) if right else width
    return (r0, r1, c0, c1)


def naive_row_blocks(shape, win, rows_per_array, flatten):
    """Active and total row blocks, one flattened input at a time."""
    height, width, channels = shape
    r0, r1, c0, c1 = win
    n = height * width * channels
    active_blocks = set()
    for index in range(n):
        if flatten == "position":
            pos, _c = divmod(index, channels)
            h, w = divmod(pos, width)
        else:
            _c, pos = divmod(index, height * width)
            h, w = divmod(pos, width)
        if r0 <= h < r1 and c0 <= w < c1:
            active_blocks.add(index // rows_per_array)
    return len(active_blocks), math.ceil(n / rows_per_array)
