"""All numba code of isaacsim lives in this package.

Kernels are pure functions over int64/float64 numpy arrays (the timing kernel's read cycles are
int16) and tuples of them: the caller
validates, allocates and owns the state arrays; a kernel only reads its inputs and fills or updates
the arrays it is given. The timing kernel's parameter and state rows are int64 structured arrays
whose layouts are defined once, in `layout`, and addressed by field name. Every kernel is compiled
through `jit` below (one place for numba options; `cache=True` so a second start of the CLI does
not recompile). This package imports only numpy and numba.
"""

from __future__ import annotations

import numba

jit = numba.njit(cache=True, nogil=True)
inline = numba.njit(cache=True, nogil=True, inline="always")
"""For the small helpers of a hot loop: inlined into their caller by numba itself (a call between
compiled functions otherwise passes its tuples through memory and checks a status)."""
