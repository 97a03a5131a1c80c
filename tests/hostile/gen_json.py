"""Cases for the JSON inputs as files: malformed JSON of every sort (for every JSON input), and
every leaf and object of the architecture and the network mutated."""

from __future__ import annotations

import random
import re

from . import values as V
from .common import (
    ANY_PLACE,
    KIND,
    LINE,
    RUN_OUT,
    leaf_cases,
    missing_cases,
    structure_cases,
    text_case,
    tree_case,
    value_class,
    word_class,
)
from .model import (
    ARCH,
    CSV,
    DEEP,
    DIR,
    MISSING,
    NET,
    WL,
    Pairs,
    base_texts,
    base_trees,
    deep_list,
    deep_object,
    leaves,
    path_re,
    replaced,
)


def malformed_cases(name: str, *, argv=None, prefix: str | None = None, who: str | None = None,
                    missing_where: str | None = None) -> list:
    """Broken JSON text, wrong top-level values, odd encodings, deep nesting, empty, missing and
    directory, for the JSON input `name` read by `argv`."""
    text = base_texts()[name]
    kind = KIND[name]
    pre = prefix or f"{kind}-json"
    raw = text.encode("utf-8")
    at = raw.index(b'"', raw.index(b'"name"') + 6) + 1  # inside the name's string value
    garbage = random.Random(f"{name}-garbage").randbytes(4096)
    half = len(text) // 2

    def mk(sub, cls, content, where, note=""):
        return text_case(f"{pre}-{sub}", cls, name, content, where, kind=kind, argv=argv,
                         who=who, note=note)

    out = [mk("truncated-1", "malformed-json", text[:1], LINE),
           mk("truncated-half", "malformed-json", text[:half], LINE),
           mk("truncated-end", "malformed-json", text.rstrip()[:-1], LINE),
           mk("trailing-comma-object", "malformed-json", text.rstrip()[:-1].rstrip() + ",\n}\n",
              LINE),
           mk("trailing-comma-inner", "malformed-json", re.sub(r"(\S)(\s*)\}", r"\1,\2}", text,
                                                                count=1), LINE),
           mk("two-documents", "malformed-json", text + text, LINE),
           mk("comment", "malformed-json", "// a comment\n" + text, LINE),
           mk("single-quotes", "malformed-json", text.replace('"', "'"), LINE),
           mk("nul-byte", "malformed-json", text[:half] + "\x00" + text[half:], LINE),
           mk("top-empty-list", "malformed-json", "[]\n", ANY_PLACE),
           mk("top-wrapped-list", "malformed-json", "[" + text + "]", ANY_PLACE),
           mk("top-string", "malformed-json", '"hostile"\n', ANY_PLACE),
           mk("top-number", "malformed-json", "42\n", ANY_PLACE),
           mk("top-null", "malformed-json", "null\n", ANY_PLACE),
           mk("top-true", "malformed-json", "true\n", ANY_PLACE),
           mk("top-empty-object", "missing-key", "{}\n", ANY_PLACE + "|format_version"),
           mk("bom", "malformed-json", b"\xef\xbb\xbf" + raw, ANY_PLACE + "|BOM|byte.order",
              note=V.BOM),
           mk("invalid-utf8", "malformed-json", raw[:at] + b"\xff\xfe" + raw[at:], ANY_PLACE,
              note=V.BYTE_PLACE),
           mk("latin1", "malformed-json", raw[:at] + "caf\xe9".encode("latin-1") + raw[at:],
              ANY_PLACE, note=V.BYTE_PLACE),
           mk("utf16", "malformed-json", text.encode("utf-16"), ANY_PLACE, note=V.BYTE_PLACE),
           mk("binary-garbage", "malformed-json", garbage, ANY_PLACE, note=V.BYTE_PLACE),
           mk("deep-list", "deep-nesting", lambda: deep_list(), ANY_PLACE),
           mk("deep-object", "deep-nesting", lambda: deep_object(), ANY_PLACE),
           mk("deep-unclosed", "deep-nesting", lambda: "[" * DEEP, ANY_PLACE),
           mk("deep-65", "deep-nesting", lambda: deep_list(65), ANY_PLACE),
           mk("empty", "empty-file", "", None),
           mk("whitespace", "empty-file", " \n\t\n", None),
           mk("missing", "missing-file", MISSING, missing_where),
           mk("directory", "dir-for-file", DIR, missing_where)]
    tree = base_trees()[name]
    for key in ("name", "description"):
        if key in tree:
            out.append(tree_case(f"{pre}-deep-in-{key}", "deep-nesting", name,
                                 replaced(tree, (key,), V.DEEP_VALUE), path_re((key,)) + "|" + LINE,
                                 argv=argv, who=who))
    items = list(tree.items())
    for sub, pairs in (("first-2", [("format_version", 2)] + items),
                       ("last-2", items + [("format_version", 2)]),
                       ("twice-1", [("format_version", 1)] + items)):
        out.append(tree_case(f"{pre}-duplicate-format_version-{sub}", "duplicate-key", name,
                             Pairs(pairs), path_re(("format_version",)), argv=argv, who=who))
    for value, note in V.FORMAT_VERSION:
        out += leaf_cases(f"{pre}-format_version", name, tree, ("format_version",),
                          [(value, note)], argv=argv, cls="format-version")
    return out


# --- architecture ------------------------------------------------------------------------------

def arch_values(path):
    key = path[-1]
    if key.endswith(("_mw", "_mm2")) or key in ("hop_ns", "latency_ns"):
        return V.NONNEG
    if key.endswith("_cycles"):
        return V.INT0
    if key in ("cycle_ns", "clock_ghz", "link_gbytes_per_s") or key.endswith(("gsamples_per_s",
                                                                             "gops_per_s")):
        return V.POSITIVE
    if key == "static_fraction":
        return V.UNIT
    if key == "flip_encoding":
        return V.BOOL
    if path == ("ima", "adc", "bits"):
        return V.ADC_BITS
    if key in ("input_bits", "weight_bits"):
        return V.bits(1, 32)
    if key in ("cell_bits", "bits"):
        return V.bits(1, 8)
    return V.COUNT


def arch_leaf_paths():
    return [p for p, _ in leaves(base_trees()[ARCH])
            if p[0] not in ("format_version", "name", "description")]


def arch_cases() -> list:
    tree = base_trees()[ARCH]
    out = malformed_cases(ARCH)
    for path in arch_leaf_paths():
        out += leaf_cases("arch-leaf", ARCH, tree, path, arch_values(path))
    out += structure_cases("arch", ARCH, tree)
    out += missing_cases("arch", ARCH, tree, [p for p in arch_leaf_paths()] +
                         [("format_version",), ("ima",), ("ima", "xbar"), ("chip", "ht")])
    # the base form: {"base": ..., "set": {...}}
    based = {"format_version": 1, "base": "isaac-ce", "name": "hostile-based", "set": {}}
    for path in arch_leaf_paths()[::3]:
        key = ".".join(path)
        for value in (V.raw("1e308"), V.raw("NaN"), V.HUGE, -1, "8", [], V.DEEP_VALUE):
            out += leaf_cases("arch-base-set", ARCH, {**based, "set": {key: 1}},
                              ("set", key), [(value, "")])
    for sub, tree2, where in (
            ("base-missing-file", {**based, "base": "nosuch-hostile.json"}, path_re(("base",))),
            ("base-self", {**based, "base": ARCH}, path_re(("base",))),
            ("base-directory", {**based, "base": "."}, path_re(("base",))),
            ("base-number", {**based, "base": 7}, path_re(("base",))),
            ("base-null", {**based, "base": None}, path_re(("base",))),
            ("base-and-complete", {**tree, "base": "isaac-ce"}, r"\$"),
            ("set-list", {**based, "set": [["chip.tiles", 84]]}, path_re(("set",))),
            ("set-unknown-key", {**based, "set": {"adc.bits": 9}}, path_re(("set", "adc.bits"))),
            ("set-section", {**based, "set": {"ima": 9}}, path_re(("set", "ima"))),
            ("set-into-value", {**based, "set": {"ima.adc.bits.x": 9}},
             path_re(("set", "ima.adc.bits.x"))),
            ("set-empty-key", {**based, "set": {"": 9}}, r"\$\.set")):
        out.append(tree_case(f"arch-{sub}", "wrong-value", ARCH, tree2, where))
    # rules across values
    for sub, changes, where in (
            ("tiles-not-multiple", {("chip", "tiles"): 83}, r"chip\.tiles|\$\.chip\.tiles"),
            ("ports-too-few", {("mesh", "ports"): 2}, r"mesh\.ports|\$\.mesh\.ports"),
            ("auto-adc-out-of-table", {("ima", "xbar", "rows"): 4096},
             r"ima\.(adc\.bits|xbar\.rows)|\$\.ima"),
            ("all-power-zero", None, r"power_mw")):
        t = tree
        if changes is None:
            for path in arch_leaf_paths():
                if path[-1] == "power_mw":
                    t = replaced(t, path, 0)
        else:
            for path, value in changes.items():
                t = replaced(t, path, value)
        out.append(tree_case(f"arch-rule-{sub}", "impossible-shape", ARCH, t, where))
    return out


# --- network -----------------------------------------------------------------------------------

VIA = {"crop": ("crop", "--network", NET, "--crop", "1111"),
       "validate": ("traces", "validate", CSV, "--network", NET),
       "run": ("run", WL) + RUN_OUT}
VIA_LABELS = {"crop": {"1e308", "NaN", "int5000digits", "0", "true", "2.5"},
              "validate": {"-1", "1e400", "str-8", "null"},
              "run": {"-Infinity", "[]", "3.0"}}


def network_cases() -> list:
    tree = base_trees()[NET]
    net_where = r"\$\.network|'?hostile-net"
    out = malformed_cases(NET, who=f"{re.escape(NET)}", missing_where=net_where)
    out += malformed_cases(NET, argv=VIA["crop"], prefix="network-crop-json")[:12]
    for path, value in leaves(tree):
        if path[0] in ("format_version", "name", "source"):
            continue
        key = path[-1]
        if key == "padding":
            vals = V.INT0
        elif key in ("name", "kind", "activation"):
            vals = V.ENUM + ([("input", ""), ("has space", ""), ("a/b", ""), ("1conv", "")]
                             if key == "name" else [("Conv" if key == "kind" else "ReLU", "")])
            if key == "name":  # "nope" is a fine layer name
                vals = [(v, n) for v, n in vals if v != "nope"]
            vals = list({_label(v): (v, n) for v, n in vals}.values())
        else:
            vals = V.COUNT
        cls = word_class if key in ("name", "kind", "activation") else value_class
        out += leaf_cases("network-leaf", NET, tree, path, vals, cls=cls)
        for via, labels in VIA_LABELS.items():
            picked = [(v, n) for v, n in vals if _label(v) in labels]
            out += [_renamed(c, f"network-{via}-leaf") for c in
                    leaf_cases("network-leaf", NET, tree, path, picked, argv=VIA[via], cls=cls)]
    out += structure_cases("network", NET, tree)
    out += missing_cases("network", NET, tree, [("format_version",), ("name",), ("input",),
                                                 ("layers",), ("input", "height"),
                                                 ("layers", 0, "name"), ("layers", 0, "kind"),
                                                 ("layers", 0, "kernel"),
                                                 ("layers", 0, "out_channels"),
                                                 ("layers", 3, "out_features")])
    out += shape_cases(tree)
    return out


def _label(value):
    from .model import label
    return label(value)


def _renamed(case, prefix):
    from dataclasses import replace
    return replace(case, id=case.id.replace("network-leaf", prefix, 1))


def shape_cases(tree) -> list:
    layers = tree["layers"]

    def at(i, name):
        return rf"\$\.layers\[{i}\]|layer '{name}'"

    def with_layer(i, **fields):
        return replaced(tree, ("layers", i), {**layers[i], **fields})

    def inserted(i, layer):
        return {**tree, "layers": layers[:i] + [layer] + layers[i:]}

    add = {"name": "add1", "kind": "add", "add": "conv1", "activation": "relu"}
    cases = [
        ("kernel-larger-than-input", with_layer(0, kernel=19), at(0, "conv1")),
        ("kernel-larger-one-axis", with_layer(0, kernel=[3, 19]), at(0, "conv1")),
        ("pool-kernel-larger", with_layer(2, kernel=9), at(2, "pool1")),
        ("kernel-list-zero", with_layer(0, kernel=[3, 0]), at(0, "conv1")),
        ("kernel-list-short", with_layer(0, kernel=[3]), at(0, "conv1")),
        ("kernel-list-long", with_layer(0, kernel=[3, 3, 3]), at(0, "conv1")),
        ("kernel-list-empty", with_layer(0, kernel=[]), at(0, "conv1")),
        ("kernel-list-1e308", with_layer(0, kernel=[3, V.raw("1e308")]), at(0, "conv1")),
        ("kernel-list-float", with_layer(0, kernel=[3, 2.5]), at(0, "conv1")),
        ("stride-0-conv1", with_layer(0, stride=0), at(0, "conv1")),
        ("stride-0-conv2", with_layer(1, stride=0), at(1, "conv2")),
        ("stride-0-pool", with_layer(2, stride=0), at(2, "pool1")),
        ("stride-list-zero", with_layer(1, stride=[2, 0]), at(1, "conv2")),
        ("residual-mismatch", inserted(2, add), at(2, "add1")),
        ("residual-self", inserted(2, {**add, "add": "add1"}), at(2, "add1")),
        ("residual-later", inserted(2, {**add, "add": "pool1"}), at(2, "add1")),
        ("residual-unknown", inserted(2, {**add, "add": "nosuch"}), at(2, "add1")),
        ("residual-missing-add", inserted(2, {k: v for k, v in add.items() if k != "add"}),
         at(2, "add1")),
        ("input-later", with_layer(1, input="fc1"), at(1, "conv2")),
        ("input-self", with_layer(1, input="conv2"), at(1, "conv2")),
        ("input-unknown", with_layer(1, input="nosuch"), at(1, "conv2")),
        ("input-channels-0", replaced(tree, ("input", "channels"), 0), r"\$\.input"),
        ("input-height-0", replaced(tree, ("input", "height"), 0), r"\$\.input"),
        ("input-huge", replaced(tree, ("input",), {"height": 10 ** 6, "width": 10 ** 6,
                                                    "channels": 3}), r"\$\.input"),
        ("out-channels-0", with_layer(0, out_channels=0), at(0, "conv1")),
        ("out-channels-1e7", with_layer(0, out_channels=10 ** 7), at(0, "conv1")),
        ("out-features-1e12", with_layer(3, out_features=10 ** 12), at(3, "fc1")),
        ("out-features-2e31", with_layer(3, out_features=2 ** 31), at(3, "fc1")),
        ("groups-not-dividing", with_layer(1, groups=3), at(1, "conv2")),
        ("groups-0", with_layer(1, groups=0), at(1, "conv2")),
        ("groups-above-channels", with_layer(1, groups=16), at(1, "conv2")),
        ("groups-1e12", with_layer(1, groups=10 ** 12), at(1, "conv2")),
        ("pool-padding-over-half", with_layer(2, padding=2), at(2, "pool1")),
        ("padding-huge", with_layer(0, padding=10 ** 6), at(0, "conv1")),
        ("padding-negative", with_layer(0, padding=-1), at(0, "conv1")),
        ("layers-empty", {**tree, "layers": []}, r"\$\.layers"),
        ("layers-20000", {**tree, "layers": [{"name": f"p{i}", "kind": "maxpool", "kernel": 1}
                                             for i in range(20_000)]}, r"\$\.layers"),
        ("duplicate-layer-name", with_layer(1, name="conv1"), at(1, "conv1")),
        ("layer-named-input", with_layer(1, name="input"), at(1, "input")),
        ("fc-with-kernel", with_layer(3, kernel=3), at(3, "fc1")),
        ("pool-with-out-channels", with_layer(2, out_channels=4), at(2, "pool1")),
        ("pool-with-activation", with_layer(2, activation="relu"), at(2, "pool1")),
        ("layer-not-object", replaced(tree, ("layers", 1), "conv2"), r"\$\.layers\[1\]"),
        ("layer-comment-number", with_layer(1, comment=7), at(1, "conv2")),
    ]
    return [tree_case(f"network-shape-{sub}", "impossible-shape", NET, t, where)
            for sub, t, where in cases]
