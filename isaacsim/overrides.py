"""`--set key=value` overrides: parsing and applying dotted keys to nested JSON-like dicts."""

from __future__ import annotations

import copy
from typing import Any

from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import JsonError, parse_json


def parse_value(text: str, option: str = "--set") -> Any:
    """JSON when it parses (``9``, ``0.25``, ``true``, ``[1, 2]``, ``"x"``), else the raw string.

    JSON that isaacsim refuses (``1e400``, ``NaN``, a 5,000-digit integer, duplicate keys, deep
    nesting) is an `InputError` naming `option`, not a string."""
    try:
        return parse_json(text)
    except JsonError as exc:
        if exc.syntax:
            return text
        raise InputError(Problem(option, exc.place, exc.message)) from None


def parse_sets(items: list[str] | None, option: str = "--set") -> dict[str, Any]:
    """Turn ``["ima.adc.bits=9", ...]`` into ``{"ima.adc.bits": 9, ...}`` (later items win)."""
    out: dict[str, Any] = {}
    problems = []
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            problems.append(Problem(f"{option} {item}", "",
                                    "expected KEY=VALUE with a dotted key, e.g. ima.adc.bits=9"))
            continue
        try:
            out[key] = parse_value(value, f"{option} {item[:80]}")
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return out


def apply(tree: dict, sets: dict[str, Any]) -> dict:
    """A deep copy of `tree` with each dotted key set; missing intermediate objects are created.

    Keys that do not exist are still set, so the validator of the tree reports them as unknown with a
    did-you-mean, exactly as it would for a file.
    """
    out = copy.deepcopy(tree)
    for key, value in sets.items():
        node = out
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            child = node.get(part)
            if not isinstance(child, dict):
                if child is not None:
                    raise InputError(Problem(f"--set {key}=...", "",
                                             f"'{'.'.join(parts[:i + 1])}' is a value, not a section; "
                                             f"it has no key '{parts[i + 1]}'"))
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out


def split_prefix(sets: dict[str, Any], prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split overrides into those under ``prefix.`` (prefix removed) and the rest."""
    inner, rest = {}, {}
    for key, value in sets.items():
        if key.startswith(prefix + "."):
            inner[key[len(prefix) + 1:]] = value
        else:
            rest[key] = value
    return inner, rest
