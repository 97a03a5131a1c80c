"""The fast cycle-level engine (simpy processes over numba kernels)."""

from isaacsim.engine.core import Engine, simulate, simulate_stream

__all__ = ["Engine", "simulate", "simulate_stream"]
