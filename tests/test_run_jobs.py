"""`run --jobs N`: a run split over worker processes writes the same reports as one process."""

from __future__ import annotations

import dataclasses
import json
import weakref

import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.plan import TimingResult, WorkFacts
from isaacsim.runner import run_workload
from isaacsim.single_run import ChunkOut, SingleRun
from isaacsim.sweep.spec import fingerprint
from isaacsim.targets.isaac.lowering import lower
from isaacsim.traces import load_trace
from isaacsim.workload import load_workload

VGG = "workloads/vgg16_cropped.json"
TINY = "workloads/tiny_cropped.json"
TABLES = ("images", "layers", "components", "summary")


def _run(tmp_path, name, *args) -> dict[str, bytes]:
    out = tmp_path / name
    assert main(["run", *args, "--out", str(out), "--progress", "off"]) == 0
    return {t: (out / f"{t}.csv").read_bytes() for t in TABLES}


@pytest.mark.parametrize("mode", ["single", "stream"])
def test_two_jobs_write_the_reports_of_one(tmp_path, mode):
    one = _run(tmp_path, "one", TINY, "--mode", mode, "--jobs", "1")
    two = _run(tmp_path, "two", TINY, "--mode", mode, "--jobs", "2")
    assert one == two
    meta = json.loads((tmp_path / "two" / "run.json").read_text())
    assert meta["images"] == 20 and meta["workload"]["run"]["jobs"] == 1  # the file's value


def test_two_jobs_on_vgg16_images_sharing_works(tmp_path):
    one = _run(tmp_path, "one", VGG, "--images", "24")
    two = _run(tmp_path, "two", VGG, "--images", "24", "--set", "run.jobs=2")
    assert one == two
    meta = json.loads((tmp_path / "two" / "run.json").read_text())
    assert meta["workload"]["run"]["jobs"] == 2 and meta["distinct_works"] < 24


def test_interrupted_split_run_keeps_a_prefix_of_finished_images():
    wl = load_workload(VGG)

    def progress(n):
        raise KeyboardInterrupt  # at the first images finished

    out = run_workload(wl, images=40, jobs=2, progress=progress)
    n = out.meta["images"]
    assert n >= 1 and out.meta["interrupted"] == (n < 40)
    full = run_workload(wl, images=n)
    for name in ("images", "layers"):
        pd.testing.assert_frame_equal(out.tables[name], full.tables[name])
    assert out.meta["distinct_works"] == full.meta["distinct_works"]


def test_results_are_placed_by_image_whatever_order_chunks_finish_in():
    """Compact records repeat: only the first image of each record is simulated; chunks placed in
    any order give every image its record's result, and the finished prefix counts only images
    whose (source) result is known in every set."""
    wl = load_workload(VGG)
    trace = load_trace(wl.trace, wl.network)
    images = list(trace.images[:12])
    low = lower(wl.network, wl.map(), wl.arch)
    run = SingleRun([(low, False), (low, True)], images)
    crops = [(img.crop, img.fraction) for img in images]
    first = {c: crops.index(c) for c in crops}
    assert run.sets[0].todo == sorted(set(first.values()))
    assert run.sets[0].source.tolist() == [first[c] for c in crops]
    assert run.sets[1].todo == [0]  # the baseline: one work for every image
    tasks = run.tasks(workers=4)
    assert tasks[0] == (1, [0]) and sorted(i for s, idx in tasks if s == 0 for i in idx) == \
        run.sets[0].todo
    nodes, edges = len(low.plan.nodes), len(low.plan.edges)

    def out(index, base):
        r = TimingResult.empty(len(index), nodes, edges)
        r.latency_cycles[:] = [base + i for i in index]
        f = WorkFacts.empty(len(index), nodes)
        f.active[:, 0] = index
        return ChunkOut(r, f, [bytes([base % 256, i]) for i in index])

    cropped = [t for t in tasks if t[0] == 0]
    for t in reversed(cropped):
        run.place(t, out(t[1], 1000))
    assert run.finished() == 0  # the baseline is not known yet
    run.place(tasks[0], out([0], 5000))
    assert run.finished() == 12
    (res, facts, distinct), (bres, _, bdistinct) = run.outcome(12)
    assert res.latency_cycles.tolist() == [1000 + first[c] for c in crops]
    assert facts.active[:, 0].tolist() == [first[c] for c in crops]
    assert bres.latency_cycles.tolist() == [5000] * 12
    assert len(distinct) == len(first) and len(bdistinct) == 1


class _LiveMaps:
    """Works built by a module's `layer_bits`: how many, and the most alive at once."""

    def __init__(self, real):
        self.real, self.alive, self.peak = real, [], 0

    @property
    def count(self) -> int:
        return len(self.alive)

    def __call__(self, *args):
        work = self.real(*args)
        self.alive.append(weakref.ref(work.bits[1]))
        self.peak = max(self.peak, sum(r() is not None for r in self.alive))
        return work


def _count_live_maps(monkeypatch, module) -> _LiveMaps:
    built = _LiveMaps(module.layer_bits)
    monkeypatch.setattr(module, "layer_bits", built)
    return built


def test_a_single_mode_run_holds_one_image_s_maps_at_a_time(monkeypatch):
    """Explicit records are built, simulated and freed one by one (bounded memory)."""
    from isaacsim import single_run
    from isaacsim.traces import expand

    wl = load_workload(VGG)
    trace = load_trace(wl.trace, wl.network)
    explicit = expand(trace, wl.network)
    built = _count_live_maps(monkeypatch, single_run)
    wl = dataclasses.replace(wl, trace_data=dataclasses.replace(explicit, images=explicit.images[:6]))
    out = run_workload(wl, baseline=False)
    assert out.meta["images"] == 6 and built.count == 6 and built.peak == 1


def test_jobs_are_checked_and_never_change_a_sweep_fingerprint(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", TINY, "--jobs", "0"])
    assert info.value.code == 2 and "--jobs" in capsys.readouterr().err
    with pytest.raises(InputError, match="jobs"):
        run_workload(load_workload(TINY), jobs=0)
    a, b = load_workload(TINY), load_workload(TINY, {"run.jobs": 7})
    assert b.run.jobs == 7 and b.to_dict()["run"]["jobs"] == 7
    assert fingerprint(a) == fingerprint(b)


def test_a_stream_builds_its_works_on_demand_and_keeps_none(monkeypatch):
    """Stream mode: explicit records' works are built when the engine needs them and none is
    kept (the engine copies the maps into its window of image slots); the result is the engine's
    on the whole list of works."""
    import numpy as np

    from isaacsim import stream_run
    from isaacsim.engine import simulate
    from isaacsim.traces import expand
    from isaacsim.works import layer_bits

    wl = load_workload(TINY)
    explicit = expand(load_trace(wl.trace, wl.network), wl.network,
                      default_fraction=wl.crop.fraction)
    images = list(explicit.images[:8])
    low = lower(wl.network, wl.map(), wl.arch)
    arrivals = [300 * i for i in range(len(images))]
    built = _count_live_maps(monkeypatch, stream_run)
    ctx = stream_run.Context(((low, False),), wl, "fast")
    result, facts = stream_run.run_stream(ctx, 0, images, arrivals)
    assert built.peak <= 2 and built.count >= len(images)
    works = [dataclasses.replace(layer_bits(low, wl, img, False), arrival_cycle=a)
             for img, a in zip(images, arrivals)]
    whole = simulate(low.plan, works, "stream")
    for name in vars(whole):
        assert np.array_equal(getattr(result, name), getattr(whole, name)), name
    assert facts.active.tolist() == [[int(np.count_nonzero(b)) for b in w.bits] for w in works]
