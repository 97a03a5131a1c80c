"""The per-image map counts the engine's ranks and ring slots come from: `row_counts` (filled when
an image is loaded) and `active_before` (a position's rank within its map), against numpy on
random maps."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from isaacsim.kernels.maps import row_counts
from isaacsim.kernels.timing import active_before


@st.composite
def image_maps(draw):
    shapes = draw(st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6)), min_size=1,
                           max_size=4))
    maps = [np.array(draw(st.lists(st.integers(-3, 5), min_size=h * w, max_size=h * w)),
                     np.int16).reshape(h, w) for h, w in shapes]
    return shapes, maps


def _offsets(sizes) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


@settings(max_examples=200, deadline=None)
@given(image_maps())
def test_row_counts_and_active_before_count_the_active_pixels(case):
    shapes, maps = case
    bits = np.concatenate([m.reshape(-1) for m in maps])
    pix_at = _offsets([h * w for h, w in shapes])
    rows_at = _offsets([h + 1 for h, _ in shapes])
    widths = np.array([w for _, w in shapes], np.int64)
    rows = np.full(int(rows_at[-1]), 99, np.int64)
    totals = row_counts(bits, pix_at, widths, rows_at, rows)
    for n, ((h, w), m) in enumerate(zip(shapes, maps)):
        active = m > 0
        assert totals[n] == active.sum()
        want_rows = np.concatenate([[0], np.cumsum(active.sum(axis=1))])
        assert rows[rows_at[n]:rows_at[n + 1]].tolist() == want_rows.tolist()
        before = np.concatenate([[0], np.cumsum(active.reshape(-1))])
        for q in range(h * w + 1):  # (h * w: the whole map, as the driver asks at its end)
            assert active_before(bits, pix_at[n], rows, rows_at[n], w, q) == before[q], (n, q)
