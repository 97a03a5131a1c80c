"""kernels.timing.unowned: uncounted views see and change the caller's arrays, in and out of tuples."""

import numba
import numpy as np

from isaacsim.kernels.timing import unowned


@numba.njit
def _through_views(pair, single):
    a, b = unowned(pair)
    c = unowned(single)
    a[1] += 10  # writes reach the caller's arrays
    c[0, 2] = a[0] + b[2]
    view = c[1]  # a slice of an uncounted view is a view of the same data
    view[0] = 7
    return a.sum() + b.sum() + c.sum()


def test_views_read_and_write_the_callers_arrays():
    a = np.arange(4, dtype=np.int64)
    b = np.arange(3, dtype=np.float64) + 0.5
    c = np.zeros((2, 3), np.int64)
    total = _through_views((a, b), c)
    assert a.tolist() == [0, 11, 2, 3]
    assert c.tolist() == [[0, 0, 2], [7, 0, 0]]  # a[0] + b[2] = 2.5, stored as int64
    assert total == 16 + 4.5 + 9


def test_python_gets_the_arrays_themselves():
    x = (np.zeros(2), np.ones(3))
    assert unowned(x) is x
