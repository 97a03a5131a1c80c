"""The crop predictor simulated ahead of the network (workload section ``predictor``): the wait
for the decision computed by hand, energy that adds up, stream overlap, engine = reference."""

import json

import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.network import load_network
from isaacsim.predictor.network import DECISION, GATE, NAMES, whole_image_layers, with_predictor
from isaacsim.workload import load_workload

NET = {"format_version": 1, "name": "hand", "source": "test",
       "input": {"height": 4, "width": 6, "channels": 1},
       "layers": [{"name": "conv1", "kind": "conv", "kernel": 3, "stride": 1, "padding": 1,
                   "out_channels": 2, "activation": "relu"}]}


def workload(tmp_path, predictor=True, trace=("a,c0000", "b,c1111"), **run):
    (tmp_path / "net.json").write_text(json.dumps(NET))
    (tmp_path / "t.csv").write_text("# isaacsim-trace v1\nimage_id,crop\n" + "\n".join(trace)
                                    + "\n")
    w = {"format_version": 1, "name": "hand", "network": "net.json", "arch": "isaac-ce",
         "mapping": {"replication": "none"}, "trace": "t.csv", "run": run}
    if predictor:
        w["predictor"] = {"kernels": ["sobel", "laplace"]}
    path = tmp_path / ("pred.json" if predictor else "plain.json")
    path.write_text(json.dumps(w))
    return path


def run(path, out, *extra):
    assert main(["run", str(path), "--out", str(out), *extra]) == 0
    return (pd.read_csv(out / "images.csv"), pd.read_csv(out / "layers.csv"))


def row(layers, image, layer):
    r = layers[(layers.image_id == image) & (layers.layer == layer)]
    assert len(r) == 1
    return r.iloc[0]


def test_first_layer_waits_for_the_decision_by_hand(tmp_path):
    images, layers = run(workload(tmp_path), tmp_path / "p")
    plain_images, plain_layers = run(workload(tmp_path, predictor=False), tmp_path / "q")
    # docs/timing-model.md with ISAAC-CE's defaults, one replica, 16-bit values, 1 channel:
    # the image (24 pixels, 48 bytes) crosses one HT link: written at 3, ready at 4 (s10).
    # The predictor's conv (valid 3x3 on 4 x 6: 2 x 4 = 8 ops of 16 read cycles on one replica):
    # s(k) = 4 + 16k, done = s + 20; its last op s(7) = 116, done 136, ready on the same tile for
    # the digital band sums at 137 = its end.
    conv = row(layers, "a", "predictor_conv")
    assert (conv.ops, conv.start_cycle, conv.end_cycle) == (8, 4, 137)
    # band sums: add stage of 1 cycle, done = ready = 137, read in place by the decision at 138;
    # the decision (one op over the whole map) is done at 138 + 1 - 1 = 138, its 2 bytes are sent
    # at 139 (byte-slots within one cycle), cross 1 HT link (latency 1) to the host: written at
    # 141, ready at 142.
    decision = row(layers, "a", DECISION)
    assert (decision.start_cycle, decision.end_cycle) == (138, 142)
    assert list(images.predictor_decision_cycles) == [142, 142]
    # the gate is a pure join (pool stage, 0 cycles): done at 142 - 1 = 141, one cycle later than
    # the image source without a predictor (done at 0 and sending at 1): everything downstream
    # moves by 141 cycles
    for image in ("a", "b"):
        plain = row(plain_layers, image, "conv1")
        mine = row(layers, image, "conv1")
        assert plain.start_cycle == 4
        assert (mine.start_cycle, mine.end_cycle) == (plain.start_cycle + 141,
                                                      plain.end_cycle + 141)
    assert list(images.latency_cycles) == list(plain_images.latency_cycles + 141)
    # the baseline is the network alone, uncropped
    assert list(images.baseline_latency_cycles) == [plain_images.latency_cycles[0]] * 2
    assert list(images.baseline_energy_pj) == list(plain_images.baseline_energy_pj)


def test_energy_adds_up(tmp_path):
    images, layers = run(workload(tmp_path), tmp_path / "p")
    plain_images, plain_layers = run(workload(tmp_path, predictor=False), tmp_path / "q")
    dynamic, plain_dynamic = dynamic_energy(images), dynamic_energy(plain_images)
    # the network's dynamic energy is the same with and without the predictor; the predictor's
    # is what the run adds (equal to the CSV's 10 significant digits)
    assert list(dynamic - images.predictor_energy_pj) == pytest.approx(list(plain_dynamic),
                                                                       rel=1e-8)
    # every network layer costs what it did; the gate carries the input the source carried
    for image in ("a", "b"):
        assert row(layers, image, "conv1").energy_pj == pytest.approx(
            row(plain_layers, image, "conv1").energy_pj, rel=1e-8)
        plain_source = plain_dynamic[plain_images.image_id == image].iloc[0] - plain_layers[
            plain_layers.image_id == image].energy_pj.sum()
        assert row(layers, image, GATE).energy_pj == pytest.approx(plain_source, rel=1e-8)
    # the predictor's energy is its three layers and the whole image into its tile (the same
    # bytes as the uncropped image into the first layer's, on this one-tile mapping)
    own = sum(row(layers, "a", n).energy_pj for n in NAMES[:3])
    assert images.predictor_energy_pj[0] == pytest.approx(own + plain_source_of(plain_images,
                                                                                plain_layers, "a"),
                                                          rel=1e-8)
    # static energy is charged for the longer latency: the total includes it
    assert (images.energy_pj > plain_images.energy_pj).all()


def dynamic_energy(images):
    """Per image, the sum of the dynamic components (energy_pj - static_energy_pj would lose the
    small terms to rounding: the HT links' static energy is some 10^4 times larger here)."""
    static = images.static_energy_pj
    parts = [c for c in images.columns if c.startswith("energy_") and c.endswith("_pj")
             and not (images[c] == static).all() and c != "energy_pj"]
    return images[parts].sum(axis=1)


def plain_source_of(images, layers, image):
    dyn = dynamic_energy(images)[images.image_id == image].iloc[0]
    return dyn - layers[layers.image_id == image].energy_pj.sum()


def test_stream_overlaps_the_next_decision(tmp_path):
    path = workload(tmp_path, trace=("a,c0000", "b,c0000", "c,c0000"), mode="stream")
    images, layers = run(path, tmp_path / "s")
    # the predictor scans image b while the network still runs image a
    assert row(layers, "b", "predictor_conv").start_cycle < row(layers, "a", "conv1").end_cycle
    assert row(layers, "b", DECISION).end_cycle < row(layers, "a", "conv1").end_cycle
    single, _ = run(workload(tmp_path, trace=("a,c0000",)), tmp_path / "one")
    assert images.completion_cycle.max() < 3 * single.latency_cycles[0]


@pytest.mark.parametrize("mode", ["single", "stream"])
def test_fast_engine_equals_reference(tmp_path, mode):
    args = ["--images", "4", "--set", "predictor.kernels=sobel,laplace", "--mode", mode]
    fast = run("tiny_cropped", tmp_path / "f", *args)
    ref = run("tiny_cropped", tmp_path / "r", *args, "--engine", "reference")
    pd.testing.assert_frame_equal(fast[0], ref[0])
    pd.testing.assert_frame_equal(fast[1], ref[1])


def test_jobs_give_the_same_tables(tmp_path):
    args = ["--images", "6", "--set", "predictor.kernels=sobel"]
    one = run("tiny_cropped", tmp_path / "a", *args)
    two = run("tiny_cropped", tmp_path / "b", *args, "--jobs", "2")
    pd.testing.assert_frame_equal(one[0], two[0])


def test_the_predictor_computes_whole_maps(tmp_path):
    _, layers = run(workload(tmp_path), tmp_path / "p")
    for name, active in (("predictor_conv", 8), ("predictor_energy", 8), (DECISION, 1),
                         (GATE, 8)):
        # image b is cropped 1111: only the gate (the network's input) follows the crop
        assert row(layers, "b", name).active_pixels == active
    assert row(layers, "a", GATE).active_pixels == 24


def test_layers_and_names():
    net = with_predictor(load_network("vgg16"), ("sobel", "laplace"))
    assert [layer.name for layer in net.layers[:5]] == list(NAMES) + ["conv1_1"]
    conv = net.layer("predictor_conv")
    # sobel x, y and laplace, each with its negative, per RGB channel; one group per channel
    assert (conv.out_shape.channels, conv.groups, conv.fan_in) == (18, 3, 9)
    assert conv.out_shape[:2] == (222, 222)
    assert net.layer("conv1_1").inputs == (GATE,)
    assert whole_image_layers(net) == {"predictor_conv", "predictor_energy", DECISION}
    assert whole_image_layers(load_network("vgg16")) == frozenset()
    clash = with_predictor(load_network("tiny"), ("sobel",))
    with pytest.raises(InputError, match="reserved for the crop predictor"):
        with_predictor(clash, ("sobel",))


def test_workload_section(tmp_path):
    w = load_workload("tiny_cropped", {"predictor.kernels": "sobel,laplace"})
    assert w.predictor.kernels == ("sobel", "laplace")
    assert w.to_dict()["predictor"] == {"kernels": ["sobel", "laplace"], "speedup": 1}
    assert "predictor" not in load_workload("tiny_cropped").to_dict()
    assert w.map().layers[0].name == "predictor_conv"
    assert w.map(predictor=False).layers[0].name == "conv1"
    for value, message in (("sobol", "did you mean 'sobel'"), ([], "kernel names")):
        with pytest.raises(InputError, match=message) as exc:
            load_workload("tiny_cropped", {"predictor.kernels": value})
        assert "$.predictor.kernels" in str(exc.value)
    with pytest.raises(InputError, match="kernels"):
        load_workload("tiny_cropped", {"predictor": {"kernel": ["sobel"]}})
    with pytest.raises(InputError, match=r"\$.predictor.speedup"):
        load_workload("tiny_cropped", {"predictor.kernels": "sobel", "predictor.speedup": 0})


def test_speedup_multiplies_the_replication():
    first = load_workload("vgg16_cropped").map().layer("conv1_1").replication
    for speedup in (1, 2, 4):
        w = load_workload("vgg16_cropped", {"predictor.kernels": "sobel",
                                            "predictor.speedup": speedup})
        assert w.map().layer("predictor_conv").replication == speedup * first
        assert w.map().layer("conv1_1").replication == first
        assert w.to_dict()["predictor"]["speedup"] == speedup
    none = load_workload("vgg16_cropped", {"predictor.kernels": "sobel", "predictor.speedup": 4,
                                           "mapping.replication": "none"})
    assert none.map().layer("predictor_conv").replication == 1
