"""Result tables (pandas) and writing a run's results folder atomically.

Column names carry their units (`_cycles`, `_us`, `_pj`, `_bytes`); savings are fractions of the
baseline (0.25 = 25 % less). Floats are written with 10 significant digits, so the same inputs give
byte-identical files.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from isaacsim import __version__
from isaacsim.csv_text import csv_text
from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import dumps
from isaacsim.outputs import replace_folder


def percentile_summary(images: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Rows (metric, statistic, value) with mean, median, p5, p95, min, max of each column."""
    rows = []
    for col in columns:
        if col not in images:
            continue
        v = images[col].to_numpy(dtype=np.float64)
        if v.size == 0:
            continue
        stats = {"mean": v.mean(), "median": np.median(v), "p5": np.percentile(v, 5),
                 "p95": np.percentile(v, 95), "min": v.min(), "max": v.max()}
        rows += [{"metric": col, "statistic": k, "value": float(x)} for k, x in stats.items()]
    return rows


def versions(fmt: str = "csv") -> dict:
    """The versions of isaacsim, Python and the libraries a run's results depend on (and pyarrow's
    when the tables are written as Parquet)."""
    import numba
    import simpy
    out = {"isaacsim": __version__, "python": platform.python_version(), "numpy": np.__version__,
           "numba": numba.__version__, "simpy": simpy.__version__, "pandas": pd.__version__}
    if fmt == "parquet":
        import pyarrow
        out["pyarrow"] = pyarrow.__version__
    return out


RUN_KIND = "run"
"""The kind of folder `write_results` writes (isaacsim.outputs)."""
FORMATS = ("csv", "parquet")
"""Table formats of `write_results`: CSV (the default), or Parquet with the ``parquet`` extra."""
PARQUET_EXTRA = "pip install 'isaacsim[parquet]'"
PARQUET_COMPRESSION = "snappy"
"""Parquet's default codec, written out so that the bytes do not follow a library's default."""


def require_format(fmt: str, option: str = "--format") -> None:
    """`InputError` unless `fmt` is one of `FORMATS` and what it needs is installed (pyarrow for
    Parquet), so a run is refused before it simulates anything."""
    if fmt not in FORMATS:
        raise InputError(Problem(option, "", f"expected one of {', '.join(FORMATS)}, got "
                                             f"{fmt!r}"))
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
            import pyarrow.parquet  # noqa: F401
        except ImportError as exc:
            raise InputError(Problem(option, "parquet", f"writing Parquet needs pyarrow, which is "
                                                        f"not installed ({exc}); install it with "
                                                        f"{PARQUET_EXTRA}, or write CSV (the "
                                                        f"default)")) from None


def _write_parquet(parts: Iterable[pd.DataFrame], path: Path) -> None:
    """One table, given in runs of rows, as Parquet (a row group per run): the frames' own column
    types (float64 at full precision), pandas' schema metadata (so `pandas.read_parquet` restores
    the types) and no timestamp anywhere, so the same table gives the same bytes with the same
    pyarrow and pandas."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    writer = None
    try:
        for df in parts:
            table = pa.Table.from_pandas(df, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression=PARQUET_COMPRESSION)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def _write_csv(parts: Iterable[pd.DataFrame], path: Path) -> None:
    """One table, given in runs of rows, as CSV: the header once, then the rows of each run
    appended, the same bytes as the whole table written at once (`isaacsim.csv_text`: pandas'
    `to_csv` bytes)."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        for i, df in enumerate(parts):
            f.write(csv_text(df, header=i == 0))


def table_chunks(tables: Mapping[str, pd.DataFrame], name: str) -> Iterable[pd.DataFrame]:
    """Table `name` of `tables` in runs of rows: its own `chunks` when it has them
    (`isaacsim.tables.Tables` builds the layers table a run at a time), else the whole frame."""
    chunks = getattr(tables, "chunks", None)
    return chunks(name) if chunks is not None else [tables[name]]


def write_results(out_dir: str | Path, tables: Mapping[str, pd.DataFrame], meta: dict, *,
                  option: str = "--out", create_parents: bool = False,
                  fmt: str = "csv") -> Path:
    """Write `<name>.csv` (or `<name>.parquet` with `fmt="parquet"`) for each table and
    `run.json`, all at once (the folder is replaced atomically: an interrupted write leaves the
    previous folder, or none, never half a folder).

    An existing `out_dir` is replaced only when it is an earlier run's folder holding nothing else
    (`isaacsim.outputs.replace_folder`); otherwise `InputError` and nothing is touched."""
    require_format(fmt)
    out = Path(out_dir)
    with replace_folder(out, RUN_KIND, option=option, create_parents=create_parents) as tmp:
        for name in tables:
            if fmt == "parquet":
                _write_parquet(table_chunks(tables, name), tmp / f"{name}.parquet")
            else:
                _write_csv(table_chunks(tables, name), tmp / f"{name}.csv")
        (tmp / "run.json").write_text(dumps(meta), encoding="utf-8")
    return out


def read_run_json(out_dir: str | Path) -> dict:
    return json.loads((Path(out_dir) / "run.json").read_text(encoding="utf-8"))
