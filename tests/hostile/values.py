"""Hostile values, by the kind of field they are aimed at, and the notes of debatable ones.

Ranges come from the documentation (docs/architecture.md section 2, docs/network-format.md,
docs/workload-format.md, docs/sweeps.md), not from isaacsim's own tables, so the corpus checks
the code against the documents.
"""

from __future__ import annotations

from .model import Raw, deep_list, huge_int

INTEGRAL_FLOAT = ("an integral float where an integer is expected: docs/architecture.md section 2 "
                  "says 8.0 is accepted for counts, isaacsim.validate.Bound says floats are "
                  "refused")
TINY = ("1e-308 is inside the documented range (> 0); it crops or changes nothing, so accepting it "
        "is defensible; refusing it is what the rule 'refuse rather than guess' asks")
BOM = ("RFC 8259 lets a parser ignore a UTF-8 byte-order mark; refusing it with a located message "
       "is what this corpus asks")
BYTE_PLACE = "a message giving a byte position instead of a line may be acceptable"
NULL_DEFAULT = ("null could be read as 'not given' (the workload's value), as the spec's images "
                "allows; docs/sweeps.md documents null only for images")
EMPTY_GRID = ("an empty grid is the product of nothing: one point, the base workload; "
              "docs/sweeps.md asks for non-empty lists, not for a non-empty grid")
EMPTY_ITEM = "an empty item between commas could be skipped; refusing it catches typos"
FV_FLOAT = "format_version 1.0 equals 1; refusing it is stricter"
FIFO_NOTE = ("not in the task's list: a named pipe blocks its reader until a writer comes; "
             "isaacsim should refuse anything but a regular file")
JOBS_HUGE = "isaacsim caps --jobs at the number of points; refusing it is stricter"


def raw(text: str, label: str | None = None) -> Raw:
    return Raw(text, label or text)


HUGE = Raw(lambda: huge_int(), "int5000digits")
NEG_HUGE = Raw(lambda: huge_int(sign="-"), "-int5000digits")
DEEP_VALUE = Raw(lambda: deep_list(), "deep100000")

EXTREME = [raw("1e308"), raw("-1e308"), raw("1e400"), raw("-1e400"), raw("NaN"), raw("Infinity"),
           raw("-Infinity"), HUGE, NEG_HUGE]
"""Numbers beyond any range, and numbers that are not finite or not JSON."""
WRONG_TYPE = [True, False, "8", "", None, [], {}]
"""Values of another type than a number."""

# (value, note); note "" means the value is plainly wrong for that kind of field
COUNT = [(v, "") for v in EXTREME + WRONG_TYPE + [0, -1, 2.5, raw("1e-308"), 2 ** 63, 10 ** 12]] \
    + [(raw("3.0"), INTEGRAL_FLOAT)]
"""An integer >= 1 (with a documented maximum below 2**63)."""
INT0 = [(v, "") for v in EXTREME + WRONG_TYPE + [-1, 2.5, raw("1e-308"), 2 ** 63]] \
    + [(raw("1.0"), INTEGRAL_FLOAT)]
"""An integer >= 0 (timing cycles, padding, seeds, intervals)."""
POSITIVE = [(v, "") for v in EXTREME + WRONG_TYPE + [0, -1, raw("1e-308"), raw("-1e-308")]]
"""A number > 0 with a documented range (clocks, rates, cycle_ns)."""
NONNEG = [(v, "") for v in EXTREME + WRONG_TYPE + [-1, raw("-1e-308")]]
"""A number >= 0 (power, area, latencies); 0 and tiny positives are valid."""
UNIT = [(v, "") for v in EXTREME + WRONG_TYPE + [-0.5, 1.5]]
"""A number in 0..1."""
BOOL = [(v, "") for v in [1, 0, "true", None, [], raw("NaN")]]


def bits(low: int, high: int) -> list:
    """An integer in low..high."""
    return [(v, "") for v in EXTREME + WRONG_TYPE + [low - 1, -1, high + 1, 2.5]] \
        + [(raw(f"{high}.0"), INTEGRAL_FLOAT)]


ADC_BITS = [(v, "") for v in EXTREME + [True, None, [], {}, "banana", "AUTO", 3, 11, 0, -1, 8.5]] \
    + [(raw("8.0"), INTEGRAL_FLOAT)]

ENUM = [(v, "") for v in [1, None, [], {}, True, "", "nope", raw('"\\u0000"', "NUL")]]
"""Values for a field that takes one of a few words."""

FORMAT_VERSION = [(v, "") for v in [2, 0, -1, "1", True, None, [1], {}, raw("1e308"), raw("NaN"),
                                     HUGE]] + [(raw("1.0"), FV_FLOAT)]

# text forms for --set KEY=VALUE and command-line numbers
SET_EXTREME = ["1e308", "-1e308", "1e400", "NaN", "Infinity", "-Infinity", "9" * 5000,
               "-" + "9" * 5000, "true", "null", "[]", "{}", '"8"', "", "abc", "2.5", "-1"]
SET_DEEP = "[" * 100_000 + "]" * 100_000
OPTION_INTS = ["-1", "2.5", "abc", "", "1e3", "0x10", "9" * 5000, "NaN", "٣"]
"""Bad values of any integer option (the last is an Arabic-Indic digit three, which int() reads)."""
NON_ASCII_DIGIT = "int() reads the Arabic-Indic digit '٣' as 3; accepting it is defensible"
