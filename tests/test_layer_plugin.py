"""A layer kind defined outside the package, registered, and run end to end (map, run, both
engines): the registry is the one place isaacsim asks about kinds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.layers import LayerKind, LayerParser, register, unregister
from isaacsim.network import Layer, Shape, network_from_dict
from isaacsim.network.shapes import CHANNELS
from isaacsim.validate import Bound

FACTOR = Bound("number", 0, 16, "a toy scale factor")


class Pointwise(LayerKind):
    """A toy crossbar kind: a 1x1 convolution written with its own keys."""

    name = "pointwise"
    keys = frozenset({"channels_out", "activation"})
    crossbar = True

    def parse(self, p: LayerParser) -> dict[str, Any]:
        return {"out_channels": p.bounded("channels_out", CHANNELS), "activation": p.activation()}

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]):
        s, out_c = in_shapes[0], fields["out_channels"]
        out = Shape(s.height, s.width, out_c)
        return {"out_shape": out, "fan_in": s.channels, "macs": out.pixels * s.channels * out_c,
                "weights": s.channels * out_c, "biases": out_c}, []

    def buffer_values(self, layer: Layer) -> int:
        return layer.in_shape.channels  # one pixel

    def im2col(self, layer: Layer, fmap: np.ndarray, positions: np.ndarray) -> np.ndarray:
        return fmap.reshape(-1, 1, fmap.shape[2])[positions]


class Gain(LayerKind):
    """A toy digital kind: every value times a constant, in the add stage and unit."""

    name = "gain"
    keys = frozenset({"factor"})
    keeps_sign = True
    digital_stage = "add"
    unit = "add"

    def parse(self, p: LayerParser) -> dict[str, Any]:
        return {"factor": p.bounded("factor", FACTOR)}

    def infer(self, fields: Mapping[str, Any], in_shapes: tuple[Shape, ...]):
        if fields["factor"] == 0:
            return {}, [("factor", "a factor of 0 would erase the map")]
        return {"out_shape": in_shapes[0]}, []

    def unit_ops(self, layer: Layer) -> int:
        return layer.out_shape.channels


NETWORK = {
    "format_version": 1, "name": "toy", "source": "tests/test_layer_plugin.py",
    "input": {"height": 12, "width": 12, "channels": 3},
    "layers": [
        {"name": "conv1", "kind": "conv", "kernel": 3, "padding": 1, "out_channels": 8,
         "activation": "relu"},
        {"name": "pw", "kind": "pointwise", "channels_out": 12, "activation": "relu"},
        {"name": "half", "kind": "gain", "factor": 0.5},
        {"name": "pool", "kind": "maxpool", "kernel": 2},
        {"name": "conv2", "kind": "conv", "kernel": 3, "padding": 1, "out_channels": 8,
         "activation": "relu"},
        {"name": "fc", "kind": "fc", "out_features": 10, "activation": "none"},
    ],
}


@pytest.fixture
def toy_kinds():
    kinds = [register(Pointwise()), register(Gain())]
    yield kinds
    for kind in kinds:
        unregister(kind.name)


@pytest.fixture
def workload(tmp_path, toy_kinds):
    net = tmp_path / "toy.json"
    net.write_text(json.dumps(NETWORK))
    trace = tmp_path / "toy_trace.csv"
    assert main(["traces", "synth", "--network", str(net), "--images", "12", "--seed", "3",
                 "--out", str(trace)]) == 0
    wl = tmp_path / "toy_workload.json"
    wl.write_text(json.dumps({
        "format_version": 1, "name": "toy_run", "network": str(net), "arch": "isaac-ce",
        "precision": {"weight_bits": 16, "activation_bits": 16},
        "mapping": {"replication": "isaac", "chips": None, "packing": "layer",
                    "flatten": "position"},
        "crop": {"fraction": 0.25, "rounding": "floor"}, "trace": str(trace),
        "run": {"mode": "single", "images": None, "baseline": True, "engine": "fast", "seed": 0,
                "arrival_interval_cycles": 0}}))
    return wl


def test_a_registered_kind_maps_and_runs_and_both_engines_agree(workload, tmp_path, capsys):
    assert main(["map", str(workload), "--json"]) == 0
    mapping = {lm["name"]: lm for lm in json.loads(capsys.readouterr().out)["layers"]}
    # the pool's stride 2 x 2 speeds up every layer before it, through the toy kinds
    assert [mapping[name]["replication"] for name in ("conv1", "pw", "conv2", "fc")] == [4, 4, 1, 1]
    assert mapping["pw"]["arrays_per_replica"] == 1
    assert mapping["half"]["arrays"] == 0 and mapping["pw"]["buffer_bytes"] == 8 * 2
    outs = {}
    for engine in ("fast", "reference"):
        outs[engine] = tmp_path / engine
        assert main(["run", str(workload), "--engine", engine, "--out", str(outs[engine]),
                     "--progress", "off"]) == 0
    for table in ("images", "layers", "components"):
        fast = pd.read_csv(outs["fast"] / f"{table}.csv")
        ref = pd.read_csv(outs["reference"] / f"{table}.csv")
        pd.testing.assert_frame_equal(fast, ref)
    layers = pd.read_csv(outs["fast"] / "layers.csv").set_index(["image_id", "layer"])
    for image_id in layers.index.get_level_values(0).unique():
        pw, half = layers.loc[(image_id, "pw")], layers.loc[(image_id, "half")]
        assert pw.kind == "pointwise" and half.kind == "gain"
        assert pw.ops == pw.active_pixels > 0
        assert pw.array_reads == pw.bit_cycles  # one array, every read cycle
        assert pw.edram_read_bytes == pw.ops * 8 * 2  # one pixel of 8 channels per op
        assert half.add_ops == half.ops * 12 and half.array_reads == 0
        assert half.start_cycle >= pw.start_cycle


def test_a_kind_reports_its_own_problems_and_is_unknown_once_unregistered(toy_kinds):
    bad = json.loads(json.dumps(NETWORK))
    bad["layers"][2]["factor"] = 0
    with pytest.raises(InputError, match=r"\$\.layers\[2\]\.factor.*erase the map"):
        network_from_dict(bad)
    bad["layers"][1]["channels"] = 3
    with pytest.raises(InputError, match=r"unknown key 'channels'"):
        network_from_dict(bad)
    unregister("gain")
    with pytest.raises(InputError, match=r"\$\.layers\[2\]\.kind.*'gain'"):
        network_from_dict(NETWORK)
    register(Gain())


def test_registering_a_second_kind_of_a_known_name_is_refused(toy_kinds):
    with pytest.raises(ValueError, match="already registered"):
        register(Gain())
    class Broken(LayerKind):
        name = "broken"
    with pytest.raises(ValueError, match="digital_stage and unit"):
        register(Broken())
