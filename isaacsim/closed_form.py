"""Closed-form schedule of one image when no buffer stalls and no server delays an op
(docs/timing-model.md s11: it ignores the servers of s12, as if every one were unlimited).

Without back-pressure every recurrence of the timing model is a running maximum, so the whole
schedule is evaluated layer by layer with no simulation:

- receptive field: `A(p) = max(a, max of the producers' ready times over p's window)`, a sliding-window
  maximum;
- a crossbar layer with R replicas and ops k = 0, 1, ... issued in rank order: `s(k) = max(A(k),
  s(k - 1), s(k - R) + b(k - R))`, a prefix maximum with one replica and a scan with more;
- a digital layer: `s(k) = max(A(k) + op_cycles - 1, s(k - 1))`, a prefix maximum;
- an edge pipe of `cap` bytes per cycle carrying `x` bytes per pixel requested at `t(k)`:
  `end(k) = (k + 1) x + max over j <= k of (t(j) cap - j x)`, a running maximum.

The result equals the simulators' whenever no buffer is full (capacities of 0, or large enough);
tests compare all three. This module is independent of the engine and of the reference model.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from isaacsim.plan import ImageWork, TimingPlan


def _window_max(ready: np.ndarray, g, out_h: int, out_w: int) -> np.ndarray:
    """Max of `ready` (-1 = inactive) over each output pixel's clipped receptive field."""
    h, w = ready.shape
    if g.sh == 0 or g.sw == 0:  # a broadcast edge: every output reads the same clipped window
        rows = range(max(-g.ph, 0), min(g.kh - g.ph, h)) if g.sh == 0 else None
        cols = range(max(-g.pw, 0), min(g.kw - g.pw, w)) if g.sw == 0 else None
        out = np.full((out_h, out_w), -1, np.int64)
        for y in range(out_h):
            for x in range(out_w):
                ry = rows if rows is not None else range(max(y * g.sh - g.ph, 0),
                                                         min(y * g.sh - g.ph + g.kh, h))
                rx = cols if cols is not None else range(max(x * g.sw - g.pw, 0),
                                                         min(x * g.sw - g.pw + g.kw, w))
                if len(ry) and len(rx):
                    out[y, x] = ready[ry.start:ry.stop, rx.start:rx.stop].max()
        return out
    pad_b = max(0, (out_h - 1) * g.sh - g.ph + g.kh - h)
    pad_r = max(0, (out_w - 1) * g.sw - g.pw + g.kw - w)
    padded = np.pad(ready, ((g.ph, pad_b), (g.pw, pad_r)), constant_values=-1)
    win = sliding_window_view(padded, (g.kh, g.kw))[::g.sh, ::g.sw][:out_h, :out_w]
    return win.max(axis=(2, 3))


def _replica_issue(a: np.ndarray, bits: np.ndarray, replicas: int) -> np.ndarray:
    """s(k) = max(A(k), s(k - 1), s(k - R) + b(k - R)): the ops issue in rank order, each when
    its replica has read the op before it. With one replica this is a prefix maximum; with more,
    a scan (the replicas' chains cross through the rank order)."""
    if replicas == 1:
        before = np.concatenate(([0], np.cumsum(bits)[:-1]))  # bits issued before op k
        return np.maximum.accumulate(a - before) + before
    s = np.empty_like(a)
    free = [0] * replicas
    last = 0
    for k in range(a.size):
        r = k % replicas
        last = max(int(a[k]), last, free[r])
        s[k] = last
        free[r] = last + int(bits[k])
    return s


def _pipe_end(t: np.ndarray, nbytes: int, cap: int) -> np.ndarray:
    """Byte-slot end of each transfer of a FIFO pipe (requests in op order)."""
    k = np.arange(t.size, dtype=np.int64)
    return (k + 1) * nbytes + np.maximum.accumulate(t * cap - k * nbytes)


def schedule(plan: TimingPlan, work: ImageWork) -> dict:
    """Per node: `issue` and per-out-edge `ready` (H, W) maps (-1 inactive), `start`, `end`."""
    st = plan.stages
    ready_on: dict[int, np.ndarray] = {}
    out: dict[int, dict] = {}
    for n, node in enumerate(plan.nodes):
        h, w = node.shape[:2]
        active = work.bits[n] > 0
        a = np.zeros((h, w), np.int64)
        for e in node.inputs:
            a = np.maximum(a, _window_max(ready_on[e], plan.edges[e].geometry, h, w))
        order = np.flatnonzero(active.reshape(-1))
        a_k = a.reshape(-1)[order]
        bits_k = work.bits[n].reshape(-1)[order].astype(np.int64)
        if node.is_crossbar:
            s_k = _replica_issue(a_k, bits_k, node.replicas)
            done_k = s_k + bits_k + st.xbar_tail(node.span_cycles)
        elif node.is_digital:
            s_k = np.maximum.accumulate(np.maximum(a_k + node.op_cycles - 1, 0)) if a_k.size \
                else a_k
            done_k = s_k
        else:
            assert node.is_source
            s_k = np.zeros(order.size, np.int64)
            done_k = s_k
        ends = []
        for e in node.outputs:
            edge = plan.edges[e]
            if edge.local:
                write = st.write if plan.nodes[edge.dst].is_crossbar else 0
                r_k = done_k + write + 1
            else:
                cap = edge.cap_bytes_per_cycle
                end = _pipe_end(done_k + 1, edge.bytes_per_pixel, cap)
                r_k = -(-end // cap) + edge.latency_cycles + st.write
            full = np.full(h * w, -1, np.int64)
            full[order] = r_k
            ready_on[e] = full.reshape(h, w)
            ends.append(r_k)
        if not node.outputs:
            ends.append(done_k + st.write + 1)
        issue = np.full(h * w, -1, np.int64)
        issue[order] = s_k
        last = max((int(x.max()) for x in ends if x.size), default=-1)
        out[n] = {"issue": issue.reshape(h, w), "start": int(s_k.min()) if s_k.size else -1,
                  "end": last}
    return out


def completion(plan: TimingPlan, work: ImageWork) -> int:
    """Single-image completion cycle (= latency, arrival 0) without buffer stalls."""
    sched = schedule(plan, work)
    return max(sched[n]["end"] for n in plan.sinks)
