"""The reference timing model (`isaacsim.reference`): hand-checked cases, then invariants.

Every expected number below is worked out by hand from docs/timing-model.md; the default stages
give a crossbar op `done = s + b + 4` and a local ready into a crossbar layer `s + b + 6`. Sources
sit on an HT link (640 B/cycle, latency 1): pixels issued at 0 are ready at 4.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plans import (
    PlanBuilder,
    TraceIndex,
    chain_plan,
    check_delivery,
    crop_more,
    image,
    remote,
    rolling_need,
    st_plans,
    with_replicas,
)

from isaacsim.errors import InputError
from isaacsim.reference import simulate, simulate_trace


def issues(records, node):
    return [r.issue for r in records if r.node == node]


def conv1x1(**kw):
    return dict(kind="conv", **kw)


# ---- hand-checked cases ------------------------------------------------------------------------

def test_two_replicas_round_robin():
    plan = chain_plan((1, 4, 1), [conv1x1(replicas=2)])
    result, rec = simulate_trace(plan, [image(plan)])
    assert issues(rec, 1) == [4, 4, 20, 20]
    assert [r.replica for r in rec if r.node == 1] == [0, 1, 0, 1]
    assert result.completion_cycle.tolist() == [42]


@pytest.mark.parametrize("replicas, completion", [(1, 44), (2, 42), (3, 42), (4, 26)])
def test_round_robin_with_mixed_bits(replicas, completion):
    """Bits 16, 1, 1, 16. Two replicas: op 2 waits for replica 0 (s 20) and op 3, whose replica
    is free at 5, for op 2 (ops issue in rank order): s 20, ready 42; three: op 3 follows op 0
    on replica 0 (s 20, ready 42); four: every op at 4, op 3 ready 26."""
    plan = chain_plan((1, 4, 1), [conv1x1(replicas=replicas)])
    bits = np.array([[16, 1, 1, 16]])
    assert simulate(plan, [image(plan, {1: bits})]).completion_cycle.tolist() == [completion]


def test_conv_add_shortcut_and_stride_two_pool():
    """input 2x4 -> A 1x1 -> B 1x1 -> add(B, A) (add_cycles 1) -> max-pool 2x2 stride 2 (0 cycles).

    A_j: s = 4 + 16j, ready into B s + 22, into the add (no write) s + 21. B_j: s = 26 + 16j, ready
    into the add 47 + 16j. Add j: done = max(47 + 16j, 25 + 16j) + 1 - 1, ready into the pool + 1.
    Pool (0, 0) reads adds 0, 1, 4, 5: done = 48 + 80 - 1 = 127, output ready 129; pool (0, 1)
    reads 2, 3, 6, 7: done 159, ready 161."""
    plan = chain_plan((2, 4, 1), [conv1x1(), conv1x1(),
                                  dict(kind="add", skip=1, op_cycles=1),
                                  dict(kind="pool", kernel=(2, 2), op_cycles=0)])
    result, rec = simulate_trace(plan, [image(plan)])
    assert issues(rec, 1) == [4 + 16 * j for j in range(8)]
    assert [r.ready[3] for r in rec if r.node == 1] == [25 + 16 * j for j in range(8)]
    assert issues(rec, 2) == [26 + 16 * j for j in range(8)]
    assert [r.done for r in rec if r.node == 3] == [47 + 16 * j for j in range(8)]
    assert [(r.done, r.output_ready) for r in rec if r.node == 4] == [(127, 129), (159, 161)]
    assert result.completion_cycle.tolist() == [161]
    assert result.node_start[0].tolist() == [0, 4, 26, 47, 127]
    assert result.node_end[0].tolist() == [4, 138, 159, 160, 161]
    assert result.node_rf_pixels[0].tolist() == [0, 8, 8, 16, 8]
    assert result.node_bit_cycles[0].tolist() == [0, 128, 128, 0, 0]


def test_fc_reads_the_whole_map():
    """conv 1x1 on 2x2: s = 4, 20, 36, 52, ready 26..74; fc (8 bits) issues at 74, done 86,
    ready 88."""
    b = PlanBuilder()
    a = b.conv(b.source((2, 2, 1)), link=remote(640, 1), capacity=1)
    b.fc(a, channels=2, capacity=4)
    plan = b.build()
    result, rec = simulate_trace(plan, [image(plan, {2: 8})])
    assert issues(rec, 2) == [74] and rec[-1].done == 86
    assert result.completion_cycle.tolist() == [88]
    assert result.node_rf_pixels[0, 2] == 4 and result.node_ops[0].tolist() == [4, 4, 1]


def test_cropped_pixels_have_no_op_and_no_time():
    """Worked example with A's pixel 1 skipped: A issues 4, 20, 36 (ranks 0-2 on pixels 0, 2, 3);
    B0 reads only A0 (26), B1 max(26, 42), B2 max(42, 58), B3 follows B2: 74, ready 96."""
    conv = dict(kind="conv", kernel=(1, 3), pad=(0, 1))
    plan = chain_plan((1, 4, 1), [conv, conv])
    result, rec = simulate_trace(plan, [image(plan, {1: np.array([[16, 0, 16, 16]])})])
    assert issues(rec, 1) == [4, 20, 36]
    assert [r.w for r in rec if r.node == 1] == [0, 2, 3]
    assert issues(rec, 2) == [26, 42, 58, 74]
    assert result.completion_cycle.tolist() == [96]
    assert result.node_ops[0].tolist() == [4, 3, 4]
    assert result.node_bit_cycles[0].tolist() == [0, 48, 64]


def test_empty_receptive_field_reads_as_the_arrival():
    """Only source pixel 0 active: A2 and A3 have no active input (A = a_n = 0), but ops issue in
    rank order, so they issue with A1 at 4; with A's pixels 0 and 1 skipped they issue at 0."""
    plan = chain_plan((1, 4, 1), [dict(kind="conv", kernel=(1, 3), pad=(0, 1), replicas=4)])
    _, rec = simulate_trace(plan, [image(plan, {0: np.array([[1, 0, 0, 0]])})])
    assert issues(rec, 1) == [4, 4, 4, 4]
    _, rec = simulate_trace(plan, [image(plan, {0: np.array([[1, 0, 0, 0]]),
                                                1: np.array([[0, 0, 16, 16]])})])
    assert issues(rec, 1) == [0, 0]


def test_mixed_bits_per_pixel():
    """Bits 16, 4, 8, 1 on one replica: s = 4, 20, 24, 32; ready s + b + 6 = 26, 30, 38, 39."""
    plan = chain_plan((1, 4, 1), [conv1x1()])
    result, rec = simulate_trace(plan, [image(plan, {1: np.array([[16, 4, 8, 1]])})])
    assert issues(rec, 1) == [4, 20, 24, 32]
    assert [r.output_ready for r in rec if r.node == 1] == [26, 30, 38, 39]
    assert result.completion_cycle.tolist() == [39]
    assert result.node_bit_cycles[0].tolist() == [0, 29]


def test_stream_carries_replica_state_and_ranks():
    """Two images of 3 pixels, 2 replicas, image 1 arriving at 10. Source pixels of image 1 are
    ready at 14; its ops (ranks 3, 4, 5) go to replicas 1, 0, 1 and wait for image 0's ops:
    20, 36, 36."""
    plan = chain_plan((1, 3, 1), [conv1x1(replicas=2)])
    images = [image(plan, image_id="a"), image(plan, image_id="b", arrival=10)]
    result, rec = simulate_trace(plan, images, mode="stream")
    assert [r.ready[0] for r in rec if r.node == 0] == [4, 4, 4, 14, 14, 14]
    assert [(r.rank, r.replica, r.issue) for r in rec if r.node == 1] == [
        (0, 0, 4), (1, 1, 4), (2, 0, 20), (3, 1, 20), (4, 0, 36), (5, 1, 36)]
    assert result.completion_cycle.tolist() == [42, 58]
    assert result.latency_cycles.tolist() == [42, 48]
    assert result.node_start[:, 1].tolist() == [4, 20]
    single = simulate(plan, images)  # alone, image b is like image a (arrival ignored)
    assert single.completion_cycle.tolist() == [42, 42]


def test_small_cap_queues_transfers():
    """Cap 3 B/cycle, latency 2, 2-byte pixels requested at 1: byte-slots 3..5, 5..7, 7..9, 9..11
    end in cycles 1, 2, 2, 3; written at 4, 5, 5, 6 and ready at 5, 6, 6, 7."""
    plan = chain_plan((1, 4, 1), [conv1x1(replicas=4, link=remote(3, 2))])
    result, rec = simulate_trace(plan, [image(plan, {1: 1})])
    assert [r.ready[0] for r in rec if r.node == 0] == [5, 6, 6, 7]
    assert issues(rec, 1) == [5, 6, 6, 7]
    assert result.edge_bytes.tolist() == [[8]]


def test_transfers_leave_in_rank_order():
    """A (2 replicas, bits 16 and 1) -> B over cap 1 B/cycle, latency 0. A1 is done at 9 but its
    transfer queues behind A0's (requested at 25, byte-slots 25..27): A0 ready 28, A1 ready 30."""
    b = PlanBuilder()
    a = b.conv(b.source((1, 2, 1)), replicas=2, link=remote(640, 1))
    b.conv(a, replicas=2, link=remote(1, 0))
    plan = b.build()
    result, rec = simulate_trace(plan, [image(plan, {1: np.array([[16, 1]])})])
    assert [(r.issue, r.done, r.ready[1]) for r in rec if r.node == 1] == [(4, 24, 28), (4, 9, 30)]
    assert issues(rec, 2) == [28, 30]
    assert result.completion_cycle.tolist() == [52]


def test_slot_without_reader_is_released_when_ready():
    """Stride-2 1x1 conv reads source pixels 0 and 2; buffer of 1 slot. Pixel 1 waits for
    1 + s(A0) = 5 (ready 9); pixel 2 for pixel 1's ready time 9 (ready 13); A1 = max(13, 4 + 16);
    pixel 3 waits for 1 + s(A1) = 21 (ready 25)."""
    plan = chain_plan((1, 4, 1), [conv1x1(stride=(1, 2), capacity=1)])
    result, rec = simulate_trace(plan, [image(plan)])
    assert issues(rec, 0) == [0, 5, 9, 21]
    assert [r.ready[0] for r in rec if r.node == 0] == [4, 9, 13, 25]
    assert issues(rec, 1) == [4, 20]
    assert result.node_end[0].tolist() == [25, 42]


def test_back_pressure_on_a_digital_layer():
    """A (1 bit) -> 1x1 pool (0 cycles) -> B 1x1 stride 2, buffer of 1 slot. A: s = 4..7, ready into
    the pool s + 6; pool done = max(ready - 1, release(r - 1)): 9; max(10, 1 + s(B0) = 12) = 12
    (unread: released when ready, 14); max(11, 14) = 14; B1 = max(16, 11 + 16) = 27, so the last
    pool op waits for 28. Digital ops "issue" in their done cycle."""
    plan = chain_plan((1, 4, 1), [conv1x1(), dict(kind="pool", kernel=(1, 1), op_cycles=0),
                                  conv1x1(stride=(1, 2), capacity=1)])
    result, rec = simulate_trace(plan, [image(plan, {1: 1})])
    assert issues(rec, 1) == [4, 5, 6, 7]
    assert [(r.issue, r.done, r.ready[2]) for r in rec if r.node == 2] == [
        (9, 9, 11), (12, 12, 14), (14, 14, 16), (28, 28, 30)]
    assert issues(rec, 3) == [11, 27]
    assert result.completion_cycle.tolist() == [49]
    assert result.node_end[0].tolist() == [4, 13, 30, 49]


@pytest.mark.parametrize("capacity", [1, 2])
def test_too_small_buffer_deadlocks(capacity):
    plan = chain_plan((1, 4, 1), [dict(kind="conv", kernel=(1, 3), pad=(0, 1), capacity=capacity)])
    with pytest.raises(InputError, match="input -> n1.*too small"):
        simulate(plan, [image(plan)])


def test_deadlock_names_only_the_edge_that_is_too_small():
    """A -> B is too small (2 < 3): A2 waits for B1, which needs A2. Source pixel 4 also waits
    forever (for A2 to read pixel 1), but the source -> A buffer (3) is not the cause."""
    conv = dict(kind="conv", kernel=(1, 3), pad=(0, 1))
    plan = chain_plan((1, 6, 1), [dict(conv, capacity=3), dict(conv, capacity=2)])
    with pytest.raises(InputError) as info:
        simulate(plan, [image(plan)])
    assert [p.source for p in info.value.problems] == ["edge n1 -> n2"]


# ---- invariants --------------------------------------------------------------------------------

def dataflow_bound(plan, work, arrival):
    """Per-image completion with unlimited replicas, buffers and pipes: every stage latency along
    the longest active path (sections 4, 6, 8)."""
    st_, ready, out = plan.stages, [], arrival
    for v, node in enumerate(plan.nodes):
        bits, h_, w_ = np.asarray(work.bits[v]), *node.shape[:2]
        grid = {}
        last = arrival  # a node's ops issue in rank order (timing-model s3)
        for h in range(h_):
            for w in range(w_):
                if bits[h, w] == 0:
                    continue
                a = [ready[e][i, j] for e in node.inputs
                     for i in plan.edges[e].geometry.rows(h, plan.nodes[plan.edges[e].src].shape[0])
                     for j in plan.edges[e].geometry.cols(w, plan.nodes[plan.edges[e].src].shape[1])
                     if (i, j) in ready[e]]
                if node.is_source:
                    done = arrival
                elif node.is_crossbar:
                    last = max(a + [arrival, last])
                    done = last + int(bits[h, w]) + st_.xbar_tail(node.span_cycles)
                else:
                    last = done = max(max(a, default=arrival) + node.op_cycles - 1, arrival, last)
                grid[h, w] = done
                out = max(out, done + st_.write + 1) if not node.outputs else out
        ready.extend({} for _ in range(len(plan.edges) - len(ready)))
        for e in node.outputs:
            edge = plan.edges[e]
            into_digital = plan.nodes[edge.dst].is_digital
            for p, done in grid.items():
                if edge.local:
                    ready[e][p] = done + 1 + (0 if into_digital else st_.write)
                else:
                    ready[e][p] = (done + 1 + -(-edge.bytes_per_pixel // edge.cap_bytes_per_cycle)
                                   + edge.latency_cycles + st_.write)
    return out


def check_equations(plan, images, mode, records):
    """Assert that the trace is a solution of the equations of sections 4, 5, 6 and 8 (the cycle
    loop must reach exactly the fixed point the document writes down)."""
    ix = TraceIndex(plan, images, mode, records)
    machine, arrival, ops, inputs, release = ix.machine, ix.arrival, ix.ops, ix.inputs, ix.release

    st_, pipes = plan.stages, {}
    for r in sorted(records, key=lambda r: (machine(r), r.node, r.rank)):
        node, a_n = plan.nodes[r.node], arrival[r.image]
        a = max((p.ready[e] for e, p in inputs[id(r)]), default=a_n)
        s_bp = max((release(ops[machine(r), r.node, r.rank - plan.edges[e].capacity_pixels], e)
                    for e in node.outputs if plan.nodes[plan.edges[e].dst].is_crossbar
                    and 0 < plan.edges[e].capacity_pixels <= r.rank), default=0)
        before = ops.get((machine(r), r.node, r.rank - 1))  # ops issue in rank order (s3)
        s_prev = before.issue if before else 0
        if node.is_crossbar:
            prev = ops.get((machine(r), r.node, r.rank - node.replicas))
            f = prev.issue + prev.bits if prev else 0
            assert r.issue == max(a, f, s_bp, a_n, s_prev)
            assert r.done == r.issue + r.bits + st_.xbar_tail(node.span_cycles)
        else:
            late = node.op_cycles - 1 if node.is_digital else 0
            assert r.issue == r.done == max(a + late if node.is_digital else 0, s_bp, a_n, s_prev)
        check_delivery(plan, r, pipes, machine(r))


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st_plans(servers_prob=0.0), st.sampled_from(["single", "stream"]))
def test_trace_solves_the_documented_equations(case, mode):
    plan, images = case
    check_equations(plan, images, mode, simulate_trace(plan, images, mode)[1])


@pytest.mark.parametrize("capacity", [0, 3])
def test_worked_example_solves_the_documented_equations(capacity):
    conv = dict(kind="conv", kernel=(1, 3), pad=(0, 1), capacity=capacity)
    plan = chain_plan((1, 4, 1), [conv, conv])
    images = [image(plan)]
    check_equations(plan, images, "single", simulate_trace(plan, images)[1])


@FAST
@given(st_plans(), st.sampled_from(["single", "stream"]))
def test_latency_at_least_the_stage_latencies_along_any_path(case, mode):
    plan, images = case
    result = simulate(plan, images, mode)
    for n, work in enumerate(images):
        arrival = work.arrival_cycle if mode == "stream" else 0
        assert result.completion_cycle[n] >= dataflow_bound(plan, work, arrival)


@FAST
@given(st_plans(remote_prob=0.0, min_cap=10**6, max_cap=10**6, unbounded_prob=1.0, max_images=1,
                servers_prob=0.0))
def test_uncontended_is_the_dataflow_bound(case):
    """Local edges (the source's with ample bandwidth), unbounded buffers, a replica per op:
    nothing waits but for data."""
    plan, images = case
    plan = with_replicas(plan, 64 * 3)
    assert simulate(plan, images).completion_cycle[0] == dataflow_bound(plan, images[0], 0)


@FAST
@given(st_plans(), st.integers(2, 3), st.sampled_from(["single", "stream"]))
def test_multiplying_replicas_never_delays_any_op(case, factor, mode):
    plan, images = case
    _, before = simulate_trace(plan, images, mode)
    _, after = simulate_trace(with_replicas(plan, factor), images, mode)
    assert all(b.issue >= a.issue and b.done >= a.done for a, b in zip(after, before))
    for a, b in zip(after, before):
        assert all(b.ready[e] >= a.ready[e] for e in b.ready)


@FAST
@given(st_plans(max_replicas=1), st.data())
def test_cropping_more_never_increases_completion(case, data):
    """Single mode, one replica per layer (see test_round_robin_with_mixed_bits for why more
    replicas break this: removing an op re-deals the later ops to other replicas)."""
    plan, images = case
    work = images[0]
    masks = [np.array(data.draw(st.lists(st.booleans(), min_size=b.size, max_size=b.size)),
                      dtype=bool).reshape(b.shape) for b in work.bits]
    before = simulate(plan, [work]).completion_cycle[0]
    assert simulate(plan, [crop_more(work, masks)]).completion_cycle[0] <= before


@FAST
@given(st_plans())
def test_deterministic_and_single_is_stream_of_one(case):
    plan, images = case
    first, second = simulate(plan, images), simulate(plan, images)
    for name in first.__dataclass_fields__:
        assert np.array_equal(getattr(first, name), getattr(second, name)), name
    alone = simulate(plan, [images[-1]], "stream")
    work = images[-1]
    if work.arrival_cycle == 0:
        assert alone.completion_cycle[0] == first.completion_cycle[-1]


@FAST
@given(st_plans())
def test_generated_buffers_meet_the_rolling_need(case):
    plan, images = case
    for e, edge in enumerate(plan.edges):
        if plan.nodes[edge.dst].is_crossbar and edge.capacity_pixels:
            assert edge.capacity_pixels >= rolling_need(plan, e)
        elif plan.nodes[edge.dst].is_digital:
            assert edge.capacity_pixels == 0
