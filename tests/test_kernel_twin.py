"""The numba timing kernel against its slow twin (tests/kernel_twin.py) on random kernel-level cases.

Each case is one node with random parameters (ops that occupy a replica or not, replicas, delta,
tail, the stage latencies, write, and servers with small rates or unlimited, whose cursors start
anywhere), 0..2 input edges (random geometry, producer maps with active and inactive pixels,
random ready times, rings of capacity 0 = unbounded or a few slots) and 0..2 output edges (local or
remote, bounded or not), over 1..3 images that carry the replicas, the round-robin counter, the
pipes and the rings from one to the next as in stream mode. Each image is advanced in several
calls, each continuing from the returned position after the producers (`avail`) and the consumers
(`allowed`, ring releases) have progressed; map cells beyond `avail` hold junk the kernel must not
use. After every call the position and every array the kernel may write must equal the twin's.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_twin import twin_advance

from isaacsim.kernels import layout as L
from isaacsim.kernels.timing import advance_node, no_arbiter, workspace

BIG = 1 << 40


def ints(lo: int, hi: int):
    return st.integers(lo, hi)


@st.composite
def active_map(draw, height: int, width: int, zero_prob: float):
    return [[draw(st.floats(0, 1)) >= zero_prob for _ in range(width)] for _ in range(height)]


@st.composite
def in_edge(draw):
    height, width = draw(ints(1, 8)), draw(ints(1, 6))
    if draw(st.booleans()):
        kh, kw, sh, sw, ph, pw = height, width, 1, 1, 0, 0  # fully connected: the whole map
    else:
        kh, kw = draw(ints(1, 3)), draw(ints(1, 3))
        sh, sw = draw(ints(1, 4)), draw(ints(1, 4))  # (strides beyond the kernel leave gaps)
        ph, pw = draw(ints(0, 2 * kh - 1)), draw(ints(0, 2 * kw - 1))  # (fields all padding too)
    capacity = draw(st.sampled_from([0, 0, 1, 2, 3, 5, 8]))
    ring = draw(st.lists(ints(0, 80), min_size=max(capacity, 1) + draw(ints(0, 2)),
                         max_size=max(capacity, 1) + 2))
    return dict(kh=kh, kw=kw, sh=sh, sw=sw, ph=ph, pw=pw, height=height, width=width,
                capacity=capacity, rank_base=draw(ints(0, 20)), avail=0, ring=ring)


@st.composite
def out_edge(draw):
    return dict(local=int(draw(st.booleans())), write=draw(ints(0, 2)), bytes=draw(ints(1, 40)),
                cap_bytes=draw(ints(1, 70)), latency=draw(ints(0, 3)),
                capacity=draw(st.sampled_from([0, 0, 1, 2, 3, 5, 8])), allowed=0,
                busy=draw(ints(0, 600)))


NOT_DEFERRED = dict(m_pool=-1, a_pool=-1, pend_at=0, pend_cap=1, pend_lo=0, pend_hi=0, heap_n=0,
                    w_kind=0, w_ref=0, w_at=0, w_lb=0)
"""The `NODE` fields of a node without shared servers and the reasons a call stops, which only the
driver and the arbiter read (the twin has neither: they are checked against the reference model,
tests/test_engine.py)."""


@st.composite
def cases(draw):
    occupies = draw(st.booleans())
    replicas = draw(ints(1, 3))
    node = dict(occupies=int(occupies), replicas=replicas,
                groups=draw(ints(1, replicas)), delta=draw(ints(-1, 2)),
                tail=0 if occupies else draw(ints(0, 4)), pre=draw(ints(0, 2)),
                mid=draw(ints(0, 2)), tile=draw(ints(0, 2)), span=draw(ints(0, 3)),
                act=draw(ints(0, 2)), write=draw(ints(0, 2)), arrival=0,
                rank_base=draw(ints(0, 20)), issued=draw(ints(0, 7)), last_s=draw(ints(0, 60)),
                **NOT_DEFERRED)
    for server in ("fetch", "ro", "merge", "act"):
        node[f"{server}_rate"] = draw(st.sampled_from([0, 0, 1, 2, 3, 5]))
        node[f"{server}_per"] = draw(ints(0, 12))
    node["units"] = [dict(free=draw(ints(0, 60)), fetch=draw(ints(0, 200)),
                          ro=draw(ints(0, 200)), merge=draw(ints(0, 200)),
                          act=draw(ints(0, 200)), sample=draw(ints(0, 60)))
                     for _ in range(replicas)]
    inputs = draw(st.lists(in_edge(), max_size=2))
    outputs = draw(st.lists(out_edge(), max_size=2))
    slots = max([o["capacity"] for o in outputs] + [1]) + draw(ints(0, 2))
    for out in outputs:
        out["ring"] = draw(st.lists(ints(0, 80), min_size=slots, max_size=slots))
    # up to 7 output rows: room for rows without ops between rows that read the same input rows
    height, width = draw(ints(1, 7)), draw(ints(1, 4))
    zero_prob = draw(st.sampled_from([0.0, 0.3, 0.7]))
    images = []
    for _ in range(draw(ints(1, 3))):
        bits = [[0 if draw(st.floats(0, 1)) < zero_prob else draw(ints(1, 16)) for _ in range(width)]
                for _ in range(height)]
        maps = []
        for edge in inputs:
            active = draw(active_map(edge["height"], edge["width"], zero_prob))
            ready = [[draw(ints(0, 80)) if a else -1 for a in row] for row in active]
            # junk in the range of real cycles, or far above them (any use then shows for sure)
            junk_lo = draw(st.sampled_from([-1, 1000]))
            junk = [[draw(ints(junk_lo, junk_lo + 91)) for _ in row] for row in active]
            maps.append((active, ready, junk))
        calls = []
        for _ in range(draw(ints(0, 3))):
            calls.append(dict(avail=[draw(ints(0, e["height"] * e["width"])) for e in inputs],
                              allowed=[draw(ints(-1, 12)) for _ in outputs],
                              releases=[draw(st.lists(st.tuples(ints(0, slots - 1), ints(0, 90)),
                                                      max_size=3)) for _ in outputs]))
        images.append(dict(bits=bits, maps=maps, calls=calls, arrival=draw(ints(0, 40))))
    return node, inputs, outputs, images


def _as_dict(row) -> dict:
    return {name: int(row[name]) for name in row.dtype.names}


_RATE = {"fetch": "fetch_rate", "ro": "ro_rate", "merge": "merge_rate", "act": "act_rate"}


def _kernel_units(node: dict) -> np.ndarray:
    """The twin's units as the kernel keeps them: a server's slot count `end` as the quotient and
    remainder of end - 1 by its rate (an unlimited server's cursor is never read)."""
    rows = []
    for unit in node["units"]:
        row = dict(unit)
        for name, rate_key in _RATE.items():
            rate = node[rate_key]
            row[name], row[f"{name}_m"] = divmod(unit[name] - 1, rate) if rate else (unit[name], 0)
        rows.append(row)
    return L.rows(L.UNITS, rows)


def _twin_units(units: np.ndarray, node: dict) -> list[dict]:
    """The kernel's units as the twin keeps them (the inverse of `_kernel_units`)."""
    out = []
    for row in units:
        unit = {name: int(row[name]) for name in ("free", "fetch", "ro", "merge", "act", "sample")}
        for name, rate_key in _RATE.items():
            rate = node[rate_key]
            if rate:
                unit[name] = int(row[name]) * rate + int(row[f"{name}_m"]) + 1
        out.append(unit)
    return out


def _kernel_out(out: dict) -> dict:
    """A twin out-edge as the kernel's `OUT_EDGE` row: the pipe's byte-slot count `busy` as the
    quotient and remainder of busy - 1 by the bytes per cycle."""
    row = {k: out[k] for k in L.OUT_EDGE.names if k != "busy_m"}
    row["busy"], row["busy_m"] = divmod(out["busy"] - 1, out["cap_bytes"])
    return row


def _twin_out(row) -> dict:
    """The inverse of `_kernel_out`."""
    out = {k: int(row[k]) for k in L.OUT_EDGE.names if k != "busy_m"}
    out["busy"] = int(row["busy"]) * int(row["cap_bytes"]) + int(row["busy_m"]) + 1
    return out


JUNK = 777
"""What the kernel's own output maps hold before it writes them: every position it passes it
writes (its ready cycle, or -1 when inactive), so a consumer never uses a stale value."""


def _offsets(sizes: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


class Pair:
    """The kernel's arrays and the twin's lists for one node, kept in step. The kernel sees a plan
    of one node (index 0) whose out-edge rows are its outputs, followed by one row per input edge
    standing for the producer's out-edge (its ready map and release ring); the producers' read
    cycles (active or not) and active pixels before each row follow the node's own."""

    def __init__(self, node, inputs, outputs, height: int, width: int):
        self.node, self.inputs, self.outputs = node, inputs, outputs
        node["height"], node["width"] = height, width
        self.total = height * width
        n_in, n_out = len(inputs), len(outputs)
        # the producers' read cycles follow the node's own in `bits`; their active pixels before
        # each row are `rows`
        src = [e["height"] * e["width"] for e in inputs]
        self.bits_at = _offsets([self.total] + src)
        self.rows_at = _offsets([e["height"] + 1 for e in inputs])
        for k, edge in enumerate(inputs):
            edge["bits_at"], edge["rows_at"] = int(self.bits_at[k + 1]), int(self.rows_at[k])
        self.params = L.row(L.NODE, **{k: node[k] for k in L.NODE.names})
        self.units = _kernel_units(node)
        self.in_rows = L.rows(L.IN_EDGE, [{k: e[k] for k in L.IN_EDGE.names} for e in inputs])
        self.out_rows = L.rows(L.OUT_EDGE, [_kernel_out(o) for o in outputs])
        rings = [o["ring"] for o in outputs] + [e["ring"] for e in inputs]
        self.ring_at = _offsets([len(r) for r in rings])
        self.rings = np.array([v for r in rings for v in r] or [0], np.int64)
        self.ready_at = _offsets([self.total] * n_out + src)
        self.plan = (self.params, self.units, np.array([0, len(self.units)], np.int64),
                     self.in_rows, np.array([0, n_in], np.int64),
                     np.arange(n_out, n_out + n_in, dtype=np.int64), self.out_rows,
                     np.array([0, n_out], np.int64), self.ring_at, self.rings,
                     np.arange(n_out, dtype=np.int64))

    def _ring(self, row: int) -> np.ndarray:
        return self.rings[self.ring_at[row]:self.ring_at[row + 1]]

    def start_image(self, image, rank_base: int, producer_bases: list[int]):
        bits = image["bits"]
        n_ready = max(len(self.outputs), 1)
        self.mine = dict(bits=bits, ready=[[[-1] * len(bits[0]) for _ in bits] for _ in range(n_ready)],
                         stats=dict(start=-1, end=-1, ops=0, bit_cycles=0, rf_pixels=0,
                                    wait_fetch=0, wait_ro=0, wait_merge=0, wait_act=0),
                         edge_bytes=[0] * n_ready, edge_wait=[0] * n_ready)
        self.node["arrival"] = self.params[0]["arrival"] = image["arrival"]
        self.node["rank_base"] = self.params[0]["rank_base"] = rank_base
        flat = [np.array(bits, np.int16).reshape(-1)]
        rows = [np.zeros(0, np.int64)]
        for active, _, _ in image["maps"]:
            active = np.array(active, bool)
            flat.append(active.reshape(-1).astype(np.int16))
            rows.append(np.concatenate([[0], np.cumsum(active.sum(axis=1))]).astype(np.int64))
        self.bits = np.concatenate(flat).reshape(1, -1)
        self.rows = np.concatenate(rows + [np.zeros(1, np.int64)]).reshape(1, -1)
        self.ready = np.full((1, int(self.ready_at[-1])), JUNK, np.int64)
        self.stats = L.new_stats((1, 1))
        self.sends = np.zeros((1, 2, max(len(self.outputs), 1)), np.int64)
        self.maps = image["maps"]
        for k, (edge, (active, _, _)) in enumerate(zip(self.inputs, self.maps)):
            edge["active"] = active
            edge["rank_base"] = self.in_rows[k]["rank_base"] = producer_bases[k]

    def progress(self, avail: list[int], allowed: list[int], releases: list[list]):
        """Producers computed `avail` positions; consumers decided ranks up to `allowed` (offsets
        from this image's rank base) and raised some slots' releases."""
        n_out = len(self.outputs)
        for k, edge in enumerate(self.inputs):
            edge["avail"] = self.in_rows[k]["avail"] = avail[k]
            _, ready, junk = self.maps[k]
            width = edge["width"]
            known = [[ready[y][x] if y * width + x < avail[k] else junk[y][x] for x in range(width)]
                     for y in range(edge["height"])]
            edge["ready"] = known
            at = self.ready_at[n_out + k]
            self.ready[0, at:at + edge["height"] * width] = np.array(known, np.int64).reshape(-1)
        for j, out in enumerate(self.outputs):
            out["allowed"] = self.out_rows[j]["allowed"] = self.node["rank_base"] + allowed[j]
            ring = self._ring(j)
            for slot, cycle in releases[j]:
                out["ring"][slot] = max(out["ring"][slot], cycle)
                ring[slot] = out["ring"][slot]

    def call(self, pos: int) -> tuple[int, int]:
        maps = (self.bits, self.bits_at[:2], self.rows, self.rows_at, self.ready, self.ready_at)
        got = advance_node(0, pos, 0, self.plan, maps, (self.stats, self.sends), no_arbiter(),
                           workspace(self.plan))
        want = twin_advance(pos, self.node, self.mine, self.inputs, self.outputs)
        return got, want

    def assert_same(self, pos: int):
        node = {k: v for k, v in self.node.items() if k != "units" and not k.startswith("w_")}
        mine = {k: v for k, v in _as_dict(self.params[0]).items() if not k.startswith("w_")}
        assert mine == node
        assert _twin_units(self.units, self.node) == self.node["units"]
        for e in range(len(self.outputs)):  # every position passed, none beyond
            mine = self.ready[0, self.ready_at[e]:self.ready_at[e] + self.total]
            twin = np.array(self.mine["ready"][e], np.int64).reshape(-1)
            assert mine[:pos].tolist() == twin[:pos].tolist(), e
            assert (mine[pos:] == JUNK).all(), e
        assert _as_dict(self.stats[0, 0]) == self.mine["stats"]
        n_out = len(self.outputs)
        assert self.sends[0, 0, :n_out].tolist() == self.mine["edge_bytes"][:n_out]
        assert self.sends[0, 1, :n_out].tolist() == self.mine["edge_wait"][:n_out]
        for k, edge in enumerate(self.inputs):
            assert self._ring(n_out + k).tolist() == edge["ring"], k
        for j, out in enumerate(self.outputs):
            assert _twin_out(self.out_rows[j]) == {k: out[k] for k in L.OUT_EDGE.names
                                                   if k != "busy_m"}, j
            assert self._ring(j).tolist() == out["ring"], j


@settings(max_examples=300, deadline=None)
@given(cases())
def test_kernel_matches_the_twin(case):
    _same_as_the_twin(*case)


@st.composite
def source_cases(draw):
    """Cases shaped like the image source, which the kernel runs in a loop of its own: no inputs,
    ops that occupy nothing and no servers, one out-edge (local or remote, bounded or not)."""
    node, _, outputs, images = draw(cases())
    node["occupies"], node["replicas"], node["groups"] = 0, 1, 1
    node["units"] = node["units"][:1]
    for server in ("merge", "act"):
        node[f"{server}_rate"] = draw(st.sampled_from([0, 3]))
        node[f"{server}_per"] = 0 if node[f"{server}_rate"] else draw(ints(0, 12))
    out = draw(out_edge())
    slots = max(out["capacity"], 1)
    out["ring"] = draw(st.lists(ints(0, 80), min_size=slots, max_size=slots))
    for image in images:
        image["maps"] = []
        for call in image["calls"]:
            releases = draw(st.lists(st.tuples(ints(0, slots - 1), ints(0, 90)), max_size=3))
            call.update(avail=[], allowed=[draw(ints(-1, 12))], releases=[releases])
    return node, [], [out], images


@settings(max_examples=150, deadline=None)
@given(source_cases())
def test_the_source_loop_matches_the_twin(case):
    _same_as_the_twin(*case)


def _same_as_the_twin(node, inputs, outputs, images):
    pair = Pair(node, inputs, outputs, len(images[0]["bits"]), len(images[0]["bits"][0]))
    rank_base = node["rank_base"]
    producer_bases = [e["rank_base"] for e in inputs]
    for image in images:
        pair.start_image(image, rank_base, producer_bases)
        total = len(image["bits"]) * len(image["bits"][0])
        everything = dict(avail=[e["height"] * e["width"] for e in inputs],
                          allowed=[BIG] * len(outputs), releases=[[] for _ in outputs])
        pos = 0
        for step in image["calls"] + [everything]:
            pair.progress(**step)
            got, want = pair.call(pos)
            assert got == want
            assert pos <= got <= total
            pair.assert_same(got)
            pos = got
        assert pos == total
        rank_base += int(np.count_nonzero(np.array(image["bits"]) > 0))
        producer_bases = [b + sum(map(sum, active)) for b, (active, _, _) in zip(producer_bases,
                                                                                  image["maps"])]


def test_a_held_input_row_survives_output_rows_without_ops():
    """Output rows 0 and 3 of a 3 x 1 kernel (padding 1) have ops, rows 1 and 2 none: input row 1,
    read by row 0 and held for row 1 (which has no op), must be released when row 3 starts, before
    input row 4 takes its place among the held rows (a case random maps of a few rows rarely
    reach)."""
    node = dict(occupies=0, replicas=1, groups=1, delta=0, tail=0, pre=0, mid=0, tile=0, span=0,
                act=0, write=0, arrival=0, rank_base=0, issued=0,
                units=[dict(free=0, fetch=0, ro=0, merge=0, act=0, sample=0)], last_s=0,
                **NOT_DEFERRED)
    for server in ("fetch", "ro", "merge", "act"):
        node[f"{server}_rate"] = node[f"{server}_per"] = 0
    edge = dict(kh=3, kw=1, sh=1, sw=1, ph=1, pw=0, height=8, width=1, capacity=8, rank_base=0,
                avail=0, ring=[0] * 8)
    active = [[True]] * 8
    ready = [[10 + y] for y in range(8)]
    image = dict(bits=[[1], [0], [0], [1], [0], [0]], maps=[(active, ready, ready)], calls=[],
                 arrival=0)
    _same_as_the_twin(node, [edge], [], [image])
    assert edge["ring"][:5] == [12, 12, 15, 15, 15]  # (the case is the one described)


def _wide_case(seed: int):
    """A case whose input rows are wider than the column maxima the kernel builds ahead (256
    columns past an op's window), so that they are extended, and gaps skipped, within one output
    row; strides up to 300, windows up to 7 wide (clipped at both ends), 1-2 input edges, 1-5
    calls per image with partial `avail`, and junk far above every real cycle. (Drawn with numpy:
    hypothesis cannot draw maps this size.)"""
    rng = np.random.default_rng(seed)
    node = dict(occupies=int(rng.integers(2)), replicas=1, groups=1,
                delta=int(rng.integers(-1, 3)), tail=0, pre=0, mid=0, tile=0, span=0, act=0,
                write=0, arrival=0, rank_base=0, issued=0,
                units=[dict(free=0, fetch=0, ro=0, merge=0, act=0, sample=0)], last_s=0,
                **NOT_DEFERRED)
    for server in ("fetch", "ro", "merge", "act"):
        node[f"{server}_rate"] = int(rng.choice([0, 1, 3]))
        node[f"{server}_per"] = int(rng.integers(0, 5))
    inputs = []
    for _ in range(int(rng.integers(1, 3))):
        kh, kw = int(rng.integers(1, 4)), int(rng.choice([1, 2, 3, 4, 5, 7]))
        capacity = int(rng.choice([0, 0, 3, 8]))
        inputs.append(dict(kh=kh, kw=kw, sh=int(rng.integers(1, 3)),
                           sw=int(rng.choice([1, 1, 2, 3, 5, 200, 300])),
                           ph=int(rng.integers(0, kh)), pw=int(rng.integers(0, kw)),
                           height=int(rng.integers(1, 5)), width=int(rng.integers(257, 800)),
                           capacity=capacity, rank_base=0, avail=0, ring=[0] * max(capacity, 1)))
    outputs = [dict(local=1, write=0, bytes=1, cap_bytes=1, latency=0, capacity=0, allowed=0,
                    busy=0, ring=[0])]
    height = int(rng.integers(1, 4))
    width = min(800, max((e["width"] + 2 * e["pw"] - e["kw"]) // e["sw"] + 1 for e in inputs))
    images = []
    for _ in range(2):
        bits = (rng.random((height, width)) > 0.2) * rng.integers(1, 4, (height, width))
        maps = []
        for e in inputs:
            active = rng.random((e["height"], e["width"])) > 0.3
            ready = np.where(active, rng.integers(0, 500, active.shape), -1)
            junk = rng.integers(1000, 10**6, active.shape)
            maps.append((active.tolist(), ready.tolist(), junk.tolist()))
        calls = sorted((dict(avail=[int(rng.integers(0, e["height"] * e["width"] + 1))
                                    for e in inputs], allowed=[0], releases=[[]])
                        for _ in range(int(rng.integers(1, 6)))), key=lambda c: c["avail"])
        images.append(dict(bits=bits.tolist(), maps=maps, calls=calls,
                           arrival=int(rng.integers(0, 40))))
    return node, inputs, outputs, images


@pytest.mark.parametrize("seed", range(16))
def test_wide_rows_extend_their_column_maxima(seed):
    _same_as_the_twin(*_wide_case(seed))
