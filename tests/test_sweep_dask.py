"""The Dask backend: a sweep on a LocalCluster equals the local run byte for byte; without dask
installed, `--dask` exits 2 and says how to install it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from isaacsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "workloads" / "tiny_cropped.json"
SPEC = {"format_version": 1, "name": "dask", "workload": str(TINY), "images": 3,
        "grid": {"precision.weight_bits": [16, 8]},
        "points": [{}, {"arch.tile.edram.bytes": 256}]}


@pytest.fixture
def spec(tmp_path) -> Path:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(SPEC), encoding="utf-8")
    return path


def test_dask_cluster_gives_the_same_files_as_local_processes(spec, tmp_path):
    dd = pytest.importorskip("dask.distributed")
    local, remote = tmp_path / "local", tmp_path / "dask"
    # the edram point fails at run time on both backends: failures travel back the same way
    assert main(["sweep", str(spec), "--out", str(local), "--jobs", "1", "--progress", "off"]) == 1
    with dd.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                         dashboard_address=None) as cluster:
        assert main(["sweep", str(spec), "--out", str(remote), "--dask",
                     cluster.scheduler_address, "--progress", "off"]) == 1
    for name in ("results.csv", "points.csv"):
        assert (remote / name).read_bytes() == (local / name).read_bytes()
    ids = sorted(p.name for p in (local / "points").iterdir())
    assert ids == sorted(p.name for p in (remote / "points").iterdir()) and len(ids) == 4
    for pid in ids:
        if (local / "points" / pid / "images.csv").exists():
            assert (remote / "points" / pid / "images.csv").read_bytes() == \
                (local / "points" / pid / "images.csv").read_bytes()


def test_dask_cluster_runs_sharded_points_like_whole_ones(spec, tmp_path):
    """Every point cut into one-image shards on the cluster (a failing point fails in every
    shard): the files of whole points run locally."""
    dd = pytest.importorskip("dask.distributed")
    local, remote = tmp_path / "local", tmp_path / "dask"
    assert main(["sweep", str(spec), "--out", str(local), "--jobs", "1", "--progress", "off",
                 "--shard-images", "1000"]) == 1
    with dd.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                         dashboard_address=None) as cluster:
        assert main(["sweep", str(spec), "--out", str(remote), "--dask",
                     cluster.scheduler_address, "--progress", "off", "--shard-images", "1"]) == 1
    for name in ("results.csv", "points.csv"):
        assert (remote / name).read_bytes() == (local / name).read_bytes()
    for point in (local / "points").iterdir():
        if (point / "images.csv").exists():
            assert (remote / "points" / point.name / "images.csv").read_bytes() == \
                (point / "images.csv").read_bytes()


def test_dask_missing_exits_2_with_the_install_command(spec, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    assert main(["sweep", str(spec), "--dask", "tcp://127.0.0.1:8786"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'isaacsim[dask]'" in err and "Traceback" not in err
