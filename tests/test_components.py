"""Components that shape time (docs/timing-model.md s12): each check is a hand calculation on a
small network, or a ratio the architecture predicts on VGG-16.

One-layer networks are 1 x 32 maps of a 1 x 1 conv with one replica on one tile, fed faster than
they compute (the image arrives at 320 bytes per cycle, its route's slowest link), so every op issues as
soon as its replica is free and the hand calculations need only the stage latencies of section 4
(all 1 cycle at ISAAC-CE). They turn the flip encoding off, so that an array read converts 128
columns, exactly one cycle of an ADC (with the encoding's unit column, 129, the readout falls one
cycle behind every 128 back-to-back reads: tested on VGG-16 below and in the random plans).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from plans import image

from isaacsim.engine.core import Engine, simulate
from isaacsim.network import load_network
from isaacsim.runner import run_workload
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.lowering import lower
from isaacsim.targets.isaac.mapping import map_network
from isaacsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[1]
OPS = 32  # output pixels of the one-layer networks


def _one_layer(tmp_path: Path, c_in: int, c_out: int) -> Path:
    path = tmp_path / "one.json"
    path.write_text(
        '{"format_version": 1, "name": "one", "input": {"height": 1, "width": %d, "channels": %d},'
        ' "layers": [{"name": "c", "kind": "conv", "kernel": 1, "out_channels": %d,'
        ' "activation": "relu"}]}' % (OPS, c_in, c_out))
    return path


def _run(network: Path | str, sets: dict, mode: str = "single", images: int = 1):
    arch = load_arch("isaac-ce", sets={"ima.xbar.flip_encoding": False, **sets})
    net = load_network(network)
    lowered = lower(net, map_network(net, arch, replication="none"), arch)
    plan = lowered.plan
    works = [image(plan, image_id=str(i)) for i in range(images)]
    return plan, simulate(plan, works, mode)


def test_narrow_edram_bus_slows_every_fetch_and_the_writes(tmp_path):
    """64 input channels: an op fetches 128 bytes. The tile's eDRAM port writes the image's
    transfers at its whole rate and leaves the reads the fraction of its time that is theirs of
    the bytes it moves per image: the ops read 32 x 128 = 4,096 bytes, the image's transfers write
    32 x 128 = 4,096 and the network output 32 x 16 x 2 = 1,024, so reads have 4,096 / 9,216 =
    4/9. A 256-bit eDRAM bus at 1.2 GHz moves 3,840 bytes per cycle (1,707 for the reads: one cycle
    per fetch); an 8-bit bus moves 1 x 120 = 120, 53.3 for the reads: a fetch from an idle port
    ends in cycle ceil(t + 128 / 53.3) - 1 = t + 2, so every op's reads start two cycles later and
    the replica's next op two cycles later too (64 cycles over the 32 ops, the port idle between
    fetches, 18 cycles apart). The image's transfers are written at 120 bytes per cycle, below the
    320 of their route (a mesh port): the first pixel's last byte is sent in cycle
    ceil(t + 128 / 120) - 1 = t + 1, one cycle later than at 320 bytes per cycle (the later pixels
    arrive long before their ops)."""
    net = _one_layer(tmp_path, 64, 16)
    plan, wide = _run(net, {})
    assert plan.nodes[1].replicas == 1
    narrow_plan, narrow = _run(net, {"tile.edram.bus_bits": 8})
    fetch = narrow_plan.nodes[1].fetch
    assert fetch.rate / fetch.per == pytest.approx(120 * 4 / 9 / 128)  # ops per cycle
    assert (plan.edges[0].cap_bytes_per_cycle, narrow_plan.edges[0].cap_bytes_per_cycle) == \
        (320, 120)
    assert int(narrow.completion_cycle[0]) == int(wide.completion_cycle[0]) + OPS * 2 + 1
    assert int(narrow.node_wait[0, 1, 0]) == OPS * 2  # fetch waits: two cycles per op
    assert int(wide.node_wait[0, 1].sum()) == 0


def test_single_tile_shift_add_unit_limits_throughput(tmp_path):
    """1536 input channels (12 row blocks) and 128 outputs (8 column blocks): 96 arrays, one tile.
    An op merges 128 x 11 = 1,408 partial sums on the tile's shift-and-add units. With the tile at
    0.6 GHz one unit adds 60 per cycle: 23.47 cycles per op, more than the 16 read cycles, so the
    unit is busy from the first op's merge request to the last: the last merge completes in cycle
    ceil((t0 x 60 + 32 x 1,408) / 60) - 1, t0 = s0 + 16 + 3 (fetch, 16 reads, conversion and IMA
    shift-and-add, section 4); the activation (sigmoid, 8 units: one cycle) is done the cycle
    after and the output ready two cycles later. Two units (11.7 cycles per op) never delay an op
    beyond the pipeline (no throughput loss: the ops stay 16 cycles apart). The eDRAM bus is wide
    enough that every fetch of 1,536 x 2 bytes takes one cycle: the fetch has about 0.48 of a
    port of 1,024 bits x 60 tile clocks = 7,680 bytes per cycle (the image's transfers take the
    rest), 3,686 bytes."""
    net = _one_layer(tmp_path, 1536, 128)
    base = {"tile.clock_ghz": 0.6, "tile.sigmoid.units": 8, "tile.edram.bus_bits": 1024,
            "tile.bus.wires": 768}
    plan, one = _run(net, {**base, "tile.shift_add.units": 1})
    node = plan.nodes[1]
    assert (node.replicas, node.merge.per / node.merge.rate) == (1, 1408 / 60)
    t0 = int(one.node_start[0, 1]) + 16 + 3
    last_merge = math.ceil((t0 * 60 + OPS * 1408) / 60) - 1
    assert int(one.completion_cycle[0]) == last_merge + 3
    _, two = _run(net, {**base, "tile.shift_add.units": 2})
    s0 = int(two.node_start[0, 1])
    # the last op issues at s0 + 31 x 16; its merge (1,408 / 120 = 11.7 cycles) completes at
    # request + 11; activation the cycle after; ready two cycles later
    assert int(two.completion_cycle[0]) == s0 + (OPS - 1) * 16 + 16 + 3 + 11 + 3


def _stream_throughput(sets: dict) -> float:
    w = load_workload(ROOT / "workloads" / "vgg16_cropped.json",
                      {"run.mode": "stream", "run.images": 30, **sets})
    summary = run_workload(w).tables["summary"]
    (value,) = summary[summary.metric == "baseline_throughput_images_per_s"].value
    return float(value)


@pytest.fixture(scope="module")
def isaac_ce_throughput() -> float:
    return _stream_throughput({})


@pytest.mark.parametrize("sets", [{"arch.ima.adc.gsamples_per_s": 0.64},
                                  {"arch.ima.adc.units": 4}], ids=["half-rate", "half-units"])
def test_half_the_adc_rate_halves_vgg16_stream_throughput(isaac_ce_throughput, sets):
    """An IMA's ADCs convert 8 x 128 = 1,024 samples per cycle at ISAAC-CE and a read of its 8
    arrays needs 8 x 129; at 0.64 GS/s, or with 4 ADCs, they convert 512: every read waits for its
    conversions and the crossbars (hence the pipeline) run at half speed."""
    ratio = _stream_throughput(sets) / isaac_ce_throughput
    assert abs(ratio - 0.5) <= 0.05 * 0.5, ratio


def test_simpy_clock_ends_at_the_completion_cycle():
    """The engine's events fire at the cycles they model: after a single image the simpy clock
    stands at its completion (docs/timing-model.md s12)."""
    for name in ("tiny", "vgg16"):
        arch = load_arch("isaac-ce")
        net = load_network(ROOT / "workloads" / "networks" / f"{name}.json")
        plan = lower(net, map_network(net, arch), arch).plan
        engine = Engine(plan, [image(plan)], [0])
        result = engine.run()
        assert engine.env.now == int(result.completion_cycle[0]) > 0, name


def test_a_transfer_pipe_reports_its_busy_cycles_and_waits_for_the_link_that_sets_its_rate(
        tmp_path):
    """conv a (64 -> 128 channels) sends its 32 pixels of 256 bytes to conv b on another tile.
    With mesh links of 0.12 GB/s (12 bytes per 100 ns cycle) every edge's rate is 12 bytes per
    cycle, set by a mesh port (`router`). The image's pixels of 128 bytes arrive every 10.7
    cycles, faster than a's ops (16 read cycles each, flip encoding off), so a's op k is done at
    d_0 + 16k and asks the pipe in cycle t_k = d_0 + 1 + 16k. A transfer takes 256 / 12 = 21.3
    cycles, so the pipe is busy from the first transfer on: transfer k's last byte is sent in
    cycle t_0 + ceil(256 (k + 1) / 12) - 1 against t_k + ceil(256 / 12) - 1 from an idle pipe,
    a wait of ceil(64 (k + 1) / 3) - 16k - 22 cycles. layers.csv gives a's pipe busy for
    32 x 256 / 12 cycles and the waits' sum; components.csv the same for the router, with a as the
    peak layer. b, a network output, sends nothing."""
    from isaacsim.tables import _component_load, _send_columns
    path = tmp_path / "two.json"
    path.write_text(
        '{"format_version": 1, "name": "two", "input": {"height": 1, "width": %d, "channels": 64},'
        ' "layers": [{"name": "a", "kind": "conv", "kernel": 1, "out_channels": 128,'
        ' "activation": "relu"}, {"name": "b", "kind": "conv", "kernel": 1, "out_channels": 16,'
        ' "activation": "relu"}]}' % OPS)
    arch = load_arch("isaac-ce", sets={"mesh.link_gbytes_per_s": 0.12,
                                       "ima.xbar.flip_encoding": False})
    net = load_network(path)
    lowered = lower(net, map_network(net, arch, replication="none"), arch)
    (ab,) = [e for e, edge in enumerate(lowered.plan.edges) if (edge.src, edge.dst) == (1, 2)]
    assert (lowered.plan.edges[ab].cap_bytes_per_cycle, lowered.edge_components[ab]) == \
        (12, "router")
    res = simulate(lowered.plan, [image(lowered.plan)])
    sent = _send_columns(lowered, res, 1)
    span = int(res.node_end[0, 1] - res.node_start[0, 1])
    waits = sum(-(-64 * (k + 1) // 3) - 16 * k - 22 for k in range(OPS))
    assert waits > 0
    assert (float(sent["send_busy_cycles"][0]), float(sent["send_utilisation"][0]),
            int(sent["send_wait_cycles"][0])) == (OPS * 256 / 12, OPS * 256 / 12 / span, waits)
    assert float(_send_columns(lowered, res, 2)["send_busy_cycles"][0]) == 0.0
    router = _component_load(lowered, res)["router"]
    assert (router["busy_cycles"], router["wait_cycles"], router["peak_layer"]) == \
        (OPS * 256 / 12, waits, "a")


def test_a_stream_names_its_bottleneck_link_as_the_most_utilised_unit():
    """With 4 IMAs per tile VGG-16 spreads over 19 chips and a chip boundary falls right after
    conv1_1: its 6.4 MB of output per image over one 6.4 GB/s HyperTransport link set the stream's
    pace (docs/experiments.md, design space). Over the stream, that link is busy nearly all the
    time, and components.csv says so (its per-image spans would not: conv1_1 runs ahead of its
    link)."""
    w = load_workload(ROOT / "workloads" / "vgg16_cropped.json",
                      {"run.mode": "stream", "run.images": 20, "run.baseline": False,
                       "arch.tile.imas": 4})
    tables = run_workload(w).tables
    comp = tables["components"].set_index("component")
    top = comp["peak_utilisation"].idxmax()
    assert (top, comp.loc["ht", "peak_layer"]) == ("ht", "conv1_1")
    assert comp.loc["ht", "peak_utilisation"] > 0.95
    layers = tables["layers"]
    per_image = layers[layers.layer == "conv1_1"].send_utilisation.mean()
    assert per_image < 0.5 * comp.loc["ht", "peak_utilisation"]
