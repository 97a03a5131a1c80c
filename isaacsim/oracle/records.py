"""The oracle's outputs as text: trace rows, the compact trace, and the per-vector table.

Trace columns (docs/oracle.md, "Output"): ``image_id``, ``crop`` (the kept vector), ``fraction``,
``label``, ``prediction`` (the uncropped top-1), ``top1_ok`` and ``top5_ok`` (the uncropped
prediction against the label; empty without labels), ``x_file`` (the image file as given),
``x_reference`` (the class the criterion compares against) and ``x_passing`` (every vector meeting
the criterion, ``;``-separated, e.g. ``c0000;c0100``).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from isaacsim.crop import ALL_VECTORS
from isaacsim.oracle.decide import Decision
from isaacsim.traces.compact import CROP_PREFIX, format_fraction, write_compact

COLUMNS = ("image_id", "crop", "fraction", "label", "prediction", "top1_ok", "top5_ok", "x_file",
           "x_reference", "x_passing")
TABLE_LINE = "# isaacsim-oracle-vectors v1"
"""First line of the per-vector table (how isaacsim recognises a table it may replace)."""
TABLE_COLUMNS = ("crop", "cropped_sides", "removed_area", "skipped_macs", "skipped_mac_share",
                 "images_passing", "passing_share", "images_chosen")


def csv_field(text: str) -> str:
    """`text` as one CSV field: quoted when it holds a comma or a quote."""
    if any(c in text for c in ',"'):
        return '"' + text.replace('"', '""') + '"'
    return text


def file_field(path: str) -> str:
    """An image path for ``x_file``: ``#`` (a comment to CSV readers) and control characters
    become ``_``."""
    return "".join("_" if c == "#" or ord(c) < 32 or 127 <= ord(c) < 160 else c for c in path)


def class_text(index: int, names: Sequence[str] | None) -> str:
    return names[index] if names is not None and index < len(names) else str(index)


def trace_row(image_id: str, file: str, fraction: Fraction, label: int | None, d: Decision,
              names: Sequence[str] | None) -> list[str]:
    """One trace record (fields in `COLUMNS` order, not yet CSV-quoted)."""
    ok = ("", "") if label is None else (str(int(d.prediction == label)), str(int(label in d.top5)))
    passing = ";".join(CROP_PREFIX + str(v) for v, p in zip(ALL_VECTORS, d.passing) if p)
    return [image_id, CROP_PREFIX + str(ALL_VECTORS[d.chosen]), format_fraction(fraction),
            "" if label is None else class_text(label, names), class_text(d.prediction, names),
            *ok, file_field(file), class_text(d.reference, names), passing]


def trace_text(rows: Sequence[Sequence[str]], meta: Sequence[tuple[str, str]]) -> str:
    """The compact trace (docs/trace-format.md) of `rows`, in the given order."""
    return write_compact([[csv_field(c) for c in row] for row in rows], COLUMNS, meta)


def passing_counts(rows: Sequence[Sequence[str]]) -> tuple[list[int], list[int]]:
    """Per vector: images whose ``x_passing`` lists it, images whose ``crop`` is it."""
    passing = [0] * len(ALL_VECTORS)
    chosen = [0] * len(ALL_VECTORS)
    crop, listed = COLUMNS.index("crop"), COLUMNS.index("x_passing")
    for row in rows:
        chosen[int(row[crop][1:], 2)] += 1
        for item in filter(None, row[listed].split(";")):
            passing[int(item[1:], 2)] += 1
    return passing, chosen


def table_text(rows: Sequence[Sequence[str]], skipped: Sequence[int], total_macs: int,
               areas: Sequence[float], meta: Sequence[tuple[str, str]]) -> str:
    """The per-vector table: each vector's skipped MACs and the share of images it keeps right
    (the seed's "naive approach": one vector for every image), and how often the oracle keeps it."""
    passing, chosen = passing_counts(rows)
    n = len(rows)
    lines = [TABLE_LINE, *(f"# {k}: {v}" for k, v in meta), ",".join(TABLE_COLUMNS)]
    for v, vector in enumerate(ALL_VECTORS):
        lines.append(",".join([
            CROP_PREFIX + str(vector), str(vector.cropped_sides), f"{areas[v]:.6f}",
            str(skipped[v]), f"{skipped[v] / total_macs if total_macs else 0.0:.6f}",
            str(passing[v]), f"{passing[v] / n if n else 0.0:.6f}", str(chosen[v])]))
    return "\n".join(lines) + "\n"


def table_by_isaacsim(path) -> bool:
    """Whether the file at `path` is a per-vector table the oracle wrote (it may be replaced)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.readline().rstrip("\r\n") == TABLE_LINE
    except OSError:
        return False

