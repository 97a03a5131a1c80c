"""`run --format parquet`: the tables of the CSV files, as Parquet (the `parquet` extra)."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.csv_text import FLOAT_FORMAT

TINY = "workloads/tiny_cropped.json"
TABLES = ("images", "layers", "components", "summary")


def _run(out, *args) -> None:
    assert main(["run", TINY, "--out", str(out), "--progress", "off", *args]) == 0


@pytest.mark.parametrize("mode", ["single", "stream"])
def test_parquet_tables_read_back_as_the_csv_tables(tmp_path, mode):
    pytest.importorskip("pyarrow")
    _run(tmp_path / "csv", "--mode", mode)
    _run(tmp_path / "pq", "--mode", mode, "--format", "parquet")
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == \
        sorted([f"{t}.parquet" for t in TABLES] + ["run.json", ".isaacsim-output"])
    for name in TABLES:
        table = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        csv = (tmp_path / "csv" / f"{name}.csv").read_bytes()
        # the same rows, columns and values: written as run writes CSV, the bytes are the file's
        again = table.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        assert again.encode() == csv, name
        # and the values themselves, not only their 10 significant digits
        back = pd.read_csv(tmp_path / "csv" / f"{name}.csv", dtype={"crop": str})
        assert list(table.columns) == list(back.columns)
        for col in table.columns:
            if pd.api.types.is_float_dtype(table[col]):
                assert table[col].to_numpy() == pytest.approx(back[col].to_numpy(), rel=1e-9)
            elif pd.api.types.is_integer_dtype(table[col]) and col != "image_id":
                assert table[col].tolist() == back[col].tolist()


def test_parquet_files_are_byte_identical_for_the_same_inputs(tmp_path):
    pytest.importorskip("pyarrow")
    for d in ("a", "b"):
        _run(tmp_path / d, "--format", "parquet")
    for name in TABLES:
        assert (tmp_path / "a" / f"{name}.parquet").read_bytes() == \
            (tmp_path / "b" / f"{name}.parquet").read_bytes()


def test_parquet_without_pyarrow_is_refused_before_running(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    code = main(["run", TINY, "--out", str(tmp_path / "r"), "--format", "parquet",
                 "--progress", "off"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "--format" in err and "pip install 'isaacsim[parquet]'" in err
    assert not (tmp_path / "r").exists()
