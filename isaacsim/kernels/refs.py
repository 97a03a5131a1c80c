"""Uncounted views of arrays, for the timing kernel's driver.

numba counts references to the arrays it handles: taking an array out of a tuple, handing it to an
inlined helper or slicing it each adds one (an atomic increment) and drops it later (an atomic
decrement). The timing kernel's driver hands its dozens of state arrays to a node's kernel and to
the arbiter thousands of times per image; on a network whose nodes hand work to each other op by
op (shared servers), that counting took about a fifth of the engine's time.

`unowned(x)` returns `x` (an array, or a tuple of arrays) as views that count nothing: the same
data, shape and strides, with no memory-info (numba skips the count of an array without one).
It is safe only while the arrays it came from stay alive, which holds for a kernel's arguments
during the call (their caller owns them): the driver applies it to its arguments only, never to
an array it allocates, and no view outlives the call.
"""

from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload


def _strip(context, builder, ty, value):
    """`value` (an array of type `ty`) with its memory-info and parent object set to null."""
    ary = context.make_array(ty)(context, builder, value=value)
    ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
    ary.parent = cgutils.get_null_value(ary.parent.type)
    return ary._getvalue()


@intrinsic
def _unowned(typingctx, x):
    """`x` (an array or a tuple of arrays) as uncounted views (see the module docstring)."""
    if isinstance(x, types.Array):
        def codegen(context, builder, sig, args):
            return _strip(context, builder, sig.args[0], args[0])
        return x(x), codegen
    if isinstance(x, types.BaseTuple) and all(isinstance(t, types.Array)
                                              for t in getattr(x, "types")):
        def codegen_tuple(context, builder, sig, args):
            value = args[0]
            for k, ty in enumerate(getattr(sig.args[0], "types")):
                item = _strip(context, builder, ty, builder.extract_value(value, k))
                value = builder.insert_value(value, item, k)
            return value
        return x(x), codegen_tuple
    return None


def unowned(x):
    """`x` (an array or a tuple of arrays) as uncounted views (see the module docstring); in
    Python (numba's JIT disabled) `x` itself, since Python counts its own references."""
    return x


@overload(unowned)
def _unowned_jit(x):
    """In jitted code: the intrinsic."""
    if isinstance(x, types.Array) or (isinstance(x, types.BaseTuple) and all(
            isinstance(t, types.Array) for t in getattr(x, "types"))):
        return lambda x: _unowned(x)  # type: ignore[call-arg]
    return None
