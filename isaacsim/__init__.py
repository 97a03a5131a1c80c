"""isaacsim: a cycle-level simulator of the ISAAC crossbar CNN accelerator.

The public API, for scripts and notebooks (each name is imported on first use, so that
``import isaacsim`` stays cheap)::

    from isaacsim import load_workload, run_workload, write_results
    result = run_workload(load_workload("workloads/vgg16_cropped.json", {"run.images": 50}))
    write_results("results/vgg16_50", result.tables, result.meta)

or, from objects (docs/api.md)::

    from isaacsim.api import workload, simulate   # not isaacsim.workload: that is the module
    r = simulate(workload(network="tiny", trace=["1111", "0000"]))
    r.images, r.layers, r.components, r.summary      # DataFrames; r.meta; layer_bars(r)

Layers of the package, lowest first (a module imports only from its own layer or below;
tests/test_layering.py enforces it): errors, validate, jsonio, outputs, overrides, progress, plan,
events, csv_text, kernels, targets -> targets.isaac.arch, network, layers -> crop, precision ->
targets.isaac.mapping, traces, functional, importer, predictor -> workload,
targets.isaac.lowering, targets.isaac.events, targets.isaac.servers, closed_form, engine,
reference, reference_units -> accounting, works -> report, tables -> runner, single_run, stream_run, parallel,
sweep, oracle, api, plots -> cli. Layer kinds live in
`isaacsim.layers` (one module each, and a registry); what is specific to the ISAAC machine lives in
`isaacsim.targets.isaac`.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "InputError": "isaacsim.errors", "InternalError": "isaacsim.errors",
    "Problem": "isaacsim.errors", "LayerKind": "isaacsim.layers", "import_onnx": "isaacsim.importer",
    "load_arch": "isaacsim.targets.isaac.arch", "load_network": "isaacsim.network",
    "load_trace": "isaacsim.traces", "load_workload": "isaacsim.workload",
    "map_network": "isaacsim.targets.isaac.mapping", "run_workload": "isaacsim.runner",
    "write_results": "isaacsim.report", "load_sweep": "isaacsim.sweep",
    "plan_sweep": "isaacsim.sweep", "run_sweep": "isaacsim.sweep",
    "simulate": "isaacsim.api", "Result": "isaacsim.api",
    "workload_from_dict": "isaacsim.workload", "layer_bars": "isaacsim.plots",
    "timeline": "isaacsim.plots", "savings_histogram": "isaacsim.plots",
}
"""Public name -> the module that defines it."""

__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'isaacsim' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
