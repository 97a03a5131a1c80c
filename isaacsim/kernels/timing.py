"""Exact per-op timing of one node for one image, advanced as far as its dependencies allow.

`advance_node(pos, node, image, inputs, outputs)` implements docs/timing-model.md sections 4-8 for
the ops of one node in raster order, starting at raster position `pos` and stopping at the first
active pixel whose inputs or output slots are not yet known (the engine calls it again once a
neighbour has progressed). It returns the new raster position. All times are ISAAC cycles, all
arrays int64 or rows of the structured layouts of `isaacsim.kernels.layout` (fields documented
there), addressed by field name.

- `node = (params, rep_free)`: `params`, a 1-element `NODE` array (service rule as numbers:
  `occupies`, `replicas`, `delta`, `tail`; `write`, `arrival`, `rank_base`; the carried `issued`);
  `rep_free[r]`, the next cycle replica r may issue (carried).
- `image = (bits, act_before, ready, stats, edge_bytes)`, this node for this image: `bits[h, w]`
  (read cycles of the op of pixel (h, w), <= 0 if skipped); `act_before[q]`, the active pixels
  before raster position q (length H*W + 1); `ready[e, h, w]`, filled with the ready cycle of each
  active pixel on out-edge e (-1 stays for inactive ones); `stats`, a 1-element `STATS` array;
  `edge_bytes[e]`, bytes sent over out-edge e.
- `inputs = (rows, ready, act_before, rings)`, per input edge k: `rows[k]` (`IN_EDGE`), and the
  producer's `ready` map on that edge, its `act_before` and its release ring (`rings[k][r % cap]`
  is the cycle the slot of rank r may be overwritten; an op raises it to s + 1 for every active
  pixel it reads).
- `outputs = (rows, rings)`: `rows[e]` (`OUT_EDGE`) per output edge, and this node's release rings
  (`rings[e, r % cap]`, raised by the consumer, read here for back-pressure; a new pixel first
  sets its slot to its ready time, the release when no op reads it).

Per op: `A = max(arrival, ready times of the active pixels of its receptive fields)`;
`s = max(A + delta, arrival)`, then `max(s, rep_free[issued % replicas])` when ops occupy a
replica, then `max(s, release of the out-slot)` on every bounded out-edge; `done = s + tail`, plus
b when ops occupy a replica. On a local out-edge the pixel is ready at `done + 1 + write`; on a
remote one it is sent from `done + 1` in byte-slots of the edge's pipe (timing-model s6).
"""

from __future__ import annotations

import numpy as np

from isaacsim.kernels import jit


@jit
def _rf_bounds(h, w, edge):
    """Clipped receptive field [y0, y1) x [x0, x1) of output pixel (h, w) on `edge` (an IN_EDGE row)."""
    y0 = h * edge["sh"] - edge["ph"]
    x0 = w * edge["sw"] - edge["pw"]
    y1 = min(y0 + edge["kh"], edge["height"])
    x1 = min(x0 + edge["kw"], edge["width"])
    return max(y0, 0), y1, max(x0, 0), x1


@jit
def advance_node(pos, node, image, inputs, outputs):
    """Advance one node of one image from raster position `pos`; return the new position.

    See the module docstring for the arguments; everything marked carried or filled there is
    updated in place.
    """
    params, rep_free = node
    bits, act_before, out_ready, stats, edge_bytes = image
    in_rows, in_ready, in_act_before, in_rings = inputs
    out_rows, out_rings = outputs
    p = params[0]
    st = stats[0]
    height, width = bits.shape
    n_in = in_rows.shape[0]
    n_out = out_rows.shape[0]
    occupies = p["occupies"] != 0
    arrival = p["arrival"]
    local_rank = act_before[pos]
    rf = np.empty((max(n_in, 1), 4), np.int64)  # this op's receptive field on each input edge
    while pos < height * width:
        h = pos // width
        w = pos % width
        b = bits[h, w]
        if b <= 0:
            pos += 1
            continue
        g = p["rank_base"] + local_rank
        # -- are the dependencies known? --------------------------------------------------
        for k in range(n_in):
            y0, y1, x0, x1 = _rf_bounds(h, w, in_rows[k])
            rf[k, 0], rf[k, 1], rf[k, 2], rf[k, 3] = y0, y1, x0, x1
            if y1 > y0 and x1 > x0:
                if (y1 - 1) * in_rows[k]["width"] + (x1 - 1) >= in_rows[k]["avail"]:
                    return pos
        for e in range(n_out):
            if out_rows[e]["capacity"] > 0 and g > out_rows[e]["allowed"]:
                return pos
        # -- issue cycle --------------------------------------------------------------------
        a = arrival
        rf_pixels = 0
        for k in range(n_in):
            y0, y1, x0, x1 = rf[k, 0], rf[k, 1], rf[k, 2], rf[k, 3]
            ready = in_ready[k]
            for y in range(y0, y1):
                for x in range(x0, x1):
                    v = ready[y, x]
                    if v >= 0:
                        rf_pixels += 1
                        if v > a:
                            a = v
        s = max(a + p["delta"], arrival)
        r = 0
        if occupies:
            r = p["issued"] % p["replicas"]
            s = max(s, rep_free[r])
        for e in range(n_out):
            cap = out_rows[e]["capacity"]
            if cap > 0:
                rel = out_rings[e, g % cap]
                if rel > s:
                    s = rel
        done = s + p["tail"]
        if occupies:
            rep_free[r] = s + b
            p["issued"] += 1
            done += b
            st["bit_cycles"] += b
        # -- release the input pixels this op reads ----------------------------------------
        for k in range(n_in):
            cap = in_rows[k]["capacity"]
            if cap == 0:
                continue
            y0, y1, x0, x1 = rf[k, 0], rf[k, 1], rf[k, 2], rf[k, 3]
            ready = in_ready[k]
            before = in_act_before[k]
            ring = in_rings[k]
            base = in_rows[k]["rank_base"]
            in_w = in_rows[k]["width"]
            for y in range(y0, y1 if x1 > x0 else y0):
                # the active pixels of a row segment have consecutive ranks, hence slots
                slot = (base + before[y * in_w + x0]) % cap
                for x in range(x0, x1):
                    if ready[y, x] >= 0:
                        if ring[slot] <= s:
                            ring[slot] = s + 1
                        slot += 1
                        if slot == cap:
                            slot = 0
        # -- outputs -------------------------------------------------------------------------
        end = done + p["write"] + 1  # a node without out-edges writes into its home tile
        for e in range(n_out):
            o = out_rows[e]
            if o["local"]:
                rdy = done + 1 + o["write"]
            else:
                cap_b = o["cap_bytes"]
                start = max((done + 1) * cap_b, o["busy"])
                stop = start + o["bytes"]
                o["busy"] = stop
                rdy = (stop + cap_b - 1) // cap_b + o["latency"] + o["write"]
                edge_bytes[e] += o["bytes"]
            out_ready[e, h, w] = rdy
            cap = o["capacity"]
            if cap > 0:
                out_rings[e, g % cap] = rdy
            if e == 0 or rdy > end:
                end = rdy
        if st["ops"] == 0 or s < st["start"]:
            st["start"] = s
        if end > st["end"]:
            st["end"] = end
        st["ops"] += 1
        st["rf_pixels"] += rf_pixels
        local_rank += 1
        pos += 1
    return pos
