"""The fast engine against the reference model, the closed form and the worked example."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from plans import chain_plan, image, st_plans

from isaacsim import closed_form, reference
from isaacsim.engine import Engine, simulate
from isaacsim.errors import InputError
from isaacsim.network import load_network
from isaacsim.plan import SERVICES, UNLIMITED, ImageWork, TimingResult
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.lowering import lower
from isaacsim.targets.isaac.mapping import map_network


def assert_same(a: TimingResult, b: TimingResult) -> None:
    for name in vars(a):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st_plans())
def test_engine_equals_reference_on_random_plans(case):
    plan, images = case
    for mode in ("single", "stream"):
        assert_same(simulate(plan, images, mode), reference.simulate(plan, images, mode))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st_plans(servers_prob=1.0, max_replicas=5, divisor_groups=False))
def test_engine_equals_reference_with_any_server_groups(case):
    """Server groups that do not divide the replicas (groups of unequal size; the plan contract
    allows them, the ISAAC lowering never makes them)."""
    plan, images = case
    for mode in ("single", "stream"):
        assert_same(simulate(plan, images, mode), reference.simulate(plan, images, mode))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st_plans(servers_prob=1.0, pools_prob=1.0))
def test_engine_equals_reference_with_servers_shared_between_nodes(case):
    """Servers shared between nodes (`Node.pools`, timing-model s12), served in time order: the
    engine's arbiter against the reference model's cycle-by-cycle booking, single and stream
    (120 plans, 240 comparisons)."""
    plan, images = case
    for mode in ("single", "stream"):
        assert_same(simulate(plan, images, mode), reference.simulate(plan, images, mode))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st_plans(servers_prob=1.0, pools_prob=1.0, max_cap=3, remote_prob=0.8))
def test_shared_servers_feeding_slow_pipes(case):
    """Deferred nodes (with a shared server) whose transfers queue in slow pipes (1 to 3 bytes
    per cycle): the arbiter's output step sends them, and their waits (`edge_wait`) must be the
    reference model's."""
    plan, images = case
    for mode in ("single", "stream"):
        assert_same(simulate(plan, images, mode), reference.simulate(plan, images, mode))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st_plans(max_images=6, servers_prob=1.0, pools_prob=1.0))
def test_shared_servers_with_a_window_of_one_or_two_image_slots(case):
    """A node that runs ahead to the window's edge may still ask a shared server before a request
    waiting there: the engine then widens its window (results never depend on it)."""
    plan, images = case
    arrivals = [img.arrival_cycle for img in images]
    want = reference.simulate(plan, images, "stream")
    for window in (1, 2):
        assert_same(Engine(plan, images, arrivals, window=window).run(), want)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st_plans(max_images=7))
def test_a_stream_longer_than_the_window_of_image_slots(case):
    """The engine keeps the images in flight in a window of slots and loads the next image into
    the slot of one every node has passed; with windows of 1 and 2 slots (most images wait for a
    slot, every slot is reused) a stream gives the reference model's result, whether the engine
    is given the active-pixel counts (as `run` gives them: exact, so that buffers holding every
    pixel of the run are unbounded) or not (then only buffers holding every pixel of every map)."""
    plan, images = case
    arrivals = [img.arrival_cycle for img in images]
    want = reference.simulate(plan, images, "stream")
    counts = np.array([img.active_pixels() for img in images],
                      np.int64).reshape(len(images), len(plan.nodes))
    for window in (1, 2):
        assert_same(Engine(plan, images, arrivals, window=window).run(), want)
        assert_same(Engine(plan, images, arrivals, counts, window=window).run(), want)


def _example(capacity: int):
    spec = dict(kind="conv", kernel=(1, 3), pad=(0, 1), capacity=capacity)
    return chain_plan((1, 4, 1), [spec, spec])


@pytest.mark.parametrize("capacity, completion", [(0, 112), (3, 119)])
def test_worked_example(capacity, completion):
    plan = _example(capacity)
    r = simulate(plan, [image(plan)])
    assert r.completion_cycle.tolist() == [completion]
    assert r.node_start[0].tolist() == [0, 4, 42]


def test_driver_rounds_do_not_grow_with_cycles():
    """The engine's simpy events are the driver's rounds, which come from images, not cycles: an
    image alone takes one round, a stream of 6 in a window of 2 slots at most one round per image
    and one more, whether the ops take 1 or 16 cycles (per-cycle events would multiply them)."""
    spec = dict(kind="conv", kernel=(3, 3), pad=(1, 1), capacity=2 * 32 + 3)
    plan = chain_plan((8, 32, 1), [spec, spec, spec])
    for n_img, window, most in ((1, 16, 1), (6, 2, 7)):
        cycles = []
        for bits in (1, 16):
            eng = Engine(plan, [image(plan, default=bits)] * n_img, [0] * n_img, window=window)
            result = eng.run()
            assert 1 <= eng.rounds <= most, (n_img, bits, eng.rounds)
            cycles.append(int(result.completion_cycle.max()))
        assert cycles[1] > 3 * cycles[0]


def _poison_spare_buffers(plan, value: int) -> None:
    """Give the next engines of `plan` image-slot buffers full of `value` for any window (an
    engine must read only what it wrote: a producer's ready cycles below `avail`, and the read
    cycles and row counts of loaded images only)."""
    from isaacsim.engine.core import _static

    st = _static(plan)
    for slots in range(1, 17):
        bits, *rest = st.buffers(slots)
        bits.fill(7)
        for array in rest:
            array.fill(value)
        st.spare[slots] = (bits, *rest)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st_plans(max_images=7))
def test_stale_image_slots_change_nothing(case):
    """Reused image-slot buffers full of junk (large negative or positive numbers) give the
    reference model's results, alone and in streams with windows of 1 to 3 and 16 slots (with a
    window smaller than the stream, a consumer can start an image its producer has not)."""
    plan, images = case
    arrivals = [img.arrival_cycle for img in images]
    stream = reference.simulate(plan, images, "stream")
    for value in (-(1 << 40), 1 << 40):
        for window in (1, 2, 3, 16):
            _poison_spare_buffers(plan, value)
            assert_same(Engine(plan, images, arrivals, window=window).run(), stream)
        _poison_spare_buffers(plan, value)
        assert_same(simulate(plan, images, "single"), reference.simulate(plan, images, "single"))


def test_an_engine_runs_once_and_checks_its_arguments():
    plan = chain_plan((4, 4, 1), [dict(kind="conv", kernel=(3, 3), pad=(1, 1), capacity=0)])
    img = image(plan)
    eng = Engine(plan, [img], [0])
    eng.run()
    with pytest.raises(RuntimeError, match="once"):
        eng.run()
    with pytest.raises(ValueError, match="arrival"):
        Engine(plan, [img, img], [0])
    with pytest.raises(ValueError, match="counts"):
        Engine(plan, [img, img], [0, 0], counts=np.zeros((1, len(plan.nodes)), np.int64))


def test_too_small_buffer_deadlocks_with_a_message():
    plan = _example(1)
    with pytest.raises(InputError, match="too small"):
        simulate(plan, [image(plan)])


def _unbounded(plan):
    """No buffer limit and no server (docs/timing-model.md s11: the closed form's conditions)."""
    edges = tuple(dataclasses.replace(e, capacity_pixels=0) for e in plan.edges)
    nodes = tuple(dataclasses.replace(n, **{s: UNLIMITED for s in SERVICES}) for n in plan.nodes)
    return dataclasses.replace(plan, nodes=nodes, edges=edges)


@pytest.mark.parametrize("network", ["tiny", "vgg16"])
def test_closed_form_equals_engine_without_stalls(network):
    net = load_network(network)
    arch = load_arch()
    lowered = lower(net, map_network(net, arch), arch)
    plan = _unbounded(lowered.plan)
    work = image(plan)
    expected = closed_form.completion(plan, work)
    r = simulate(plan, [work])
    assert int(r.completion_cycle[0]) == expected
    sched = closed_form.schedule(plan, work)
    assert r.node_start[0].tolist() == [sched[n]["start"] for n in range(len(plan.nodes))]
    assert r.node_end[0].tolist() == [sched[n]["end"] for n in range(len(plan.nodes))]


def test_closed_form_vgg16_is_throughput_bound_at_3136_cycles_per_conv_layer():
    """With the ISAAC replication, every conv layer's busiest replica issues 196 ops x 16 cycles."""
    net = load_network("vgg16")
    arch = load_arch()
    lowered = lower(net, map_network(net, arch), arch)
    plan = _unbounded(lowered.plan)
    sched = closed_form.schedule(plan, image(plan))
    for n, node in enumerate(plan.nodes):
        if node.is_crossbar and node.shape[0] > 1:
            issue = sched[n]["issue"]
            first = issue.reshape(-1)[: node.replicas]
            assert issue.max() - first.min() >= (196 - 1) * 16
    assert closed_form.completion(plan, image(plan)) >= 3136


def test_reference_equals_engine_on_tiny_lowered():
    net = load_network("tiny")
    arch = load_arch()
    lowered = lower(net, map_network(net, arch), arch)
    plan = lowered.plan
    rng = np.random.default_rng(0)
    works = []
    for i in range(3):
        bits = [np.where(rng.random(n.shape[:2]) < 0.2, 0, rng.integers(1, 17, n.shape[:2]))
                for n in plan.nodes]
        bits[0] = (bits[0] > 0).astype(np.int64)
        bits[-1][:] = 16
        works.append(ImageWork(f"i{i}", tuple(np.asarray(b, np.int64) for b in bits), 10 * i))
    for mode in ("single", "stream"):
        assert_same(simulate(plan, works, mode), reference.simulate(plan, works, mode))
