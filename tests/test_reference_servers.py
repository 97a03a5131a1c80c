"""The reference model's servers (docs/timing-model.md s12): hand-checked cases, then invariants.

Every expected number is worked out by hand from section 12. Default stages (fetch, adc, ima_sa,
tile_sa, act, write all 1), so with unlimited servers a crossbar op reads at s + 1 .. s + b, is done
at `s + b + 4` and its pixel is ready in a local crossbar consumer at `s + b + 6`; with servers:

    cf = fetch(s);  r_0 = max(cf + 1, sample);  c_j = readout(r_j + 1);  sample = max(r_j + 1, c_j - 1)
    free = r_last;  cm = merge(c_last + 2);  ca = act(cm + 1 + span);  done = ca

where `server(t)` is the cycle in which a request made in cycle t is complete: slots `start =
max(t x rate, busy)` to `end = start + x`, complete in `ceil(end / rate) - 1`; its wait is
`complete - t`, but the readout's is per op, `c_last - (cf + 1 + b)`. The readout is per replica;
fetch, merge and act belong to server groups (replica r in group r mod `groups`) and serve the
group's ops in rank order. Sources sit on an HT link (640 B/cycle, latency 1): pixels issued at 0
are ready at 4.
"""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plans import PlanBuilder, TraceIndex, chain_plan, check_delivery, image, remote, st_plans

from isaacsim.plan import SERVICES, UNLIMITED, Service
from isaacsim.reference import simulate, simulate_trace

FETCH, READOUT, MERGE, ACT = range(4)


def of(records, node):
    return [r for r in records if r.node == node]


def conv(**kw):
    return dict(kind="conv", **kw)


# ---- (1) unlimited and idle servers: the cycles of sections 4 and 10 ----------------------------

def _example(capacity: int, **servers):
    """Section 10's worked example: input 1 x 4 x 1, A and B conv 1 x 3, padding (0, 1)."""
    spec = conv(kernel=(1, 3), pad=(0, 1), capacity=capacity, **servers)
    return chain_plan((1, 4, 1), [spec, spec])


NOT_IN_TIME = dict(fetch=Service(0, 9), readout=Service(0, 9), merge=Service(0, 9),
                   act=Service(0, 9))
"""Rate 0: not modelled in time, whatever an op asks."""
ASKS_NOTHING = dict(fetch=Service(3, 0), readout=Service(1, 0), merge=Service(1, 0),
                    act=Service(1, 0))
"""per 0: the node asks nothing of the server."""
IDLE_AND_FAST = dict(fetch=Service(3, 1), readout=Service(1, 1), merge=Service(1, 1),
                     act=Service(1, 1))
"""Active, but every request fits in one cycle of an idle server: fetch asks at most 3 pixels x 1
at 3 per cycle; each read asks 1 at 1 per cycle, the previous read's request having been complete
in its own cycle; merge and act ask 1 per op, 16 cycles apart. Every request is complete in the
cycle it is made."""


@pytest.mark.parametrize("servers", [{}, NOT_IN_TIME, ASKS_NOTHING, IDLE_AND_FAST],
                         ids=["unlimited", "rate0", "per0", "idle"])
def test_servers_that_never_wait_give_the_worked_example(servers):
    """Section 10 (also checked by tests/test_timing_example.py): (a) large buffers, A issues 4,
    20, 36, 52 and B 42, 58, 74, 90, completion 112; (b) buffers at their rolling need of 3,
    A3 waits for release 59, B2 for A3's ready 81 and B3 = 81 + 16 = 97, completion 119."""
    for capacity, a, b, completion in ((0, [4, 20, 36, 52], [42, 58, 74, 90], 112),
                                       (3, [4, 20, 36, 59], [42, 58, 81, 97], 119)):
        plan = _example(capacity, **servers)
        result, rec = simulate_trace(plan, [image(plan)])
        assert [r.issue for r in of(rec, 1)] == a
        assert [r.issue for r in of(rec, 2)] == b
        assert [r.done for r in rec if r.node] == [s + 20 for s in a + b]  # done = s + b + 4
        assert [r.reads for r in of(rec, 1)] == [tuple(range(s + 1, s + 17)) for s in a]
        assert result.completion_cycle.tolist() == [completion]
        assert result.node_wait.tolist() == [[[0] * 4] * 3]


# ---- (2) a readout at half rate --------------------------------------------------------------

def test_a_readout_at_half_rate_doubles_the_op_interval():
    """One replica, 4-bit ops, readout Service(rate 1, per 2): each read's conversions take two
    cycles. Unlimited: s = 4, 8, 12, 16 and done = s + 8 = 12, 16, 20, 24.

    op 0, s = 4: cf = 4, r_0 = 5. Read 5 asks at 6: slots 6..8, complete 7, sample = max(6, 6) = 6.
      Read 6 asks at 7: start max(7, 8) = 8, end 10, complete 9, sample = max(7, 8) = 8.
      Read 8 asks at 9: slots 10..12, complete 11, sample 10. Read 10 asks at 11: slots 12..14,
      complete 13, sample 12. free = r_last = 10; merge at 13 + 2 = 15, act at 16: done 16.
      Readout wait: c_last - (cf + 1 + b) = 13 - 9 = 4.
    op 1, s = max(4, 10) = 10: r_0 = max(11, 12) = 12, reads 12, 14, 16, 18 (each asks at r + 1
      and starts at r + 2, behind the previous read's end: complete r + 3), complete 21; free 18;
      done 21 + 3 = 24; wait 21 - (10 + 5) = 6.
    op 2, s = 18: reads 20, 22, 24, 26, complete 29, done 32; op 3, s = 26: reads 28 .. 34, done 40.
    One op every 8 cycles (2 b) instead of 4 (b); waits 6 each: node_wait = 4 + 3 x 6 = 22.
    """
    plan = chain_plan((1, 4, 1), [conv(readout=Service(1, 2))])
    result, rec = simulate_trace(plan, [image(plan, default=4)])
    ops = of(rec, 1)
    assert [r.issue for r in ops] == [4, 10, 18, 26]
    assert [r.reads for r in ops] == [(5, 6, 8, 10), (12, 14, 16, 18), (20, 22, 24, 26),
                                      (28, 30, 32, 34)]
    assert [r.done for r in ops][:3] == [16, 24, 32]
    assert [r.done for r in ops] == [16, 24, 32, 40]
    assert [r.wait for r in ops] == [(0, 4, 0, 0)] + [(0, 6, 0, 0)] * 3
    assert result.completion_cycle.tolist() == [40 + 2]
    assert result.node_wait[0, 1].tolist() == [0, 22, 0, 0]


def test_replica_cursors_carry_over_images_in_stream_mode():
    """The half-rate readout above, two images arriving at 0. Image 1's source pixels are ready at
    4 (bytes 648..656 of the source pipe, sent in cycle 1), but its op 0 (rank 4) waits for the
    replica: s = free = 34, and its first read for the carried `sample`: r_0 = max(35, 36) = 36,
    asking at 37 behind the end 38 of image 0's last read: complete 39. Reads 36, 38, 40, 42, the
    last complete in 45: done 48 (readout wait 45 - (34 + 1 + 4) = 6, where a fresh replica's
    first op waits 4), then every 8: 56, 64, 72; completion 74. Alone (single mode) image 1 is
    image 0: completion 42."""
    plan = chain_plan((1, 4, 1), [conv(readout=Service(1, 2))])
    images = [image(plan, default=4, image_id="a"), image(plan, default=4, image_id="b")]
    result, rec = simulate_trace(plan, images, "stream")
    second = [r for r in of(rec, 1) if r.image == 1]
    assert [r.issue for r in second] == [34, 42, 50, 58]
    assert second[0].reads == (36, 38, 40, 42)
    assert [r.done for r in second] == [48, 56, 64, 72]
    assert result.completion_cycle.tolist() == [42, 74]
    assert result.node_wait[:, 1, READOUT].tolist() == [22, 24]
    assert simulate(plan, images).completion_cycle.tolist() == [42, 42]


# ---- (3) ISAAC's unit column: 129 conversions per read at 128 per cycle -------------------------

def test_a_read_of_129_conversions_at_128_per_cycle_loses_one_cycle_in_128():
    """One replica, 12 ops of 16 bits, readout Service(128, 129). Op k issues at 4 + 16k and
    reads from 5 + 16k while nothing is delayed, so read n (counting over the ops) is at 5 + n.

    Read n asks at 6 + n. Each read leaves one more slot than its cycle holds, so read n's request
    starts n slots into cycle 6 + n: end = (6 + n) x 128 + n + 129, complete in 7 + n while
    n + 129 <= 256, i.e. n <= 127; then sample = max(6 + n, 6 + n) = 6 + n: back to back.
    Read 127 ends exactly at (6 + 127 + 2) x 128 = 135 x 128, complete in 134. Read 128 (op 8's
    first, at 133) asks at 134 but starts at 135 x 128: end 135 x 128 + 129, complete 136, so
    sample = max(134, 135) = 135: read 129 is the first delayed one, at 135 instead of 134.
    Then the backlog is 1 slot again, as after read 0: reads 135 .. 149 back to back.

    Every op is done one cycle later than unlimited (its last read converts in 2 cycles):
    done = c_last + 3 = (r_last + 2) + 3 = s + 21 for ops 0..7; op 8 (s 132, last read 149,
    complete 151): done 154, free 149; ops 9, 10, 11 issue at 149, 165, 181, done 170, 186, 202.
    """
    plan = chain_plan((1, 12, 1), [conv(readout=Service(128, 129))])
    result, rec = simulate_trace(plan, [image(plan)])
    ops = of(rec, 1)
    reads = [c for r in ops for c in r.reads]
    late = [n for n, cycle in enumerate(reads) if cycle != 5 + n]
    assert late[0] == 129 and reads[128:131] == [133, 135, 136]
    # every later read is one cycle late (the next gap would be read 129 + 128 = 257)
    assert late == list(range(129, 192)) and reads[129:] == [6 + n for n in range(129, 192)]
    assert ops[8].reads == (133,) + tuple(range(135, 150))
    assert [r.issue for r in ops] == [4 + 16 * k for k in range(9)] + [149, 165, 181]
    assert [r.done for r in ops] == [25 + 16 * k for k in range(8)] + [154, 170, 186, 202]
    # per op c_last - (cf + 1 + 16): its last read converts in 2 cycles, 1; op 8 (cf 132, last
    # conversion 151) 2
    assert [r.wait[READOUT] for r in ops] == [1] * 8 + [2] + [1] * 3
    assert result.node_wait[0, 1, READOUT] == 13


# ---- (4) a fetch server --------------------------------------------------------------------------

def test_a_fetch_server_that_takes_three_cycles_per_op():
    """conv 1 x 3 without padding on a 1 x 6 map: 4 ops of 2 bits, 3 active pixels each; fetch
    Service(rate 1, per 1): 3 slots, cycles s .. s + 2, complete s + 2 (wait 2).
    op 0, s = 4: cf 6, reads 7, 8, free 8, complete 9, merge 11, act 12: done 12 (unlimited 10).
    op 1, s = 8 (the fetch server idle since 7): cf 10, reads 11, 12, done 16; op 2: s 12, done 20;
    op 3: s 16, done 24, ready 26. One op every b + 3 - fetch_cycles = 4 cycles."""
    plan = chain_plan((1, 6, 1), [conv(kernel=(1, 3), fetch=Service(1, 1))])
    result, rec = simulate_trace(plan, [image(plan, default=2)])
    ops = of(rec, 1)
    assert [r.issue for r in ops] == [4, 8, 12, 16]
    assert [r.reads for r in ops] == [(7, 8), (11, 12), (15, 16), (19, 20)]
    assert [r.done for r in ops] == [12, 16, 20, 24]
    assert result.completion_cycle.tolist() == [26]
    assert result.node_wait[0, 1].tolist() == [8, 0, 0, 0]


def test_a_fetch_asks_per_active_input_pixel():
    """The same with source pixel 2 skipped: ops read 2, 2, 2, 3 active pixels, fetched in 2, 2,
    2, 3 cycles. op 0: s 4, cf 5, reads 6, 7, done 11; op 1: s 7, cf 8, reads 9, 10, done 14;
    op 2: s 10, cf 11, done 17; op 3: s 13, cf 15, reads 16, 17, done 21, ready 23."""
    plan = chain_plan((1, 6, 1), [conv(kernel=(1, 3), fetch=Service(1, 1))])
    result, rec = simulate_trace(plan, [image(plan, {0: np.array([[1, 1, 0, 1, 1, 1]])},
                                              default=2)])
    ops = of(rec, 1)
    assert [r.issue for r in ops] == [4, 7, 10, 13]
    assert [r.done for r in ops] == [11, 14, 17, 21]
    assert result.node_rf_pixels[0, 1] == 9
    assert result.node_wait[0, 1].tolist() == [1 + 1 + 1 + 2, 0, 0, 0]
    assert result.completion_cycle.tolist() == [23]


# ---- (5) server groups: per replica, or shared in rank order ----------------------------------

def test_replicas_in_groups_of_their_own_do_not_delay_each_other():
    """conv 1 x 1, two replicas in two groups (one each), 1-bit ops, merge Service(rate 1, per 3):
    3 cycles per op.
    op 0 (replica 0), s 4: read 5, complete 6, merge asks at 8, cycles 8, 9, 10: cm 10 (wait 2),
    act at 11: done 11. op 1 (replica 1), s 4: the same on its own merge server, done 11.
    op 2 (replica 0), s = free = 5: read 6, merge asks at 9 behind op 0 (busy to cycle 10):
    cycles 11, 12, 13, cm 13 (wait 4), done 14. op 3 (replica 1): the same, done 14."""
    plan = chain_plan((1, 4, 1), [conv(replicas=2, groups=2, merge=Service(1, 3))])
    result, rec = simulate_trace(plan, [image(plan, default=1)])
    ops = of(rec, 1)
    assert [(r.replica, r.issue, r.done) for r in ops] == [(0, 4, 11), (1, 4, 11), (0, 5, 14),
                                                           (1, 5, 14)]
    assert [r.wait[MERGE] for r in ops] == [2, 2, 4, 4]
    assert result.node_wait[0, 1].tolist() == [0, 0, 12, 0]
    # each replica is exactly a one-replica layer running its half of the ops
    alone = chain_plan((1, 2, 1), [conv(merge=Service(1, 3))])
    _, rec1 = simulate_trace(alone, [image(alone, default=1)])
    assert [(r.issue, r.done) for r in of(rec1, 1)] == [(4, 11), (5, 14)]


def test_replicas_of_one_group_share_its_merge_in_rank_order():
    """The same with one group (the default): ops 0, 1, 2, 3 ask the merge at 8, 8, 9, 9 and are
    served in rank order, 3 cycles each: cycles 8-10, 11-13, 14-16, 17-19, so cm = 10, 13, 16, 19
    (waits 2, 5, 7, 10) and done = cm + 1 = 11, 14, 17, 20; issues are unchanged (4, 4, 5, 5)."""
    plan = chain_plan((1, 4, 1), [conv(replicas=2, merge=Service(1, 3))])
    result, rec = simulate_trace(plan, [image(plan, default=1)])
    ops = of(rec, 1)
    assert [(r.issue, r.done) for r in ops] == [(4, 11), (4, 14), (5, 17), (5, 20)]
    assert result.node_wait[0, 1].tolist() == [0, 0, 2 + 5 + 7 + 10, 0]


def test_a_group_fetches_in_rank_order():
    """conv 1 x 1, two replicas in one group, bits 16, 1, 1, 1, fetch Service(1, 1): 1 slot per op.
    op 0 (replica 0), s 4: cf 4, reads 5 .. 20, free 20, done 24.
    op 1 (replica 1), s 4: its fetch after op 0's, slot 5: cf 5 (wait 1), read 6, free 6, done 10.
    op 2 (replica 0, free at 20), s 20: cf 20, read 21, done 25. op 3's replica is free at 6, but
    ops issue in rank order: s 20, its fetch after op 2's, slot 21: cf 21 (wait 1), read 22,
    conversion 23, merge 25, act 26: done 26.
    With a group per replica op 1 fetches at 4 (done 9) and op 3 at 20 (done 25)."""
    bits = {1: np.array([[16, 1, 1, 1]])}
    plan = chain_plan((1, 4, 1), [conv(replicas=2, fetch=Service(1, 1))])
    result, rec = simulate_trace(plan, [image(plan, bits)])
    ops = of(rec, 1)
    assert [(r.issue, r.done) for r in ops] == [(4, 24), (4, 10), (20, 25), (20, 26)]
    assert [r.reads for r in ops][1:] == [(6,), (21,), (22,)]
    assert [r.wait[FETCH] for r in ops] == [0, 1, 0, 1]
    assert result.completion_cycle.tolist() == [28]
    own = chain_plan((1, 4, 1), [conv(replicas=2, groups=2, fetch=Service(1, 1))])
    _, rec2 = simulate_trace(own, [image(own, bits)])
    assert [(r.issue, r.done) for r in of(rec2, 1)] == [(4, 24), (4, 9), (20, 25), (20, 25)]


def test_replica_r_uses_group_r_mod_groups():
    """conv 1 x 1 on 1 x 6, three replicas in two groups (not a divisor: the plan contract allows
    1 <= G <= R), 1-bit ops, merge Service(1, 3). Ops 0, 1, 2 issue at 4 and ops 3, 4, 5 at 5; each
    asks the merge at s + 4 (read s + 1, conversion s + 2, IMA s + 3). Replicas 0 and 2 share
    group 0: ops 0, 2, 3, 5 (asking at 8, 8, 9, 9) merge in cycles 8-10, 11-13, 14-16, 17-19;
    replica 1 is group 1: ops 1, 4 in 8-10, 11-13. done = cm + 1: 11, 11, 14, 17, 14, 20. (Groups
    by rank mod 2 would give 11, 11, 14, 14, 17, 17.)"""
    plan = chain_plan((1, 6, 1), [conv(replicas=3, groups=2, merge=Service(1, 3))])
    result, rec = simulate_trace(plan, [image(plan, default=1)])
    ops = of(rec, 1)
    assert [r.issue for r in ops] == [4, 4, 4, 5, 5, 5]
    assert [r.done for r in ops] == [11, 11, 14, 17, 14, 20]
    assert [r.wait[MERGE] for r in ops] == [2, 2, 5, 7, 4, 10]
    assert result.node_wait[0, 1, MERGE] == 30


# ---- (6) a digital unit serves in rank order -------------------------------------------------

def test_a_slow_pool_unit_serves_its_ops_in_rank_order():
    """A: conv 1 x 1, two replicas, bits 16 and 1: A0 done 4 + 20 = 24, A1 done 4 + 5 = 9; ready
    in the 1 x 1 pool (0 op cycles, local) at 25 and 10: pool op 0 asks at 24, and op 1, whose
    input is ready at 10, issues in rank order, with op 0, at 24.
    Pool merge Service(rate 1, per 2): op 0, cycles 24, 25: done 25 (wait 1). op 1 is served
    after it: cycles 26, 27: done 27 (wait 3). Output ready done + 2: 27, 29. Unlimited: done 24
    and 24."""
    b = PlanBuilder()
    a = b.conv(b.source((1, 2, 1)), replicas=2, link=remote(640, 1))
    b.pool(a, (1, 1), op_cycles=0, merge=Service(1, 2))
    plan = b.build()
    work = image(plan, {1: np.array([[16, 1]])})
    result, rec = simulate_trace(plan, [work])
    assert [(r.issue, r.done, r.output_ready) for r in of(rec, 2)] == [(24, 25, 27), (24, 27, 29)]
    assert result.node_start[0].tolist() == [0, 4, 24]
    assert result.completion_cycle.tolist() == [29]
    assert result.node_wait[0].tolist() == [[0] * 4, [0] * 4, [0, 0, 1 + 3, 0]]
    free = dataclasses.replace(plan, nodes=tuple(dataclasses.replace(n, merge=UNLIMITED)
                                                 for n in plan.nodes))
    assert [r.done for r in of(simulate_trace(free, [work])[1], 2)] == [24, 24]


def test_a_digital_act_follows_its_merge():
    """A conv 1 x 1 of 1-bit ops on one replica: s = 4, 5, 6, 7, done s + 5 = 9 .. 12, ready in
    the local 1 x 1 pool (0 op cycles) at 10 .. 13, so pool op k asks at t = 9 + k. Its merge,
    Service(1, 1), serves 1 slot in cycle t (no wait); its act, Service(1, 3), is asked in that
    cycle: op 0 slots 9..12, complete 11 (wait 2); op 1 asks at 10, slots 12..15, complete 14
    (wait 4); op 2 asks at 11, complete 17 (wait 6); op 3 asks at 12, complete 20 (wait 8). A
    digital op is done when its act is complete: 11, 14, 17, 20."""
    plan = chain_plan((1, 4, 1), [conv(), dict(kind="pool", kernel=(1, 1), op_cycles=0,
                                               merge=Service(1, 1), act=Service(1, 3))])
    result, rec = simulate_trace(plan, [image(plan, default=1)])
    assert [r.done for r in of(rec, 1)] == [9, 10, 11, 12]
    assert [(r.issue, r.done) for r in of(rec, 2)] == [(9, 11), (10, 14), (11, 17), (12, 20)]
    assert result.node_wait[0, 2].tolist() == [0, 0, 0, 2 + 4 + 6 + 8]


# ---- invariants --------------------------------------------------------------------------------

def _slot(busy: int, service: Service, t: int, demand: int) -> tuple[int, int]:
    """Section 12's slot rule, as written: (complete cycle, new busy)."""
    x = demand * service.per
    if x == 0 or service.rate == 0:
        return t, busy
    start = max(t * service.rate, busy)
    end = start + x
    return -(-end // service.rate) - 1, end


def check_section_12(plan, images, mode, result, records):
    """Assert that the trace solves the equations of sections 4-8 with section 12's servers, each
    server evaluated with the slot rule (the reference serves cycle by cycle)."""
    ix = TraceIndex(plan, images, mode, records)
    machine, arrival, ops, inputs, release = ix.machine, ix.arrival, ix.ops, ix.inputs, ix.release

    st_ = plan.stages
    busy, sample, free, pipes = {}, {}, {}, {}
    wait = np.zeros_like(result.node_wait)
    for r in sorted(records, key=lambda r: (machine(r), r.node, r.rank)):
        node, a_n = plan.nodes[r.node], arrival[r.image]
        replica = (machine(r), r.node, r.rank % node.replicas if node.is_crossbar else 0)
        group = (machine(r), r.node,
                 (r.rank % node.replicas if node.is_crossbar else r.rank) % node.groups)
        mine = [0] * 4

        def ask(server, t, demand=1):
            """Records are in rank order: each group's server sees its requests in rank order."""
            owner = replica if server == READOUT else group
            service = getattr(node, SERVICES[server])
            c, busy[owner, server] = _slot(busy.get((owner, server), 0), service, t, demand)
            if server != READOUT:
                mine[server] += c - t
            return c

        a = max((p.ready[e] for e, p in inputs[id(r)]), default=a_n)
        s_bp = max((release(ops[machine(r), r.node, r.rank - plan.edges[e].capacity_pixels], e)
                    for e in node.outputs if plan.nodes[plan.edges[e].dst].is_crossbar
                    and 0 < plan.edges[e].capacity_pixels <= r.rank), default=0)
        before = ops.get((machine(r), r.node, r.rank - 1))  # ops issue in rank order (s3)
        s_bp = max(s_bp, before.issue if before else 0)
        if node.is_crossbar:
            assert r.issue == max(a, free.get(replica, 0), s_bp, a_n)
            fetched = ask(FETCH, r.issue, len(inputs[id(r)]))
            reads, read = [], max(fetched + st_.fetch, sample.get(replica, 0))
            for j in range(r.bits):
                read = read if j == 0 else sample[replica]
                reads.append(read)
                converted = ask(READOUT, read + 1)
                sample[replica] = max(read + 1, converted - 1)
            mine[READOUT] = converted - (fetched + st_.fetch + r.bits)
            free[replica] = read + 1 - st_.fetch
            merged = ask(MERGE, converted + st_.adc - 1 + st_.ima_sa + 1)
            activated = ask(ACT, merged + st_.tile_sa + node.span_cycles)
            assert r.reads == tuple(reads)
            assert r.done == activated + st_.act - 1
        elif node.is_digital:
            t = max(a + node.op_cycles - 1, s_bp, a_n)
            assert r.issue == t
            assert r.done == ask(ACT, ask(MERGE, t))
        else:
            assert r.issue == r.done == max(s_bp, a_n)
        assert r.wait == tuple(mine)
        wait[r.image, r.node] += mine
        check_delivery(plan, r, pipes, machine(r))
    np.testing.assert_array_equal(result.node_wait, wait)


FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st_plans(servers_prob=1.0), st.sampled_from(["single", "stream"]))
def test_trace_solves_the_section_12_equations(case, mode):
    plan, images = case
    check_section_12(plan, images, mode, *simulate_trace(plan, images, mode))


@pytest.mark.parametrize("case", [(0, {}), (3, {}), (0, dict(readout=Service(1, 2))),
                                  (3, dict(fetch=Service(1, 2), merge=Service(2, 3)))])
def test_worked_example_solves_the_section_12_equations(case):
    capacity, servers = case
    plan = _example(capacity, **servers)
    images = [image(plan)]
    check_section_12(plan, images, "single", *simulate_trace(plan, images))


def _unlimited(plan):
    return dataclasses.replace(plan, nodes=tuple(
        dataclasses.replace(n, **{name: UNLIMITED for name in SERVICES}) for n in plan.nodes))


@FAST
@given(st_plans(servers_prob=1.0), st.sampled_from(["single", "stream"]))
def test_servers_never_advance_an_op(case, mode):
    plan, images = case
    _, slow = simulate_trace(plan, images, mode)
    _, fast = simulate_trace(_unlimited(plan), images, mode)
    for a, b in zip(fast, slow):
        assert b.issue >= a.issue and b.done >= a.done
        assert all(b.ready[e] >= a.ready[e] for e in b.ready)


@FAST
@given(st_plans(servers_prob=0.0), st.sampled_from(["single", "stream"]))
def test_fast_crossbar_servers_and_inactive_digital_ones_change_nothing(case, mode):
    """A crossbar server that serves any request in the cycle it is made (rate 10^6 slots, one per
    unit) never delays when every replica has its own group: a replica asks each of its servers
    in cycle order, at most once per cycle. (In a shared group the rank order can delay an op
    that asks before an op ranked earlier.) A digital server with rate 0 or per 0 is inactive:
    its ops keep their order-free done cycles."""
    plan, images = case
    fast = {"fetch": Service(10**6, 1), "readout": Service(10**6, 1),
            "merge": Service(10**6, 1), "act": Service(10**6, 1)}
    inactive = {"merge": Service(0, 5), "act": Service(7, 0)}
    servers = dataclasses.replace(plan, nodes=tuple(
        dataclasses.replace(n, groups=n.replicas, **fast) if n.is_crossbar else
        dataclasses.replace(n, **inactive) if n.is_digital else n for n in plan.nodes))
    a, b = simulate(plan, images, mode), simulate(servers, images, mode)
    for name in vars(a):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert not b.node_wait.any()


@FAST
@given(st_plans(servers_prob=1.0))
def test_single_is_stream_of_one_with_servers(case):
    plan, images = case
    work = images[-1]
    if work.arrival_cycle == 0:
        assert (simulate(plan, [work], "stream").completion_cycle[0]
                == simulate(plan, images).completion_cycle[-1])


# ---- (7) servers shared between nodes, in time order ------------------------------------------

def test_a_shared_server_serves_nodes_first_come_first_served():
    """conv C (1 x 1, two replicas in one group, 16 bits, merge Service(1, 3)) and a 1 x 1 pool P
    (0 op cycles, merge Service(1, 2)) share merge server 0 (`Node.pools`). Source pixels are
    ready at 2 (local). C: ops 0 and 1 issue at 2, ask the merge at 2 + 1 + 16 + 2 = 21 and are
    served in rank order, cycles 21-23 and 24-26: done cm + 1 = 24, 27 (waits 2, 5); ops 2 and 3
    issue at 18, ask at 37: cycles 37-39, 40-42, done 40, 43.
    P op 0 reads C's pixel 0 (ready 25) and asks at 24, when the server is taken until 26 by C's
    op 1, which asked at 21: cycles 27-28, done 28 (wait 4); op 1 asks at 27: 29-30, done 30
    (wait 3); op 2 asks at 40 (server busy to 42): 43-44, done 44; op 3 at 43: 45-46, done 46.
    Output ready done + 2: completion 48. (With a server each, a P op would only take its own 2
    slots: a wait of 1 each.)"""
    b = PlanBuilder()
    c = b.conv(b.source((1, 4, 1)), replicas=2, merge=Service(1, 3), pools=(0, -1))
    b.pool(c, (1, 1), op_cycles=0, merge=Service(1, 2), pools=(0, -1))
    plan = b.build()
    result, rec = simulate_trace(plan, [image(plan)])
    assert [(r.issue, r.done, r.wait[MERGE]) for r in of(rec, 1)] == [
        (2, 24, 2), (2, 27, 5), (18, 40, 2), (18, 43, 5)]
    assert [(r.issue, r.done, r.wait[MERGE]) for r in of(rec, 2)] == [
        (24, 28, 4), (27, 30, 3), (40, 44, 4), (43, 46, 3)]
    assert result.completion_cycle.tolist() == [48]
    own = dataclasses.replace(plan, nodes=tuple(dataclasses.replace(n, pools=(-1, -1))
                                                for n in plan.nodes))
    assert simulate(own, [image(own)]).node_wait[0, 2].tolist() == [0, 0, 4, 0]


def test_a_shared_server_serves_a_tie_to_the_earlier_node():
    """Two 1 x 1 pools P1, P2 on a 1 x 2 source share merge server 0 (Service(1, 2)); all four
    ops ask at cycle 0 (the source's pixels are ready at 1, 0 op cycles). The earlier node first,
    each node in rank order: P1 cycles 0-1, 2-3 (done 1, 3), then P2 4-5, 6-7 (done 5, 7)."""
    b = PlanBuilder()
    s = b.source((1, 2, 1))
    b.pool(s, (1, 1), op_cycles=0, merge=Service(1, 2), pools=(0, -1))
    b.pool(s, (1, 1), op_cycles=0, merge=Service(1, 2), pools=(0, -1))
    plan = b.build()
    result, rec = simulate_trace(plan, [image(plan)])
    assert [(r.node, r.issue, r.done) for r in rec if r.node] == [
        (1, 0, 1), (1, 0, 3), (2, 0, 5), (2, 0, 7)]
    assert result.node_end[0].tolist() == [1, 5, 9]
