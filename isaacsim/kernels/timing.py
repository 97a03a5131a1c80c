"""Exact per-op timing of one node for one image, advanced as far as its dependencies allow.

`drive(...)` (below) advances every node of a plan in turn until none can advance;
`advance_node(n, pos, i, plan, maps, out, arb, work)` implements docs/timing-model.md sections 4-8 and 12 for
the ops of node n on image i in raster order, starting at raster position `pos` and stopping at the
first active pixel whose inputs or output slots are not yet known (the driver calls it again once
a neighbour has progressed). It returns the new raster position. All times are
ISAAC cycles; the rows are the structured layouts of `isaacsim.kernels.layout` (fields documented
there), addressed by field name; every other array is a flat int64 (or int16 for bits) array.

- `plan = (params, units, units_at, in_rows, in_at, in_out, out_rows, out_at, ring_at, rings,
  edge_of)`: `params[n]` (`NODE`: service rule as numbers; `arrival`, `rank_base` of the image
  being advanced; the carried `issued`); `units[units_at[n]:units_at[n + 1]]` (`UNITS`, one per
  replica; carried); node n's input edges are `in_rows[in_at[n]:in_at[n + 1]]` (`IN_EDGE`), row r
  read from the producer's out-edge row `in_out[r]`; its output edges `out_rows[out_at[n]:out_at[n
  + 1]]` (`OUT_EDGE`); out-edge row o's release ring is `rings[ring_at[o]:ring_at[o] + capacity]`
  (`rings[ring_at[o] + r % capacity]` is the cycle the slot of rank r may be overwritten: a new
  pixel first sets it to its ready time, each op reading the pixel raises it to s + 1); `edge_of[o]`
  is row o's edge of the plan.
- `maps = (bits, pix_at, rows, rows_at, ready, ready_at)`: per image slot (the first index, `i mod`
  the number of slots), flat maps in raster order: node n's read cycles `bits[., pix_at[n] + q]`
  (<= 0: skipped) and its active pixels before row y, `rows[., rows_at[n] + y]` (H + 1 of them),
  both filled when the image is loaded; out-edge row o's ready cycles `ready[., ready_at[o] + q]`
  (-1 for an inactive pixel), which the kernel writes for every position it passes, so a consumer
  uses only what its producer has written (positions below the producer's `avail`). A pixel's rank
  comes from `bits` and `rows` (`active_before`), so no per-position table of ranks or ring slots is
  written. Nothing needs clearing between images. The node's active pixels before `pos` are its ops
  so far on the image, `stats[i, n].ops`.
- `out = (stats, sends)`: `stats[i, n]` (`STATS`); `sends[i, 0, edge]`, the bytes sent over a
  remote edge, and `sends[i, 1, edge]`, the cycles its transfers waited in its pipe (ready minus
  ready from an idle pipe); accumulated. (One array for both: a call passes it as one argument.)

The releases an op makes on a bounded input edge are gathered over the ops of one output row
(their issue cycles) and applied to the producer's ring (per input pixel, one cycle after the
latest op reading it) once no later output row reads the pixel, or when the call returns
(`_release`): the producer reads the ring only between calls, and the values are those of raising
the ring op by op. The image source (no inputs or servers, one out-edge) has a loop of its own
(`_source`).

Per op: `A = max(arrival, ready times of the active pixels of its receptive fields)`;
`s = max(A + delta, arrival)`, then `max(s, free)` of replica `issued % replicas` when ops occupy a
replica, then `max(s, release of the out-slot)` on every bounded out-edge, then `max(s, the
node's previous issue)` (ops issue in rank order, timing-model s3). A replica's op then passes
its servers (timing-model s12): fetch, `b` reads each with a readout request, merge, act; a
digital op passes merge and act. On a local out-edge the pixel is ready at `done + 1 + write`; on
a remote one it is sent from `done + 1` in byte-slots of the edge's pipe (timing-model s6). A
field whose uncomputed part holds no active pixel is read at once (`_field_known`).

A node with a shared server (`NODE.m_pool`, `a_pool`) is deferred: each op's shared stages, done
cycle and pixels are left to `arbitrate` (its pixels read `PENDING` until then), which serves the
shared servers in time order, as far as no request can still come before (timing-model s12).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from isaacsim.kernels import inline, jit


@inline
def _hi(a, b):
    """max(a, b) of two int64 cycles without a branch: a loop storing it then vectorizes with
    plain stores (with `max`, LLVM stores through a mask, which AMD cores run slowly). Cycles are
    far from overflow (< 2**62)."""
    d = b - a
    return a + (d & ~(d >> 63))


@inline
def _split(x, rate):
    """A request of `x` slots on a server of `rate` slots per cycle, as `_serve` adds it to a
    cursor: (x // rate, x % rate), and where it ends on an idle server relative to its cycle:
    ((x - 1) // rate, (x - 1) % rate)."""
    if x <= 0 or rate <= 0:
        return 0, 0, 0, 0
    return x // rate, x % rate, (x - 1) // rate, (x - 1) % rate


@inline
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


@inline
def _add(c, m, req, rate):
    """The cursor (c, m) after `req`'s slots are appended to a busy server."""
    xq, xm = req[0], req[1]
    m += xm
    c += xq
    if m >= rate:
        m -= rate
        c += 1
    return c, m


@inline
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


@inline
def _book(c, m, t, on, req, rate):
    """`_serve` on a server that may be off (`on` false: unlimited or asked for nothing): then the
    request is complete in cycle `t` and the cursor (c, m) stays."""
    if not on:
        return t, c, m
    return _serve(c, m, t, req, rate)


@inline
def _store(st, p, issued, last_s, start, end, ops, bit_cycles, rf_pixels, wait_fetch, wait_ro,
           wait_merge, wait_act):
    """Write the counters a call kept in locals back into its `STATS` row and its `NODE` row."""
    p["issued"], p["last_s"] = issued, last_s
    st["start"], st["end"], st["ops"], st["rf_pixels"] = start, end, ops, rf_pixels
    st["bit_cycles"] = bit_cycles
    st["wait_fetch"], st["wait_ro"], st["wait_merge"], st["wait_act"] = (wait_fetch, wait_ro,
                                                                         wait_merge, wait_act)


@inline
def _sent(n_out, out_rows, o0, sends, pipe, i, edge_of, pixels):
    """Count the bytes of `pixels` pixels sent on each remote out-edge (every op sends one) and
    the waits of their transfers, gathered in `pipe[e, 4]`."""
    for e in range(n_out):
        o = out_rows[o0 + e]
        if not o["local"]:
            sends[i, 0, edge_of[o0 + e]] += pixels * o["bytes"]
            sends[i, 1, edge_of[o0 + e]] += pipe[e, 4]


@inline
def _source(pos, total, bits, base, ready, rbase, o, pipe, s, tail, sends, i, edge, start, end,
            ops, ring, slot, g0, last):
    """`advance_node`'s loop for a node without inputs or servers and with one out-edge (the image
    source): every active pixel issues in cycle max(s, its ring slot's release) (`s` alone when
    the edge is unbounded) and is done `tail` cycles later, then ready (local edge) or sent by the
    edge's pipe; the loop stops at the first active pixel whose rank is above the edge's
    `allowed`. `ring` is the edge's release ring (empty: unbounded), `slot` the slot of the next
    active pixel, `g0` the image's rank base. Returns the new position and the call's `start`,
    `end` and `ops`."""
    busy, busy_m = o["busy"], o["busy_m"]
    req = (pipe[0], pipe[1], pipe[2], pipe[3])
    local, write, latency = o["local"], o["write"], o["latency"]
    cap_bytes, nbytes, allowed = o["cap_bytes"], o["bytes"], o["allowed"]
    cap = ring.shape[0]
    sent_bytes, waited = 0, 0
    q = pos
    while q < total:
        if bits[np.uint64(base + q)] <= 0:
            ready[np.uint64(rbase + q)] = -1
            q += 1
            continue
        t = max(s, last)
        if cap > 0:
            if g0 + ops > allowed:
                break
            if ring[np.uint64(slot)] > t:
                t = ring[np.uint64(slot)]
        last = t
        done = t + tail
        if local:
            rdy = done + 1 + write
        else:
            sent, busy, busy_m = _serve(busy, busy_m, done + 1, req, cap_bytes)
            rdy = sent + 1 + latency + write
            sent_bytes += nbytes
            waited += sent - (done + 1 + req[2])  # later than from an idle pipe
        ready[np.uint64(rbase + q)] = rdy
        if cap > 0:
            ring[np.uint64(slot)] = rdy
            slot += 1
            if slot == cap:
                slot = 0
        if ops == 0 or t < start:
            start = t
        if rdy > end:
            end = rdy
        ops += 1
        q += 1
    o["busy"], o["busy_m"] = busy, busy_m
    sends[i, 0, edge] += sent_bytes
    sends[i, 1, edge] += waited
    return q, start, end, ops, last


@inline
def active_before(bits, base, rows, rows_base, width, q):
    """The active pixels before raster position q of a map of `width` columns whose read cycles
    start at `bits[base]` and whose active pixels before each row are `rows[rows_base + y]`."""
    y = q // width
    count = rows[np.uint64(rows_base + y)]
    first = base + y * width
    for x in range(q - y * width):  # from 0 and branch-free, so that it vectorizes
        count += np.int64(bits[np.uint64(first + x)] > 0)
    return count


@inline
def _release_row(k, geo, y, lo, hi, read, at, bits, rows, rings):
    """Release the active pixels of input row y of edge k at columns [lo, hi): each may be
    overwritten from one cycle after the latest op that read it, `read[at + x] + 1` (-1: none
    did, and 0 raises no slot: ring values are cycles, >= 0). A pixel's ring slot is its rank
    modulo the capacity: the producer's rank base, plus its active pixels before the row (`rows`),
    plus those of the row before the column (`active_before`), then one more per active pixel; a
    run of active pixels takes consecutive slots (raised in one loop, which vectorizes)."""
    cap, in_w = geo[k, _CAP], geo[k, _W]
    row = y * in_w
    slot = (geo[k, _RANK] + active_before(bits, geo[k, _BITS], rows, geo[k, _ROWS], in_w,
                                          row + lo)) % cap
    first, ring = geo[k, _BITS] + row, geo[k, _RING]
    x = lo
    while x < hi:
        while x < hi and bits[np.uint64(first + x)] <= 0:
            x += 1
        run = x
        while x < hi and bits[np.uint64(first + x)] > 0:
            x += 1
        while run < x:  # the run's slots, up to the end of the ring at a time
            m = min(x - run, cap - slot)
            dst, src = np.uint64(ring + slot), np.uint64(at + run)
            for j in range(m):
                u = np.uint64(j)
                rings[dst + u] = _hi(rings[dst + u], read[src + u] + 1)
            run += m
            slot += m
            if slot == cap:
                slot = 0


@inline
def _release_held(k, r, held, acc, acc_w, geo, bits, rows, rings):
    """Release the row held in slot r of input edge k (`_release`) and free the slot."""
    base = (k * held.shape[1] + r) * acc_w
    _release_row(k, geo, held[k, r, 0], held[k, r, 1], held[k, r, 2], acc, base, bits, rows,
                 rings)
    held[k, r, 0] = -1


@jit
def _release(n_in, geo, h, wlo, whi, row_s, read_at, held, acc, acc_w, bits, rows, rings, last):
    """Apply, on every bounded input edge, the releases of the ops of output row h at columns
    [wlo, whi) (`row_s[w]`: op w's issue cycle, -1 where no op issued; wlo >= whi: none).

    Per input column the latest reader among these ops is found first (`read_at`); an input row
    that a later output row also reads is held (slot r = y mod kh of edge k: `held[k, r]` =
    (y, lo, hi), y = -1: none; its columns' latest readers so far in `acc`, from
    `(k * max_kh + r) * acc_w`) and released when its last reader row ends (or, if that row had
    no op in this call, when a lower output row is applied), so that each pixel is released once.
    With `last` (the call returns) every held row is then released as it stands: a later call
    raises the same slots further if more ops read them, and the producer reads a slot only once
    every reader has issued. Indices are unsigned, so the loops over columns vectorize."""
    max_kh = held.shape[1]
    for k in range(n_in):
        if geo[k, _CAP] == 0:
            continue
        in_w, kh, kw, sh, sw, pw = (geo[k, _W], geo[k, _KH], geo[k, _KW], geo[k, _SH], geo[k, _SW],
                                    geo[k, _PW])
        top = h * sh - geo[k, _PH]
        y0, y1 = max(top, 0), min(top + kh, geo[k, _H])
        y_next = top + sh  # rows above the next output row's are read by no later row
        lo, hi = max(wlo * sw - pw, 0), min((whi - 1) * sw - pw + kw, in_w)
        for r in range(kh):  # held rows above this output row's
            if 0 <= held[k, r, 0] < y0:
                _release_held(k, r, held, acc, acc_w, geo, bits, rows, rings)
        if y1 > y0 and hi > lo and whi > wlo:
            for x in range(lo, hi):
                read_at[np.uint64(x)] = -1
            for j in range(kw):  # op w reads column w * sw - pw + j
                w_lo = max(wlo, -((j - pw) // sw))  # (the first w whose column is >= 0)
                w_hi = min(whi, (in_w - 1 + pw - j) // sw + 1)
                if sw == 1:  # consecutive columns: vectorizes
                    for w in range(w_lo, w_hi):
                        u, c = np.uint64(w), np.uint64(w + j - pw)
                        read_at[c] = _hi(read_at[c], row_s[u])
                else:
                    for w in range(w_lo, w_hi):
                        u, c = np.uint64(w), np.uint64(w * sw - pw + j)
                        read_at[c] = _hi(read_at[c], row_s[u])
            for y in range(y0, y1):
                r = y % kh
                done = y < y_next
                base = (k * max_kh + r) * acc_w
                if held[k, r, 0] != y:
                    if done:  # read by no other output row: released at once
                        _release_row(k, geo, y, lo, hi, read_at, 0, bits, rows, rings)
                        continue
                    held[k, r, 0], held[k, r, 1], held[k, r, 2] = y, lo, hi
                    for x in range(lo, hi):
                        u = np.uint64(x)
                        acc[np.uint64(base) + u] = read_at[u]
                    continue
                alo, ahi = held[k, r, 1], held[k, r, 2]
                for x in range(min(lo, alo), alo):  # columns new to the held row
                    acc[np.uint64(base + x)] = -1
                for x in range(ahi, max(hi, ahi)):
                    acc[np.uint64(base + x)] = -1
                for x in range(lo, hi):
                    u = np.uint64(x)
                    acc[np.uint64(base) + u] = _hi(acc[np.uint64(base) + u], read_at[u])
                held[k, r, 1], held[k, r, 2] = min(lo, alo), max(hi, ahi)
                if done:
                    _release_held(k, r, held, acc, acc_w, geo, bits, rows, rings)
        if last:
            for r in range(kh):
                if held[k, r, 0] >= 0:
                    _release_held(k, r, held, acc, acc_w, geo, bits, rows, rings)


# -- the kernel -----------------------------------------------------------------------------------
UNBOUNDED = 1 << 62
"""An `allowed` rank above every rank (a consumer that has finished every image)."""

PENDING = 1 << 61
"""The ready cycle a deferred node writes for a pixel whose op waits for a shared server: above
every cycle, so a consumer whose receptive field holds it stops there (`arbitrate` writes the
pixel's cycle)."""

W_NONE, W_PENDING, W_INPUT, W_RING, W_SLOT = 0, 1, 2, 3, 4
"""What a node's next op waits for when its kernel call stops (`NODE.w_kind`, kernels.layout)."""
# columns of the arbiter's op table `ent` (one row per pending op of a deferred node): image,
# raster position, server group, stage (0: waits for its shared merge, 1: for its shared act, 2:
# done, remote out-edges not sent yet), request cycle, effective cycle, done cycle, global rank
_EI, _EPOS, _EG, _ESTAGE, _ET, _EE, _EDONE, _ERANK = range(8)
ENT_COLS = 8


@inline
def _before(ent, at, a, b):
    """The op in slot a of a deferred node's part of the op table comes before the op in slot b
    in its heap: by effective cycle, then in rank order."""
    ea, eb = ent[np.uint64(at + a), _EE], ent[np.uint64(at + b), _EE]
    return ea < eb or (ea == eb and ent[np.uint64(at + a), _ERANK] < ent[np.uint64(at + b), _ERANK])


@inline
def _field_known(geo, k, bits, ready, y0, y1, x0, x1):
    """Input edge k's field rows [y0, y1) and columns [x0, x1) reach beyond what the producer has
    computed (`_AVAIL`): the latest ready cycle and the count of its active pixels if every active
    one is computed (an inactive pixel is never read), else (PENDING, the first active pixel not
    computed). The producer's read cycles (`bits`) are known for the whole image; its ready
    cycles only below `_AVAIL`."""
    width, avail = geo[k, _W], geo[k, _AVAIL]
    latest, count = np.int64(-1), np.int64(0)
    for y in range(y0, y1):
        for x in range(x0, x1):
            q = y * width + x
            if bits[np.uint64(geo[k, _BITS] + q)] > 0:
                if q >= avail:
                    return PENDING, q
                latest = max(latest, ready[np.uint64(geo[k, _READY] + q)])
                count += 1
    return latest, count


@inline
def _slot_unwritten(p, ent, g, n_out, out_rows, o0):
    """A deferred node's op of rank g reuses, on a bounded out-edge, the slot of its op of rank
    g - capacity, whose first release (that pixel's ready cycle) `arbitrate` writes only once the
    op is done (remote edges: sent): is it still to come?"""
    for e in range(n_out):
        o = out_rows[o0 + e]
        cap = o["capacity"]
        if cap > 0 and g >= cap and g - cap >= p["pend_lo"]:
            if not o["local"] or ent[np.uint64(p["pend_at"] + (g - cap) % p["pend_cap"]),
                                      _ESTAGE] != 2:
                return True
    return False


@inline
def _heap_push(heap, ent, at, size, slot):
    """Add the op in slot `slot` of a node's part of the op table to its heap (`heap[at:at +
    size]`, of slots); returns the new size."""
    j = size
    heap[np.uint64(at + j)] = slot
    while j > 0:
        up = (j - 1) >> 1
        a, b = heap[np.uint64(at + j)], heap[np.uint64(at + up)]
        if not _before(ent, at, a, b):
            break
        heap[np.uint64(at + j)], heap[np.uint64(at + up)] = b, a
        j = up
    return size + 1


@inline
def _heap_pop(heap, ent, at, size):
    """Remove the first op of a node's heap; returns the new size."""
    size -= 1
    heap[np.uint64(at)] = heap[np.uint64(at + size)]
    j = 0
    while True:
        k = 2 * j + 1
        if k >= size:
            break
        if k + 1 < size and _before(ent, at, heap[np.uint64(at + k + 1)], heap[np.uint64(at + k)]):
            k += 1
        a, b = heap[np.uint64(at + j)], heap[np.uint64(at + k)]
        if not _before(ent, at, b, a):
            break
        heap[np.uint64(at + j)], heap[np.uint64(at + k)] = b, a
        j = k
    return size


# columns of the per-input-edge table `geo` of a call
_KH, _KW, _SH, _SW, _PH, _PW, _H, _W, _CAP, _AVAIL, _READY, _RING, _BITS, _ROWS, _RANK = range(15)
_COLS = 15
_COLUMNS_AHEAD = 256  # see `_columns`


@inline
def _columns(k, geo, ready, y0, y1, x0, x1, col_max, col_act, col_hi, at):
    """Extend input edge k's column maxima (`advance_node`) so that they cover input columns
    [x0, x1) of input rows [y0, y1): from `col_hi[k]` on (from x0 if the columns built so far end
    before x0) to `_COLUMNS_AHEAD` columns past x1, so that the next ops of the row find theirs
    built (a row at a time: the loops vectorize). Columns whose lowest pixel the producer has not
    computed yet hold stale cycles (of an earlier image, or 0), but no op uses them:
    an op reads a column only after passing its availability check on the edge, which covers the
    column's lowest pixel, and the maxima belong to the call. (Stopping at the producer's position
    saved no work in a stream: it measured 4 % slower, through more, shorter extensions.)"""
    in_w = geo[k, _W]
    lo = col_hi[k]
    if x0 > lo:  # a gap of columns no op of the row reads so far: skip it
        lo = x0
    hi = min(x1 + _COLUMNS_AHEAD, in_w)
    n = np.uint64(hi - lo)
    cm, ca = col_max[at + lo:at + hi], col_act[at + lo:at + hi]
    row = ready[geo[k, _READY] + y0 * in_w + lo:]
    for x in range(n):  # row by row (each loop vectorizes)
        cm[x] = row[x]
    for x in range(n):
        ca[x] = np.int64(row[x] >= 0)
    for _ in range(y0 + 1, y1):
        row = row[in_w:]
        for x in range(n):
            cm[x] = _hi(cm[x], row[x])
        for x in range(n):
            ca[x] += np.int64(row[x] >= 0)
    col_hi[k] = hi


@jit
def workspace(plan):
    """`advance_node`'s work arrays, made once for a plan by the driver's caller (their sizes the
    largest over its nodes and edges) and reused by every call: a call sets what it reads before
    reading it."""
    params, _, _, in_rows, in_at, _, _, out_at, _, _, _ = plan
    max_in, max_out, max_width = 1, 1, 1
    for n in range(params.shape[0]):
        max_in = max(max_in, in_at[n + 1] - in_at[n])
        max_out = max(max_out, out_at[n + 1] - out_at[n])
        max_width = max(max_width, params[n]["width"])
    max_w, max_kh = 1, 1
    for r in range(in_rows.shape[0]):
        max_w, max_kh = max(max_w, in_rows[r]["width"]), max(max_kh, in_rows[r]["kh"])
    return (np.empty((max_in, _COLS), np.int64), np.empty((max_in, 2), np.int64),
            np.empty(max_w, np.int64), np.empty(max_in * max_w, np.int64),
            np.empty(max_in * max_w, np.int64), np.zeros(max_in, np.int64),
            np.empty(max_width, np.int64), np.full((max_in, max_kh, 3), -1, np.int64),
            np.empty(max_in * max_kh * max_w, np.int64), np.zeros(max_out, np.int64),
            np.zeros((max_out, 5), np.int64), np.empty(max_out, np.int64))


@jit
def advance_node(n, pos, i, plan, maps, out, arb, work):
    """Advance node n of image i from raster position `pos`; return the new position.

    See the module docstring for the arguments (`work`: `workspace(plan)`). Updates in place: the
    ready cycles the node passes, the rings (its out-slots, its producers' releases), its units and
    out-edge pipes, `issued`, its `STATS` row, `sends` and why it stopped (`NODE.w_*`).
    """
    params, units, units_at, in_rows, in_at, in_out, out_rows, out_at, ring_at, rings, edge_of = plan
    bits_all, pix_at, rows_all, _, ready_all, ready_at = maps
    stats, sends = out
    ent, heap = arb[1], arb[2]
    k_slot = i % bits_all.shape[0]
    bits, rows, ready = bits_all[k_slot], rows_all[k_slot], ready_all[k_slot]
    p = params[n]
    st = stats[i, n]
    p["w_kind"] = W_NONE  # (the reasons below are set where the call stops short)
    u0 = units_at[n]
    base = pix_at[n]
    total = pix_at[n + 1] - base
    r0, n_in = in_at[n], in_at[n + 1] - in_at[n]
    o0, n_out = out_at[n], out_at[n + 1] - out_at[n]
    width = p["width"]
    occupies = p["occupies"] != 0
    arrival = p["arrival"]
    delta = p["delta"]
    rank_base = p["rank_base"]
    fetch_rate, fetch_per = p["fetch_rate"], p["fetch_per"]
    fetch_on = fetch_rate > 0 and fetch_per > 0
    ro_rate, merge_rate, act_rate = p["ro_rate"], p["merge_rate"], p["act_rate"]
    readout = ro_rate > 0 and p["ro_per"] > 0
    merge_on = merge_rate > 0 and p["merge_per"] > 0
    act_on = act_rate > 0 and p["act_per"] > 0
    ro_req = _split(p["ro_per"], ro_rate)
    fetch_pixels, fetch_req = 0, _split(0, 0)
    replicas, groups = p["replicas"], p["groups"]
    issued, last_s = p["issued"], p["last_s"]
    replica = issued % replicas if occupies else 0
    group = (replica if occupies else issued) % groups
    m_pool, a_pool = p["m_pool"], p["a_pool"]
    deferred = m_pool >= 0 or a_pool >= 0  # its shared stages and outputs: `arbitrate`
    pend_at, pend_cap = p["pend_at"], p["pend_cap"]
    merge_req = _split(p["merge_per"], merge_rate)
    act_req = _split(p["act_per"], act_rate)
    pre, mid, tile, span, act_cycles = p["pre"], p["mid"], p["tile"], p["span"], p["act"]
    tail, write = p["tail"], p["write"]
    # -- per input edge: geometry and where the producer's arrays are ------------------------------
    # the call's work arrays (`workspace`): per input edge its geometry and where the producer's
    # arrays are (`geo`), the input rows [y0, y1) of output row h (`rows_in`); releases on bounded
    # input edges: the issue cycles of the ops of one output row (`row_s`), applied by `_release`
    # when the row ends or the call returns, before the producer can read the ring (`read_at`,
    # `held`: rows held, none between calls, `acc`); the receptive fields' maxima, separably: per
    # input edge, the maximum ready cycle and the active pixels of each input column over the
    # current output row's input rows (`col_max[k * max_in_w + x]`, `col_act`), built up to
    # column `col_hi[k]`; per output edge the slot of the next active pixel in a bounded ring
    # (`out_slot`), a remote out-edge's bytes, split (`pipe`, `_split`), and where its ready
    # cycles start (`out_ready`)
    geo, rows_in, read_at, col_max, col_act, col_hi, row_s, held, acc, out_slot, pipe, out_ready = work
    for k in range(n_in):
        row = in_rows[r0 + k]
        o = in_out[r0 + k]
        geo[k, _KH], geo[k, _KW], geo[k, _SH], geo[k, _SW] = row["kh"], row["kw"], row["sh"], row["sw"]
        geo[k, _PH], geo[k, _PW], geo[k, _H], geo[k, _W] = row["ph"], row["pw"], row["height"], row["width"]
        geo[k, _CAP], geo[k, _AVAIL] = row["capacity"], row["avail"]
        geo[k, _READY], geo[k, _RING] = ready_at[o], ring_at[o]
        geo[k, _BITS], geo[k, _ROWS], geo[k, _RANK] = row["bits_at"], row["rows_at"], row["rank_base"]
    bounded_in = False
    max_w = 1
    for k in range(n_in):
        if geo[k, _CAP] > 0:
            bounded_in = True
            max_w = max(max_w, geo[k, _W])
    max_in_w = 1
    for k in range(n_in):
        max_in_w = max(max_in_w, geo[k, _W])
    col_row = -1  # the output row of the column maxima
    gh, wlo, whi = -1, 0, 0  # the output row whose ops' releases are pending, at [wlo, whi)
    # `ops`, this image's ops so far, is also the active pixels before `pos` (the local rank)
    start, end, ops, rf_total = st["start"], st["end"], st["ops"], st["rf_pixels"]
    limit = UNBOUNDED  # the largest rank whose out-slots are all known to be released
    for e in range(n_out):
        o = out_rows[o0 + e]
        out_ready[e] = ready_at[o0 + e]
        if o["capacity"] > 0:
            out_slot[e] = (rank_base + ops) % o["capacity"]
            limit = min(limit, o["allowed"])
        pipe[e, 0], pipe[e, 1], pipe[e, 2], pipe[e, 3] = _split(o["bytes"], o["cap_bytes"])
        pipe[e, 4] = 0  # the call's transfers' waits, added to `sends` by `_sent`
    ops0 = ops
    waiting = False  # an input edge whose producer has not computed the whole map yet
    for k in range(n_in):
        if geo[k, _AVAIL] < geo[k, _H] * geo[k, _W]:
            waiting = True
    bit_cycles = st["bit_cycles"]
    wait_fetch, wait_ro, wait_merge, wait_act = (st["wait_fetch"], st["wait_ro"],
                                                 st["wait_merge"], st["wait_act"])
    if n_in == 0 and n_out == 1 and not occupies and not merge_on and not act_on:
        # the image source, as ISAAC lowers it: no inputs, no servers
        cap0 = out_rows[o0]["capacity"]
        ring = rings[ring_at[o0]:ring_at[o0] + cap0]
        pos, start, end, ops, last_s = _source(
            pos, total, bits, base, ready, out_ready[0], out_rows[o0], pipe[0],
            max(arrival + delta, arrival), tail, sends, i, edge_of[o0], start, end, ops, ring,
            out_slot[0], rank_base, last_s)
        _store(st, p, issued + ops - ops0, last_s, start, end, ops, bit_cycles, rf_total, wait_fetch,
               wait_ro, wait_merge, wait_act)  # (a digital op counts as issued, for its group)
        return pos
    h, w = pos // width, pos % width
    while pos < total:
        b = bits[np.uint64(base + pos)]
        if b <= 0:  # a run of skipped pixels: not ready, no rank, in one sweep
            q = pos + 1
            while q < total and bits[np.uint64(base + q)] <= 0:
                q += 1
            for e in range(n_out):
                ready[out_ready[e] + pos:out_ready[e] + q] = -1
            pos = q
            h, w = pos // width, pos % width
            continue
        g = rank_base + ops
        if col_row != h:  # a new output row: its input rows, no column maxima yet
            col_row = h
            for k in range(n_in):
                top = h * geo[k, _SH] - geo[k, _PH]
                rows_in[k, 0], rows_in[k, 1] = max(top, 0), min(top + geo[k, _KH], geo[k, _H])
                col_hi[k] = 0
        # -- are the dependencies known? The issue cycle: the maximum over the receptive fields,
        # from the column maxima
        a = arrival
        rf_pixels = 0
        for k in range(n_in):
            y0, y1 = rows_in[k, 0], rows_in[k, 1]
            x0 = w * geo[k, _SW] - geo[k, _PW]
            x1 = min(x0 + geo[k, _KW], geo[k, _W])
            x0 = max(x0, 0)
            if y1 <= y0 or x1 <= x0:
                continue
            if waiting and (y1 - 1) * geo[k, _W] + (x1 - 1) >= geo[k, _AVAIL]:
                # part of the field is not computed yet: the op waits only if an active pixel is
                a_k, n_k = _field_known(geo, k, bits, ready, y0, y1, x0, x1)
                if a_k == PENDING:
                    p["w_kind"], p["w_ref"], p["w_at"] = W_INPUT, r0 + k, n_k
                    if bounded_in:
                        _release(n_in, geo, gh, wlo, whi, row_s, read_at, held, acc, max_w, bits,
                                 rows, rings, True)
                    _sent(0 if deferred else n_out, out_rows, o0, sends, pipe, i,
                          edge_of, ops - ops0)
                    _store(st, p, issued, last_s, start, end, ops, bit_cycles, rf_total, wait_fetch,
                           wait_ro, wait_merge, wait_act)
                    return pos
                a = max(a, a_k)
                rf_pixels += n_k
                continue
            at = k * max_in_w
            if x1 > col_hi[k]:
                _columns(k, geo, ready, y0, y1, x0, x1, col_max, col_act, col_hi, at)
            if x1 - x0 == 3:  # the common 3-wide window, unrolled
                uq = np.uint64(at + x0)
                a = max(a, max(col_max[uq], max(col_max[uq + np.uint64(1)],
                                                col_max[uq + np.uint64(2)])))
                rf_pixels += (col_act[uq] + col_act[uq + np.uint64(1)]
                              + col_act[uq + np.uint64(2)])
            else:
                for x in range(x0, x1):
                    ux = np.uint64(at + x)
                    a = max(a, col_max[ux])
                    rf_pixels += col_act[ux]
        if g > limit or a >= PENDING or (deferred and _slot_unwritten(
                p, ent, g, n_out, out_rows, o0)):  # an out-slot not released yet, or an input
            # pixel whose producer waits for a shared server (the column maxima are this call's)
            lb = max(last_s, arrival)
            if a < PENDING:
                lb = max(lb, a + delta)
                if g > limit:
                    p["w_kind"], p["w_at"] = W_RING, g
                    for e in range(n_out):
                        if out_rows[o0 + e]["capacity"] > 0 and out_rows[o0 + e]["allowed"] < g:
                            p["w_ref"] = o0 + e
                            break
                else:
                    p["w_kind"] = W_SLOT
            else:
                p["w_kind"] = W_PENDING
            if occupies:
                lb = max(lb, units[np.uint64(u0 + replica)]["free"])
            p["w_lb"] = lb
            if bounded_in:
                _release(n_in, geo, gh, wlo, whi, row_s, read_at, held, acc, max_w, bits, rows,
                         rings, True)
            _sent(0 if deferred else n_out, out_rows, o0, sends, pipe, i, edge_of,
                  ops - ops0)
            _store(st, p, issued, last_s, start, end, ops, bit_cycles, rf_total, wait_fetch, wait_ro,
                   wait_merge, wait_act)
            return pos
        s = max(a + delta, arrival)
        og = group
        shared = units[np.uint64(u0 + group)]  # its group's: fetch, merge, act
        if occupies:
            unit = units[np.uint64(u0 + replica)]  # the replica's own: free, sample, ro
            s = max(s, unit["free"])
        for e in range(n_out):
            cap = out_rows[o0 + e]["capacity"]
            if cap > 0:
                rel = rings[np.uint64(ring_at[o0 + e] + out_slot[e])]
                if rel > s:
                    s = rel
        if s < last_s:  # a node issues its ops in rank order
            s = last_s
        last_s = s
        # -- servers (timing-model s12) -----------------------------------------------------------
        if occupies:
            cf = s
            if fetch_on and rf_pixels > 0:
                if rf_pixels != fetch_pixels:  # most ops read as many pixels as the one before
                    fetch_pixels = rf_pixels
                    fetch_req = _split(rf_pixels * fetch_per, fetch_rate)
                cf, shared["fetch"], shared["fetch_m"] = _serve(
                    shared["fetch"], shared["fetch_m"], s, fetch_req, fetch_rate)
            wait_fetch += cf - s
            r = max(cf + pre, unit["sample"])
            if readout:
                r, c, unit["ro_m"] = _reads(r, b, unit["ro"], unit["ro_m"], ro_req, ro_rate)
                unit["ro"] = c
                unit["sample"] = max(r + 1, c - 1)
            else:
                r += b - 1
                c = r + 1
                unit["sample"] = r + 1
            wait_ro += c - (cf + pre + b)  # last conversion, against reads from cf + pre
            unit["free"] = r + 1 - pre
            issued += 1
            replica += 1  # = issued % replicas, group = replica % groups, without dividing
            group += 1
            if replica == replicas:
                replica, group = 0, 0
            elif group == groups:
                group = 0
            bit_cycles += b
            t = c + mid + 1
        else:
            t = s + tail
            issued += 1  # a digital op of rank k uses group k mod groups
            group += 1
            if group == groups:
                group = 0
        done = 0
        if deferred:  # the stages before the first shared server; the rest in `arbitrate`
            stage = 0
            if m_pool < 0:
                cm_, shared["merge"], shared["merge_m"] = _book(
                    shared["merge"], shared["merge_m"], t, merge_on, merge_req, merge_rate)
                wait_merge += cm_ - t
                t = cm_ + tile + span if occupies else cm_
                stage = 1
            if stage == 0:  # the node's requests on a server in rank order
                eff = max(t, shared["e_merge"])
                shared["e_merge"] = eff
            else:
                eff = max(t, shared["e_act"])
                shared["e_act"] = eff
            cnt = p["pend_hi"]
            row = np.uint64(pend_at + cnt % pend_cap)
            ent[row, _EI], ent[row, _EPOS], ent[row, _EG], ent[row, _ESTAGE] = i, pos, og, stage
            ent[row, _ET], ent[row, _EE], ent[row, _ERANK] = t, eff, g
            p["pend_hi"] = cnt + 1
            p["heap_n"] = _heap_push(heap, ent, pend_at, p["heap_n"], cnt % pend_cap)
            for e in range(n_out):  # no consumer reads it before `arbitrate` writes its cycle
                ready[np.uint64(out_ready[e] + pos)] = PENDING
        elif occupies:
            cm_, shared["merge"], shared["merge_m"] = _book(shared["merge"], shared["merge_m"], t,
                                                            merge_on, merge_req, merge_rate)
            wait_merge += cm_ - t
            t = cm_ + tile + span
            ca, shared["act"], shared["act_m"] = _book(shared["act"], shared["act_m"], t, act_on,
                                                       act_req, act_rate)
            wait_act += ca - t
            done = ca + act_cycles - 1
        else:
            cm_, shared["merge"], shared["merge_m"] = _book(shared["merge"], shared["merge_m"], t,
                                                            merge_on, merge_req, merge_rate)
            wait_merge += cm_ - t
            done, shared["act"], shared["act_m"] = _book(shared["act"], shared["act_m"], cm_,
                                                         act_on, act_req, act_rate)
            wait_act += done - cm_
        # -- release the input pixels this op reads -------------------------------------------------
        if bounded_in:  # gathered per output row, applied when it ends (or the call returns)
            if gh != h:
                if whi > wlo:
                    _release(n_in, geo, gh, wlo, whi, row_s, read_at, held, acc, max_w, bits, rows,
                             rings, False)
                gh, wlo, whi = h, w, w
            for x in range(whi, w):  # positions of the row without an op
                row_s[np.uint64(x)] = -1
            row_s[np.uint64(w)] = s
            whi = w + 1
        # -- outputs ------------------------------------------------------------------------------
        last = done + write + 1  # a node without out-edges writes into its home tile
        for e in range(n_out if not deferred else 0):
            o = out_rows[o0 + e]
            if o["local"]:
                rdy = done + 1 + o["write"]
            else:  # byte-slots of the edge's pipe from cycle done + 1 (timing-model s6)
                sent, o["busy"], o["busy_m"] = _serve(
                    o["busy"], o["busy_m"], done + 1,
                    (pipe[e, 0], pipe[e, 1], pipe[e, 2], pipe[e, 3]), o["cap_bytes"])
                rdy = sent + 1 + o["latency"] + o["write"]
                pipe[e, 4] += sent - (done + 1 + pipe[e, 2])  # later than from an idle pipe
            ready[np.uint64(out_ready[e] + pos)] = rdy
            cap = o["capacity"]
            if cap > 0:
                rings[np.uint64(ring_at[o0 + e] + out_slot[e])] = rdy
                out_slot[e] += 1
                if out_slot[e] == cap:
                    out_slot[e] = 0
            if e == 0 or rdy > last:
                last = rdy
        if deferred:  # its out-slots, as the loop above counts them
            for e in range(n_out):
                cap = out_rows[o0 + e]["capacity"]
                if cap > 0:
                    out_slot[e] += 1
                    if out_slot[e] == cap:
                        out_slot[e] = 0
        if ops == 0 or s < start:
            start = s
        if last > end and not deferred:
            end = last
        ops += 1
        rf_total += rf_pixels
        pos += 1
        w += 1
        if w == width:
            h, w = h + 1, 0
    if bounded_in:
        _release(n_in, geo, gh, wlo, whi, row_s, read_at, held, acc, max_w, bits, rows, rings,
                 True)
    _sent(0 if deferred else n_out, out_rows, o0, sends, pipe, i, edge_of,
          ops - ops0)
    _store(st, p, issued, last_s, start, end, ops, bit_cycles, rf_total, wait_fetch, wait_ro,
           wait_merge, wait_act)
    return pos


# -- the arbiter of shared servers -------------------------------------------------------------

FAR = 1 << 60
"""A lower bound for what cannot happen again (no pending op, no image to come)."""

FREE, HELD = -1, -2
"""`arbitrate`: a user's first request may be served; or it waits for the whole call (a bound
of another user's ops still to issue is below it). Otherwise it waits for the pending requests
of the user whose index is given."""


@inline
def _emit(o, pos, g, done, ready, k, rbase, rings, rslot):
    """A deferred op's pixel on out-edge row `o` (`OUT_EDGE`): its ready cycle (local: after the
    eDRAM write; remote: after its transfer, in rank order), written (image slot k of `ready`)
    with its ring slot's first release. Returns the ready cycle and the transfer's wait (how much
    later it was sent than from an idle pipe; 0 on a local edge)."""
    waited = 0
    if o["local"]:
        rdy = done + 1 + o["write"]
    else:
        xq, xm, iq, im = _split(o["bytes"], o["cap_bytes"])
        sent, o["busy"], o["busy_m"] = _serve(o["busy"], o["busy_m"], done + 1, (xq, xm, iq, im),
                                              o["cap_bytes"])
        rdy = sent + 1 + o["latency"] + o["write"]
        waited = sent - (done + 1 + iq)
    ready[k, np.uint64(rbase + pos)] = rdy
    cap = o["capacity"]
    if cap > 0:
        rings[np.uint64(rslot + g % cap)] = rdy
    return rdy, waited


@jit
def _finish(n, row, done, params, out_rows, out_at, ring_at, rings, ready, ready_at, stats, ent):
    """Deferred op `row` of node n is done in cycle `done`: its local out-edges' pixels now (a
    consumer may read them at once), its remote ones when every op before it is sent (`_publish`)."""
    i, pos, g = ent[row, _EI], ent[row, _EPOS], ent[row, _ERANK]
    k = i % ready.shape[0]
    st = stats[i, n]
    ent[row, _EDONE], ent[row, _ESTAGE] = done, 2
    o0, n_out = out_at[n], out_at[n + 1] - out_at[n]
    last = done + params[n]["write"] + 1 if n_out == 0 else -1  # (into its home tile)
    for e in range(n_out):
        o = out_rows[o0 + e]
        if o["local"]:
            last = max(last, _emit(o, pos, g, done, ready, k, ready_at[o0 + e], rings,
                                   ring_at[o0 + e])[0])
    if last > st["end"]:
        st["end"] = last


@jit
def _publish(n, params, out_rows, out_at, ring_at, rings, edge_of, ready, ready_at, stats,
             sends, ent):
    """Send the remote out-edges' pixels of node n's done ops in rank order, from the oldest
    pending op, and drop them from the op table. Returns whether any op was dropped."""
    p = params[n]
    at, cap = p["pend_at"], p["pend_cap"]
    o0, n_out = out_at[n], out_at[n + 1] - out_at[n]
    lo, hi = p["pend_lo"], p["pend_hi"]
    start = lo
    while lo < hi:
        row = np.uint64(at + lo % cap)
        if ent[row, _ESTAGE] != 2:
            break
        i, pos, g, done = ent[row, _EI], ent[row, _EPOS], ent[row, _ERANK], ent[row, _EDONE]
        k = i % ready.shape[0]
        st = stats[i, n]
        for e in range(n_out):
            o = out_rows[o0 + e]
            if not o["local"]:
                rdy, waited = _emit(o, pos, g, done, ready, k, ready_at[o0 + e], rings,
                                    ring_at[o0 + e])
                sends[i, 0, edge_of[o0 + e]] += o["bytes"]
                sends[i, 1, edge_of[o0 + e]] += waited
                if rdy > st["end"]:
                    st["end"] = rdy
        lo += 1
    p["pend_lo"] = lo
    return lo > start


@inline
def _own_bound(v, hi, images, cur, params, units, units_at, out_rows, out_at, ring_at, rings,
               arrivals, window):
    """A lower bound of the issue of every op node v has still to issue, from its own state: its
    next image's arrival; a replica's `free` (each op waits for one); and for a node waiting for
    an image beyond the window, the release of every slot of its bounded out-edges (each op
    waits for one; a slot's release only grows), computed once per driver call (`window[v]`)."""
    if cur[v] >= images:
        return FAR
    own = arrivals[cur[v]]
    p = params[v]
    if p["occupies"] != 0:
        low = FAR
        for r in range(units_at[v], units_at[v] + p["replicas"]):
            low = min(low, units[np.uint64(r)]["free"])
        own = max(own, low)
    if cur[v] >= hi:
        if window[v] < 0:
            low = FAR
            for o in range(out_at[v], out_at[v + 1]):
                for x in range(out_rows[o]["capacity"]):
                    low = min(low, rings[np.uint64(ring_at[o] + x)])
            window[v] = low if low < FAR else 0
        own = max(own, window[v])
    return own


@inline
def _stream_labels(hi, images, cur, params, units, units_at, out_rows, out_at, ring_at, rings,
                   arb, arrivals, first, window, own, label, settled):
    """The start of `_label_below`'s shortest paths, when some nodes wait for an image beyond the
    window (a stream): per node its own bound (`own`, `_own_bound`), and the first labels: such a
    node's own bound, and each pending op's done arcs (`done_*`: from its done cycle, at least its
    effective cycle, to the issues it leads to)."""
    users = arb[6]
    done_at, done_to, done_w = arb[13], arb[14], arb[15]
    n_nodes = params.shape[0]
    for v in range(n_nodes):
        own[v] = _own_bound(v, hi, images, cur, params, units, units_at, out_rows, out_at, ring_at,
                            rings, arrivals, window)
        label[v] = own[v] if hi <= cur[v] < images else FAR
        settled[v] = False
    for k in range(users.shape[0]):
        if first[k] < FAR:
            for j in range(done_at[k], done_at[k + 1]):
                y = done_to[j]
                label[y] = min(label[y], max(own[y], first[k] + done_w[j]))


@jit
def _label_below(y, limit, arc_at, arc_to, arc_w, own, label, settled):
    """Whether node y's lower bound of the issue of every op it has still to issue is below
    `limit`, in a stream where some nodes wait for an image beyond the window: such a node's ops
    come no earlier than its own bound, and every other op waits, through the arcs between the
    nodes' issues (`arc_*`: inputs, and buffer slots against them), on a pending op or on such a
    node; at every node on the way an op also comes no earlier than that node's own bound. The
    least of these over the ways is found as shortest paths are (each step only raises a bound),
    lazily: nodes are settled in order of their bound only until y is, or until every bound still
    open is at least `limit` (then so is y's). The state (`label`, `settled`, from
    `_stream_labels`) carries over between the calls of one `arbitrate`."""
    n_nodes = label.shape[0]
    while not settled[y]:
        x, best = -1, FAR
        for v in range(n_nodes):  # (a few dozen nodes: a scan finds the next one)
            if not settled[v] and label[v] < best:
                x, best = v, label[v]
        if x < 0 or best >= limit:
            return False
        settled[x] = True
        for j in range(arc_at[x], arc_at[x + 1]):
            z = arc_to[j]
            cand = max(own[z], best + arc_w[j])
            if cand < label[z]:
                label[z] = cand
    return label[y] < limit


@jit
def arbiter_scratch(users, n_nodes):
    """`arbitrate`'s work arrays, made once by the driver's caller: per user its smallest pending
    effective cycle, its lower bound of the next issue (and whether it is known) and what its
    first request waits for (`FREE`, `HELD` or a user); per node its own bound, shortest-path
    label and whether settled, and its user index (-1: none); per user its smallest pending
    effective cycle as the call goes on."""
    n_users = users.shape[0]
    user_of = np.full(n_nodes, -1, np.int64)
    for k in range(n_users):
        user_of[users[k]] = k
    return (np.empty(n_users, np.int64), np.empty(n_users, np.int64),
            np.empty(n_users, np.bool_), np.empty(n_users, np.int64),
            np.empty(n_nodes, np.int64), np.empty(n_nodes, np.int64),
            np.empty(n_nodes, np.bool_), user_of, np.empty(n_users, np.int64))


@inline
def _next_issue(v, hi, images, cur, params, in_at, in_src, arrivals, first, user_of):
    """A lower bound of the issue of node v's next op (and so, ops issuing in rank order, of every
    op it has still to issue), from what its last kernel call knew (`NODE.w_lb`: its last issue,
    its arrival, the inputs read, its replica's `free`), its image's arrival if that image is not
    loaded yet, and, if it stopped on an input pixel waiting for the arbiter, the least over its
    deferred producers of their smallest pending effective cycle (at most the op's done cycle; a
    done op not yet sent waits for an earlier one) + 1 + its `delta`. `first` is of the start of
    the `arbitrate` call (no node moves during it)."""
    if cur[v] >= images:
        return FAR
    p = params[v]
    low = p["w_lb"]
    if cur[v] >= hi:
        return max(low, arrivals[cur[v]])
    if p["w_kind"] == W_PENDING:
        m = FAR
        for r in range(in_at[v], in_at[v + 1]):
            k = user_of[in_src[r]]
            if k >= 0:
                m = min(m, first[k])
        if m < FAR:
            low = max(low, m + 1 + p["delta"])
    return low


@jit
def arbitrate(hi, images, cur, plan, graph, maps, out, arb, arrivals, touched, latest, window,
              scratch):
    """Serve the requests waiting for shared servers (docs/timing-model.md s12) in time order, as
    far as it is known that no request can still come before them; returns how many were served
    and marks in `touched` the nodes whose pixels became ready.

    `arb = (pools, ent, heap, q_at, q_user, q_stage, users, lat, dist_d, dist_i)`: each shared
    server's slot cursor and rate (`pools[q] = (cycle, slot, rate)`); the op table and the
    per-node heaps of the deferred nodes (`users`, in plan order); the users of shared server q,
    `q_user[q_at[q]:q_at[q + 1]]` (indices into `users`) and the stage they use it for
    (`q_stage`: 0 merge, 1 act); `lat[k] = (issue to merge request, issue to act request)` at the
    least of user k; `dist_d[j, k]`, the fewest cycles from an op of user j being done to an op
    of user k issuing; `dist_i[v, k]`, from an op of node v issuing to one of user k issuing.
    `scratch` is `arbiter_scratch`'s.

    Every op a node has not issued, or whose shared request is not known, waits (through inputs,
    buffer slots and replicas, each a step of zero or more cycles) on a pending request or on an
    image not loaded yet. So user k's next request on a server comes no earlier than its
    smallest pending effective cycle, nor than `lb_k` + its issue-to-request cycles, where `lb_k`
    is the least over pending requests of (their effective cycle, a lower bound of that op's done
    cycle, + `dist_d`). A request (e, node) is served when it comes before every other user's
    bound (ties: the earlier node); the first pending request always does (a zero-cycle path only
    leads to a later node). When a node waits for an image beyond the window (a stream), the
    bounds come from `_label_below` instead. Every bound is of the state at the start of the call
    (served requests leave it, so a bound taken later would miss the ops that wait on them) and
    holds for the whole call; each is worked out only when a request needs it."""
    params, units, units_at, _, in_at, _, out_rows, out_at, ring_at, rings, edge_of = plan
    ready_all, ready_at = maps[4], maps[5]
    stats, sends = out
    pools, ent, heap, q_at, q_user, q_stage, users, lat, dist_d = arb[:9]
    arc_at, arc_to, arc_w = arb[10], arb[11], arb[12]
    in_src = graph[0]
    first, lb, lb_known, stuck, own, label, settled, user_of, head = scratch
    n_users = users.shape[0]
    n_nodes = params.shape[0]
    for k in range(n_users):  # each user's smallest pending effective cycle
        p = params[users[k]]
        first[k] = FAR
        if p["heap_n"] > 0:
            first[k] = ent[np.uint64(p["pend_at"] + heap[np.uint64(p["pend_at"])]), _EE]
        head[k] = first[k]
        lb_known[k] = False
        stuck[k] = FREE
    blocked = False  # a node waits for an image beyond the window
    for v in range(n_nodes):
        if hi <= cur[v] < images:
            blocked = True
    if blocked:
        _stream_labels(hi, images, cur, params, units, units_at, out_rows, out_at, ring_at, rings,
                       arb, arrivals, first, window, own, label, settled)
    served = 0
    while True:
        best, e_best = -1, FAR
        for k in range(n_users):
            if head[k] < e_best and stuck[k] == FREE:
                best, e_best = k, head[k]
        if best < 0:
            break
        n = users[best]
        p = params[n]
        at = p["pend_at"]
        slot = heap[np.uint64(at)]
        row = np.uint64(at + slot)
        stage, grp = ent[row, _ESTAGE], ent[row, _EG]
        q = (p["m_pool"] if stage == 0 else p["a_pool"]) + grp
        ok = True
        blocker = FREE
        for j in range(q_at[q], q_at[q + 1]):
            k = q_user[j]
            if k == best:
                continue
            # user k's next request on this server comes no earlier than its smallest pending
            # effective cycle now, nor than lb_k + lat; it may come first if either is below
            # e_best (or equal, k earlier)
            if head[k] < e_best or (head[k] == e_best and k < best):
                ok, blocker = False, k
                break
            limit = e_best - lat[k, q_stage[j]] + (1 if k < best else 0)
            if _next_issue(users[k], hi, images, cur, params, in_at, in_src, arrivals, first,
                           user_of) >= limit:
                continue  # (its next op cannot issue early enough)
            if blocked:
                if _label_below(users[k], limit, arc_at, arc_to, arc_w, own, label, settled):
                    ok, blocker = False, HELD
                    break
                continue
            if not lb_known[k]:
                low = FAR
                for m in range(n_users):
                    if first[m] < FAR:
                        low = min(low, first[m] + dist_d[m, k])
                lb[k], lb_known[k] = low, True
            if lb[k] < limit:
                ok, blocker = False, HELD
                break
        if not ok:  # another user may still ask before it; other users' requests may go on
            stuck[best] = blocker
            continue
        for k in range(n_users):  # a user whose first request waited for this one's may go now
            if stuck[k] == best:
                stuck[k] = FREE
        p["heap_n"] = _heap_pop(heap, ent, at, p["heap_n"])
        head[best] = ent[np.uint64(at + heap[np.uint64(at)]), _EE] if p["heap_n"] > 0 else FAR
        served += 1
        i = ent[row, _EI]
        st = stats[i, n]
        t = ent[row, _ET]
        unit = units[np.uint64(units_at[n] + grp)]
        occupies = p["occupies"] != 0
        if stage == 0:
            req = _split(p["merge_per"], p["merge_rate"])
            cm_, pools[q, 0], pools[q, 1] = _serve(pools[q, 0], pools[q, 1], t, req, pools[q, 2])
            st["wait_merge"] += cm_ - t
            t = cm_ + p["tile"] + p["span"] if occupies else cm_
            if p["a_pool"] >= 0:
                eff = max(t, unit["e_act"])
                unit["e_act"] = eff
                ent[row, _ESTAGE], ent[row, _ET], ent[row, _EE] = 1, t, eff
                p["heap_n"] = _heap_push(heap, ent, at, p["heap_n"], slot)
                head[best] = ent[np.uint64(at + heap[np.uint64(at)]), _EE]
                continue
            act_on = p["act_rate"] > 0 and p["act_per"] > 0
            ca, unit["act"], unit["act_m"] = _book(unit["act"], unit["act_m"], t, act_on,
                                                   _split(p["act_per"], p["act_rate"]),
                                                   p["act_rate"])
        else:
            req = _split(p["act_per"], p["act_rate"])
            ca, pools[q, 0], pools[q, 1] = _serve(pools[q, 0], pools[q, 1], t, req, pools[q, 2])
        st["wait_act"] += ca - t
        done = ca + p["act"] - 1 if occupies else ca
        _finish(n, row, done, params, out_rows, out_at, ring_at, rings, ready_all, ready_at, stats,
                ent)
        _publish(n, params, out_rows, out_at, ring_at, rings, edge_of, ready_all, ready_at, stats,
                 sends, ent)
        touched[n] = True
        if st["end"] > latest[0]:
            latest[0] = st["end"]
    return served


def no_arbiter() -> tuple:
    """`arbitrate`'s arguments for a plan without shared servers (no deferred node)."""
    none, one = np.zeros(0, np.int64), np.zeros(1, np.int64)
    return (np.zeros((1, 3), np.int64), np.zeros((0, ENT_COLS), np.int64), none, one, none, none,
            none, np.zeros((0, 2), np.int64), np.zeros((0, 0), np.int64),
            np.zeros((0, 0), np.int64), one, none, none, one, none, none)


@jit
def oldest_image(cur, params, ent):
    """The oldest image some node still works on: its issue position's, or its oldest pending
    op's (a window slot is free once every node is past its image)."""
    lo = cur.min()
    for n in range(params.shape[0]):
        p = params[n]
        if p["pend_lo"] < p["pend_hi"]:
            lo = min(lo, ent[np.uint64(p["pend_at"] + p["pend_lo"] % p["pend_cap"]), _EI])
    return lo


# -- uncounted views of arrays ---------------------------------------------------------------------
# numba counts references to the arrays it handles: taking an array out of a tuple, handing it to
# an inlined helper or slicing it each adds one (an atomic increment) and drops it later (an atomic
# decrement). The driver hands its dozens of state arrays to a node's kernel and to the arbiter
# thousands of times per image; on a network whose nodes hand work to each other op by op (shared
# servers) that counting took about a fifth of the engine's time. `unowned(x)` returns `x` (an
# array, or a tuple of arrays) as views that count nothing: the same data, shape and strides, with
# no memory-info (numba skips the count of an array without one). It is safe only while the arrays
# it came from stay alive, which holds for a kernel's arguments during the call (their caller owns
# them): the driver applies it to its arguments only, never to an array it allocates, and no view
# outlives the call. (Here, not in a file of its own: numba's cache checks only the file of the
# function it loads, D45.)

def _strip(context, builder, ty, value):
    """`value` (an array of type `ty`) with its memory-info and parent object set to null."""
    ary = context.make_array(ty)(context, builder, value=value)
    ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
    ary.parent = cgutils.get_null_value(ary.parent.type)
    return ary._getvalue()


@intrinsic
def _unowned(typingctx, x):
    """`x` (an array or a tuple of arrays) as uncounted views (see above)."""
    if isinstance(x, types.Array):
        def codegen(context, builder, sig, args):
            return _strip(context, builder, sig.args[0], args[0])
        return x(x), codegen
    if isinstance(x, types.BaseTuple) and all(isinstance(t, types.Array)
                                              for t in getattr(x, "types")):
        def codegen_tuple(context, builder, sig, args):
            value = args[0]
            for k, ty in enumerate(getattr(sig.args[0], "types")):
                item = _strip(context, builder, ty, builder.extract_value(value, k))
                value = builder.insert_value(value, item, k)
            return value
        return x(x), codegen_tuple
    return None


def unowned(x):
    """`x` (an array or a tuple of arrays) as uncounted views (see above); in
    Python (numba's JIT disabled) `x` itself, since Python counts its own references."""
    return x


@overload(unowned)
def _unowned_jit(x):
    """In jitted code: the intrinsic."""
    if isinstance(x, types.Array) or (isinstance(x, types.BaseTuple) and all(
            isinstance(t, types.Array) for t in getattr(x, "types"))):
        return lambda x: _unowned(x)  # type: ignore[call-arg]
    return None


# -- the driver -----------------------------------------------------------------------------------

@jit
def frontier(pos_c, hc, wc, row):
    """Producer raster positions below which no consumer op at or after raster position `pos_c`
    reads, for a consumer of map hc x wc reading through `row` (an `IN_EDGE` row: its geometry
    and the producer's map). The first row of receptive fields still to come starts at that op's
    top row; if the next output row starts no lower, the whole of that row is still read."""
    hp, wp = row["height"], row["width"]
    if pos_c >= hc * wc:
        return hp * wp
    ho, wo = pos_c // wc, pos_c % wc
    y0 = max(0, ho * row["sh"] - row["ph"])
    x0 = max(0, wo * row["sw"] - row["pw"])
    if ho + 1 < hc and max(0, (ho + 1) * row["sh"] - row["ph"]) <= y0:
        x0 = 0
    return min(y0 * wp + min(x0, wp), hp * wp)


@jit
def drive(hi, images, cur, pos, plan, graph, maps, out, arrivals, rank_base, arb, work, scratch):
    """Advance every node as far as the known state allows (docs/timing-model.md s12, "How the
    engine divides the work"): `advance_node` over the nodes in plan order, again and again, until
    no node can move (a node is called again only when a neighbour has moved); then `arbitrate`
    serves what it can of the requests waiting for shared servers, and the nodes go on. Node n is
    working on image `cur[n]` at raster position `pos[n]` (carried, updated in place); it advances
    only images below `hi` (those whose maps are loaded in the image slots of `maps`) and stops at
    `images` (all done). Before each kernel call the driver tells the node what its neighbours
    know, as numbers in its rows:

    - on each input edge, `avail`: the raster positions of the producer's map of the same image
      that the producer has computed (all of them once it is on a later image, none before; a
      deferred producer's pixel waiting for a shared server reads `PENDING`);
    - on each bounded output edge, `allowed`: the largest global rank whose ring slot's previous
      occupant has been read by every op that reads it, i.e. `final + capacity - 1` where `final`
      is the rank of the first producer pixel that an op of the consumer at or after its position
      still reads (`frontier`), or unbounded once the consumer has finished every image.

    `graph = (in_src, out_dst, out_in)`: the producer node of each input-edge row, the consumer
    node of each output-edge row and that consumer's input-edge row for it. `plan`, `maps`, `out`
    are `advance_node`'s, `arb` is `arbitrate`'s; `arrivals[i]`, `rank_base[i, n]` fill the node's
    `arrival` and `rank_base`, and each input edge's `rank_base` (the producer's). A consumer can
    be on a later image than its producer (it passes leading pixels of image j that read nothing
    while the producer finishes trailing pixels of image j - 1 that nothing reads); then none of
    the producer's ranks of image j is final (and image j may not be loaded yet, so
    `rank_base[hi]` must be set when hi < images). `work` is `workspace(plan)`, `scratch`
    `arbiter_scratch(users, nodes)`, made by the caller once. Returns the largest ready cycle any
    node reached (`STATS.end`), for the caller's clock.

    The arrays are handed on as uncounted views (`unowned`: the caller owns them for the
    call), so that handing them to the node kernels and the arbiter costs no reference counts."""
    plan, graph, maps, out = unowned(plan), unowned(graph), unowned(maps), unowned(out)
    arb, work, scratch = unowned(arb), unowned(work), unowned(scratch)
    params, units, units_at, in_rows, in_at, in_out, out_rows, out_at, ring_at, rings, edge_of = plan
    in_src, out_dst, out_in = graph
    bits_all, pix_at, rows_all, rows_at = maps[0], maps[1], maps[2], maps[3]
    slots_n = bits_all.shape[0]
    stats = out[0]
    n_nodes = params.shape[0]
    newest = -1
    dirty = np.ones(n_nodes, np.bool_)
    touched = np.zeros(n_nodes, np.bool_)
    latest = np.full(1, -1, np.int64)
    window = np.full(n_nodes, -1, np.int64)  # `_own_bound`'s slot releases, once per call
    kick = np.zeros(n_nodes, np.bool_)  # a pixel it reads, or its own op's, was published
    while True:
        moved = True
        while moved:
            moved = False
            for n in range(n_nodes):
                if not dirty[n]:
                    continue
                dirty[n] = False
                p = params[n]
                total = p["height"] * p["width"]
                start_img, start_pos = cur[n], pos[n]
                while cur[n] < hi:
                    i = cur[n]
                    p["arrival"] = arrivals[i]
                    p["rank_base"] = rank_base[i, n]
                    for r in range(in_at[n], in_at[n + 1]):
                        src = in_src[r]
                        in_rows[r]["rank_base"] = rank_base[i, src]
                        if cur[src] > i:
                            in_rows[r]["avail"] = params[src]["height"] * params[src]["width"]
                        elif cur[src] == i:
                            in_rows[r]["avail"] = pos[src]
                        else:
                            in_rows[r]["avail"] = 0
                    for o in range(out_at[n], out_at[n + 1]):
                        cap = out_rows[o]["capacity"]
                        if cap == 0:
                            continue
                        c = out_dst[o]
                        j = cur[c]
                        if j >= images:
                            out_rows[o]["allowed"] = UNBOUNDED
                            continue
                        q = frontier(pos[c], params[c]["height"], params[c]["width"],
                                     in_rows[out_in[o]])
                        if cur[n] < j:  # the consumer has passed pixels of image j that read
                            q = 0  # nothing, while the producer is finishing image j - 1
                        elif cur[n] == j and q > pos[n]:
                            q = pos[n]  # what the producer has not reached is not counted yet
                        final = rank_base[j, n]
                        if q > 0:  # (none before position 0; and image j may not be loaded yet)
                            k = j % slots_n
                            final += active_before(bits_all[k], pix_at[n], rows_all[k],
                                                   rows_at[n], p["width"], q)
                        out_rows[o]["allowed"] = final + cap - 1
                    kind = p["w_kind"]  # what stopped its last call: has it changed?
                    if kind == W_INPUT and in_rows[p["w_ref"]]["avail"] <= p["w_at"]:
                        break
                    if kind == W_RING and out_rows[p["w_ref"]]["allowed"] < p["w_at"]:
                        break
                    if (kind == W_PENDING or kind == W_SLOT) and not kick[n]:
                        break
                    kick[n] = False
                    new = advance_node(n, pos[n], i, plan, maps, out, arb, work)
                    if new > pos[n]:
                        pos[n] = new
                        if stats[i, n]["end"] > newest:
                            newest = stats[i, n]["end"]
                    if new < total:
                        break
                    cur[n] = i + 1
                    pos[n] = 0
                if cur[n] != start_img or pos[n] != start_pos:  # its neighbours may move now,
                    moved = True  # and so may it (its `allowed` counts no rank beyond its position)
                    for o in range(out_at[n], out_at[n + 1]):
                        dirty[out_dst[o]] = True
                        if out_rows[o]["capacity"] > 0:
                            dirty[n] = True
                    for r in range(in_at[n], in_at[n + 1]):  # (only a bounded edge's producer
                        if in_rows[r]["capacity"] > 0:  # waits for this node's position)
                            dirty[in_src[r]] = True
        if arb[6].shape[0] == 0 or arbitrate(hi, images, cur, plan, graph, maps, out, arb,
                                            arrivals, touched, latest, window, scratch) == 0:
            break
        newest = max(newest, latest[0])
        for n in range(n_nodes):  # the consumers of pixels that became ready (and the node,
            if touched[n]:  # when its next op may reuse their buffer slots)
                touched[n] = False
                for o in range(out_at[n], out_at[n + 1]):
                    dirty[out_dst[o]] = True
                    kick[out_dst[o]] = True
                    if out_rows[o]["capacity"] > 0:
                        dirty[n] = True
                        kick[n] = True
    return newest
