"""The hostile-input corpus: every case, and the fixed sample the default test run uses.

    from tests.hostile.generate import all_cases, default_sample

Cases are descriptions (files to write, a command line, what the message must name); their
contents are produced only when a case runs, so nothing large is stored or held in memory.
"""

from __future__ import annotations

import functools
import math
import zlib
from collections import defaultdict

from .gen_cli import file_cases, option_cases, output_cases
from .gen_json import arch_cases, network_cases
from .gen_traces import compact_cases, explicit_cases
from .gen_wl_spec import set_cases, sweep_cases, workload_cases
from .model import Case

SAMPLE_PER_GROUP = 6
"""Cases taken from each (input kind, class) group for the default run, evenly spread."""
SAMPLE_MINIMUM = 500
FULL_KINDS = {"output"}
"""Input kinds whose every case is in the default run (output paths: few, and the riskiest)."""
ALWAYS = {"arch-set-chip.tiles-1e308", "out-synth-huge-images", "run-images-21",
          "trace-id-str-007", "trace-id-str-NA", "trace-duplicate-id", "sweep-images-21",
          "network-shape-residual-mismatch", "network-shape-stride-0-conv1",
          "network-shape-out-features-1e12", "network-shape-input-channels-0",
          "arch-leaf-ima.adc.bits-1e308", "workload-name-name-str-..",
          "workload-json-deep-list", "arch-set-ima.arrays-deep-list"}
"""Cases the default run always includes (those the task names)."""

CLASSES = {
    "malformed-json": "truncated, trailing commas, wrong top-level type, BOM, invalid UTF-8, "
                      "binary garbage, comments, two documents",
    "deep-nesting": "JSON nested 100,000 levels (lists, objects, unclosed), in files, fields, "
                    "trace lines and --set values",
    "huge-int": "integers of thousands of digits",
    "extreme-number": "1e308, -1e308, 1e-308, 1e400, NaN, Infinity where numbers are read",
    "float-count": "floats where counts are expected (2.5, 3.0)",
    "negative-zero": "negative and zero counts",
    "out-of-range": "integers beyond a documented maximum (10**12, 2**63)",
    "bool-number": "booleans for numbers",
    "string-number": "strings for numbers",
    "wrong-type": "values or sections of the wrong JSON type",
    "wrong-value": "unknown words, bad references, bad crop vectors, bad paths in files",
    "unknown-key": "an unknown key in every object",
    "duplicate-key": "a repeated key in every object (first and last), format_version included",
    "missing-key": "each required key removed",
    "format-version": "wrong, typed or repeated format_version",
    "impossible-shape": "kernels larger than their input, stride 0, residual adds of mismatched "
                        "shapes, channels 0, out_features 10**12, rules across values",
    "window-outside": "trace windows outside their map, empty or reversed",
    "bits-range": "negative bits, bits above the maximum",
    "empty-file": "empty, blank, header-only files",
    "missing-file": "missing files, empty file names, NUL in file names",
    "dir-for-file": "a folder where a file is expected",
    "trace-ids": "image ids pandas would misread (007, NA, 1e3, True), empty ids",
    "duplicate-ids": "duplicate image ids",
    "trace-malformed": "broken CSV: field counts, quoting, #, NUL, versions, columns",
    "images-beyond": "--images or images beyond the trace",
    "unsafe-name": "workload and sweep names that are empty, '.', '..', '../../x', absolute, "
                   "with NUL or newlines",
    "output-path": "--out ., /, .., FILE/sub, missing parents, a user's folder or file, a symlink",
    "set-syntax": "--set items without '=', empty keys, unknown keys, a value set as a section",
}


@functools.cache
def all_cases() -> tuple[Case, ...]:
    cases = (arch_cases() + network_cases() + workload_cases() + sweep_cases() + set_cases()
             + compact_cases() + explicit_cases() + option_cases() + file_cases()
             + output_cases())
    seen: dict[str, Case] = {}
    for case in cases:
        if case.id in seen:
            raise AssertionError(f"duplicate case id {case.id!r}")
        if case.cls not in CLASSES:
            raise AssertionError(f"case {case.id!r} has an unknown class {case.cls!r}")
        seen[case.id] = case
    return tuple(cases)


@functools.cache
def default_sample() -> tuple[Case, ...]:
    """A fixed, deterministic sample: from each (kind, class) group, up to `SAMPLE_PER_GROUP`
    cases evenly spread over the group in a stable pseudo-random order (by the CRC of the id), so
    every kind and class is present and the sample does not change from run to run."""
    groups: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for case in all_cases():
        groups[(case.kind, case.cls)].append(case)
    chosen = set(ALWAYS)
    for (kind, _), members in groups.items():
        if kind in FULL_KINDS:
            chosen.update(c.id for c in members)
            continue
        members = sorted(members, key=lambda c: zlib.crc32(c.id.encode()))
        step = max(1, math.ceil(len(members) / SAMPLE_PER_GROUP))
        chosen.update(c.id for c in members[::step])
    missing = chosen - {c.id for c in all_cases()}
    if missing:
        raise AssertionError(f"ALWAYS names cases that do not exist: {sorted(missing)}")
    return tuple(c for c in all_cases() if c.id in chosen)
