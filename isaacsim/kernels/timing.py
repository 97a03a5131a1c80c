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
- `inputs = (rows, ready, slots, rings)`, per input edge k: `rows[k]` (`IN_EDGE`), and the
  producer's `ready` map on that edge, its ring slots (`slots[k][q]`, the slot of the first active
  pixel at or after raster position q, `kernels.maps.ring_slots`; unread when the edge is
  unbounded) and its release ring (`rings[k][r % cap]` is the cycle the slot of rank r may be
  overwritten; an op raises it to s + 1 for every active pixel it reads).
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
def _split(x, rate):
    """A request of `x` slots on a server of `rate` slots per cycle, as `_serve` adds it to a
    cursor: (x // rate, x % rate), and where it ends on an idle server relative to its cycle:
    ((x - 1) // rate, (x - 1) % rate)."""
    if x <= 0 or rate <= 0:
        return 0, 0, 0, 0
    return x // rate, x % rate, (x - 1) // rate, (x - 1) % rate


@jit
def _serve(c, m, t, req, rate):
    """Slot rule of a server (timing-model s12) for a request in cycle `t` of the slots split by
    `_split` into `req`, on a server whose last filled slot is slot `m` of cycle `c` (c = -1: never
    used). Returns the cycle the request is complete and the new cursor (c, m).

    This is `end = max(t * rate, end) + x`, complete in cycle `ceil(end / rate) - 1`, with the
    cursor kept as the quotient and remainder of `end - 1`: the server is idle iff `t > c`, and a
    request needs no division."""
    xq, xm, iq, im = req
    if t > c:
        return t + iq, t + iq, im
    c, m = _add(c, m, req, rate)
    return c, c, m


@jit
def _add(c, m, req, rate):
    """The cursor (c, m) after `req`'s slots are appended to a busy server."""
    xq, xm = req[0], req[1]
    m += xm
    c += xq
    if m >= rate:
        m -= rate
        c += 1
    return c, m


@jit
def _reads(r, b, c, m, req, rate):
    """`b` reads of one op on a readout server (timing-model s12) whose cursor is (c, m), the first
    read sampled in cycle `r`: read j asks for the split slots `req` in cycle r_j + 1, and the next
    read is sampled at r_(j+1) = max(r_j + 1, c_j - 1). Returns the last read's sample cycle and
    the server's new cursor (its first element is the last conversion's cycle).

    The same numbers as `_serve` per read, in O(1) after the first read. With x slots per read
    and E_j = c_j * rate + m_j: if read 0 found the server idle and x <= rate, every read does
    (one per cycle); if x >= rate, no read after the first finds it idle, so E_j = E_0 + j * x,
    c_j - j never decreases and r_j = max(r_0 + j, c_(j-1) - 1). A server faster than a read
    per cycle that starts busy (x < rate) is stepped until it is idle."""
    xq, xm, iq, im = req
    x = xq * rate + xm
    idle = r + 1 > c
    c, _, m = _serve(c, m, r + 1, req, rate)
    last = b - 1
    if last == 0:
        return r, c, m
    if idle and x <= rate:
        r += last
        return r, r + 1 + iq, im
    if x >= rate:
        m += (last - 1) * xm  # E_(last - 1) = E_0 + (last - 1) * x, as (c, m)
        c += (last - 1) * xq
        if m >= rate:
            c, m = c + m // rate, m % rate
        r = max(r + last, c - 1)
        c, m = _add(c, m, req, rate)  # E_last = E_(last - 1) + x
        return r, c, m
    for j in range(1, b):
        r = max(r + 1, c - 1)
        if r + 1 > c:
            r += last - j
            return r, r + 1 + iq, im
        c, _, m = _serve(c, m, r + 1, req, rate)
    return r, c, m


@jit
def _book(c, m, t, on, req, rate):
    """`_serve` on a server that may be off (`on` false: unlimited or asked for nothing): then the
    request is complete in cycle `t` and the cursor (c, m) stays."""
    if not on:
        return t, c, m
    return _serve(c, m, t, req, rate)


@jit
def _store(st, start, end, ops, bit_cycles, rf_pixels, wait_fetch, wait_ro, wait_merge,
           wait_act):
    """Write the counters a call kept in locals back into its `STATS` row."""
    st["start"], st["end"], st["ops"], st["rf_pixels"] = start, end, ops, rf_pixels
    st["bit_cycles"] = bit_cycles
    st["wait_fetch"], st["wait_ro"], st["wait_merge"], st["wait_act"] = (wait_fetch, wait_ro,
                                                                         wait_merge, wait_act)


@jit
def advance_node(pos, node, image, inputs, outputs):
    """Advance one node of one image from raster position `pos`; return the new position.

    See the module docstring for the arguments; everything marked carried or filled there is
    updated in place.
    """
    params, units = node
    bits, act_before, out_ready, stats, edge_bytes = image
    in_rows, in_ready, in_slots, in_rings = inputs
    out_rows, out_rings = outputs
    p = params[0]
    st = stats[0]
    height, width = bits.shape
    n_in = in_rows.shape[0]
    n_out = out_rows.shape[0]
    occupies = p["occupies"] != 0
    arrival = p["arrival"]
    fetch_rate, fetch_per = p["fetch_rate"], p["fetch_per"]
    fetch_on = fetch_rate > 0 and fetch_per > 0
    ro_rate, merge_rate, act_rate = p["ro_rate"], p["merge_rate"], p["act_rate"]
    readout = ro_rate > 0 and p["ro_per"] > 0
    merge_on = merge_rate > 0 and p["merge_per"] > 0
    act_on = act_rate > 0 and p["act_per"] > 0
    ro_req = _split(p["ro_per"], ro_rate)
    fetch_pixels, fetch_req = 0, _split(0, 0)
    replicas, groups = p["replicas"], p["groups"]
    replica = p["issued"] % replicas if occupies else 0
    group = replica % groups
    merge_req = _split(p["merge_per"], merge_rate)
    act_req = _split(p["act_per"], act_rate)
    local_rank = act_before[pos]
    rf = np.empty((max(n_in, 1), 4), np.int64)  # this op's receptive field on each input edge
    out_slot = np.zeros(max(n_out, 1), np.int64)  # slot of rank g in each bounded out-edge's ring
    pipe = np.zeros((max(n_out, 1), 4), np.int64)  # a remote out-edge's bytes, split (`_split`)
    for e in range(n_out):
        if out_rows[e]["capacity"] > 0:
            out_slot[e] = (p["rank_base"] + local_rank) % out_rows[e]["capacity"]
        pipe[e, 0], pipe[e, 1], pipe[e, 2], pipe[e, 3] = _split(out_rows[e]["bytes"],
                                                                out_rows[e]["cap_bytes"])
    start, end, ops, rf_total = st["start"], st["end"], st["ops"], st["rf_pixels"]
    bit_cycles = st["bit_cycles"]
    wait_fetch, wait_ro, wait_merge, wait_act = (st["wait_fetch"], st["wait_ro"],
                                                 st["wait_merge"], st["wait_act"])
    h, w = pos // width, pos % width
    while pos < height * width:
        b = bits[h, w]
        if b <= 0:
            pos += 1
            w += 1
            if w == width:
                h, w = h + 1, 0
            continue
        g = p["rank_base"] + local_rank
        # -- are the dependencies known? --------------------------------------------------
        for k in range(n_in):
            y0, y1, x0, x1 = _rf_bounds(h, w, in_rows[k])
            rf[k, 0], rf[k, 1], rf[k, 2], rf[k, 3] = y0, y1, x0, x1
            if y1 > y0 and x1 > x0:
                if (y1 - 1) * in_rows[k]["width"] + (x1 - 1) >= in_rows[k]["avail"]:
                    _store(st, start, end, ops, bit_cycles, rf_total, wait_fetch, wait_ro,
                           wait_merge, wait_act)
                    return pos
        for e in range(n_out):
            if out_rows[e]["capacity"] > 0 and g > out_rows[e]["allowed"]:
                _store(st, start, end, ops, bit_cycles, rf_total, wait_fetch, wait_ro, wait_merge,
                       wait_act)
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
        unit = units[replica]  # the replica's own: free, sample, ro
        shared = units[group]  # its group's: fetch, merge, act
        if occupies:
            s = max(s, unit["free"])
        for e in range(n_out):
            cap = out_rows[e]["capacity"]
            if cap > 0:
                rel = out_rings[e, out_slot[e]]
                if rel > s:
                    s = rel
        # -- servers (timing-model s12) -------------------------------------------------------
        if occupies:
            cf = s
            if fetch_on and rf_pixels > 0:
                if rf_pixels != fetch_pixels:  # most ops read as many pixels as the one before
                    fetch_pixels = rf_pixels
                    fetch_req = _split(rf_pixels * fetch_per, fetch_rate)
                cf, shared["fetch"], shared["fetch_m"] = _serve(
                    shared["fetch"], shared["fetch_m"], s, fetch_req, fetch_rate)
            wait_fetch += cf - s
            r = max(cf + p["pre"], unit["sample"])
            if readout:
                r, c, unit["ro_m"] = _reads(r, b, unit["ro"], unit["ro_m"], ro_req, ro_rate)
                unit["ro"] = c
                unit["sample"] = max(r + 1, c - 1)
            else:
                r += b - 1
                c = r + 1
                unit["sample"] = r + 1
            wait_ro += c - (cf + p["pre"] + b)  # last conversion, against reads from cf + pre
            unit["free"] = r + 1 - p["pre"]
            p["issued"] += 1
            replica += 1  # = issued % replicas, group = replica % groups, without dividing
            group += 1
            if replica == replicas:
                replica, group = 0, 0
            elif group == groups:
                group = 0
            bit_cycles += b
            t = c + p["mid"] + 1
            cm, shared["merge"], shared["merge_m"] = _book(shared["merge"], shared["merge_m"], t,
                                                           merge_on, merge_req, merge_rate)
            wait_merge += cm - t
            t = cm + p["tile"] + p["span"]
            ca, shared["act"], shared["act_m"] = _book(shared["act"], shared["act_m"], t, act_on,
                                                       act_req, act_rate)
            wait_act += ca - t
            done = ca + p["act"] - 1
        else:
            t = s + p["tail"]
            cm, shared["merge"], shared["merge_m"] = _book(shared["merge"], shared["merge_m"], t,
                                                           merge_on, merge_req, merge_rate)
            wait_merge += cm - t
            done, shared["act"], shared["act_m"] = _book(shared["act"], shared["act_m"], cm,
                                                         act_on, act_req, act_rate)
            wait_act += done - cm
        # -- release the input pixels this op reads ----------------------------------------
        for k in range(n_in):
            cap = in_rows[k]["capacity"]
            if cap == 0:
                continue
            y0, y1, x0, x1 = rf[k, 0], rf[k, 1], rf[k, 2], rf[k, 3]
            ready = in_ready[k]
            slots = in_slots[k]
            ring = in_rings[k]
            in_w = in_rows[k]["width"]
            for y in range(y0, y1 if x1 > x0 else y0):
                # the active pixels of a row segment have consecutive ranks, hence slots: as many
                # as the slot table advances over the segment (when the segment is shorter than
                # the ring; else counted pixel by pixel)
                row = y * in_w
                slot = slots[row + x0]
                if x1 - x0 < cap:
                    count = slots[row + x1] - slot
                    if count < 0:
                        count += cap
                else:
                    count = 0
                    for x in range(x0, x1):
                        if ready[y, x] >= 0:
                            count += 1
                for _ in range(count):
                    if ring[slot] <= s:
                        ring[slot] = s + 1
                    slot += 1
                    if slot == cap:
                        slot = 0
        # -- outputs -------------------------------------------------------------------------
        last = done + p["write"] + 1  # a node without out-edges writes into its home tile
        for e in range(n_out):
            o = out_rows[e]
            if o["local"]:
                rdy = done + 1 + o["write"]
            else:  # byte-slots of the edge's pipe from cycle done + 1 (timing-model s6)
                sent, o["busy"], o["busy_m"] = _serve(
                    o["busy"], o["busy_m"], done + 1,
                    (pipe[e, 0], pipe[e, 1], pipe[e, 2], pipe[e, 3]), o["cap_bytes"])
                rdy = sent + 1 + o["latency"] + o["write"]
                edge_bytes[e] += o["bytes"]
            out_ready[e, h, w] = rdy
            cap = o["capacity"]
            if cap > 0:
                out_rings[e, out_slot[e]] = rdy
                out_slot[e] += 1
                if out_slot[e] == cap:
                    out_slot[e] = 0
            if e == 0 or rdy > last:
                last = rdy
        if ops == 0 or s < start:
            start = s
        if last > end:
            end = last
        ops += 1
        rf_total += rf_pixels
        local_rank += 1
        pos += 1
        w += 1
        if w == width:
            h, w = h + 1, 0
    _store(st, start, end, ops, bit_cycles, rf_total, wait_fetch, wait_ro, wait_merge, wait_act)
    return pos
