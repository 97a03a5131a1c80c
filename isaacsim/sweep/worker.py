"""What a worker does for one point: load the workload with the point's overrides, run it, and return
plain data (the images table as CSV text, summary statistics, run facts) for the sweep to store; a
shard returns its images table as a DataFrame at full precision and its works' digests instead,
which `merge_shards` turns into the point's.

`run_point` is a top-level function of an importable module, so worker processes (spawn or
forkserver) and Dask workers find it by name. A task may be one *shard* of a point (a run of its
images, single mode only: each image is simulated alone, so a shard's rows are the point's rows);
`merge_shards` joins the shards' results into the point's, the same as one task's.

`run_point` never raises for a failing point: an input error or any other exception becomes a
``"failed"`` result with the message (and the traceback for unexpected errors), so one bad point
does not stop the others. Only KeyboardInterrupt propagates.
"""

from __future__ import annotations

import dataclasses
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from isaacsim.csv_text import csv_text
from isaacsim.errors import InputError
from isaacsim.runner import run_workload
from isaacsim.traces import load_trace
from isaacsim.workload import load_workload

STATISTICS_OF = ("compute_energy_saving", "energy_saving", "latency_saving", "latency_cycles",
                 "baseline_latency_cycles")
"""images.csv columns summarised by mean, median and p95 in points.csv."""
MEANS_OF = ("energy_pj", "compute_energy_pj", "baseline_energy_pj", "baseline_compute_energy_pj")
"""images.csv columns summarised by their mean."""
THROUGHPUTS = ("throughput_images_per_s", "baseline_throughput_images_per_s")
"""summary.csv values carried over in stream mode."""


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to run one point (picklable, paths absolute)."""

    point_id: str
    workload_path: str
    sets: dict[str, Any] = field(default_factory=dict)
    """The point's overrides plus the sweep's run settings, as for `load_workload`."""
    shard: tuple[int, int] | None = None
    """Images `[a, b)` of the point's trace only (a shard of the point), or None (all of them)."""


def summary_columns() -> list[str]:
    """The summary statistics of a point, in points.csv's column order."""
    cols = [f"{c}_{s}" for c in STATISTICS_OF for s in ("mean", "median", "p95")]
    return cols + [f"{c}_mean" for c in MEANS_OF] + list(THROUGHPUTS)


def _summary(tables: Mapping) -> dict[str, float | None]:
    images = tables["images"]
    out: dict[str, float | None] = {}
    for col in STATISTICS_OF:
        v = images[col].to_numpy(dtype=np.float64) if col in images else None
        for stat, fn in (("mean", np.mean), ("median", np.median),
                         ("p95", lambda a: np.percentile(a, 95))):
            out[f"{col}_{stat}"] = float(fn(v)) if v is not None and v.size else None
    for col in MEANS_OF:
        v = images[col].to_numpy(dtype=np.float64) if col in images else None
        out[f"{col}_mean"] = float(v.mean()) if v is not None and v.size else None
    summary = tables["summary"]
    for metric in THROUGHPUTS:
        hit = summary.loc[summary["metric"] == metric, "value"]
        out[metric] = float(hit.iloc[0]) if len(hit) else None
    return out


_TRACES: dict[tuple, Any] = {}
"""In a worker: the last trace read for shards ((path, size, mtime, network) -> Trace), so the
shards of one point that a worker runs read its trace once."""


def _shard_workload(workload, shard: tuple[int, int]):
    """`workload` with its trace cut to images `[a, b)`."""
    path = Path(workload.trace)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, workload.network.name)
    trace = _TRACES.get(key)
    if trace is None:
        _TRACES.clear()
        trace = _TRACES[key] = load_trace(workload.trace, workload.network)
    a, b = shard
    return dataclasses.replace(workload, run=dataclasses.replace(workload.run, images=None),
                               trace_data=dataclasses.replace(trace, images=trace.images[a:b]))


def run_point(task: Task) -> dict[str, Any]:
    """Run one point (or one shard of it); returns ``{"status": "ok", ...}`` or
    ``{"status": "failed", "error": ...}``."""
    start = time.perf_counter()
    try:
        workload = load_workload(task.workload_path, task.sets)
        if task.shard is not None:
            workload = _shard_workload(workload, task.shard)
        result = run_workload(workload, jobs=1)  # the sweep splits over points, not inside one
        if result.meta["interrupted"]:
            # only in-process runs see Ctrl-C here (pool workers ignore SIGINT): a partial point
            # is not a result
            raise KeyboardInterrupt
        meta = result.meta
        out = {"status": "ok", "point_id": task.point_id,
               "run": {"images": meta["images"], "mode": meta["mode"], "engine": meta["engine"],
                       "baseline": meta["baseline"], "chips": meta["chips"],
                       "distinct_works": meta["distinct_works"]},
               "seconds": time.perf_counter() - start}
        if task.shard is not None:  # the rows at full precision and the works, for merge_shards
            out.update(images=result.tables["images"], digests=result.work_digests)
        else:
            out.update(images_csv=csv_text(result.tables["images"]), summary=_summary(result.tables))
        return out
    except InputError as exc:
        return failure(task.point_id, str(exc), None, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - a failing point must not stop the sweep
        return failure(task.point_id, f"{type(exc).__name__}: {exc}", traceback.format_exc(),
                       time.perf_counter() - start)


def merge_shards(point_id: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """The point's result from its shards' (in image order): the first failure if any shard
    failed; else the rows joined, the summary of all of them, the distinct works of all of them."""
    seconds = sum(r.get("seconds") or 0.0 for r in results)
    for r in results:
        if r["status"] != "ok":
            return {**r, "point_id": point_id, "seconds": seconds}
    images = pd.concat([r["images"] for r in results], ignore_index=True)
    run = dict(results[0]["run"])
    run["images"] = sum(r["run"]["images"] for r in results)
    run["distinct_works"] = len(frozenset().union(*(r["digests"] for r in results)))
    summary = _summary({"images": images, "summary": pd.DataFrame({"metric": [], "value": []})})
    return {"status": "ok", "point_id": point_id, "images_csv": csv_text(images),
            "summary": summary, "run": run, "seconds": seconds}


def failure(point_id: str, error: str, trace: str | None = None,
            seconds: float | None = None) -> dict[str, Any]:
    """The result of a point that could not be run."""
    return {"status": "failed", "point_id": point_id, "error": error, "traceback": trace,
            "seconds": seconds}
