"""Reading JSON input safely, with located errors; the one JSON rendering of output.

`parse_json` is the one way isaacsim reads JSON text from a user (files, ``--set`` values, trace
lines). Beyond the standard parser it refuses what would otherwise be silently accepted or crash
later: duplicate keys in an object (the last would silently win), nesting deeper than
`MAX_DEPTH` (no isaacsim input nests more than a few levels; very deep nesting exhausts the
parser's stack), integers of more than `MAX_INT_DIGITS` digits, and numbers that are not finite
(``NaN``, ``Infinity``, ``1e400``). Each becomes a `JsonError` naming the place, which the callers
turn into a located `InputError`.
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from isaacsim.errors import InputError, Problem

MAX_DEPTH = 64
"""Deepest nesting of objects and lists accepted (isaacsim's own formats use at most 6)."""
MAX_INT_DIGITS = 40
"""Longest integer accepted by the parser; every count has a much smaller range (input-ranges.md)."""


class JsonError(ValueError):
    """Malformed or unacceptable JSON: `place` (``line 3, column 7`` or a JSON path) and `message`."""

    def __init__(self, place: str, message: str, syntax: bool = False, token: str = ""):
        if len(place) > 80:
            place = place[:60] + "..."
        super().__init__(f"{place}: {message}" if place else message)
        self.place = place
        self.message = message
        self.syntax = syntax
        """True when the text is not JSON at all (as opposed to JSON that isaacsim refuses)."""
        self.token = token
        """The refused number as written, so that the parser's caller can locate it."""


class _Duplicated(dict):
    """An object in which some keys were given more than once (`keys` in order of repetition)."""

    duplicated: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    repeated = []
    for key, value in pairs:
        if key in out:
            repeated.append(key)
        out[key] = value
    if repeated:
        out = _Duplicated(out)
        out.duplicated = repeated
    return out


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise JsonError("", f"an integer of {digits} digits is far outside any accepted range",
                        token=text)
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonError("", f"the number {text[:40]} is too large to represent", token=text)
    return value


def _constant(text: str) -> Any:
    raise JsonError("", f"{text} is not a JSON number; give a finite number", token=text)


def _check_depth(value: Any) -> None:
    """Nesting depth, walked iteratively (no recursion); the JSON path is built only on the error
    path (`_path_to`)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            _refuse_node(value, node)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((v, depth + 1) for v in children if isinstance(v, (dict, list)))


def _refuse_node(root: Any, bad: Any) -> None:
    """Raise the `JsonError` of `bad`, a node of `root` nested too deep or with a repeated key."""
    path = _path_to(root, bad)
    if isinstance(bad, _Duplicated):
        key = bad.duplicated[0]
        raise JsonError(f"{path}.{key}", f"key '{key}' is given more than once in this object; "
                                         f"keep one")
    raise JsonError(path, f"nested more than {MAX_DEPTH} levels deep; isaacsim inputs nest only a "
                          f"few levels")


def _path_to(root: Any, target: Any) -> str:
    """The JSON path of the node `target` (by identity) inside `root`."""
    stack: list[tuple[Any, str]] = [(root, "$")]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}") for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node)
                         if isinstance(v, (dict, list)))
    return "$"


def _outside_strings(text: str) -> Iterator[tuple[int, str, int, int]]:
    """``(index, character, line, column)`` of every character outside JSON strings (error path
    only: a plain Python loop)."""
    in_string, escaped, line, start = False, False, 1, 0
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch == "\n":
            line, start = line + 1, i + 1
        else:
            yield i, ch, line, i - start + 1


def _where(text: str, token: str) -> str:
    """``line L, column C`` of the first `token` outside strings (a number the parser refused)."""
    for i, _, line, column in _outside_strings(text):
        if token and text.startswith(token, i):
            return f"line {line}, column {column}"
    return ""


def _too_deep(text: str) -> str:
    """``line L, column C`` of the first bracket nested deeper than `MAX_DEPTH`."""
    depth = 0
    for _, ch, line, column in _outside_strings(text):
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"line {line}, column {column}"
        elif ch in "]}":
            depth -= 1
    return ""


def parse_json(text: str) -> Any:
    """Parse JSON text strictly (see the module doc); raises `JsonError`."""
    repeated: list[_Duplicated] = []

    def pairs(items: list[tuple[str, Any]]) -> dict:
        out = _pairs(items)
        if isinstance(out, _Duplicated):
            repeated.append(out)
        return out

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_int=_integer,
                           parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise JsonError(f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}",
                        syntax=True) from None
    except JsonError as exc:
        raise JsonError(_where(text, exc.token), exc.message) from None
    except RecursionError:
        raise JsonError(_too_deep(text), f"nested more than {MAX_DEPTH} levels deep; isaacsim "
                                         f"inputs nest only a few levels") from None
    if repeated:
        _refuse_node(value, repeated[0])
    if text.count("[") + text.count("{") > MAX_DEPTH:   # else it cannot nest deeper: skip the walk
        _check_depth(value)
    return value


def input_problem(path: str | os.PathLike, what: str) -> str | None:
    """Why `path` cannot be read as a `what` (empty name, NUL, missing, a symbolic link loop, a
    folder, a named pipe or device), or None for a regular file. Never blocks, never raises."""
    text = os.fspath(path)
    if not text:
        return f"the {what} name is empty"
    if "\x00" in text:
        return f"the {what} name contains a NUL character"
    try:
        st = os.stat(text)
    except FileNotFoundError:
        return (f"{what} not found; check the path (relative paths are taken from the current "
                f"directory {os.getcwd()})")
    except OSError as exc:
        return f"cannot open the {what}: {exc.strerror or exc}"
    except ValueError as exc:
        return f"cannot open the {what}: {exc}"
    if stat.S_ISDIR(st.st_mode):
        return f"is a directory; expected a {what}"
    if not stat.S_ISREG(st.st_mode):
        return f"is not a regular file (a named pipe, socket or device); expected a {what}"
    return None


def read_input_text(path: str | os.PathLike, what: str, encoding: str = "utf-8") -> str:
    """The text of an input file; every way it cannot be read is an `InputError` naming the file
    and, for bytes that are not UTF-8, the line and column."""
    source = os.fspath(path) or f"(empty {what} name)"
    why = input_problem(path, what)
    if why is not None:
        raise InputError(Problem(source.replace("\x00", "\\0"), "", why))
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(Problem(source, "", f"cannot read the {what}: {exc.strerror}")) from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(Problem(source, f"line {line}, column {column}",
                                 f"not UTF-8 text (byte 0x{data[exc.start]:02x}: {exc.reason}); "
                                 f"save the {what} as UTF-8")) from None


def load_json(path: str | os.PathLike, what: str = "file") -> Any:
    """Parse a JSON file; an unreadable file or malformed JSON is an `InputError` with its place."""
    text = read_input_text(path, what)
    try:
        return parse_json(text)
    except JsonError as exc:
        raise InputError(Problem(os.fspath(path), exc.place, exc.message)) from None


def dumps(obj: Any) -> str:
    """The one JSON rendering used for machine-readable output (stable key order, 2-space indent)."""
    return json.dumps(obj, indent=2, sort_keys=False) + "\n"
