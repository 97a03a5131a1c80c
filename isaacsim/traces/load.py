"""Loading a trace file of either form: the one code path of ``traces validate`` and the simulator.

The form is chosen by the file name (``.csv`` compact; ``.jsonl``/``.ndjson`` explicit), else by the
first character (``#`` compact, ``{`` explicit). Every problem is collected and raised together.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import read_input_text
from isaacsim.network import Network
from isaacsim.traces.compact import read_compact
from isaacsim.traces.explicit import read_explicit
from isaacsim.traces.model import FORMS, Trace, TraceImage
from isaacsim.traces.validate import check_trace
from isaacsim.validate import Checker

_LINE_RE = re.compile(r"^line (\d+)")
EXTENSIONS = {".csv": "compact", ".jsonl": "explicit", ".ndjson": "explicit"}


def load_trace(path: str | os.PathLike, network: Network | None = None) -> Trace:
    """Read, parse and validate a trace file; with `network`, also map names and regions.

    Raises `InputError` listing every problem, each with its line and field.
    """
    p = Path(path)
    text = read_input_text(path, "trace file", encoding="utf-8-sig")  # a spreadsheet may add a BOM
    return parse_trace(text, str(p), network=network, form=detect_form(p.name, text))


GENERATED_BY = "isaacsim "
"""How the ``generator`` metadata of a trace that isaacsim wrote begins."""


def written_by_isaacsim(path: Path) -> bool:
    """Whether the trace file at `path` was written by isaacsim (its header records an isaacsim
    generator), so that a new trace may replace it (`isaacsim.outputs.write_file`)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            head = [fh.readline(4096) for _ in range(8)]
    except OSError:
        return False
    if head[0].startswith("{"):
        return f'"generator": "{GENERATED_BY}' in head[0]
    return any(line.startswith(f"# generator: {GENERATED_BY}") for line in head)


def detect_form(name: str, text: str) -> str:
    """``"compact"`` or ``"explicit"`` from the file name, else from the first character."""
    form = EXTENSIONS.get(Path(name).suffix.lower())
    if form is not None:
        return form
    head = text.lstrip()[:1]
    if head in ("#", "{"):
        return "compact" if head == "#" else "explicit"
    raise InputError(Problem(name, "line 1", "cannot tell the trace form: name the file .csv "
                                             "(compact) or .jsonl (explicit), or start it with "
                                             "its version line"))


def parse_trace(text: str, source: str, *, form: str, network: Network | None = None) -> Trace:
    """Parse and validate trace text of the given form (`FORMS`); raise on any problem."""
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    chk = Checker(source)
    if not text.strip():
        raise InputError(Problem(source, "line 1", "the file is empty; a trace starts with its "
                                                   "version line (# isaacsim-trace v1 for a compact "
                                                   "trace, docs/trace-format.md)"))
    images: Sequence[TraceImage]
    if form == "compact":
        meta, columns, images = read_compact(text, chk)
    else:
        meta, images = read_explicit(text, chk)
        columns = ()
    trace = Trace(source, form, tuple(images), dict(meta), tuple(columns))
    check_trace(trace, network, chk)
    chk.problems.sort(key=_line_number)     # stable: reader order within a line
    chk.raise_if_any()
    return trace


def _line_number(problem: Problem) -> int:
    match = _LINE_RE.match(problem.place)
    return int(match.group(1)) if match else 0
