"""Exact per-op timing of one node for one image, advanced as far as its dependencies allow.

`advance_node(pos, node, image, inputs, outputs)` implements docs/timing-model.md sections 4-8 for
the ops of one node in raster order, starting at raster position `pos` and stopping at the first
active pixel whose inputs or output slots are not yet known (the engine calls it again once a
neighbour has progressed). It returns the new raster position. All times are ISAAC cycles, all
arrays int64 or rows of the structured layouts of `isaacsim.kernels.layout` (fields documented
there), addressed by field name.

- `node = (params, units)`: `params`, a 1-element `NODE` array (service rule as numbers:
  `occupies`, `replicas`, `delta`, `tail`, the stage latencies and the servers' rates; `write`,
  `arrival`, `rank_base`; the carried `issued`); `units`, a `UNITS` array with one row per replica
  (carried: `free`, the servers' slot cursors and the next read's `sample` cycle).
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
`s = max(A + delta, arrival)`, then `max(s, free)` of replica `issued % replicas` when ops occupy a
replica, then `max(s, release of the out-slot)` on every bounded out-edge. A replica's op then
passes its servers (timing-model s12): fetch, `b` reads each with a readout request, merge, act;
a digital op passes merge and act. On a local out-edge the pixel is ready at `done + 1 + write`; on
a remote one it is sent from `done + 1` in byte-slots of the edge's pipe (timing-model s6).
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
def _serve(busy, t, x, rate):
    """Slot rule of a server (timing-model s12): a request of `x` slots in cycle `t` on a server
    whose slot cursor is `busy`; returns the cycle it is complete (t if `x` is 0 or the server is
    unlimited) and the new cursor."""
    if x <= 0 or rate <= 0:
        return t, busy
    end = max(t * rate, busy) + x
    return (end + rate - 1) // rate - 1, end


@jit
def advance_node(pos, node, image, inputs, outputs):
    """Advance one node of one image from raster position `pos`; return the new position.

    See the module docstring for the arguments; everything marked carried or filled there is
    updated in place.
    """
    params, units = node
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
    fetch_rate, fetch_per = p["fetch_rate"], p["fetch_per"]
    ro_rate, ro_x = p["ro_rate"], p["ro_per"]
    merge_rate, merge_x = p["merge_rate"], p["merge_per"]
    act_rate, act_x = p["act_rate"], p["act_per"]
    readout = ro_rate > 0 and ro_x > 0
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
        replica = p["issued"] % p["replicas"] if occupies else 0
        unit = units[replica]  # the replica's own: free, sample, ro
        shared = units[replica % p["groups"]]  # its group's: fetch, merge, act
        if occupies:
            s = max(s, unit["free"])
        for e in range(n_out):
            cap = out_rows[e]["capacity"]
            if cap > 0:
                rel = out_rings[e, g % cap]
                if rel > s:
                    s = rel
        # -- servers (timing-model s12) -------------------------------------------------------
        if occupies:
            cf, shared["fetch"] = _serve(shared["fetch"], s, rf_pixels * fetch_per, fetch_rate)
            st["wait_fetch"] += cf - s
            r = max(cf + p["pre"], unit["sample"])
            if readout:
                for j in range(b):
                    if j > 0:
                        r = unit["sample"]
                    c, unit["ro"] = _serve(unit["ro"], r + 1, ro_x, ro_rate)
                    unit["sample"] = max(r + 1, c - 1)
            else:
                r += b - 1
                c = r + 1
                unit["sample"] = r + 1
            st["wait_ro"] += c - (cf + p["pre"] + b)  # last conversion, against reads from cf + pre
            unit["free"] = r + 1 - p["pre"]
            p["issued"] += 1
            st["bit_cycles"] += b
            t = c + p["mid"] + 1
            cm, shared["merge"] = _serve(shared["merge"], t, merge_x, merge_rate)
            st["wait_merge"] += cm - t
            t = cm + p["tile"] + p["span"]
            ca, shared["act"] = _serve(shared["act"], t, act_x, act_rate)
            st["wait_act"] += ca - t
            done = ca + p["act"] - 1
        else:
            t = s + p["tail"]
            cm, shared["merge"] = _serve(shared["merge"], t, merge_x, merge_rate)
            st["wait_merge"] += cm - t
            done, shared["act"] = _serve(shared["act"], cm, act_x, act_rate)
            st["wait_act"] += done - cm
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
