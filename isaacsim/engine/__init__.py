"""The fast cycle-level engine (simpy processes over numba kernels)."""

from isaacsim.engine.core import Engine, simulate

__all__ = ["Engine", "simulate"]
