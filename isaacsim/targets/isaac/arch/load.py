"""`load_arch`: built-in names and files, `base` + `set` files, `--set` overrides, validation.

Every problem is reported at once. A problem in a value that an override set is reported against that
override (``--set ima.adc.bits=banana`` or ``my.json: $.set["ima.adc.bits"]``), so the user is pointed
at what they typed, not at the built-in file underneath.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isaacsim import overrides
from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import input_problem, load_json
from isaacsim.targets.isaac.arch import build, schema
from isaacsim.targets.isaac.arch.model import Architecture
from isaacsim.validate import Checker, describe, did_you_mean, is_version, short_json

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BASE_KEYS = {"format_version", "base", "set", "name", "description"}
MAX_BASE_DEPTH = 8


@dataclass(frozen=True)
class _Override:
    key: str
    value: Any
    source: str
    place: str


def builtin_names() -> list[str]:
    """Names of the built-in architectures (``isaacsim/targets/isaac/data/<name>.json``)."""
    return sorted(p.stem for p in DATA_DIR.glob("*.json"))


def load_arch(name_or_file: str = "isaac-ce", sets: dict[str, Any] | None = None) -> Architecture:
    """Load, validate and build an architecture.

    `name_or_file` is a built-in name (``isaac-ce``) or a path to a JSON file that is either complete
    (with ``format_version``) or ``{"format_version": 1, "base": NAME_OR_FILE, "set": {dotted: value}}``.
    `sets` are dotted overrides applied last (parsed by `isaacsim.overrides.parse_sets`).
    Raises `InputError` listing every problem.
    """
    problems: list[Problem] = []
    tree, source, layered = _resolve(str(name_or_file), None, (), problems)
    for key, value in (sets or {}).items():
        layered.append(_Override(key, value, f"--set {key}={short_json(value)}", ""))
    valid = []
    for ov in layered:
        why = schema.check_set_key(ov.key)
        if why is None:
            valid.append(ov)
        else:
            problems.append(Problem(ov.source, ov.place, why))
    tree = overrides.apply(tree, {ov.key: ov.value for ov in valid})
    chk = Checker(source)
    values = schema.check_tree(tree, chk)
    problems += [_attribute(p, valid) for p in chk.problems]
    for rule in schema.check_rules(values):
        problems.append(_attribute(Problem(source, rule.place, rule.message), valid, rule.keys))
    if problems:
        raise InputError(problems)
    return build.architecture(values, tree)


def _attribute(problem: Problem, layered: list[_Override], keys: tuple[str, ...] = ()) -> Problem:
    """Re-source a problem to the last override that set one of `keys` (default: the dotted key
    of its place, ``$.a.b.c`` -> ``a.b.c``), so it points at what the user typed."""
    if not keys and problem.place.startswith("$."):
        keys = (problem.place[2:],)
    for ov in reversed(layered):
        if ov.key in keys:
            return Problem(ov.source, ov.place, problem.message)
    return problem


def _locate(name_or_file: str, relative_to: Path | None,
            referrer: Problem | None) -> tuple[Path, str]:
    """The file to read and how to name it in messages. `referrer` (source and place, no message)
    is the `base` key that named it, where a missing base is reported."""
    plain = "/" not in name_or_file and "\\" not in name_or_file and not name_or_file.endswith(".json")
    if plain and name_or_file in builtin_names():
        return DATA_DIR / f"{name_or_file}.json", f"{name_or_file} (built-in)"
    path = Path(name_or_file)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if not path.exists() and (plain or referrer is not None):
        names = builtin_names()
        hint = did_you_mean(name_or_file, names) if plain else ""
        where = referrer or Problem(name_or_file, "", "")
        tail = ("a base file is looked for relative to the file naming it" if referrer
                else "or give a path to a JSON file")
        raise InputError(Problem(where.source, where.place,
                                 f"no built-in architecture or file named '{name_or_file}'{hint}; "
                                 f"built-in: {', '.join(names)}; {tail}"))
    why = input_problem(path, "architecture file")
    if why is not None:
        where = referrer or Problem(str(path).replace("\x00", "\\0") or "--arch", "", "")
        named = f"'{name_or_file}': " if referrer is not None else ""
        raise InputError(Problem(where.source, where.place, named + why))
    return path, str(path)


def _resolve(name_or_file: str, relative_to: Path | None, seen: tuple[Path, ...],
             problems: list[Problem], referrer: Problem | None = None,
             ) -> tuple[dict[str, Any], str, list[_Override]]:
    """(complete tree, source of that tree, overrides from base-form files in order of application).

    Problems that do not stop the loading are appended to `problems`; the others raise at once.
    """
    try:
        path, source = _locate(name_or_file, relative_to, referrer)
    except InputError as exc:
        raise InputError(problems + exc.problems) from None
    if path.resolve() in seen or len(seen) >= MAX_BASE_DEPTH:
        chain = " -> ".join(str(p) for p in (*seen, path.resolve()))
        raise InputError(problems + [Problem(source, "$.base", f"architecture bases form a loop or "
                                                               f"are nested more than "
                                                               f"{MAX_BASE_DEPTH} deep: {chain}")])
    raw = load_json(path, "architecture file")
    chk = Checker(source)
    if not chk.obj(raw, "$") or not _version_ok(raw, chk):
        raise InputError(problems + chk.problems)
    if "base" not in raw:
        problems += chk.problems
        tree = dict(raw)
        tree.setdefault("name", path.stem)
        return tree, source, []
    chk.keys(raw, "$", allowed=BASE_KEYS, required={"base"})
    base = chk.string(raw, "base", "$")
    sets = raw.get("set", {})
    if not chk.obj(sets, "$.set"):
        sets = {}
    problems += chk.problems
    if base is None:
        raise InputError(problems)
    tree, base_source, layered = _resolve(base, path.parent, (*seen, path.resolve()), problems,
                                          Problem(source, "$.base", ""))
    layered.append(_Override("name", raw.get("name", path.stem), source, "$.name"))
    if "description" in raw:
        layered.append(_Override("description", raw["description"], source, "$.description"))
    layered += [_Override(k, v, source, f"$.set[{json.dumps(k)}]") for k, v in sets.items()]
    return tree, base_source, layered


def _version_ok(raw: dict[str, Any], chk: Checker) -> bool:
    """Missing: reported with the rest (True). Wrong: reported alone (False), since the rest of a
    file in another format may mean something else."""
    if "format_version" not in raw:
        chk.add("$.format_version", f"missing required key (expected {schema.FORMAT_VERSION}, "
                                    f"the architecture file format this isaacsim reads)")
        return True
    version = raw["format_version"]
    if not is_version(version, schema.FORMAT_VERSION):
        chk.add("$.format_version", f"expected {schema.FORMAT_VERSION} (the architecture file format "
                                    f"this isaacsim reads), got {describe(version)}")
        return False
    return True
