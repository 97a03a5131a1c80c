"""Cases for command-line options: numbers, words, files given on the command line, and output
paths (which must never replace or write into what isaacsim did not create)."""

from __future__ import annotations

import json
import re

from . import values as V
from .model import ARCH, CSV, DIR, FIFO, JSONL, NET, SPEC, WL, Case, Symlink, base_trees, dump, label

CROP = ("crop", "--network", "tiny", "--crop", "1111")
SYNTH = ("traces", "synth", "--network", "tiny", "--images", "3", "--seed", "0", "--out", "s.csv")
EXPAND = ("traces", "expand", CSV, "--network", "tiny", "--out", "x.jsonl")
RUN = ("run", WL, "--images", "2", "--out", "out")
SWEEP = ("sweep", SPEC, "--out", "sweep-out", "--jobs", "1")
NUMERICS = ("numerics", WL, "--layers", "conv1", "--images", "1", "--pixels", "1",
            "--calibration-images", "1")
MAP = ("map", WL)

USER_DIR = DIR
"""A folder holding a user's file (`user-file.txt`), which must be left unchanged."""
MARKED_RUN = json.dumps({"tool": "isaacsim", "kind": "run", "version": "0", "files": []})
MARKED_SWEEP = json.dumps({"tool": "isaacsim", "kind": "sweep", "version": "0", "files": []})


def _set(argv: tuple[str, ...], option: str, value: str) -> tuple[str, ...]:
    """`argv` with `option`'s value replaced (or the option appended)."""
    argv = list(argv)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    return tuple(argv)


def _value_label(text: str) -> str:
    if len(text) > 40:
        return f"digits{len(text)}" if text.isdigit() else f"text{len(text)}"
    return label(text)[4:] if text else "empty"


def _value_class(text: str) -> str:
    if len(text) > 30 and text.lstrip("-").isdigit():
        return "huge-int"
    if text in ("NaN", "nan", "inf", "-inf", "1e308", "1e400", "1e-308", "Infinity"):
        return "extreme-number"
    if text in ("2.5", "1e3", "1.0"):
        return "float-count"
    if text.lstrip("-").isdigit():
        return "negative-zero" if int(text) <= 0 else "out-of-range"
    return "string-number"


def option_case(prefix: str, argv, option: str, text: str, *, note: str = "", cls=None,
                where: str | None = None, limit: float = 5.0) -> Case:
    return Case(id=f"{prefix}-{option.lstrip('-')}-{_value_label(text)}",
                cls=cls or _value_class(text), kind="option", argv=_set(argv, option, text),
                who=re.escape(option), where=where or re.escape(option), note=note, limit=limit)


INTS = V.OPTION_INTS
NON_ASCII = "\u0663"
FRACTIONS = ["0", "0.5", "1", "-0.25", "NaN", "inf", "1e308", "1e400", "1/0", "0/0", "abc", "",
             "1/2", "9" * 5000, "1/" + "9" * 5000, "0x1", "1/8/2"]


def option_cases() -> list:
    out = []

    def ints(prefix, argv, option, extra=()):
        for text in list(INTS) + list(extra):
            out.append(option_case(prefix, argv, option, text,
                                   note=V.NON_ASCII_DIGIT if text == NON_ASCII else ""))

    ints("run", RUN, "--images", ["0", str(10 ** 12), str(2 ** 63)])
    out.append(option_case("run", RUN, "--images", "21", cls="images-beyond",
                           where=r"--images"))
    explicit = ((WL, lambda: dump({**base_trees()[WL], "trace": JSONL})),)
    out.append(Case(id="run-images-5-explicit", cls="images-beyond", kind="option",
                    argv=_set(RUN, "--images", "5"), who="--images", where="--images",
                    files=explicit))
    ints("sweep", SWEEP, "--images", ["0", str(10 ** 12)])
    out.append(option_case("sweep", SWEEP, "--images", "21", cls="images-beyond",
                           where=r"--images"))
    ints("sweep", SWEEP, "--jobs", ["0"])
    ints("map", MAP, "--chips", ["0", str(10 ** 12), "1025"])
    ints("synth", SYNTH, "--images", ["0", str(10 ** 12), str(2 ** 63), "9" * 30])
    ints("synth", SYNTH, "--seed", [str(2 ** 64), str(2 ** 63)])
    for option in ("--images", "--pixels", "--calibration-images", "--seed"):
        for text in ("-1", "abc", "9" * 5000) + (("0",) if option != "--seed" else ()):
            out.append(option_case("numerics", NUMERICS, option, text))
    for text in ("-1", "abc", "9" * 5000, "1e308"):
        out.append(option_case("numerics", NUMERICS, "--guard-bits", text))
        out.append(option_case("numerics", NUMERICS, "--headroom", text))
    for text in ("nosuch", "", ",", "conv1,,fc1", "pool1"):
        out.append(option_case("numerics", NUMERICS, "--layers", text, cls="wrong-value",
                               where=r"--layers|nosuch|pool1",
                               note=V.EMPTY_ITEM if text == "conv1,,fc1" else ""))
    for text in FRACTIONS:
        cls = "extreme-number" if text in ("NaN", "inf", "1e308", "1e400") else \
            "huge-int" if "9" * 100 in text else "wrong-value"
        out.append(option_case("crop", CROP, "--fraction", text, cls=cls))
        if text in ("0", "0.5", "NaN", "1e400", "1/0", "9" * 5000):
            out.append(option_case("synth", SYNTH, "--fraction", text, cls=cls))
    for prefix, argv in (("crop", CROP), ("synth", SYNTH)):
        out.append(option_case(prefix, argv, "--fraction", "1e-308", cls="extreme-number",
                               note=V.TINY))
    for text in ("11111", "10a1", "", "111", "1 11", "2222", "\uff11\uff11\uff11\uff11", "c1011x",
                 "0b1011"):
        out.append(option_case("crop", CROP, "--crop", text, cls="wrong-value"))
    for text in ("nope", "naive:10a1", "naive:", "naive:11111", "", "oracle:1"):
        out.append(option_case("synth", SYNTH, "--policy", text, cls="wrong-value"))
    words = [("run", RUN, "--mode"), ("run", RUN, "--engine"), ("run", RUN, "--progress"),
             ("map", MAP, "--replication"), ("map", MAP, "--packing"), ("crop", CROP, "--rounding"),
             ("crop", CROP, "--flatten"), ("sweep", SWEEP, "--progress"),
             ("numerics", NUMERICS, "--exponents"), ("expand", EXPAND, "--rounding")]
    for prefix, argv, option in words:
        out.append(option_case(prefix, argv, option, "nope", cls="wrong-value"))
    out.append(Case(id="sweep-jobs-and-dask", cls="wrong-value", kind="option",
                    argv=SWEEP + ("--dask", "tcp://127.0.0.1:1"), who="--dask|--jobs",
                    where="--dask|--jobs"))
    out.append(Case(id="arch-strict-warning", cls="wrong-value", kind="option",
                    argv=("arch", "--strict", "--set", "ima.adc.bits=4"), who="--strict|--set",
                    where=r"adc|--strict"))
    return out


# --- files named on the command line -----------------------------------------------------------

def file_cases() -> list:
    """Missing files, folders, empty names and NUL bytes where a file is expected."""
    out = []
    slots = [("arch", ("arch", "--arch", "{}"), "--arch"), ("map", ("map", "{}"), None),
             ("run", ("run", "{}", "--out", "out"), None),
             ("crop", ("crop", "--network", "{}", "--crop", "1111"), "--network"),
             ("validate", ("traces", "validate", "{}"), None),
             ("validate-network", ("traces", "validate", CSV, "--network", "{}"), "--network"),
             ("stats", ("traces", "stats", "{}"), None),
             ("expand-network", EXPAND[:3] + ("--network", "{}", "--out", "x.jsonl"), "--network"),
             ("synth-network", ("traces", "synth", "--network", "{}", "--images", "3", "--seed",
                                "0", "--out", "s.csv"), "--network"),
             ("sweep", ("sweep", "{}", "--out", "sweep-out", "--jobs", "1"), None),
             ("numerics-weights", NUMERICS + ("--weights", "{}"), "--weights")]
    for name, template, option in slots:
        for sub, value, content, cls, note in (
                ("missing", "nosuch-hostile.json", None, "missing-file", ""),
                ("directory", "a-folder", DIR, "dir-for-file", ""),
                ("empty-name", "", None, "missing-file", ""),
                ("dot", ".", None, "dir-for-file", ""),
                ("nul", "hostile\x00.json", None, "missing-file",
                 "argv cannot carry NUL from a shell; only in-process callers can pass it"),
                ("garbage", "garbage.bin", b"\x00\xff" * 512, "malformed-json", V.BYTE_PLACE)):
            if name == "numerics-weights" and sub == "garbage":
                cls = "wrong-value"
            argv = tuple(a.replace("{}", value) for a in template)
            files = (("a-folder", DIR),) if content is DIR else \
                (("garbage.bin", content),) if content is not None else ()
            if sub == "empty-name":
                who = re.escape(option) if option else r"''|\"\"|\bempty\b|WORKLOAD|SPEC|FILE"
            elif sub == "dot":
                who = r"(?:^|[\s'\"])\.(?:[:'\"\s]|$)"
            elif sub == "nul":
                who = "hostile" + (f"|{re.escape(option)}" if option else "")
            else:
                who = re.escape(value)
            where = r"line \d+|\$" if sub == "garbage" and name != "numerics-weights" else None
            out.append(Case(id=f"cli-file-{name}-{sub}", cls=cls, kind="option", argv=argv,
                            who=who, where=where, files=files, note=note))
    special = [("arch", ("arch", "--arch", ARCH)), ("map", ("map", WL)),
               ("validate", ("traces", "validate", CSV)), ("sweep", ("sweep", SPEC, "--jobs", "1"))]
    for name, argv in special:
        target = argv[2] if name == "arch" else argv[1] if name != "validate" else argv[2]
        for sub, content, cls, note, limit in (
                ("fifo", FIFO, "dir-for-file", V.FIFO_NOTE, 2.0),
                ("symlink-loop", Symlink(target, create=False), "dir-for-file", "", 5.0),
                ("dangling-symlink", Symlink("nowhere-hostile.json", create=False),
                 "missing-file", "", 5.0)):
            out.append(Case(id=f"cli-file-{name}-{sub}", cls=cls, kind="option", argv=argv,
                            who=re.escape(target), where=None, files=((target, content),),
                            note=note, limit=limit))
        dev_null = tuple("/dev/null" if a == target else a for a in argv)
        out.append(Case(id=f"cli-file-{name}-dev-null", cls="empty-file", kind="option",
                        argv=dev_null, who="/dev/null", where=None))
    return out


# --- output paths ------------------------------------------------------------------------------

def output_cases() -> list:
    out = []
    targets = [("dot", ".", (), ""), ("root", "/", (), ""), ("dotdot", "..", (), ""),
               ("empty", "", (), ""), ("cwd-via-sub", "sub/..", (("sub", DIR),), ""),
               ("file-sub", f"{CSV}/sub", (), ""), ("missing-parent", "no/such/parent/x", (), ""),
               ("user-folder", "user", (("user", USER_DIR),), ""),
               ("user-file", NET, (), ""),
               ("symlink", "link", (("link", Symlink("../outside-target")),), ""),
               ("nul", "o\x00ut", (), "argv cannot carry NUL from a shell")]
    commands = [("run", RUN, "--out"), ("sweep", SWEEP, "--out"), ("synth", SYNTH, "--out"),
                ("expand", EXPAND, "--out")]
    for cmd, argv, option in commands:
        for sub, target, files, note in targets:
            if cmd in ("synth", "expand") and sub == "user-folder":
                sub = "existing-dir"
            out.append(Case(id=f"out-{cmd}-{sub}", cls="output-path", kind="output",
                            argv=_set(argv, option, target), who=re.escape(option),
                            where=re.escape(option), files=files, note=note))
    marked = [("run-into-sweep-folder", RUN, "m", MARKED_SWEEP),
              ("sweep-into-run-folder", SWEEP, "m", MARKED_RUN)]
    for sub, argv, target, marker in marked:
        files = (("m/.isaacsim-output", marker), ("m/user-file.txt", "a user's file\n"))
        out.append(Case(id=f"out-{sub}", cls="output-path", kind="output",
                        argv=_set(argv, "--out", target), who="--out", where="--out",
                        files=files))
    out.append(Case(id="out-sweep-user-trace-name", cls="output-path", kind="output",
                    argv=_set(SWEEP, "--out", JSONL), who="--out", where="--out"))
    out.append(Case(id="out-synth-huge-images", cls="out-of-range", kind="option",
                    argv=_set(SYNTH, "--images", str(10 ** 12)), who="--images", where="--images",
                    limit=5.0))
    out.append(Case(id="out-run-arch-file", cls="output-path", kind="output",
                    argv=_set(RUN, "--out", ARCH), who="--out", where="--out"))
    return out
