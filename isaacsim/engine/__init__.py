"""The fast cycle-level engine (a compiled driver over numba kernels; simpy is its clock)."""

from isaacsim.engine.core import Engine, simulate, simulate_stream

__all__ = ["Engine", "simulate", "simulate_stream"]
