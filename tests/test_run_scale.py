"""Runs over many images: compact bit maps, duplicate works found by their trace record, the layers
table built and written a chunk of images at a time."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from isaacsim import accounting as acc
from isaacsim import engine, reference, single_run, tables
from isaacsim import works as works_module
from isaacsim.cli import main
from isaacsim.plan import ImageWork, compact_map
from isaacsim.runner import run_workload
from isaacsim.targets.isaac.lowering import image_work, lower, read_cycles
from isaacsim.traces import expand, load_trace
from isaacsim.workload import load_workload
from isaacsim.works import record_key

VGG = "workloads/vgg16_cropped.json"
TINY = "workloads/tiny_cropped.json"


def test_compact_map_narrows_what_fits_and_keeps_the_rest():
    small = compact_map(np.array([[0, 16], [255, 3]], np.int64))
    assert small.dtype == np.uint8 and small.tolist() == [[0, 16], [255, 3]]
    assert compact_map(np.array([[True, False]])).tolist() == [[1, 0]]
    for wide in (np.array([256, 0]), np.array([-1, 3])):
        kept = compact_map(wide)
        assert kept.dtype == np.int64 and kept.tolist() == wide.tolist()


def _tiny_works():
    wl = load_workload(TINY)
    lowered = lower(wl.network, wl.map(), wl.arch)
    trace = load_trace(wl.trace, wl.network)
    works = [works_module.layer_bits(lowered, wl, img, False) for img in trace.images[:6]]
    return lowered, works


def test_uint8_maps_simulate_and_count_like_int64_maps():
    lowered, works = _tiny_works()
    assert all(b.dtype == np.uint8 for w in works for b in w.bits)
    wide = [ImageWork(w.image_id, tuple(b.astype(np.int64) for b in w.bits), 7 * i)
            for i, w in enumerate(works)]
    narrow = [dataclasses.replace(w, arrival_cycle=7 * i) for i, w in enumerate(works)]
    for simulate in (engine.simulate, reference.simulate):
        for mode in ("single", "stream"):
            a, b = simulate(lowered.plan, narrow, mode=mode), simulate(lowered.plan, wide, mode=mode)
            for name in vars(a):
                assert np.array_equal(getattr(a, name), getattr(b, name)), (simulate, mode, name)
    res = engine.simulate(lowered.plan, narrow, mode="single")
    ca = acc.count_events(lowered, works_module.work_facts(lowered, narrow), res)
    cb = acc.count_events(lowered, works_module.work_facts(lowered, wide), res)
    assert all(np.array_equal(ca[k], cb[k]) for k in ca)


def test_maps_of_16_bits_are_stored_as_bytes_with_their_values():
    for sets in ({}, {"arch.ima.dac.bits": 2, "arch.ima.adc.bits": 10}):
        wl = load_workload(TINY, sets)
        lowered = lower(wl.network, wl.map(), wl.arch)
        bits = {layer.name: np.full(layer.out_shape[:2], 16) for layer in wl.network.layers}
        work = image_work(lowered, "i", np.ones(wl.network.input_shape[:2], bool), bits)
        assert all(b.dtype == np.uint8 for b in work.bits)
        for layer, b in zip(wl.network.layers, work.bits[1:]):
            want = read_cycles(np.array(16), wl.arch.dac_bits) if layer.uses_crossbars else 16
            assert (b == want).all()


def test_record_keys_hash_each_record_once_and_find_the_same_duplicates(monkeypatch):
    wl = load_workload(VGG)
    trace = load_trace(wl.trace, wl.network)
    images = 60
    calls = []
    digest = works_module.digest
    monkeypatch.setattr(single_run, "digest", lambda w: calls.append(w.image_id) or digest(w))
    out = run_workload(wl, images=images)
    records = {record_key(img, False) for img in trace.images[:images]}
    assert len(calls) == len(records) + 1  # once per distinct record, once for the baseline
    # keyed by record or by hashing every image's maps: the same partition into distinct works
    lowered = lower(wl.network, wl.map(), wl.arch)
    works = [works_module.layer_bits(lowered, wl, img, False) for img in trace.images[:images]]
    by_maps = [works_module.digest(w) for w in works]
    by_record = [record_key(img, False) for img in trace.images[:images]]
    pairs = {(a, b) for a, b in zip(by_maps, by_record)}
    assert len(pairs) == len(set(by_maps)) == len(set(by_record)) == out.meta["distinct_works"]


def test_explicit_trace_gives_the_reports_of_its_compact_trace():
    wl = load_workload(TINY)
    compact = load_trace(wl.trace, wl.network)
    explicit = expand(compact, wl.network, default_fraction=wl.crop.fraction)
    runs = [run_workload(dataclasses.replace(wl, trace_data=t)) for t in (compact, explicit)]
    assert runs[0].meta["distinct_works"] == runs[1].meta["distinct_works"] < len(compact.images)
    for name in ("images", "layers", "components", "summary"):
        a, b = (r.tables[name].drop(columns=["crop"], errors="ignore") for r in runs)
        assert a.equals(b), name


def test_identical_explicit_works_are_simulated_once(monkeypatch):
    """Explicit records carry no key: their maps are digested, a simulator simulates each
    distinct digest once (its memo), and the maps it simulates are bytes."""
    wl = load_workload(TINY)
    explicit = expand(load_trace(wl.trace, wl.network), wl.network,
                      default_fraction=wl.crop.fraction)
    doubled = dataclasses.replace(explicit, images=explicit.images + explicit.images)
    calls = []
    fast = single_run.ENGINES["fast"]

    def counting(plan, works, mode):
        calls.append(works[0].image_id)
        assert all(b.dtype == np.uint8 for w in works for b in w.bits)
        return fast(plan, works, mode=mode)

    monkeypatch.setitem(single_run.ENGINES, "fast", counting)
    out = run_workload(dataclasses.replace(wl, trace_data=doubled), baseline=False)
    n = len(explicit.images)
    assert out.meta["images"] == 2 * n and len(calls) == out.meta["distinct_works"] <= n
    images = out.tables["images"]
    assert images.iloc[:n].drop(columns="image_id").reset_index(drop=True).equals(
        images.iloc[n:].drop(columns="image_id").reset_index(drop=True))


def _reports(tmp_path, name, *args) -> dict[str, bytes]:
    out = tmp_path / name
    assert main(["run", TINY, "--out", str(out), "--progress", "off", *args]) == 0
    return {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".csv", ".parquet")}


@pytest.mark.parametrize("mode", ["single", "stream"])
def test_layers_written_a_few_rows_at_a_time_are_the_same_bytes(tmp_path, monkeypatch, mode):
    whole = _reports(tmp_path, "whole", "--mode", mode)
    layers = len(load_workload(TINY).network.layers)
    monkeypatch.setattr(tables, "LAYER_ROWS_PER_CHUNK", 3 * layers)  # three images a chunk
    chunks = list(run_workload(load_workload(TINY), mode=mode).tables.chunks("layers"))
    assert len(chunks) == 7 and sum(map(len, chunks)) == 20 * layers
    assert _reports(tmp_path, "chunked", "--mode", mode) == whole


def test_chunked_parquet_reads_back_as_the_whole_table(tmp_path, monkeypatch):
    pytest.importorskip("pyarrow")
    whole = run_workload(load_workload(TINY)).tables["layers"]
    monkeypatch.setattr(tables, "LAYER_ROWS_PER_CHUNK", 1)  # one image a chunk
    _reports(tmp_path, "pq", "--format", "parquet")
    back = pd.read_parquet(tmp_path / "pq" / "layers.parquet")
    pd.testing.assert_frame_equal(back, whole)
