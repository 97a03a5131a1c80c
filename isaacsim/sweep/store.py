"""A sweep's folder: one atomically written folder per finished point, and the merged tables.

Layout of ``DIR``::

    .isaacsim-output         the marker: an isaacsim sweep folder (isaacsim.outputs)
    points/<id>/point.json   overrides, status, fingerprint, warnings, run facts, summary, error
    points/<id>/images.csv   the point's images table (docs/reports.md), finished points only
    results.csv              one row per point and image: point_id, override columns, images.csv
    points.csv               one row per point: id, label, status, overrides, summary statistics
    sweep.json               the spec, the counts and the versions

The sweep folder is isaacsim's own (`outputs.own_folder`, kind ``sweep``): created with the
marker, adopted when empty, reused when it carries the marker; anything else (a file, a folder of
other files, a sweep folder of an isaacsim from before the marker) is refused before anything runs.
A point's folder is written whole or not at all (`outputs.replace_folder`, kind ``sweep-point``), so
a killed sweep leaves only complete points, and an existing point folder is replaced only when it
is isaacsim's own. Point folders are named by point id only (`points.ID_RE`), never by anything
from the spec, so nothing is written outside the sweep folder.

A stored point is reused only when its status is ``ok`` and its fingerprint (the resolved inputs
and the isaacsim version) equals the current one; failed points are run again. The merged tables
are built from the stored folders alone, in spec order, with fixed float formatting, so they are
byte for byte the same whichever backend ran the points and however often the sweep was
interrupted.

**Text cells.** ``pandas.read_csv`` with its default arguments guesses each column's type: a text
value such as ``0110`` comes back as the number 110, ``true`` as a boolean, ``NA`` or ``None`` as
missing. So a text cell that pandas (or JSON) would read as anything but that text is written as a
JSON string, in double quotes (``"0110"``); override values that are not text are written as JSON
(``8``, ``0.125``, ``true``, ``[1, 2]``). Every text cell therefore reads back as: the JSON value
when the cell parses as JSON, otherwise the text itself (`decode_cell`). An empty cell is a value
not set (an override a point does not change, no error, no warnings).
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from isaacsim import __version__
from isaacsim.csv_text import csv_text
from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import dumps
from isaacsim.outputs import (
    MARKER,
    in_own_folder,
    own_folder,
    read_marker,
    replace_folder,
    replace_problem,
    write_file,
)
from isaacsim.sweep.points import ID_RE, override_columns
from isaacsim.sweep.spec import PlannedPoint, Sweep
from isaacsim.sweep.worker import summary_columns
from isaacsim.traces.model import PANDAS_NA_TEXTS

FORMAT_VERSION = 1
SWEEP_KIND = "sweep"
POINT_KIND = "sweep-point"
RUN_COLUMNS = ("images", "mode", "engine", "chips", "distinct_works")
IMAGE_TEXT_COLUMNS = ("image_id", "crop")
"""The text columns of images.csv (docs/reports.md); every other column holds numbers."""
WARNING_SEPARATOR = "; "
"""Joins a point's warnings in the ``warnings`` column of points.csv."""
_OLD_SWEEP_FILES = ("points", "sweep.json", "points.csv", "results.csv")
"""What a sweep folder of an isaacsim from before the marker holds."""


class PointStore:
    """The stored points of one sweep folder."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.points_dir = self.out / "points"

    @classmethod
    def open(cls, out: str | Path, *, option: str = "--out",
             create_parents: bool = False) -> "PointStore":
        """The sweep folder `out`, created (with its marker and ``points/``) or checked to be an
        isaacsim sweep folder; `InputError` (nothing created) when it may not be used."""
        target = Path(out)
        if target.is_dir() and not target.is_symlink() and read_marker(target) is None \
                and any((target / name).exists() for name in _OLD_SWEEP_FILES):
            raise InputError(Problem(option, str(target), (
                f"looks like a sweep folder written by an older isaacsim (it has no {MARKER} "
                f"marker), whose stored points this version would run again anyway; give a new "
                f"folder with --out, and remove the old one yourself once you no longer need it")))
        store = cls(own_folder(target, SWEEP_KIND, option=option, create_parents=create_parents))
        points = store.points_dir
        if points.is_symlink() or (points.exists() and not points.is_dir()):
            raise InputError(Problem(option, str(points), (
                "is not the folder of points isaacsim writes (a file or a symbolic link); give a "
                "new sweep folder with --out")))
        points.mkdir(exist_ok=True)
        return store

    def folder(self, point_id: str) -> Path:
        if not ID_RE.fullmatch(point_id):  # ids are hashes: never a path that leaves points/
            raise ValueError(f"not a point id: {point_id!r}")
        return self.points_dir / point_id

    def check_replaceable(self, todo: list[PlannedPoint], option: str = "--out") -> None:
        """Refuse (`InputError`, listing them all) point folders to be written that exist and are
        not isaacsim's own point folders holding only its files."""
        problems = []
        for pp in todo:
            folder = self.folder(pp.point.id)
            why = replace_problem(folder, POINT_KIND)
            if why:
                problems.append(Problem(option, str(folder), (
                    f"{why}; isaacsim replaces only point folders it wrote (marked by {MARKER}): "
                    f"move it away, or give a new sweep folder with --out")))
        if problems:
            raise InputError(problems)

    def record(self, pp: PlannedPoint) -> dict[str, Any] | None:
        """The stored point.json of `pp` if it was stored for the same inputs, else None."""
        folder = self.folder(pp.point.id)
        marker = read_marker(folder)
        if marker is None or marker.get("kind") != POINT_KIND:
            return None
        try:
            rec = json.loads((folder / "point.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(rec, dict) or rec.get("fingerprint") != pp.fingerprint \
                or rec.get("id") != pp.point.id:
            return None
        return rec

    def finished(self, pp: PlannedPoint) -> bool:
        """Whether `pp` has a stored successful result for the current inputs."""
        rec = self.record(pp)
        return rec is not None and rec.get("status") == "ok" \
            and (self.folder(pp.point.id) / "images.csv").is_file()

    def write(self, pp: PlannedPoint, result: dict[str, Any]) -> None:
        """Store one point's result (a `worker.run_point` dict) atomically."""
        rec = {"format_version": FORMAT_VERSION, "id": pp.point.id, "label": pp.point.label,
               "overrides": pp.point.overrides, "status": result["status"],
               "fingerprint": pp.fingerprint, "isaacsim": __version__,
               "warnings": list(pp.warnings), "seconds": result.get("seconds")}
        if result["status"] == "ok":
            rec.update(run=result["run"], summary=result["summary"])
        else:
            rec.update(error=result["error"], traceback=result.get("traceback"))
        rec["workload"] = pp.workload
        with replace_folder(self.folder(pp.point.id), POINT_KIND, option="sweep point") as tmp:
            if result["status"] == "ok":
                (tmp / "images.csv").write_text(result["images_csv"], encoding="utf-8",
                                                newline="")
            (tmp / "point.json").write_text(dumps(rec), encoding="utf-8")

    def merge(self, sweep: Sweep, versions: dict[str, str]) -> dict[str, Any]:
        """Write results.csv, points.csv and sweep.json from the stored points, in spec order.

        Returns counts: ``points``, ``ok``, ``failed``, ``missing`` (never run) and ``rows``.
        """
        keys = override_columns([pp.point for pp in sweep.points])
        records = [(pp, self.record(pp)) for pp in sweep.points]
        frames = []
        for pp, rec in records:
            if rec is not None and rec.get("status") == "ok":
                frames.append(self._images(pp, keys))
        results = _results_table(frames, keys)
        points = _points_table(records, keys)
        write_file(self.out / "results.csv", _csv(results), owned=in_own_folder)
        write_file(self.out / "points.csv", _csv(points), owned=in_own_folder)
        status = [rec.get("status") if rec else "missing" for _, rec in records]
        counts = {"points": len(records), "ok": status.count("ok"),
                  "failed": status.count("failed"), "missing": status.count("missing"),
                  "rows": len(results)}
        meta = {"format_version": FORMAT_VERSION, "spec": sweep.source, "sweep": sweep.raw,
                "counts": counts, "versions": versions}
        write_file(self.out / "sweep.json", dumps(meta), owned=in_own_folder)
        return counts

    def _images(self, pp: PlannedPoint, keys: list[str]) -> pd.DataFrame:
        """A stored images.csv as text columns, with the point id and its override columns."""
        df = pd.read_csv(self.folder(pp.point.id) / "images.csv", dtype=str,
                         keep_default_na=False)
        for col in IMAGE_TEXT_COLUMNS:
            if col in df:
                df[col] = text_cells(list(df[col]))
        front = {"point_id": pp.point.id}
        front.update({k: value_cell(pp.point.overrides[k]) if k in pp.point.overrides else ""
                      for k in keys})
        head = pd.DataFrame({_column(k, df.columns): [v] * len(df) for k, v in front.items()},
                            dtype=object)
        return pd.concat([head, df.astype(object)], axis=1)


# -- text cells ---------------------------------------------------------------------------------

def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=1 << 16)
def _maybe_misread(text: str) -> bool:
    """Whether pandas.read_csv or json.loads might read `text` as anything but this text: empty,
    padded, JSON-like, a missing-value or boolean word, or anything Python reads as a number (a
    superset of what pandas does; tests/test_sweep_safety.py checks against pandas itself)."""
    if not text or text != text.strip() or text[0] in "\"[{" or text in PANDAS_NA_TEXTS:
        return True
    if text.lower() in ("true", "false", "null", "nan", "inf", "-inf", "+inf", "infinity"):
        return True
    return _is_number(text)


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def text_cells(texts: list[str]) -> list[str]:
    """Text values as cells that pandas.read_csv reads back as this text (`decode_cell` of each
    gives the text back): plain when safe, else as a JSON string. Empty stays empty (not set)."""
    return [t if t == "" or not _maybe_misread(t) else _quoted(t) for t in texts]


def value_cell(value: Any) -> str:
    """An override value as a cell: text as in `text_cells` (the empty text as ``""``), any other
    JSON value as its JSON (``8``, ``0.125``, ``true``, ``[1, 2]``)."""
    if isinstance(value, str):
        return text_cells([value])[0] if value else '""'
    if isinstance(value, float) and not math.isfinite(value):
        return _quoted(str(value))
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def decode_cell(cell: Any) -> Any:
    """What a text cell of points.csv or results.csv stands for, as read by pandas.read_csv: the
    JSON value when the cell parses as JSON, otherwise the text itself (numbers, booleans and
    missing values pandas has already decoded are returned as they are)."""
    if not isinstance(cell, str):
        return cell
    try:
        return json.loads(cell)
    except ValueError:
        return cell


# -- tables -------------------------------------------------------------------------------------

def _column(key: str, taken) -> str:
    """An override key's column name (prefixed in the unlikely case it clashes with a report's)."""
    return f"override:{key}" if key in set(taken) else key


def _results_table(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=["point_id", *keys])
    return pd.concat(frames, ignore_index=True, sort=False).fillna("")


def _points_table(records: list[tuple[PlannedPoint, dict | None]], keys: list[str]) -> pd.DataFrame:
    fixed = ["point_id", "label", "status"]
    stats = summary_columns()
    tail = [*RUN_COLUMNS, *stats, "error", "warnings"]
    names = {k: _column(k, fixed + tail) for k in keys}
    rows = []
    for pp, rec in records:
        rec = rec or {}
        row: dict[str, Any] = {"point_id": pp.point.id, "label": pp.point.label,
                               "status": rec.get("status", "missing")}
        row.update({names[k]: value_cell(pp.point.overrides[k]) if k in pp.point.overrides else ""
                    for k in keys})
        run, summary = rec.get("run") or {}, rec.get("summary") or {}
        row.update({c: run.get(c) for c in RUN_COLUMNS})
        row.update({c: summary.get(c) for c in stats})
        row["error"] = rec.get("error") or ""
        row["warnings"] = WARNING_SEPARATOR.join(pp.warnings)
        rows.append(row)
    df = pd.DataFrame(rows, columns=[*fixed, *names.values(), *tail])
    for col in ("point_id", "label", "status", "mode", "engine", "error", "warnings"):
        df[col] = text_cells(["" if v is None or (isinstance(v, float) and math.isnan(v))
                              else str(v) for v in df[col]])
    return df


def _csv(df: pd.DataFrame) -> str:
    return csv_text(df)
