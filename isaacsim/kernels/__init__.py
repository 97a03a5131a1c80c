"""All numba code of isaacsim lives in this package.

Kernels are pure functions over int64/float64 numpy arrays: the caller validates, allocates and
owns the state arrays; a kernel only reads its inputs and fills or updates the arrays it is given.
Every kernel is compiled through `jit` below (one place for numba options; `cache=True` so a second
start of the CLI does not recompile). This package imports only numpy and numba.
"""

from __future__ import annotations

import numba

jit = numba.njit(cache=True, nogil=True)
