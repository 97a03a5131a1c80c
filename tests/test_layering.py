"""The package's layering (docs/decisions.md D1), checked by parsing every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "isaacsim"

RANK = {
    "": 0, "errors": 0, "validate": 0, "jsonio": 0, "outputs": 0, "overrides": 0, "progress": 0,
    "plan": 0, "events": 0, "csv_text": 0,
    "kernels": 0,
    "targets": 0,
    "targets.isaac": 0,
    "targets.isaac.arch": 1, "network": 1, "layers": 1,
    "crop": 2, "precision": 2,
    "targets.isaac.mapping": 3, "traces": 3, "functional": 3, "importer": 3, "predictor": 3,
    "workload": 4, "targets.isaac.lowering": 4, "targets.isaac.events": 4,
    "targets.isaac.servers": 4, "closed_form": 4,
    "engine": 4, "reference": 4, "reference_units": 4,
    "accounting": 5, "works": 5,
    "report": 6, "tables": 6,
    "runner": 7, "single_run": 7, "stream_run": 7, "parallel": 7, "sweep": 7, "api": 7, "plots": 7,
    "oracle": 7,
    "cli": 8, "__main__": 8,
}


def _top(module: str) -> str:
    """The layer of a dotted module name: its first component below `isaacsim` ('' for the package
    itself), or for a target's module, ``targets.<target>.<first component below it>``."""
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "targets":
        return ".".join(parts[1:4])
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "isaacsim":
                found += [f"isaacsim.{a.name}" if (PKG / a.name).exists()
                          or (PKG / f"{a.name}.py").exists() else "isaacsim" for a in node.names]
            else:
                found.append(node.module)
    return found


MODULES = sorted(PKG.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_lower_layers_never_import_upper_ones(path):
    parts = [p.removesuffix(".py") for p in path.relative_to(PKG).parts]
    parts = [p for p in parts if p != "__init__"]
    me = _top(".".join(["isaacsim", *parts]))
    assert me in RANK, f"add {me} to RANK"
    for name in _imports(path):
        if name == "isaacsim" or name.startswith("isaacsim."):
            other = _top(name)
            assert RANK[other] <= RANK[me], f"{path.name} ({me}) imports {name}"


def test_kernels_import_only_numpy_and_numba():
    for path in (PKG / "kernels").rglob("*.py"):
        for name in _imports(path):
            root = name.split(".")[0]
            assert root in {"numpy", "numba", "__future__"} or name.startswith("isaacsim.kernels"), \
                f"{path.name} imports {name}"


def test_reference_model_is_independent_of_engine_and_kernels():
    for name in _imports(PKG / "reference.py") + _imports(PKG / "reference_units.py"):
        assert not name.startswith(("isaacsim.engine", "isaacsim.kernels", "numba", "simpy"))


def test_only_the_cli_prints_or_exits():
    for path in MODULES:
        if path.relative_to(PKG).parts[0] in ("cli", "__main__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("print", "exit"), f"{path.name} calls {node.func.id}"
            if isinstance(node, ast.Attribute) and node.attr == "exit":
                assert not (isinstance(node.value, ast.Name) and node.value.id == "sys"), path.name
