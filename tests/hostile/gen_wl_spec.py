"""Cases for workload files, sweep specs and `--set` overrides (into an architecture and into a
workload)."""

from __future__ import annotations

import re

from . import values as V
from .common import (
    LINE,
    RUN_OUT,
    at_line,
    leaf_cases,
    missing_cases,
    structure_cases,
    tree_case,
    value_class,
    word_class,
)
from .gen_json import arch_leaf_paths, arch_values, malformed_cases
from .model import ARCH, CSV, DIR, JSONL, NET, SPEC, WL, Case, base_trees, label, leaves, path_re, replaced

RUN = ("run", WL) + RUN_OUT
UNSAFE_NAMES = ["", ".", "..", "../../hostile-escaped", "../../../hostile-escaped",
                "/hostile-abs-escape", "a\u0000b", "a\nb", " ", "x" * 300, "-rf"]
FRACTIONS = [(v, "") for v in V.EXTREME + [True, None, [], {}, "", 0, -0.25, 0.5, 1, 2, "1/0",
                                            "0/0", "abc", "1/2", "-1/8", "1/8/2", "0.5"]] \
    + [(V.raw("1e-308"), V.TINY), ("1/" + "9" * 5000, V.TINY)]


def workload_values(path):
    key = path[-1]
    if key in ("weight_bits", "activation_bits"):
        return V.bits(1, 16), value_class
    if path[:2] == ("precision", "exponents"):
        return [(v, "") for v in V.EXTREME + V.WRONG_TYPE + [65, -65, 2.5]], value_class
    if key == "chips":
        return [(v, n) for v, n in V.COUNT if v is not None], value_class
    if key == "images":
        return [(v, n) for v, n in V.COUNT if v is not None] + [(21, "")], value_class
    if key in ("seed", "arrival_interval_cycles"):
        return V.INT0, value_class
    if key == "baseline":
        return V.BOOL, word_class
    if key == "fraction":
        return FRACTIONS, value_class
    return V.ENUM, word_class


def workload_cases() -> list:
    tree = base_trees()[WL]
    out = malformed_cases(WL)
    for path, _ in leaves(tree):
        if path[0] in ("format_version", "name", "description", "network", "arch", "trace"):
            continue
        vals, cls = workload_values(path)
        argv = RUN if path[0] == "run" else None
        for c in leaf_cases("workload-leaf", WL, tree, path, vals, argv=argv, cls=cls):
            out.append(c if c.id != "workload-leaf-run.images-21" else
                       _with(c, cls="images-beyond", who=f"{re.escape(WL)}|{re.escape(CSV)}",
                             where=r"run\.images|--images"))
    for name in UNSAFE_NAMES + [1, None, []]:
        cls = "unsafe-name" if isinstance(name, str) else "wrong-type"
        out += leaf_cases("workload-name", WL, tree, ("name",), [(name, "")],
                          argv=("run", WL), cls=cls)
    for stem in (".", ".."):  # no name: the file's stem names the results folder
        nameless = {k: v for k, v in tree.items() if k != "name"}
        out.append(tree_case(f"workload-stem-{label(stem)}", "unsafe-name", f"{stem}.json",
                             nameless, None, argv=("run", f"{stem}.json"), kind="workload"))
    out += leaf_cases("workload-description", WL, tree, ("description",),
                      [(v, "") for v in (1, None, [], V.DEEP_VALUE)], cls=value_class)
    files = [("", "wrong-value"), ("nosuch-hostile", "missing-file"),
             ("nosuch-hostile.json", "missing-file"),
             ("/nonexistent-hostile/x.json", "missing-file"),
             ("sub-dir", "dir-for-file"), (1, "wrong-type"), (None, "wrong-type"),
             ([], "wrong-type"), ({}, "wrong-type")]
    for key, argv in (("network", None), ("arch", None), ("trace", RUN)):
        for value, cls in files:
            if key == "trace" and value is None:
                continue  # no trace is valid
            case = leaf_cases(f"workload-{key}", WL, tree, (key,), [(value, "")], argv=argv,
                              cls=cls, where=path_re((key,)))[0]
            if isinstance(value, str) and value:
                case = _with(case, who=f"{re.escape(WL)}|{re.escape(value)}")
            if value == "sub-dir":
                case = _with(case, files=case.files + (("sub-dir", DIR),))
            out.append(case)
    not_json = [("network", CSV, "trace-as-network"), ("arch", CSV, "trace-as-arch"),
                ("trace", ARCH, "arch-as-trace"), ("trace", SPEC, "spec-as-trace"),
                ("network", WL, "workload-as-network"), ("arch", NET, "network-as-arch")]
    for key, target, sub in not_json:
        out.append(tree_case(f"workload-{sub}", "wrong-value", WL, replaced(tree, (key,), target),
                             rf"{LINE}|\$", argv=RUN if key == "trace" else None,
                             who=re.escape(target)))
    for sub, value, where in (
            ("arch-object-no-base", {"set": {}}, path_re(("arch",))),
            ("arch-object-unknown-key", {"base": "isaac-ce", "sets": {}}, path_re(("arch",))),
            ("arch-object-set-list", {"base": "isaac-ce", "set": []}, path_re(("arch", "set"))),
            ("arch-object-base-number", {"base": 5, "set": {}}, path_re(("arch", "base"))),
            ("arch-object-set-unknown", {"base": "isaac-ce", "set": {"nope.x": 1}},
             path_re(("arch", "set", "nope.x"))),
            ("arch-object-base-missing-file", {"base": "nosuch-hostile.json", "set": {}},
             path_re(("arch", "base")))):
        out.append(tree_case(f"workload-{sub}", "wrong-value", WL, replaced(tree, ("arch",), value),
                             where))
    for path in arch_leaf_paths()[1::4]:
        key = ".".join(path)
        obj = {"base": ARCH, "set": {key: 1}}
        for value in (V.raw("1e308"), V.raw("NaN"), V.HUGE, -1, "8", [], V.DEEP_VALUE):
            out += leaf_cases("workload-arch-set", WL, replaced(tree, ("arch",), obj),
                              ("arch", "set", key), [(value, "")])
    for sub, layers, where in (
            ("unknown-layer", {"nosuch": {"weight_bits": 8}}, "nosuch"),
            ("pool-weight-bits", {"pool1": {"weight_bits": 8}}, "pool1"),
            ("layers-list", [], r"layers"),
            ("layer-not-object", {"conv1": 8}, "conv1"),
            ("layer-unknown-key", {"conv1": {"weight_bitz": 8}}, "conv1")):
        out.append(tree_case(f"workload-precision-{sub}", "wrong-value", WL,
                             replaced(tree, ("precision", "layers"), layers),
                             path_re(("precision", "layers")) + f"|{where}"))
    out += structure_cases("workload", WL, tree)
    out += missing_cases("workload", WL, tree, [("format_version",), ("network",)])
    return out


def _with(case: Case, **changes) -> Case:
    from dataclasses import replace
    return replace(case, **changes)


# --- sweep specs -------------------------------------------------------------------------------

def sweep_cases() -> list:
    tree = base_trees()[SPEC]
    out = malformed_cases(SPEC)
    spec_images = [(v, n) for v, n in V.COUNT if v is not None]
    out += leaf_cases("sweep-leaf", SPEC, tree, ("images",), spec_images)
    out.append(_with(leaf_cases("sweep-leaf", SPEC, tree, ("images",), [(21, "")])[0],
                     cls="images-beyond", who=f"{re.escape(SPEC)}|{re.escape(CSV)}",
                     where=r"images|--images"))
    null_noted = [(v, V.NULL_DEFAULT if v is None else n) for v, n in V.ENUM]
    out += leaf_cases("sweep-leaf", SPEC, tree, ("mode",), null_noted, cls=word_class)
    null_noted = [(v, V.NULL_DEFAULT if v is None else n) for v, n in V.BOOL]
    out += leaf_cases("sweep-leaf", SPEC, tree, ("baseline",), null_noted, cls=word_class)
    out += leaf_cases("sweep-leaf", SPEC, tree, ("description",),
                      [(v, "") for v in (1, None, [], V.DEEP_VALUE)])
    for name in UNSAFE_NAMES + [1, None, []]:
        cls = "unsafe-name" if isinstance(name, str) else "wrong-type"
        out += leaf_cases("sweep-name", SPEC, tree, ("name",), [(name, "")],
                          argv=("sweep", SPEC, "--jobs", "1"), cls=cls)
    for value, cls, who, where in (
            ("", "wrong-value", SPEC, "workload"), ("nosuch-hostile.json", "missing-file", SPEC,
                                                    "workload"),
            ("sub-dir", "dir-for-file", SPEC, "workload"), (1, "wrong-type", SPEC, "workload"),
            (None, "wrong-type", SPEC, "workload"), ([], "wrong-type", SPEC, "workload"),
            (SPEC, "wrong-value", SPEC, r"workload|\$"), (CSV, "wrong-value", CSV, LINE),
            (JSONL, "wrong-value", JSONL, LINE), (NET, "wrong-value", NET, r"\$|workload")):
        case = leaf_cases("sweep-workload", SPEC, tree, ("workload",), [(value, "")], cls=cls,
                          where=where)[0]
        if value == "sub-dir":
            case = _with(case, files=case.files + (("sub-dir", DIR),))
        out.append(_with(case, who=re.escape(who)))
    key = "precision.weight_bits"
    grid_values = [([], "wrong-value"), (16, "wrong-type"), ({}, "wrong-type"),
                   (None, "wrong-type"),
                   ([V.raw("NaN")], "extreme-number"), ([V.raw("1e308")], "extreme-number"),
                   ([V.raw("1e400")], "extreme-number"), ([V.HUGE], "huge-int"),
                   ([17], "bits-range"), ([-1], "bits-range"), ([2.5], "float-count"),
                   ([[16]], "wrong-type"), ([{}], "wrong-type"), ([V.DEEP_VALUE], "deep-nesting"),
                   ([16, 16], "wrong-value"), (["8"], "string-number"), ([True], "bool-number")]
    for value, cls in grid_values:
        out += leaf_cases("sweep-grid", SPEC, tree, ("grid", key), [(value, "")], cls=cls,
                          where=rf"{re.escape(key)}|\$\.grid")
    out.append(tree_case("sweep-grid-empty", "wrong-value", SPEC, replaced(tree, ("grid",), {}),
                         r"\$\.grid", note=V.EMPTY_GRID))
    for sub, grid, where in (
            ("list", [], r"\$\.grid"), ("string", "x", r"\$\.grid"),
            ("unknown-key", {"precision.nope": [1]}, r"precision\.nope"),
            ("empty-key", {"": [1]}, r"\$\.grid"),
            ("arch-1e308", {"arch.ima.arrays": [V.raw("1e308")]}, r"ima\.arrays"),
            ("arch-set-deep", {"arch.ima.arrays": V.DEEP_VALUE}, r"ima\.arrays|\$\.grid|" + LINE),
            ("trace-missing", {"trace": ["nosuch-hostile.csv"]}, r"trace|nosuch-hostile"),
            ("network-missing", {"network": ["nosuch-hostile.json"]}, r"network|nosuch-hostile"),
            ("images-0", {"run.images": [0]}, r"run\.images"),
            ("fraction-half", {"crop.fraction": [0.5]}, r"crop\.fraction")):
        out.append(tree_case(f"sweep-grid-{sub}", "wrong-value", SPEC,
                             replaced(tree, ("grid",), grid), where))
    for sub, points, where in (
            ("not-list", {"a": {}}, r"\$\.points"), ("empty", [], r"\$\.points"),
            ("entry-number", [1], r"\$\.points\[0\]"), ("entry-string", ["x"], r"\$\.points\[0\]"),
            ("duplicate", [{"crop.fraction": 0.125}, {"crop.fraction": 0.125}],
             r"\$\.points\[1\]|\$\.points"),
            ("sets-grid-key", [{key: 8}], r"\$\.points\[0\]|" + re.escape(key)),
            ("unknown-key", [{"zzz": 1}], r"zzz"),
            ("nan", [{"crop.fraction": V.raw("NaN")}], r"\$\.points\[0\]|crop\.fraction"),
            ("deep", [{"crop.fraction": V.DEEP_VALUE}], r"\$\.points\[0\]|crop\.fraction|" + LINE),
            ("bits-17", [{"precision.activation_bits": 17}], r"activation_bits")):
        spec = {**tree, "points": points}
        if isinstance(points, list) and points and isinstance(points[0], dict) and points[0]:
            where += "|" + at_line(spec, ("points", 0, next(iter(points[0]))))
        out.append(tree_case(f"sweep-points-{sub}", "wrong-value", SPEC, spec, where))
    out.append(tree_case("sweep-no-grid-no-points", "missing-key", SPEC,
                         {k: v for k, v in tree.items() if k != "grid"}, r"grid|points|\$"))
    out += structure_cases("sweep", SPEC, tree)
    out += missing_cases("sweep", SPEC, tree, [("format_version",), ("workload",)])
    return out


# --- --set overrides ---------------------------------------------------------------------------

def _set_label(text: str) -> str:
    if len(text) > 40:
        if text.startswith(("[", "{")):
            return "deep100000"
        if text.lstrip("-").isdigit():
            return ("-" if text[0] == "-" else "") + f"int{len(text.lstrip('-'))}digits"
        return f"text{len(text)}"
    return label(text)[4:] if text else "empty"


def _set_class(text: str) -> str:
    if text.startswith(("[[", "{\"")):
        return "deep-nesting"
    if text.lstrip("-").isdigit() and len(text) > 40:
        return "huge-int"
    if text in ("1e308", "-1e308", "1e400", "NaN", "Infinity", "-Infinity", "1e-308"):
        return "extreme-number"
    return {"true": "bool-number", "null": "wrong-type", "[]": "wrong-type", "{}": "wrong-type",
            "2.5": "float-count", "-1": "negative-zero", "0": "negative-zero"}.get(text,
                                                                                  "string-number")


def _set_texts(values) -> list[str]:
    """The --set texts that are invalid for a field of this kind of values."""
    valid_floats = values in (V.POSITIVE, V.NONNEG)
    out = [t for t in V.SET_EXTREME if not (t == "2.5" and valid_floats)]
    if values is V.BOOL:
        out = [t for t in out if t not in ("true",)]
    if values in (V.COUNT, V.POSITIVE):
        out.append("0")
    if values is V.POSITIVE:
        out.append("1e-308")
    return out


def set_cases() -> list:
    out = []
    for path in arch_leaf_paths():
        key = ".".join(path)
        for text in _set_texts(arch_values(path)):
            out.append(Case(id=f"arch-set-{key}-{_set_label(text)}", cls=_set_class(text),
                            kind="set", argv=("arch", "--set", f"{key}={text}"), who="--set",
                            where=re.escape(key), limit=2.0))
        if path[-1] in ("arrays", "tiles", "bits"):
            for text in (V.SET_DEEP, '{"a": ' * 100_000 + "1" + "}" * 100_000):
                shape = "deep-list" if text[0] == "[" else "deep-obj"
                out.append(Case(id=f"arch-set-{key}-{shape}",
                                cls="deep-nesting", kind="set",
                                argv=("arch", "--set", f"{key}={text}"), who="--set",
                                where=re.escape(key), limit=2.0))
    tree = base_trees()[WL]
    for path, _ in leaves(tree):
        if path[0] in ("format_version", "name", "description", "network", "arch", "trace"):
            continue
        key = ".".join(path)
        vals, _ = workload_values(path)
        base = RUN if path[0] == "run" else ("map", WL)
        texts = [t for t in V.SET_EXTREME if not (key == "crop.fraction" and t == "2.5")]
        texts = [t for t in texts if not (t == "null" and key in ("mapping.chips", "run.images"))]
        texts = [t for t in texts if not (t == "true" and key == "run.baseline")]
        texts = [t for t in texts if not (t == "-1" and "exponents" in key)]
        for text in texts + [V.SET_DEEP]:
            out.append(Case(id=f"workload-set-{key}-{_set_label(text)}", cls=_set_class(text),
                            kind="set", argv=base + ("--set", f"{key}={text}"),
                            who="--set", where=re.escape(key)))
    bad_items = [
        ("arch", "ima.arrays"), ("arch", "=8"), ("arch", "nosuch=1"), ("arch", "ima=1"),
        ("arch", "ima.adc.bits.x=1"), ("arch", "ima..arrays=8"), ("arch", ".=1"),
        ("arch", "ima.arr\x00ays=8"), ("arch", "chip.tiles=1e308"),
        ("map", "precision.weight_bits"), ("map", "=8"), ("map", "precision..weight_bits=8"),
        ("map", "precision.weight_bits.x=8"), ("map", "nosuch=1"), ("map", "precision.nosuch=1"),
        ("map", ".=1"), ("map", "precision.layers.nosuch.weight_bits=8"), ("map", "arch.nosuch=1"),
        ("map", "arch.=1"), ("map", f"arch={V.SET_DEEP}"), ("map", f"precision={V.SET_DEEP}"),
        ("map", "run=[]"), ("map", "precision=7"), ("map", "arch=nosuch-hostile.json"),
        ("map", "network=nosuch-hostile.json"), ("map", "format_version=2"),
        ("map", "precision.weight\x00_bits=8"), ("map", "arch.chip.tiles=1e308")]
    for i, (cmd, item) in enumerate(bad_items):
        argv = ("arch", "--set", item) if cmd == "arch" else ("map", WL, "--set", item)
        key = item.split("=", 1)[0]
        where = re.escape(key) if key.strip(".") else "--set"
        out.append(Case(id=f"{cmd}-set-item-{i:02d}-{_set_label(item)[:30]}", cls="set-syntax",
                        kind="set", argv=argv, who="--set", where=where,
                        limit=2.0 if cmd == "arch" else 5.0))
    return out
