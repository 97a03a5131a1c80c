"""A floor for the engine's speed: the smallest max-plus recurrence over the same active pixels.

For each node in topological order (the plan's node order) and each of its active output pixels
in raster order (`bits[n][h, w] > 0`, the maps the engine gets):

    A     = max(arrival, ready of the active pixels of its receptive field on every input edge)
    start = max(A, free[replica])       crossbar op: replica = issued % replicas, as the engine
    ready = start + b,  free = ready    crossbar op, b = its read cycles (bits[n][h, w])
    ready = A + op_cycles               digital op
    ready = A                           image source

and the image's completion is the largest ready time of a sink's pixels (the arrival if none).
No buffers, servers, links, stage latencies or energy: every rule the engine applies on top only
makes an op later (docs/timing-model.md s4, s8, s12), so on every image the floor's completion is
at most the engine's. The kernel reads the receptive fields exactly as the engine does (same
geometry, same clipping, fc layers read their whole input map), so its time is what the engine's
arithmetic costs without the engine's bookkeeping: the ratio engine / floor measures the overhead.

    fp = floor_plan(plan)
    floor_single(fp, work) -> completion cycle of one image alone (arrival 0)
    floor_stream(fp, works) -> completion cycle per image, replicas carried over, arrival per work
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from isaacsim.plan import ImageWork, TimingPlan

SOURCE, XBAR, DIGITAL = 0, 1, 2


@dataclass(frozen=True)
class FloorPlan:
    """The plan as flat int64 arrays (built once per plan)."""

    shapes: np.ndarray
    """[node, 2] height, width."""
    kind: np.ndarray
    """[node] SOURCE, XBAR or DIGITAL."""
    cycles: np.ndarray
    """[node] digital ops: op_cycles."""
    rep_ptr: np.ndarray
    """[node + 1] node n's replicas are free[rep_ptr[n]:rep_ptr[n + 1]]."""
    in_ptr: np.ndarray
    """[node + 1] node n's input edges are rows in_ptr[n]:in_ptr[n + 1] of in_src and geom."""
    in_src: np.ndarray
    """[input edge] producer node."""
    geom: np.ndarray
    """[input edge, 6] kh, kw, sh, sw, ph, pw."""
    sinks: np.ndarray
    """Nodes without out-edges."""
    offsets: np.ndarray
    """[node + 1] node n's pixels are ready[offsets[n]:offsets[n + 1]] in raster order."""


def floor_plan(plan: TimingPlan) -> FloorPlan:
    """The arrays of `plan` the floor kernel reads."""
    nodes = plan.nodes
    kinds = {"source": SOURCE, "xbar": XBAR, "digital": DIGITAL}
    shapes = np.array([n.shape[:2] for n in nodes], np.int64).reshape(-1, 2)
    reps = [max(n.replicas, 1) if n.is_crossbar else 1 for n in nodes]
    in_edges = [e for n in nodes for e in n.inputs]
    geom = np.array([[g.kh, g.kw, g.sh, g.sw, g.ph, g.pw]
                     for g in (plan.edges[e].geometry for e in in_edges)], np.int64).reshape(-1, 6)
    return FloorPlan(
        shapes=shapes,
        kind=np.array([kinds[n.rule] for n in nodes], np.int64),
        cycles=np.array([n.op_cycles if n.is_digital else 0 for n in nodes], np.int64),
        rep_ptr=np.concatenate([[0], np.cumsum(reps)]).astype(np.int64),
        in_ptr=np.concatenate([[0], np.cumsum([len(n.inputs) for n in nodes])]).astype(np.int64),
        in_src=np.array([plan.edges[e].src for e in in_edges], np.int64),
        geom=geom,
        sinks=np.array(plan.sinks, np.int64),
        offsets=np.concatenate([[0], np.cumsum(shapes[:, 0] * shapes[:, 1])]).astype(np.int64))


@njit(cache=True)
def floor_image(bits, shapes, kind, cycles, rep_ptr, in_ptr, in_src, geom, sinks, offsets,
                arrival, issued, free, ready):
    """One image through the recurrence; returns its completion cycle.

    `bits`: the work's per-node maps, a tuple of 2-D int64 arrays (<= 0: skipped). Carried state,
    updated in place: `issued[n]` (ops node n has issued, for the round robin of its replicas) and
    `free[r]` (the cycle replica r is free). `ready`: scratch of `offsets[-1]` cycles, filled with
    each pixel's ready cycle, -1 for a skipped one (which then never raises a max: every ready
    cycle is >= 0). A node's A is gathered one input edge at a time (the edge's constants stay in
    registers), then its ops run in raster order."""
    n_nodes = shapes.shape[0]
    end = np.full(n_nodes, arrival, np.int64)
    for n in range(n_nodes):
        b_map = bits[n]
        height, width = shapes[n, 0], shapes[n, 1]
        base = offsets[n]
        # A of every active pixel, one input edge at a time (the edge's constants in registers)
        for h in range(height):
            for w in range(width):
                ready[base + h * width + w] = arrival if b_map[h, w] > 0 else -1
        for j in range(in_ptr[n], in_ptr[n + 1]):
            src = in_src[j]
            src_h, src_w, sbase = shapes[src, 0], shapes[src, 1], offsets[src]
            kh, kw, sh, sw = geom[j, 0], geom[j, 1], geom[j, 2], geom[j, 3]
            ph, pw = geom[j, 4], geom[j, 5]
            for h in range(height):
                y0 = h * sh - ph
                y1 = min(y0 + kh, src_h)
                y0 = max(y0, 0)
                for w in range(width):
                    if b_map[h, w] <= 0:
                        continue
                    x0 = w * sw - pw
                    x1 = min(x0 + kw, src_w)
                    x0 = max(x0, 0)
                    a = ready[base + h * width + w]
                    for y in range(y0, y1):
                        row = sbase + y * src_w
                        for x in range(x0, x1):
                            a = max(a, ready[row + x])
                    ready[base + h * width + w] = a
        k = kind[n]
        last = arrival
        if k == XBAR:
            r0 = rep_ptr[n]
            replicas = rep_ptr[n + 1] - r0
            rep = issued[n] % replicas
            ops = 0
            for h in range(height):
                for w in range(width):
                    b = b_map[h, w]
                    if b <= 0:
                        continue
                    i = base + h * width + w
                    t = max(ready[i], free[r0 + rep]) + b
                    free[r0 + rep] = t
                    rep += 1
                    if rep == replicas:
                        rep = 0
                    ops += 1
                    ready[i] = t
                    if t > last:
                        last = t
            issued[n] += ops
        else:
            c = cycles[n] if k == DIGITAL else 0
            for h in range(height):
                for w in range(width):
                    if b_map[h, w] > 0:
                        i = base + h * width + w
                        t = ready[i] + c
                        ready[i] = t
                        if t > last:
                            last = t
        end[n] = last
    completion = arrival
    for s in sinks:
        if end[s] > completion:
            completion = end[s]
    return completion


def _bits(work: ImageWork) -> tuple:
    """The work's maps as a tuple of C-contiguous int64 arrays (no copy when they already are:
    the runner's works are)."""
    return tuple(b if b.dtype == np.int64 and b.flags.c_contiguous and b.ndim == 2
                 else np.ascontiguousarray(b, dtype=np.int64).reshape(b.shape[0], -1)
                 for b in work.bits)


def _state(fp: FloorPlan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = fp.shapes.shape[0]
    return (np.zeros(n, np.int64), np.zeros(int(fp.rep_ptr[-1]), np.int64),
            np.empty(int(fp.offsets[-1]), np.int64))


def _run(fp: FloorPlan, work: ImageWork, arrival: int, issued, free, ready) -> int:
    return int(floor_image(_bits(work), fp.shapes, fp.kind, fp.cycles, fp.rep_ptr, fp.in_ptr,
                           fp.in_src, fp.geom, fp.sinks, fp.offsets, arrival, issued, free, ready))


def floor_single(fp: FloorPlan, work: ImageWork) -> int:
    """Completion cycle of one image alone on an empty machine (arrival 0), as `simulate(plan,
    [work])` runs it."""
    issued, free, ready = _state(fp)
    return _run(fp, work, 0, issued, free, ready)


def floor_stream(fp: FloorPlan, works: list[ImageWork]) -> np.ndarray:
    """Completion cycle of each image in one machine, in order (replicas and their round robin
    carried over; image i arrives at `works[i].arrival_cycle`), as `simulate(plan, works,
    "stream")` runs them."""
    issued, free, ready = _state(fp)
    out = np.empty(len(works), np.int64)
    for i, work in enumerate(works):
        out[i] = _run(fp, work, int(work.arrival_cycle), issued, free, ready)
    return out
