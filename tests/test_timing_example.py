"""docs/timing-model.md section 10, the worked example, number by number (reference model).

One tile, default stages, the source on an HT link (640 B/cycle, latency 1, 2 bytes per pixel);
input 1 x 4 x 1; A and B: conv 1 x 3, padding (0, 1), one channel, one replica, 16 bits.
"""

import pytest
from plans import chain_plan, image

from isaacsim.reference import simulate, simulate_trace

SRC, A, B = 0, 1, 2
SRC_A, A_B = 0, 1


def example(capacity: int):
    conv = dict(kind="conv", kernel=(1, 3), pad=(0, 1), capacity=capacity)
    plan = chain_plan((1, 4, 1), [conv, conv])
    return plan, [image(plan)]


def by_node(records):
    out = {}
    for r in records:
        out.setdefault(r.node, []).append(r)
    return out


def test_plan_as_in_the_document():
    plan, _ = example(0)
    src_edge, ab = plan.edges
    assert (src_edge.local, src_edge.cap_bytes_per_cycle, src_edge.latency_cycles,
            src_edge.bytes_per_pixel) == (False, 640, 1, 2)
    assert ab.local and ab.bytes_per_pixel == 2
    assert plan.stages.xbar_tail(0) + 16 == 20  # done = s + 20


def test_large_buffers_table_a():
    plan, images = example(0)
    result, records = simulate_trace(plan, images)
    ops = by_node(records)
    # Source: issued and done at 0, requested at 1, byte-slots 640..648, written at 3, ready at 4.
    assert [(r.issue, r.done, r.ready[SRC_A]) for r in ops[SRC]] == [(0, 0, 4)] * 4
    assert [r.issue for r in ops[A]] == [4, 20, 36, 52]
    assert [r.done for r in ops[A]] == [24, 40, 56, 72]
    assert [r.ready[A_B] for r in ops[A]] == [26, 42, 58, 74]
    assert [r.issue for r in ops[B]] == [42, 58, 74, 90]
    assert [r.output_ready for r in ops[B]] == [64, 80, 96, 112]
    assert [r.replica for r in ops[A] + ops[B]] == [0] * 8
    assert result.completion_cycle.tolist() == [112]
    assert result.latency_cycles.tolist() == [112]
    assert result.node_start.tolist() == [[0, 4, 42]]
    assert result.node_end.tolist() == [[4, 74, 112]]
    assert result.node_ops.tolist() == [[4, 4, 4]]
    assert result.node_bit_cycles.tolist() == [[0, 64, 64]]
    assert result.node_rf_pixels.tolist() == [[0, 10, 10]]
    assert result.edge_bytes.tolist() == [[8, 0]]


def test_buffers_at_rolling_need_table_b():
    plan, images = example(3)
    result, records = simulate_trace(plan, images)
    ops = by_node(records)
    # Source pixel 3 waits for release(0) = 1 + max(s(A0), s(A1)) = 21; requested at 22, byte-slots
    # 14080..14082, written at ceil(14082 / 640) + 1 = 24, ready at 25.
    assert [r.issue for r in ops[SRC]] == [0, 0, 0, 21]
    assert [r.ready[SRC_A] for r in ops[SRC]] == [4, 4, 4, 25]
    # A2 (36) is not delayed; A3 waits for release(0) on A->B = 1 + max(s(B0), s(B1)) = 59.
    assert [r.issue for r in ops[A]] == [4, 20, 36, 59]
    assert [r.ready[A_B] for r in ops[A]] == [26, 42, 58, 81]
    assert [r.issue for r in ops[B]] == [42, 58, 81, 97]
    assert [r.output_ready for r in ops[B]] == [64, 80, 103, 119]
    assert result.completion_cycle.tolist() == [119]
    assert result.latency_cycles.tolist() == [119]
    assert result.node_start.tolist() == [[0, 4, 42]]
    assert result.node_end.tolist() == [[25, 81, 119]]


def test_back_pressure_costs_seven_cycles():
    assert (simulate(*example(3)).completion_cycle[0]
            - simulate(*example(0)).completion_cycle[0]) == 7


@pytest.mark.parametrize("capacity", [4, 5, 100])
def test_buffers_above_the_need_do_not_stall_this_example(capacity):
    assert simulate(*example(capacity)).completion_cycle.tolist() == [112]
