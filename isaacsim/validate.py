"""Small toolkit for validating JSON-like input and collecting every problem with its place.

Usage::

    chk = Checker("workloads/x.json")
    chk.keys(obj, "$", allowed={"name", "stride"}, required={"name"})
    stride = chk.integer(obj, "stride", "$", minimum=1, default=1)
    chk.raise_if_any()

Each check records a `Problem` instead of raising, and returns ``None`` for a bad value, so a loader
can go on and report everything at once.

Every numeric input has a `Bound`: its type, its minimum and maximum and the reason for them
(``docs/input-ranges.md`` lists them all). ``chk.bounded(obj, key, path, BOUND)`` checks a value in
an object, ``BOUND.problem(value)`` a lone value (a command-line option).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from isaacsim.errors import InputError, Problem

MISSING: Any = object()


def join(path: str, key: str | int) -> str:
    """JSON path of a child: ``join("$.layers", 3) == "$.layers[3]"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}"


def has_control_character(text: str) -> bool:
    """Whether `text` holds a control character (NUL, tab, newline, DEL, ...): never wanted in a
    name, an id or a path."""
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'bits'?)`` or ``""`` when nothing is close."""
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe(value: Any) -> str:
    """A short, typed rendering of a bad value for messages: ``'banana' (a string)``."""
    kinds = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "an object", type(None): "null"}
    if isinstance(value, int) and not isinstance(value, bool) and _digits(value) > 40:
        return f"an integer of {_digits(value)} digits"
    kind = kinds.get(type(value), type(value).__name__)
    try:
        text = repr(value)
    except ValueError:  # a container holding an integer too long to print
        text = f"<{type(value).__name__}>"
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({kind})"


def short_json(value: Any, limit: int = 40) -> str:
    """`value` as it would be typed in ``--set key=VALUE`` (a string as is, anything else as
    JSON), cut to `limit` characters; never fails, however large the value."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):  # not JSON, or an integer too long to print
            text = describe(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def number_text(value: int | float) -> str:
    """A number for a message, short whatever its size: ``65536``, ``10,000,000``, ``2**40``,
    ``1e+06``, ``an integer of 301 digits``."""
    if isinstance(value, float):
        mantissa, exponent = math.frexp(value)
        if abs(mantissa) == 0.5 and abs(exponent - 1) >= 20:
            return f"{'-' if value < 0 else ''}2**{exponent - 1}"
        return f"{value:g}"
    if _digits(value) > 40:
        return f"an integer of {_digits(value)} digits"
    for offset, tail in ((0, ""), (1, " - 1")):
        n = abs(value) + offset
        if abs(value) >= 2 ** 17 and n & (n - 1) == 0:
            return f"{'-' if value < 0 else ''}2**{n.bit_length() - 1}{tail}"
    return f"{value:,}" if abs(value) >= 100_000 else str(value)


def _digits(value: int) -> int:
    """Decimal digits of an integer, without converting it to text (limited to 4300 digits)."""
    n = abs(value)
    if n < 10 ** 18:
        return len(str(n))
    digits = int(n.bit_length() * 0.30102999566398120) + 1   # log10(2): exact or one too many
    return digits - 1 if n < 10 ** (digits - 1) else digits


@dataclass(frozen=True)
class Bound:
    """The accepted range of one numeric input value and the reason for it.

    `domain` is ``"integer"`` (a JSON integer: floats such as 3.0 and booleans are refused) or
    ``"number"`` (an integer or a finite float). The bounds are inclusive unless marked exclusive;
    ``None`` (no limit) is for internal options only: every input a user gives has both.
    """

    domain: str
    minimum: int | float | None
    maximum: int | float | None
    reason: str = ""
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False

    def __post_init__(self):
        if self.domain not in ("integer", "number"):
            raise ValueError(f"domain must be 'integer' or 'number', got {self.domain!r}")

    @property
    def range_text(self) -> str:
        """`` >= 1 and <= 65536`` (the form the messages use)."""
        return _range(self.minimum, self.maximum, self.exclusive_minimum, self.exclusive_maximum)

    @property
    def limit(self) -> int | float:
        """The maximum of a bound that has one (every input a user gives); a `ValueError` for a
        bound without a maximum."""
        if self.maximum is None:
            raise ValueError(f"this {self.domain} bound{self.range_text} has no maximum")
        return self.maximum

    def problem(self, value: Any) -> str | None:
        """Why `value` is not accepted (its type or its range), or ``None`` when it is."""
        what = f"{'an integer' if self.domain == 'integer' else 'a number'}{self.range_text}"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                self.domain == "integer" and not isinstance(value, int)) or (
                isinstance(value, float) and not math.isfinite(value)):
            return f"expected {what}, got {describe(value)}"
        low, high = self.minimum, self.maximum
        low_bad = low is not None and (value <= low if self.exclusive_minimum else value < low)
        high_bad = high is not None and (value >= high if self.exclusive_maximum else value > high)
        if low_bad or high_bad:
            shown = repr(value) if isinstance(value, float) else number_text(value)
            return f"expected {what}, got {shown}"
        return None


# Bounds shared by several inputs (a workload's run section, sweep specs, command-line options).
IMAGES = Bound("integer", 1, 10_000_000, "ImageNet's validation set has 50,000 images and its "
                                         "training set 1.28 million")
SEED = Bound("integer", 0, 2 ** 63 - 1, "a non-negative int64, as numpy's generators take")
JOBS = Bound("integer", 1, 1024, "worker processes; more than any one machine's cores")


def is_version(value: Any, expected: int) -> bool:
    """True when `value` is the integer `expected` (``1.0`` and ``true`` are not format 1)."""
    return isinstance(value, int) and not isinstance(value, bool) and value == expected


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
        if "format_version" in value and not is_version(value["format_version"], expected):
            self.add(join(path, "format_version"),
                     f"unsupported format version {describe(value['format_version'])}; this "
                     f"isaacsim reads format_version {expected}")

    # -- scalars -------------------------------------------------------------------------------
    def integer(self, value: Mapping, key: str, path: str, *, minimum: int | None = None,
                maximum: int | None = None, default: Any = MISSING) -> int | None:
        """An integer (never a float such as 3.0, nor a boolean) within the limits given."""
        return self.bounded_int(value, key, path, Bound("integer", minimum, maximum), default=default)

    def bounded_int(self, value: Mapping, key: str, path: str, bound: Bound, *,
                    default: Any = MISSING) -> int | None:
        """`bounded` for an integer `bound`, typed as such: an int, or ``None`` (problem recorded)."""
        if bound.domain != "integer":
            raise ValueError(f"bounded_int needs an integer bound, got a {bound.domain} bound")
        return cast("int | None", self.bounded(value, key, path, bound, default=default))

    def bounded(self, value: Mapping, key: str, path: str, bound: Bound, *,
                default: Any = MISSING) -> int | float | None:
        """``value[key]`` checked against `bound`: an int for an integer bound, a float for a
        number bound, ``None`` (problem recorded) when missing or outside."""
        where = join(path, key)
        v = self._get(value, key, default)
        if v is MISSING:
            what = "an integer" if bound.domain == "integer" else "a number"
            self.add(where, f"missing required key (expected {what})")
            return None
        why = bound.problem(v)
        if why is not None:
            self.add(where, why)
            return None
        return v if bound.domain == "integer" else float(v)

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
    lo = None if minimum is None else f"{'>' if excl_min else '>='} {number_text(minimum)}"
    hi = None if maximum is None else f"{'<' if excl_max else '<='} {number_text(maximum)}"
    if lo and hi:
        return f" {lo} and {hi}"
    if lo:
        return f" {lo}"
    if hi:
        return f" {hi}"
    return ""
