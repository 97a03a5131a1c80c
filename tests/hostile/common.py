"""Helpers shared by the case generators: commands per input, classes of values, case makers."""

from __future__ import annotations

import re
from typing import Any

from .model import (
    ARCH,
    MISSING,
    NET,
    SPEC,
    WL,
    Case,
    Pairs,
    Raw,
    dump,
    get,
    label,
    line_at,
    objects,
    path_re,
    replaced,
)

RUN_OUT = ("--out", "out")
SWEEP_OUT = ("--out", "sweep-out", "--jobs", "1")

COMMAND = {ARCH: ("arch", "--arch", ARCH), NET: ("map", WL), WL: ("map", WL),
           SPEC: ("sweep", SPEC) + SWEEP_OUT}
"""The command that reads each JSON input (the network through a workload)."""
KIND = {ARCH: "arch", NET: "network", WL: "workload", SPEC: "sweep"}

LINE = r"line \d+"
ANY_PLACE = r"\$|line \d+"


def word_class(value: Any) -> str:
    """The hostility class of a value put where one of a few words is expected."""
    if isinstance(value, str) or (isinstance(value, Raw) and value.label == "NUL"):
        return "wrong-value"
    return "wrong-type"


def value_class(value: Any) -> str:
    """The hostility class of a value put where a number is expected."""
    if isinstance(value, Raw):
        lab = value.label
        if "digits" in lab:
            return "huge-int"
        if lab.startswith("deep"):
            return "deep-nesting"
        if lab in ("3.0", "1.0") or lab.endswith(".0"):
            return "float-count"
        if lab == "NUL":
            return "wrong-value"
        return "extreme-number"
    if isinstance(value, bool):
        return "bool-number"
    if isinstance(value, str):
        return "string-number"
    if value is None or isinstance(value, (list, dict)):
        return "wrong-type"
    if isinstance(value, float) and value != int(value):
        return "float-count"
    if value <= 0:
        return "negative-zero"
    return "out-of-range"


def at_line(tree: Any, path) -> str:
    """A regex for ``line N`` with N the line of the value at `path` as `dump` writes it."""
    return rf"line {line_at(tree, path)}\b"


def tree_case(cid: str, cls: str, name: str, tree: Any, where: str | None, *,
              argv: tuple[str, ...] | None = None, who: str | None = None, note: str = "",
              kind: str | None = None, limit: float = 5.0) -> Case:
    """A case whose input `name` is the JSON `tree` (which may hold `Raw` and `Pairs`)."""
    return Case(id=cid, cls=cls, kind=kind or KIND[name], argv=argv or COMMAND[name],
                who=re.escape(name) if who is None else who, where=where,
                files=((name, lambda t=tree: dump(t)),), note=note, limit=limit)


def text_case(cid: str, cls: str, name: str, text, where: str | None, *, kind: str,
              argv: tuple[str, ...] | None = None, who: str | None = None, note: str = "",
              limit: float = 5.0) -> Case:
    """A case whose input `name` has the given content (text, bytes, DIR, MISSING, a callable)."""
    return Case(id=cid, cls=cls, kind=kind, argv=argv or COMMAND[name],
                who=re.escape(name) if who is None else who, where=where,
                files=((name, text),), note=note, limit=limit)


def leaf_cases(prefix: str, name: str, tree: Any, path, values, *, argv=None,
               where: str | None = None, cls=value_class) -> list[Case]:
    """One case per hostile value at `path` of `tree`; `cls` a class or a function of the value."""
    out = []
    for value, note in values:
        cid = f"{prefix}-{'.'.join(map(str, path))}-{label(value)}"
        klass = cls(value) if callable(cls) else cls
        # the JSON path, or the line of the value (where a parser refuses it)
        place = f"{where or path_re(path)}|{at_line(tree, path)}"
        out.append(tree_case(cid, klass, name, replaced(tree, path, value), place, argv=argv,
                             note=note))
    return out


def structure_cases(prefix: str, name: str, tree: Any, *, argv=None, skip=(),
                    free=()) -> list[Case]:
    """For every object of `tree`: an unknown key, a duplicated key (first and last), the object
    replaced by values of other types; for every key of it: the key removed (when required)."""
    out = []
    for opath in objects(tree):
        if any(opath[:len(s)] == s for s in skip):
            continue
        obj = get(tree, opath)
        sp = ".".join(map(str, opath)) or "$"
        if opath not in free:
            grown = replaced(tree, opath, {**obj, "zzz_unknown": 1})
            out.append(tree_case(f"{prefix}-unknown-key-{sp}", "unknown-key", name, grown,
                                 f"{path_re(opath)}|{at_line(grown, opath + ('zzz_unknown',))}",
                                 argv=argv))
        if obj:
            first, last = next(iter(obj)), list(obj)[-1]
            twice_first = Pairs([(first, obj[first])] + list(obj.items()))
            twice_last = Pairs(list(obj.items()) + [(last, obj[last])])
            out.append(tree_case(f"{prefix}-duplicate-key-{sp}.{first}", "duplicate-key", name,
                                 replaced(tree, opath, twice_first),
                                 f"{path_re(opath + (first,))}|{LINE}", argv=argv))
            out.append(tree_case(f"{prefix}-duplicate-key-{sp}.{last}-at-end", "duplicate-key",
                                 name, replaced(tree, opath, twice_last),
                                 f"{path_re(opath + (last,))}|{LINE}", argv=argv))
        if opath:
            for value in ([], "x", 1, True):
                out.append(tree_case(f"{prefix}-object-as-{label(value)}-{sp}", "wrong-type",
                                     name, replaced(tree, opath, value),
                                     f"{path_re(opath)}|{at_line(tree, opath)}", argv=argv))
    return out


def missing_cases(prefix: str, name: str, tree: Any, paths, *, argv=None) -> list[Case]:
    """Each required key removed; the place is its object (or the key itself)."""
    return [tree_case(f"{prefix}-missing-{'.'.join(map(str, p))}", "missing-key", name,
                      replaced(tree, p, MISSING), f"{path_re(p[:-1])}|'{re.escape(str(p[-1]))}'",
                      argv=argv) for p in paths]
