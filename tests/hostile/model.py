"""The building blocks of the hostile-input corpus: a `Case`, the valid base inputs every case
starts from, and a JSON writer that can say what `json.dumps` refuses to (NaN, 1e400, integers of
thousands of digits, duplicate keys, 100,000 levels of nesting).

Every case runs in its own folder holding copies of the shipped valid inputs under fixed names
(`BASE`), with relative paths between them, and replaces or removes one of them (or adds options).
Nothing large is stored: contents are produced when a case runs.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

ARCH = "hostile-arch.json"
NET = "hostile-net.json"
WL = "hostile-wl.json"
CSV = "hostile-trace.csv"
JSONL = "hostile-trace.jsonl"
SPEC = "hostile-spec.json"

DEEP = 100_000
"""Levels of nesting of the 'deep' cases."""
DIGITS = 5_000
"""Digits of the 'huge integer' cases (more than Python's 4,300-digit int/str conversion limit)."""

DIR = object()
"""A content that makes the name a directory (with a file inside) instead of a file."""
MISSING = object()
"""A content that removes the base file of that name."""



class Symlink:
    """A content that makes the name a symbolic link to `target` (relative to the case folder),
    creating the target folder when it does not exist (unless `create` is false)."""

    def __init__(self, target: str, create: bool = True):
        self.target = target
        self.create = create


FIFO = object()
"""A content that makes the name a named pipe (a reader blocks until a writer comes)."""


Content = bytes | str | Callable[[], bytes | str] | Symlink | object


@dataclass(frozen=True)
class Case:
    """One hostile input: files written into the case folder, the command line, and what the
    error message must name.

    `who` is a regular expression for the file or option the problem is in; `where` one for the
    place (a JSON path, ``line N``, the option); `where=None` means the named file or option is
    itself the place (a missing file given on the command line has no place inside it).
    """

    id: str
    cls: str
    kind: str
    argv: tuple[str, ...]
    who: str
    where: str | None
    files: tuple[tuple[str, Content], ...] = ()
    note: str = ""
    """Why the expectation (exit 2) is debatable, when it is."""
    limit: float = 5.0
    """Seconds before the case counts as hung."""
    extra: dict = field(default_factory=dict, compare=False, hash=False)


class Raw:
    """JSON text inserted as is where a value goes (NaN, 1e400, a 5,000-digit integer, ...)."""

    def __init__(self, text: str | Callable[[], str], label: str = ""):
        self._text = text
        self.label = label

    @property
    def text(self) -> str:
        return self._text() if callable(self._text) else self._text


class Pairs:
    """A JSON object written with repeated keys (json.dumps cannot)."""

    def __init__(self, pairs: list[tuple[str, Any]]):
        self.pairs = pairs


def dump(node: Any, indent: int = 0, *, flat: bool = False) -> str:
    """JSON text of `node`, which may hold `Raw` and `Pairs`: objects one key per line (so a line
    number locates a value), lists of scalars on one line; `flat` writes one line (trace lines)."""
    pad, end = ("", "") if flat else ("\n" + "  " * (indent + 1), "\n" + "  " * indent)
    sep = ", " if flat else ","
    if isinstance(node, Raw):
        return node.text
    if isinstance(node, (Pairs, dict)):
        items = node.pairs if isinstance(node, Pairs) else list(node.items())
        if not items:
            return "{}"
        return "{" + sep.join(f"{pad}{json.dumps(k)}: {dump(v, indent + 1, flat=flat)}"
                              for k, v in items) + end + "}"
    if isinstance(node, list):
        if node and all(isinstance(v, (dict, Pairs)) for v in node):
            return "[" + sep.join(pad + dump(v, indent + 1, flat=flat) for v in node) + end + "]"
        return "[" + ", ".join(dump(v, indent + 1, flat=True) for v in node) + "]"
    return json.dumps(node)


MARK = "@@HOSTILE-MARK@@"


def line_at(tree: Any, path: Path_) -> int:
    """The line on which the value at `path` starts when `tree` is written by `dump`."""
    text = dump(replaced(tree, path, Raw(MARK)))
    return text[:text.index(MARK)].count("\n") + 1


def deep_list(levels: int = DEEP) -> str:
    return "[" * levels + "]" * levels


def deep_object(levels: int = DEEP) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


def huge_int(digits: int = DIGITS, sign: str = "") -> str:
    return sign + "9" * digits


# --- JSON trees and paths -------------------------------------------------------------------

Path_ = tuple[str | int, ...]


def jpath(path: Path_) -> str:
    """The JSON path isaacsim prints: ``$.layers[1].stride``."""
    out = "$"
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else f".{key}"
    return out


def path_re(path: Path_) -> str:
    """A regex matching the JSON path, with keys written ``.key`` or ``["key"]``."""
    out = r"\$"
    for key in path:
        if isinstance(key, int):
            out += rf"\[{key}\]"
        else:
            k = re.escape(key)
            out += rf"(?:\.{k}|\[\"{k}\"\]|\['{k}'\])"
    return out


def leaves(tree: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every scalar leaf with its path, in document order."""
    if isinstance(tree, dict):
        return [leaf for k, v in tree.items() for leaf in leaves(v, path + (k,))]
    if isinstance(tree, list) and tree and all(isinstance(v, (dict, list)) for v in tree):
        return [leaf for i, v in enumerate(tree) for leaf in leaves(v, path + (i,))]
    return [(path, tree)]


def objects(tree: Any, path: Path_ = ()) -> list[Path_]:
    """The path of every object, outermost first."""
    out = [path] if isinstance(tree, dict) else []
    children = tree.items() if isinstance(tree, dict) else \
        enumerate(tree) if isinstance(tree, list) else ()
    for k, v in children:
        out += objects(v, path + (k,))
    return out


def get(tree: Any, path: Path_) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def replaced(tree: Any, path: Path_, value: Any) -> Any:
    """A copy of `tree` with the value at `path` replaced (`MISSING` removes the key)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        out = dict(tree)
        if value is MISSING and not rest:
            del out[head]
        else:
            out[head] = replaced(tree[head], rest, value)
        return out
    out = list(tree)
    out[head] = replaced(tree[head], rest, value)
    return out


def label(value: Any) -> str:
    """A short id fragment for a hostile value."""
    if isinstance(value, Raw):
        return value.label
    if value is MISSING:
        return "missing"
    if isinstance(value, str):
        clean = re.sub(r"[^A-Za-z0-9._/-]", "_", value)
        if clean != value or len(value) > 24:  # keep distinct values distinct
            clean = f"{clean[:16]}~{zlib.crc32(value.encode('utf-8', 'surrogatepass')):08x}"
        return "str-" + (clean or "empty")
    if isinstance(value, list):
        text = "[" + ",".join(label(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ",".join(f"{k}:{label(v)}" for k, v in value.items()) + "}"
    else:
        text = json.dumps(value)
    return text if len(text) <= 24 else text[:21] + "..."


# --- the valid inputs every case starts from --------------------------------------------------

def _shipped(rel: str) -> str:
    return (REPO / rel).read_text(encoding="utf-8")


def base_trees() -> dict[str, Any]:
    """The parsed base JSON inputs (fresh copies)."""
    wl = json.loads(_shipped("workloads/tiny_cropped.json"))
    wl.update(name="hostile", network=NET, arch=ARCH, trace=CSV)
    wl["precision"] = {"weight_bits": 16, "activation_bits": 16,
                       "exponents": {"weight": 0, "input": 0, "output": 0},
                       "layers": {"conv1": {"weight_bits": 16, "activation_bits": 16}}}
    spec = {"format_version": 1, "name": "hostile-sweep", "description": "hostile-input base",
            "workload": WL, "grid": {"precision.weight_bits": [16, 8]}, "images": 2,
            "mode": "single", "baseline": True}
    return {ARCH: json.loads(_shipped("isaacsim/targets/isaac/data/isaac-ce.json")),
            NET: json.loads(_shipped("workloads/networks/tiny.json")), WL: wl, SPEC: spec}


_BASE_CACHE: dict[str, str] = {}


def base_texts() -> dict[str, str]:
    if not _BASE_CACHE:
        for name, tree in base_trees().items():
            _BASE_CACHE[name] = json.dumps(tree, indent=2) + "\n"
        _BASE_CACHE[CSV] = _shipped("traces/tiny_synth_20.csv")
        _BASE_CACHE[JSONL] = _shipped("traces/tiny_soft_crop.jsonl")
    return dict(_BASE_CACHE)


def write_inputs(folder: Path, files: tuple[tuple[str, Content], ...]) -> None:
    """The base inputs, then the case's own files (replacing, removing, or adding)."""
    for name, text in base_texts().items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, content in files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is MISSING:
            target.unlink(missing_ok=True)
            continue
        if isinstance(content, Symlink):
            if content.create:
                (folder / content.target).mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            target.symlink_to(content.target, target_is_directory=content.create)
            continue
        if content is FIFO:
            target.unlink(missing_ok=True)
            os.mkfifo(target)
            continue
        if content is DIR:
            target.unlink(missing_ok=True)
            target.mkdir(exist_ok=True)
            (target / "user-file.txt").write_text("a user's file\n")
            continue
        if callable(content):
            content = content()
        if isinstance(content, str):
            content = content.encode("utf-8")
        target.write_bytes(content)
