"""isaacsim: a cycle-level simulator of the ISAAC crossbar CNN accelerator.

Layers of the package, lowest first (a module imports only from layers below it):
errors, validate, jsonio, overrides -> arch, network -> mapping, crop, traces -> kernels -> engine,
reference, energy -> report -> cli.
"""

__version__ = "0.1.0"
