"""Exact per-op timing of one node for one image, advanced as far as its dependencies allow.

`advance_node` implements docs/timing-model.md sections 4-8 for the ops of one node in raster order,
starting at raster position `pos` and stopping at the first active pixel whose inputs or output
slots are not yet known (the engine calls it again once a neighbour has progressed). It returns the
new raster position. All times are ISAAC cycles.

Parameter rows (int64 arrays; see the column constants below):
- `node_p`: KIND, REPLICAS, TAIL (done - s - b for crossbar ops), DELTA (op_cycles - 1 for digital
  ops), WRITE (write_cycles), ARRIVAL (a_n), RANK_BASE (global rank of this image's first pixel).
- `in_p[k]` per input edge: kernel, stride, padding, input map size, AVAIL (raster positions of
  the producer already computed), CAPACITY of the edge's buffer (0 = unbounded), RING_ROW of the
  edge in the producer's ring table, IN_RANK_BASE of the producer for this image.
- `out_p[e]` per output edge: LOCAL, TO_XBAR (consumer is a crossbar layer, so the write costs
  `write` cycles), BYTES per pixel, CAP_BYTES per cycle, LATENCY, CAPACITY, ALLOWED (largest rank
  whose slot release is known).
"""

from __future__ import annotations

from isaacsim.kernels import jit

# node_p columns
KIND, REPLICAS, TAIL, DELTA, WRITE, ARRIVAL, RANK_BASE = range(7)
N_NODE_P = 7
KIND_SOURCE, KIND_XBAR, KIND_DIGITAL = 0, 1, 2
# in_p columns
KH, KW, SH, SW, PH, PW, IN_H, IN_W, AVAIL, IN_CAPACITY, RING_ROW, IN_RANK_BASE = range(12)
N_IN_P = 12
# out_p columns
LOCAL, TO_XBAR, BYTES, CAP_BYTES, LATENCY, CAPACITY, ALLOWED = range(7)
N_OUT_P = 7
# stats columns (per image, per node)
ST_START, ST_END, ST_OPS, ST_BIT_CYCLES, ST_RF_PIXELS = range(5)
N_STATS = 5


@jit
def _rf_bounds(h, w, p):
    """Clipped receptive field [y0, y1) x [x0, x1) of output pixel (h, w) on input edge row `p`."""
    y0 = h * p[SH] - p[PH]
    x0 = w * p[SW] - p[PW]
    y1 = min(y0 + p[KH], p[IN_H])
    x1 = min(x0 + p[KW], p[IN_W])
    return max(y0, 0), y1, max(x0, 0), x1


@jit
def advance_node(pos, node_p, bits, act_before, rep_free, op_counter, in_p, in_ready, in_act_before,
                 in_rings, out_p, out_busy, out_ready, out_rings, stats, edge_bytes):
    """Advance one node of one image from raster position `pos`; return the new position.

    State updated in place: `rep_free` (next free cycle per replica), `op_counter[0]` (ops issued
    so far over all images, for round-robin), input rings (release of producer pixels), `out_busy`
    (byte-slot cursor per edge pipe), `out_ready` ([edge, h, w] ready cycles, -1 if inactive),
    `out_rings` (release slots of this node's pixels), `stats` and `edge_bytes` (this image).
    `act_before[q]` is the number of active pixels before raster position q (length H*W + 1).
    """
    height, width = bits.shape
    kind = node_p[KIND]
    n_in = in_p.shape[0]
    n_out = out_p.shape[0]
    rank_base = node_p[RANK_BASE]
    local_rank = act_before[pos]
    while pos < height * width:
        h = pos // width
        w = pos % width
        b = bits[h, w]
        if b <= 0:
            pos += 1
            continue
        g = rank_base + local_rank
        # -- are the dependencies known? --------------------------------------------------
        for k in range(n_in):
            y0, y1, x0, x1 = _rf_bounds(h, w, in_p[k])
            if y1 > y0 and x1 > x0:
                if (y1 - 1) * in_p[k, IN_W] + (x1 - 1) >= in_p[k, AVAIL]:
                    return pos
        for e in range(n_out):
            if out_p[e, CAPACITY] > 0 and g > out_p[e, ALLOWED]:
                return pos
        # -- issue cycle --------------------------------------------------------------------
        arrival = node_p[ARRIVAL]
        a = arrival
        rf_pixels = 0
        for k in range(n_in):
            y0, y1, x0, x1 = _rf_bounds(h, w, in_p[k])
            ready = in_ready[k]
            for y in range(y0, y1):
                for x in range(x0, x1):
                    v = ready[y, x]
                    if v >= 0:
                        rf_pixels += 1
                        if v > a:
                            a = v
        if kind == KIND_XBAR:
            r = op_counter[0] % node_p[REPLICAS]
            s = max(a, rep_free[r])
        elif kind == KIND_DIGITAL:
            s = max(a + node_p[DELTA], arrival)
        else:
            s = arrival
        for e in range(n_out):
            cap = out_p[e, CAPACITY]
            if cap > 0:
                rel = out_rings[e, g % cap]
                if rel > s:
                    s = rel
        if kind == KIND_XBAR:
            rep_free[r] = s + b
            op_counter[0] += 1
            done = s + b + node_p[TAIL]
        else:
            done = s
        # -- release the input pixels this op reads ----------------------------------------
        for k in range(n_in):
            cap = in_p[k, IN_CAPACITY]
            if cap == 0:
                continue
            y0, y1, x0, x1 = _rf_bounds(h, w, in_p[k])
            ready = in_ready[k]
            before = in_act_before[k]
            ring = in_rings[k]
            row = in_p[k, RING_ROW]
            for y in range(y0, y1):
                for x in range(x0, x1):
                    if ready[y, x] >= 0:
                        q = in_p[k, IN_RANK_BASE] + before[y * in_p[k, IN_W] + x]
                        slot = q % cap
                        if ring[row, slot] < s + 1:
                            ring[row, slot] = s + 1
        # -- outputs -------------------------------------------------------------------------
        end = done + node_p[WRITE] + 1  # a node without out-edges writes into its home tile
        for e in range(n_out):
            if out_p[e, LOCAL]:
                rdy = done + (node_p[WRITE] if out_p[e, TO_XBAR] else 0) + 1
            else:
                cap_b = out_p[e, CAP_BYTES]
                start = max((done + 1) * cap_b, out_busy[e])
                stop = start + out_p[e, BYTES]
                out_busy[e] = stop
                rdy = (stop + cap_b - 1) // cap_b + out_p[e, LATENCY] + node_p[WRITE]
                edge_bytes[e] += out_p[e, BYTES]
            out_ready[e, h, w] = rdy
            cap = out_p[e, CAPACITY]
            if cap > 0:
                out_rings[e, g % cap] = rdy
            if e == 0 or rdy > end:
                end = rdy
        if stats[ST_OPS] == 0 or s < stats[ST_START]:
            stats[ST_START] = s
        if end > stats[ST_END]:
            stats[ST_END] = end
        stats[ST_OPS] += 1
        if kind == KIND_XBAR:
            stats[ST_BIT_CYCLES] += b
        stats[ST_RF_PIXELS] += rf_pixels
        local_rank += 1
        pos += 1
    return pos
