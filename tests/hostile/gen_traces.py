"""Cases for traces: compact (CSV) and explicit (JSON Lines), through `traces validate`, `run`
(a workload naming the trace), `traces stats` and `traces expand`."""

from __future__ import annotations

import json
import random
import re

from . import values as V
from .common import RUN_OUT
from .model import (
    CSV,
    DEEP,
    DIR,
    JSONL,
    MISSING,
    WL,
    Case,
    Pairs,
    Raw,
    base_texts,
    base_trees,
    deep_list,
    dump,
    label,
)

VALIDATE_CSV = ("traces", "validate", CSV, "--network", "tiny")
VALIDATE_JSONL = ("traces", "validate", JSONL, "--network", "tiny")
RUN = ("run", WL, "--images", "2") + RUN_OUT
RECORD = 8
"""The line of the compact record the field cases change (img02; records start on line 6)."""
HEADER = 5


def _lines() -> list[str]:
    return base_texts()[CSV].splitlines()


def _csv(lines) -> str:
    return "\n".join(lines) + "\n"


def _with_columns(extra: dict[str, str], line: int = RECORD) -> str:
    """The base trace with extra columns: empty on every record but `line`, which gets values."""
    lines = _lines()
    lines[HEADER - 1] += "".join("," + c for c in extra)
    for i in range(HEADER, len(lines)):
        values = extra.values() if i == line - 1 else [""] * len(extra)
        lines[i] += "".join("," + v for v in values)
    return _csv(lines)


def _field(column: int, value: str, line: int = RECORD) -> str:
    lines = _lines()
    fields = lines[line - 1].split(",")
    fields[column] = value
    lines[line - 1] = ",".join(fields)
    return _csv(lines)


def _case(cid, cls, content, where, *, name=CSV, argv=VALIDATE_CSV, note="", via_run=False,
          who=None):
    files = ((name, content),)
    if via_run:
        files += ((WL, lambda: dump({**base_trees()[WL], "trace": name})),)
        argv = RUN
        cid = cid.replace("trace-", "trace-run-", 1)
    return Case(id=cid, cls=cls, kind="compact-trace" if name.endswith(".csv") else
                "explicit-trace", argv=argv, who=who or re.escape(name), where=where,
                files=files, note=note)


def _line(n: int) -> str:
    return rf"line {n}\b"


ODD_IDS = ["007", "NA", "1e3", "+1", "null", "nan", "NaN", "N/A", "True", "false", "inf",
           "", " ", "None", "<NA>", "n/a", "-nan", "img\t2", "1.5", "1.0"]
"""Ids pandas or a spreadsheet would read back as something else (``1.5`` turns a column of
numbers into floats, so ``1`` would come back as ``1.0``). Not here, because they are accepted on
purpose: ``-1`` (a plain integer reads back as itself) and ``#N/A`` (a line starting with ``#`` is a
comment in the trace format; ``#`` inside a field is the separate hash-in-field case)."""

CROPS = ["10a1", "11", "11111", "c", "", "c10112", "C1011", " 1011", "0b11", "c-101", "1e11"]
FRACTIONS = ["0", "0.5", "1", "-0.25", "NaN", "inf", "-inf", "1e308", "1e400", "1/0", "0/0", "abc",
             "1/2", "9" * 5000, "0x1", "0.25.1", "1/8/2", "\u00bd"]
BITS = ["-1", "17", "conv1:99", "nosuch:8", "8;9", "conv1:", ":8", "1e308", "8.0", "9" * 5000,
        "conv1:-1", "conv1:8;conv1:9", "input:17", "NaN", "conv1=8", "8;;", "2.5"]


def _text_class(text: str, default: str) -> str:
    if len(text) > 40:
        return "huge-int"
    if text.lower() in ("nan", "inf", "-inf", "1e308", "1e400"):
        return "extreme-number"
    return default


def compact_cases() -> list:
    lines = _lines()
    out = []
    for i, via in enumerate((False, True, False)):
        for text in ODD_IDS:
            if i == 2 and text not in ("007", "NA", "1e3"):
                continue
            argv = ("traces", "stats", CSV) if i == 2 else VALIDATE_CSV
            out.append(_case(f"trace-{'stats-' if i == 2 else ''}id-{label(text)}", "trace-ids",
                             _field(0, text), _line(RECORD), via_run=via, argv=argv))
    out.append(_case("trace-duplicate-id", "duplicate-ids", _field(0, "img00"), _line(RECORD)))
    out.append(_case("trace-duplicate-id-last", "duplicate-ids", _field(0, "img00", line=25),
                     _line(25), via_run=True))
    for text in CROPS:
        out.append(_case(f"trace-crop-{label(text)}", "wrong-value", _field(1, text),
                         _line(RECORD)))
    for text in FRACTIONS:
        out.append(_case(f"trace-fraction-{label(text)[:30]}", _text_class(text, "wrong-value"),
                         _field(2, text), _line(RECORD)))
    out.append(_case("trace-fraction-1e-308", "extreme-number", _field(2, "1e-308"), _line(RECORD),
                     note=V.TINY))
    for text in ("NaN", "9" * 5000, "1/0"):
        out.append(_case(f"trace-fraction-{label(text)[:30]}", _text_class(text, "wrong-value"),
                         _field(2, text), _line(RECORD), via_run=True))
    for text in BITS:
        cls = "bits-range" if text in ("-1", "17", "conv1:99", "conv1:-1", "input:17") else \
            _text_class(text, "wrong-value")
        out.append(_case(f"trace-bits-{label(text)[:30]}", cls,
                         _with_columns({"activation_bits": text}), _line(RECORD)))
    for text in ("-1", "17", "9" * 5000):
        out.append(_case(f"trace-bits-{label(text)[:30]}", _text_class(text, "bits-range"),
                         _with_columns({"activation_bits": text}), _line(RECORD), via_run=True))
    for col in ("top1_ok", "top5_ok"):
        for text in ("2", "yes", "-1", "1.0"):
            out.append(_case(f"trace-{col}-{label(text)}", "wrong-value",
                             _with_columns({col: text}), _line(RECORD)))
    for sub, content, where in (
            ("hash-in-field", _field(3, "c00#1"), _line(RECORD)),
            ("hash-in-label", _with_columns({"label": "a#b"}), _line(RECORD)),
            ("extra-field", _field(3, "c0010,extra"), _line(RECORD)),
            ("trailing-comma", _field(3, "c0010,"), _line(RECORD)),
            ("missing-fields", _csv(lines[:RECORD - 1] + ["img02,c0010"] + lines[RECORD:]),
             _line(RECORD)),
            ("unterminated-quote", _field(0, '"img02'), _line(RECORD)),
            ("quote-spans-lines", _field(0, '"img\n02"'), _line(RECORD)),
            ("nul-in-field", _field(0, "img\x0002"), _line(RECORD)),
            ("invalid-utf8", _field(0, "img02").encode().replace(b"img02", b"img\xff02"),
             _line(RECORD)),
            ("no-version", _csv(lines[1:]), _line(1)),
            ("version-2", _csv(["# isaacsim-trace v2"] + lines[1:]), _line(1)),
            ("version-1.0", _csv(["# isaacsim-trace v1.0"] + lines[1:]), _line(1)),
            ("version-bare", _csv(["# isaacsim-trace"] + lines[1:]), _line(1)),
            ("version-upper", _csv(["# ISAACSIM-TRACE V1"] + lines[1:]), _line(1)),
            ("version-second", _csv(["# hello"] + lines), r"line [12]\b"),
            ("unknown-column", _csv(lines[:4] + [lines[4].replace("fraction", "fracton")] +
                                    lines[5:]), r"line 5\b|fracton"),
            ("no-image-id-column", _csv(lines[:4] + [lines[4].replace("image_id", "x_id")] +
                                        lines[5:]), r"line 5\b|image_id"),
            ("no-crop-column", _csv(lines[:4] + [lines[4].replace("crop,", "x_crop,", 1)] +
                                    lines[5:]), r"line 5\b|crop"),
            ("duplicate-column", _csv(lines[:4] + [lines[4].replace("fraction", "crop")] +
                                      lines[5:]), r"line 5\b|crop"),
            ("empty-column-name", _csv(lines[:4] + [lines[4] + ","] +
                                       [r + "," for r in lines[5:]]), r"line 5\b"),
            ("header-only-run", _csv(lines[:5]), None),   # a valid trace of no images: run
            ("version-only", _csv(lines[:1]), None),
            ("empty", "", None), ("whitespace", " \n\n", None),
            ("missing", MISSING, None), ("directory", DIR, None),
            ("utf16", _csv(lines).encode("utf-16"), r"line \d+"),
            ("binary-garbage", random.Random("csv-garbage").randbytes(4096), r"line \d+")):
        cls = {"missing": "missing-file", "directory": "dir-for-file", "empty": "empty-file",
               "whitespace": "empty-file", "header-only-run": "empty-file",
               "version-only": "empty-file"}.get(sub, "trace-malformed")
        note = {"utf16": V.BYTE_PLACE, "binary-garbage": V.BYTE_PLACE,
                "invalid-utf8": V.BYTE_PLACE}.get(sub, "")
        if sub != "header-only-run":      # traces validate/stats report 0 images; run refuses
            out.append(_case(f"trace-{sub}", cls, content, where, note=note))
        if sub in ("no-version", "unterminated-quote", "header-only-run", "missing", "directory",
                   "binary-garbage", "version-2"):
            where_run = r"\$\.trace" if sub in ("missing", "directory") else where
            out.append(_case(f"trace-{sub}", cls, content, where_run, via_run=True, note=note))
    for sub, argv in (("stats", ("traces", "stats", CSV)),
                      ("expand", ("traces", "expand", CSV, "--network", "tiny", "--out",
                                  "x.jsonl"))):
        for name, content, where in (("missing", MISSING, None), ("directory", DIR, None),
                                     ("empty", "", None), ("bits-17", None, _line(RECORD))):
            if content is None:
                content = _with_columns({"activation_bits": "17"})
            cls = {"missing": "missing-file", "directory": "dir-for-file"}.get(name, "empty-file")
            out.append(_case(f"trace-{sub}-{name}", cls if name != "bits-17" else "bits-range",
                             content, where, argv=argv))
    return out


# --- explicit traces ---------------------------------------------------------------------------

def _jsonl_parts():
    lines = base_texts()[JSONL].splitlines()
    return json.loads(lines[0]), [json.loads(x) for x in lines[1:]]


def _jsonl(header, records) -> str:
    return "\n".join(h if isinstance(h, str) else dump(h, flat=True)
                     for h in [header] + records) + "\n"


def explicit_cases() -> list:
    header, records = _jsonl_parts()
    out = []

    def add(sub, cls, content, where, via_run=False, note=""):
        out.append(_case(f"trace-jsonl-{sub}", cls, content, where, name=JSONL,
                         argv=VALIDATE_JSONL, via_run=via_run, note=note))

    def rec(changes, sub, cls, where_extra="", index=0, via_run=False):
        recs = list(records)
        recs[index] = changes(dict(recs[index])) if callable(changes) else changes
        add(sub, cls, lambda r=recs: _jsonl(header, r),
            _line(index + 2) + (f"|{where_extra}" if where_extra else ""), via_run)

    for value in [2, "1", True, None, V.raw("NaN"), V.raw("1e400"), V.HUGE]:
        add(f"header-version-{label(value)}", "format-version",
            lambda v=value: _jsonl({**header, "format_version": v}, records), _line(1))
    for sub, h in (("format", {**header, "format": "nope"}),
                   ("form", {**header, "form": "compact"}),
                   ("network-mismatch", {**header, "network": "vgg16"}),
                   ("unknown-key", {**header, "zzz": 1}), ("list", [header]),
                   ("no-format", {k: v for k, v in header.items() if k != "format"}),
                   ("duplicate-version", Pairs([("format_version", 2)] + list(header.items()))),
                   ("deep", Raw(lambda: deep_list(), "deep")),
                   ("comment-number", {**header, "comment": 7})):
        add(f"header-{sub}", "deep-nesting" if sub == "deep" else
            "duplicate-key" if sub.startswith("duplicate") else "wrong-value",
            lambda h=h: _jsonl(h, records), _line(1))
    add("header-truncated", "malformed-json",
        lambda: _jsonl(dump(header, flat=True)[:-5], records), _line(1))
    add("header-not-json", "malformed-json", lambda: _jsonl("# isaacsim-trace v1", records),
        _line(1))
    for index, value in enumerate(["", 7, None, records[1]["image_id"]]):
        rec(lambda r, v=value: {**r, "image_id": v}, f"id-{label(value)}",
            "duplicate-ids" if index == 3 else "trace-ids")
    rec(lambda r: {k: v for k, v in r.items() if k != "image_id"}, "id-missing", "missing-key")
    for value in ("nope", 1, None):
        rec(lambda r, v=value: {**r, "uncovered": v}, f"uncovered-{label(value)}", "wrong-value")
    for value in ({}, "x", [1], None):
        rec(lambda r, v=value: {**r, "regions": v}, f"regions-{label(value)}", "wrong-type")

    def region(**changes):
        return lambda r: {**r, "regions": [{**r["regions"][0], **changes}] + r["regions"][1:]}
    windows = [([0, 17], "window-outside"), ([-1, 4], "window-outside"), ([4, 4], "window-outside"),
               ([5, 4], "window-outside"), ([0], "wrong-value"), ([0, 1, 2], "wrong-value"),
               ([0, V.raw("1e308")], "extreme-number"), ([0, V.raw("NaN")], "extreme-number"),
               ([0, 2.5], "float-count"), ([True, 4], "bool-number"), (["0", 4], "string-number"),
               ([0, V.HUGE], "huge-int"), ([0, V.raw("1e400")], "extreme-number"),
               ([0, 10 ** 12], "window-outside"), (None, "wrong-type")]
    for axis in ("rows", "cols"):
        for value, cls in windows:
            if axis == "cols" and cls not in ("window-outside", "extreme-number"):
                continue
            rec(region(**{axis: value}), f"{axis}-{label(value)}", cls,
                re.escape(f"$.regions[0].{axis}"),
                via_run=(axis == "rows" and value == [0, 17]))
    rec(region(layer="fc1", rows=[0, 2], cols=[0, 1]), "fc-window-outside", "window-outside")
    rec(region(layer="pool1", rows=[0, 5], cols=[0, 4]), "pool-window-outside", "window-outside")
    for value in [-1, 17, 2.5, "8", V.raw("NaN"), V.raw("1e308"), V.HUGE, True, None, "DEFAULT",
                  V.raw("-Infinity")]:
        cls = "bits-range" if value in (-1, 17) else "wrong-value"
        rec(region(bits=value), f"bits-{label(value)}", cls, re.escape("$.regions[0].bits"),
            via_run=value == 17)
    for value in ("nosuch", 1, None):
        rec(region(layer=value), f"layer-{label(value)}", "wrong-value")
    rec(lambda r: {**r, "regions": [{"rows": [0, 1], "cols": [0, 1], "bits": 4}]},
        "region-no-layer", "missing-key")
    rec(region(zzz=1), "region-unknown-key", "unknown-key")
    rec(lambda r: {**r, "zzz": 1}, "record-unknown-key", "unknown-key")
    rec(lambda r: {**r, "fields": {"a": {"b": 1}}}, "fields-nested", "wrong-type")
    rec(lambda r: {**r, "fields": {"a": V.DEEP_VALUE}}, "fields-deep", "deep-nesting")
    rec(lambda r: {**r, "fields": [1]}, "fields-list", "wrong-type")
    rec(lambda r: {**r, "fields": {"a": V.raw("NaN")}}, "fields-nan", "extreme-number")
    rec(lambda r: Pairs([("image_id", "x")] + list(r.items())), "record-duplicate-key",
        "duplicate-key")
    rec([records[0]], "record-list", "wrong-type")
    rec(Raw(lambda: dump(records[0], flat=True)[:-3], "trunc"), "record-truncated",
        "malformed-json")
    rec(Raw(lambda: dump(records[0], flat=True)[:-1] + ",}", "comma"), "record-trailing-comma",
        "malformed-json")
    rec(Raw(lambda: deep_list(), "deep"), "record-deep", "deep-nesting", via_run=True)
    rec(Raw(lambda: "{" * DEEP, "deep"), "record-deep-unclosed", "deep-nesting")
    rec(Raw(lambda: "\x00", "nul"), "record-nul", "malformed-json")
    for sub, content, cls, where, note in (
            ("empty", "", "empty-file", None, ""),
            ("missing", MISSING, "missing-file", None, ""),
            ("directory", DIR, "dir-for-file", None, ""),
            ("binary-garbage", random.Random("jsonl-garbage").randbytes(4096), "malformed-json",
             r"line \d+", V.BYTE_PLACE),
            ("invalid-utf8", lambda: _jsonl(header, records).encode().replace(b"soft", b"so\xfft"),
             "malformed-json", r"line \d+", V.BYTE_PLACE)):
        add(sub, cls, content, where, note=note)
    out.append(_case("trace-jsonl-stats-explicit", "wrong-value", base_texts()[JSONL], None,
                     name=JSONL, argv=("traces", "stats", JSONL)))
    return out
