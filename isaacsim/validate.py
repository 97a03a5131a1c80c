"""Small toolkit for validating JSON-like input and collecting every problem with its place.

Usage::

    chk = Checker("workloads/x.json")
    chk.keys(obj, "$", allowed={"name", "stride"}, required={"name"})
    stride = chk.integer(obj, "stride", "$", minimum=1, default=1)
    chk.raise_if_any()

Each check records a `Problem` instead of raising, and returns ``None`` for a bad value, so a loader
can go on and report everything at once.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from isaacsim.errors import InputError, Problem

MISSING: Any = object()


def join(path: str, key: str | int) -> str:
    """JSON path of a child: ``join("$.layers", 3) == "$.layers[3]"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}"


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'bits'?)`` or ``""`` when nothing is close."""
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe(value: Any) -> str:
    """A short, typed rendering of a bad value for messages: ``'banana' (a string)``."""
    kinds = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "an object", type(None): "null"}
    kind = kinds.get(type(value), type(value).__name__)
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({kind})"


class Checker:
    """Collects problems found in one source (a file, a built-in name or an option)."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    # -- recording ---------------------------------------------------------------------------
    def add(self, place: str, message: str) -> None:
        self.problems.append(Problem(self.source, place, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)

    # -- structure -----------------------------------------------------------------------------
    def obj(self, value: Any, path: str) -> bool:
        if not isinstance(value, Mapping):
            self.add(path, f"expected an object ({{...}}), got {describe(value)}")
            return False
        return True

    def keys(self, value: Any, path: str, allowed: Iterable[str], required: Iterable[str] = ()) -> bool:
        """Check that `value` is an object with only `allowed` keys and all `required` ones."""
        if not self.obj(value, path):
            return False
        allowed = set(allowed)
        good = True
        for key in value:
            if key not in allowed:
                self.add(join(path, str(key)),
                         f"unknown key '{key}'{did_you_mean(str(key), allowed)}; "
                         f"allowed keys: {', '.join(sorted(allowed))}")
                good = False
        for key in required:
            if key not in value:
                self.add(join(path, key), "missing required key")
                good = False
        return good

    def _get(self, value: Mapping, key: str, default: Any) -> Any:
        if key in value:
            return value[key]
        return default

    def format_version(self, value: Mapping, expected: int, path: str = "$") -> None:
        """Record a problem when `value["format_version"]` is present and not `expected` (a
        missing version is left to `keys(..., required=...)`)."""
        if "format_version" in value and value["format_version"] != expected:
            self.add(join(path, "format_version"),
                     f"unsupported format version {describe(value['format_version'])}; this "
                     f"isaacsim reads format_version {expected}")

    # -- scalars -------------------------------------------------------------------------------
    def integer(self, value: Mapping, key: str, path: str, *, minimum: int | None = None,
                maximum: int | None = None, default: Any = MISSING) -> int | None:
        where = join(path, key)
        v = self._get(value, key, default)
        if v is MISSING:
            self.add(where, "missing required key (expected an integer)")
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            else:
                self.add(where, f"expected an integer{_range(minimum, maximum)}, got {describe(v)}")
                return None
        if (minimum is not None and v < minimum) or (maximum is not None and v > maximum):
            self.add(where, f"expected an integer{_range(minimum, maximum)}, got {v}")
            return None
        return v

    def number(self, value: Mapping, key: str, path: str, *, minimum: float | None = None,
               maximum: float | None = None, exclusive_minimum: bool = False,
               exclusive_maximum: bool = False, default: Any = MISSING) -> float | None:
        where = join(path, key)
        v = self._get(value, key, default)
        if v is MISSING:
            self.add(where, "missing required key (expected a number)")
            return None
        rng = _range(minimum, maximum, exclusive_minimum, exclusive_maximum)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            self.add(where, f"expected a number{rng}, got {describe(v)}")
            return None
        low_bad = minimum is not None and (v <= minimum if exclusive_minimum else v < minimum)
        high_bad = maximum is not None and (v >= maximum if exclusive_maximum else v > maximum)
        if low_bad or high_bad:
            self.add(where, f"expected a number{rng}, got {v}")
            return None
        return float(v)

    def string(self, value: Mapping, key: str, path: str, *, default: Any = MISSING) -> str | None:
        where = join(path, key)
        v = self._get(value, key, default)
        if v is MISSING:
            self.add(where, "missing required key (expected a string)")
            return None
        if not isinstance(v, str):
            self.add(where, f"expected a string, got {describe(v)}")
            return None
        return v

    def boolean(self, value: Mapping, key: str, path: str, *, default: Any = MISSING) -> bool | None:
        where = join(path, key)
        v = self._get(value, key, default)
        if v is MISSING:
            self.add(where, "missing required key (expected true or false)")
            return None
        if not isinstance(v, bool):
            self.add(where, f"expected true or false, got {describe(v)}")
            return None
        return v

    def choice(self, value: Mapping, key: str, path: str, choices: Iterable[str], *,
               default: Any = MISSING) -> str | None:
        choices = list(choices)
        v = self.string(value, key, path, default=default)
        if v is None:
            return None
        if v not in choices:
            self.add(join(path, key), f"expected one of {', '.join(repr(c) for c in choices)}, "
                                      f"got {v!r}{did_you_mean(v, choices)}")
            return None
        return v


def _range(minimum, maximum, excl_min: bool = False, excl_max: bool = False) -> str:
    lo = None if minimum is None else (f"> {minimum}" if excl_min else f">= {minimum}")
    hi = None if maximum is None else (f"< {maximum}" if excl_max else f"<= {maximum}")
    if lo and hi:
        return f" {lo} and {hi}"
    if lo:
        return f" {lo}"
    if hi:
        return f" {hi}"
    return ""
