"""Shared helpers of the experiment scripts (docs/experiments.md).

Each script generates the traces it needs, runs one or more sweep specs from `scripts/specs/`
through the sweep library (`isaacsim.sweep`, the code behind `python -m isaacsim sweep`), and
writes `<name>.csv` tables, a `<name>.md` snippet with the same tables in Markdown and, when
matplotlib is importable, `<name>.png` into the output folder (default `docs/experiments/`).

Sweep folders and generated traces go into a work folder: a temporary one removed at the end
(default, so every run reflects the current code), or ``--work DIR`` to keep them; a rerun with
the same ``--work`` resumes and reuses the stored points (docs/sweeps.md section 4).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from isaacsim.csv_text import csv_text
from isaacsim.jsonio import dumps
from isaacsim.outputs import in_own_folder, own_folder, write_file
from isaacsim.sweep import load_sweep, plan_sweep, run_sweep
from isaacsim.traces import load_trace, synth_text, trace_stats, written_by_isaacsim

PATH_KEYS = ("trace", "network", "arch")
"""Override keys whose values may be files (docs/sweeps.md, Paths)."""
ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "scripts" / "specs"
DEFAULT_OUT = ROOT / "docs" / "experiments"


# --- command line and folders ------------------------------------------------------------------

def parser(doc: str) -> argparse.ArgumentParser:
    """The options every script takes: --out, --work, --jobs, --quick."""
    p = argparse.ArgumentParser(description=doc.strip().splitlines()[0],
                                epilog="See docs/experiments.md.")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="where the tables, snippets and figures go (default docs/experiments/)")
    p.add_argument("--work", type=Path, default=None, metavar="DIR",
                   help="keep traces and sweep folders here and resume from them (default: a "
                        "temporary folder, removed at the end)")
    p.add_argument("--jobs", type=int, default=2, metavar="N",
                   help="sweep worker processes (default 2)")
    p.add_argument("--quick", action="store_true",
                   help="few images, for tests: same tables, numbers not for quoting")
    return p


@contextlib.contextmanager
def workspace(args: argparse.Namespace, name: str) -> Iterator[Path]:
    """The script's work folder: ``--work DIR/<name>`` (kept) or a temporary folder (removed)."""
    if args.work is not None:
        yield own_folder(args.work / name, "experiment-work", option="--work", create_parents=True)
        return
    with tempfile.TemporaryDirectory(prefix=f"isaacsim-{name}-") as tmp:
        yield Path(tmp)


@contextlib.contextmanager
def timed(name: str) -> Iterator[None]:
    """Print how long the block took (on stdout; never written into a table)."""
    start = time.perf_counter()
    yield
    print(f"{name}: {time.perf_counter() - start:.1f} s")


# --- traces ------------------------------------------------------------------------------------

def synth(path: Path, *, network: str, images: int, seed: int, fraction: str = "0.25",
          policy: str = "oracle") -> Path:
    """Write the trace ``python -m isaacsim traces synth`` writes for these arguments to `path`.

    Byte-identical to the command's output (both use `isaacsim.traces.synth_text`); the command is
    recorded in the file's header.
    """
    write_file(path, synth_text(network=network, images=images, seed=seed, fraction=fraction,
                                policy=policy), owned=written_by_isaacsim)
    return path


def sides(vector: str) -> str:
    """The sides a crop vector [TOP, BOTTOM, LEFT, RIGHT] removes: ``"1011"`` -> ``"TLR"``."""
    return "".join(s for s, bit in zip("TBLR", vector) if bit == "1") or "none"


def stats(path: Path) -> dict:
    """``python -m isaacsim traces stats FILE --json`` as a dict, plus the croppable-only mean."""
    s = trace_stats(load_trace(path))
    return {**s.as_dict(), "mean_area_saved_croppable": s.mean_area_saved_croppable}


# --- sweeps ------------------------------------------------------------------------------------

def run_spec(name: str, folder: Path, *, jobs: int, images: int | None = None
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``scripts/specs/<name>.json`` into ``folder/<name>/``; (points.csv, results.csv). A
    failed point ends the script (`run_plan`)."""
    return run_plan(name, plan_spec(name, folder, images=images), jobs=jobs)


def plan_spec(name: str, folder: Path, *, images: int | None = None):
    """The sweep plan of ``scripts/specs/<name>.json``, to run into ``folder/<name>/``.

    The spec is copied into `folder` first, with the paths of files next to the spec (workload,
    traces, networks) rewritten relative to the copy, so that trace names of files not in
    `scripts/specs/` name traces the script generated into `folder` (the copy runs as is with
    ``python -m isaacsim sweep``). `images` is the sweep's ``--images`` (quick runs).
    """
    spec = json.loads((SPECS / f"{name}.json").read_text(encoding="utf-8"))
    spec["workload"] = _rebase(spec["workload"], folder)
    for entry in spec.get("points", []):
        entry.update({k: _rebase(entry[k], folder) for k in PATH_KEYS if k in entry})
    for key in set(PATH_KEYS) & set(spec.get("grid", {})):
        spec["grid"][key] = [_rebase(v, folder) for v in spec["grid"][key]]
    copy = folder / f"{name}.json"
    write_file(copy, dumps(spec), owned=in_own_folder)
    return plan_sweep(load_sweep(copy, images=images), folder / name)


def run_plan(name: str, plan, *, jobs: int, keep_failed: bool = False
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run a `plan_spec` plan; (points.csv, results.csv). A failed point ends the script, or with
    `keep_failed` is reported on stderr and stays in points.csv with its error."""
    print(f"sweep {name}: {len(plan.todo)} of {len(plan.sweep.points)} points to run",
          file=sys.stderr)
    outcome = run_sweep(plan, jobs=jobs)
    if outcome.interrupted:
        raise KeyboardInterrupt
    lines = [f"  {pp.point.label}: {err}" for pp, err in outcome.failed]
    if lines and not keep_failed:
        raise SystemExit(f"sweep {name}: {len(outcome.failed)} points failed\n" + "\n".join(lines))
    if lines:
        print(f"sweep {name}: {len(lines)} points failed\n" + "\n".join(lines), file=sys.stderr)
    text = {"image_id": str, "crop": str, "label": str}
    return (pd.read_csv(plan.store.out / "points.csv", dtype=text),
            pd.read_csv(plan.store.out / "results.csv", dtype=text))


def _rebase(value, folder: Path):
    """A spec path that names a file relative to scripts/specs/, made relative to `folder`."""
    if not isinstance(value, str) or not (SPECS / value).is_file():
        return value
    return os.path.relpath((SPECS / value).resolve(), folder.resolve()).replace(os.sep, "/")


def describe(values: pd.Series) -> dict[str, float]:
    """Mean, median, 5th and 95th percentile of a per-image column."""
    v = values.to_numpy(dtype=np.float64)
    return {"mean": float(v.mean()), "median": float(np.median(v)),
            "p5": float(np.percentile(v, 5)), "p95": float(np.percentile(v, 95))}


# --- precision tables -------------------------------------------------------------------------

PRECISION_NOTE = (
    "Means per image over the oracle-cropped trace. `baseline_*`: the same images uncropped at "
    "that precision; `*_rel`: relative to the first row's uncropped value (`energy_rel` is the "
    "cropped energy, so it combines precision and cropping); `compute_energy_saving`: the mean "
    "saving of cropping against the uncropped baseline at the same precision.\n")


def precision_row(point: dict) -> dict:
    """A points.csv row as energies (uJ per image) and latency, uncropped and cropped."""
    return {"baseline_energy_uj": point["baseline_energy_pj_mean"] / 1e6,
            "baseline_compute_energy_uj": point["baseline_compute_energy_pj_mean"] / 1e6,
            "baseline_latency_cycles": point["baseline_latency_cycles_mean"],
            "energy_uj": point["energy_pj_mean"] / 1e6,
            "compute_energy_uj": point["compute_energy_pj_mean"] / 1e6,
            "latency_cycles": point["latency_cycles_mean"],
            "compute_energy_saving": point["compute_energy_saving_mean"],
            "energy_saving": point["energy_saving_mean"],
            "latency_saving": point["latency_saving_mean"]}


def relative_to_first(df: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Add ``<col>_rel`` columns: energies and latency (uncropped and cropped) and `extra`,
    divided by the first row's uncropped value (the first row is the full-precision point)."""
    df = df.copy()
    for col in ("energy_uj", "compute_energy_uj", "latency_cycles"):
        first = df[f"baseline_{col}"].iloc[0]
        stem = col.removesuffix("_uj").removesuffix("_cycles")
        df[f"baseline_{stem}_rel"] = df[f"baseline_{col}"] / first
        df[f"{stem}_rel"] = df[col] / first
    for col in extra:
        df[f"{col}_rel"] = df[col] / df[col].iloc[0]
    return df


# --- tables and figures ------------------------------------------------------------------------

def write_csv(df: pd.DataFrame, out: Path, name: str) -> Path:
    """``out/<name>.csv`` with isaacsim's float format (10 significant digits), atomically."""
    path = out / f"{name}.csv"
    write_file(path, csv_text(df), owned=in_own_folder)
    return path


def markdown(df: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """A Markdown table; `formats` maps a column to a format spec (``".1%"``, ``",.0f"``, ...)."""
    formats = formats or {}

    def cell(col: str, value) -> str:
        if isinstance(value, float) and np.isnan(value):
            return ""
        spec = formats.get(col)
        return format(value, spec) if spec else str(value)

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(cell(c, v) for c, v in zip(df.columns, row)) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows]) + "\n"


def write_snippet(out: Path, name: str, title: str, sections: list[tuple[str, str]]) -> Path:
    """``out/<name>.md``: the script's tables in Markdown, for docs/experiments.md."""
    parts = [f"<!-- generated by scripts/{name}.py; do not edit -->\n", f"### {title}\n"]
    for heading, body in sections:
        parts.append(f"{heading}\n\n{body}" if heading else body)
    path = out / f"{name}.md"
    write_file(path, "\n".join(parts), owned=in_own_folder)
    return path


@contextlib.contextmanager
def figure(out: Path, name: str, **subplots) -> Iterator[tuple | None]:
    """``(fig, axes)`` to draw on, saved as ``out/<name>.png``; None without matplotlib.

    Without matplotlib (the optional ``plot`` extra) the figure is skipped with a note on stderr.
    """
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"{name}.png skipped: matplotlib is not installed "
              f"(pip install -e '.[plot]')", file=sys.stderr)
        yield None
        return
    fig, axes = plt.subplots(**subplots)
    try:
        yield fig, axes
        fig.tight_layout()
        png = io.BytesIO()
        fig.savefig(png, dpi=110, format="png", metadata={"Software": None})
        write_file(out / f"{name}.png", png.getvalue(), owned=in_own_folder)
    finally:
        plt.close(fig)


def precision_axes(ax, title: str, ylabel: str) -> None:
    """The common frame of a "cost versus bits" plot: bits falling to the right, costs from 0."""
    ax.set_ylabel(ylabel)
    ax.invert_xaxis()
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def ensure_out(args: argparse.Namespace) -> Path:
    """The output folder: created with isaacsim's marker, or one that already carries it (the
    repository's docs/experiments/ does); a folder of other files is refused."""
    return own_folder(args.out, "experiments", option="--out", create_parents=True)
