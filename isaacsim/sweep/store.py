"""A sweep's folder: one atomically written folder per finished point, and the merged tables.

Layout of ``DIR``::

    points/<id>/point.json   overrides, status, fingerprint, run facts, summary, error
    points/<id>/images.csv   the point's images table (docs/reports.md), finished points only
    results.csv              one row per point and image: point_id, override columns, images.csv
    points.csv               one row per point: id, label, status, overrides, summary statistics
    sweep.json               the spec, the counts and the versions

A point's folder is written whole or not at all (`outputs.replace_folder`), so a killed sweep leaves only
complete points. A stored point is reused only when its status is ``ok`` and its fingerprint (the
resolved inputs) equals the current one; failed points are run again. The merged tables are built
from the stored folders alone, in spec order, with fixed float formatting, so they are byte for byte
the same whichever backend ran the points and however often the sweep was interrupted.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from isaacsim.jsonio import dumps
from isaacsim.outputs import in_own_folder, replace_folder, write_file
from isaacsim.report import FLOAT_FORMAT
from isaacsim.sweep.points import override_columns, render_value
from isaacsim.sweep.spec import PlannedPoint, Sweep
from isaacsim.sweep.worker import summary_columns

FORMAT_VERSION = 1
SWEEP_KIND = "sweep"
POINT_KIND = "sweep-point"
RUN_COLUMNS = ("images", "mode", "engine", "chips", "distinct_works")


class PointStore:
    """The stored points of one sweep folder."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.points_dir = self.out / "points"

    def folder(self, point_id: str) -> Path:
        return self.points_dir / point_id

    def record(self, pp: PlannedPoint) -> dict[str, Any] | None:
        """The stored point.json of `pp` if it was stored for the same inputs, else None."""
        path = self.folder(pp.point.id) / "point.json"
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
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
               "fingerprint": pp.fingerprint, "seconds": result.get("seconds")}
        if result["status"] == "ok":
            rec.update(run=result["run"], summary=result["summary"])
        else:
            rec.update(error=result["error"], traceback=result.get("traceback"))
        rec["workload"] = pp.workload
        with replace_folder(self.folder(pp.point.id), POINT_KIND, option="sweep point",
                            create_parents=True) as tmp:
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
        front = {"point_id": pp.point.id}
        front.update({k: render_value(pp.point.overrides[k]) if k in pp.point.overrides else ""
                      for k in keys})
        head = pd.DataFrame({_column(k, df.columns): [v] * len(df) for k, v in front.items()},
                            dtype=object)
        return pd.concat([head, df.astype(object)], axis=1)


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
    rows = []
    for pp, rec in records:
        rec = rec or {}
        row: dict[str, Any] = {"point_id": pp.point.id, "label": pp.point.label,
                               "status": rec.get("status", "missing")}
        row.update({_column(k, fixed + list(RUN_COLUMNS) + stats + ["error"]):
                    render_value(pp.point.overrides[k]) if k in pp.point.overrides else ""
                    for k in keys})
        run, summary = rec.get("run") or {}, rec.get("summary") or {}
        row.update({c: run.get(c) for c in RUN_COLUMNS})
        row.update({c: summary.get(c) for c in stats})
        row["error"] = rec.get("error", "")
        rows.append(row)
    return pd.DataFrame(rows)


def _csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return buf.getvalue()
