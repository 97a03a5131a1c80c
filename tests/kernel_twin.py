"""Slow, obvious twin of `isaacsim.kernels.timing.advance_node` in pure Python integers and lists.

Written from docs/timing-model.md (sections 4-8 and 12) and the field descriptions of
`isaacsim.kernels.layout`, not from the kernel: one active pixel at a time, receptive fields as
lists of (row, column) cells, ranks counted from the maps, transfers in byte-slots with an explicit
ceiling. Only for small cases in tests. Everything is a dict or a list, updated in place:

- `node`: occupies, replicas, groups, delta, tail, pre, mid, tile, span, act, write, the servers'
  `<server>_rate` and `<server>_per` (fetch, ro, merge, act), arrival, rank_base, issued, and
  `units`, one dict per replica (free, and the cursors fetch, ro, merge, act, sample);
- `mine`: `bits` [h][w] (<= 0: skipped), `ready` [e][h][w], `stats` (start, end, ops, bit_cycles,
  rf_pixels, wait_fetch, wait_ro, wait_merge, wait_act), `edge_bytes` [e], `edge_wait` [e];
- `inputs`, one dict per input edge: kh, kw, sh, sw, ph, pw, height, width, capacity, rank_base,
  avail, the producer's `active` [y][x] (bools) and `ready` [y][x] maps, and its release `ring`;
- `outputs`, one dict per output edge: local, write, bytes, cap_bytes, latency, capacity, allowed,
  busy, and the edge's release `ring` (raised by the consumer).
"""

from __future__ import annotations


def receptive_field(edge: dict, h: int, w: int) -> list[tuple[int, int]]:
    """Input cells read by output pixel (h, w): the kernel window at stride and padding, clipped."""
    cells = []
    for i in range(edge["kh"]):
        y = h * edge["sh"] - edge["ph"] + i
        for j in range(edge["kw"]):
            x = w * edge["sw"] - edge["pw"] + j
            if 0 <= y < edge["height"] and 0 <= x < edge["width"]:
                cells.append((y, x))
    return cells


def rank_in_map(active: list[list[bool]], y: int, x: int) -> int:
    """Active pixels before (y, x) in raster order."""
    width = len(active[0])
    return sum(1 for q in range(y * width + x) if active[q // width][q % width])


def ceil_div(a: int, b: int) -> int:
    q = a // b
    return q + 1 if q * b < a else q


def serve(unit: dict, server: str, node: dict, t: int, slots: int) -> int:
    """A request of `slots` in cycle t on one of a replica's servers (timing-model s12): served
    after everything the server accepted before, `rate` slots per cycle; the cycle of its last
    slot. Nothing to serve, or an unlimited server: cycle t."""
    rate = node[f"{server}_rate"]
    if slots == 0 or rate == 0:
        return t
    first = max(t * rate, unit[server])
    unit[server] = first + slots
    return ceil_div(unit[server], rate) - 1


def twin_advance(pos: int, node: dict, mine: dict, inputs: list[dict], outputs: list[dict]) -> int:
    """Ops of one node and image from raster position `pos` until one must wait; the new position."""
    bits = mine["bits"]
    height, width = len(bits), len(bits[0])
    stats = mine["stats"]
    own_active = [[b > 0 for b in row] for row in bits]
    for q in range(pos, height * width):
        h, w = q // width, q % width
        b = bits[h][w]
        if b <= 0:
            continue
        rank = node["rank_base"] + rank_in_map(own_active, h, w)
        fields = [receptive_field(edge, h, w) for edge in inputs]
        # wait for the inputs: every active cell of the field must be computed (raster position
        # < avail; an inactive one is never read)
        for edge, cells in zip(inputs, fields):
            if any(y * edge["width"] + x >= edge["avail"] and edge["active"][y][x]
                   for y, x in cells):
                return q
        # wait for the consumers to decide the release of the slot this pixel will overwrite
        for out in outputs:
            if out["capacity"] and rank > out["allowed"]:
                return q
        # A(o): the latest active input pixel, never before the arrival
        inputs_ready = node["arrival"]
        read = 0
        for edge, cells in zip(inputs, fields):
            for y, x in cells:
                if edge["active"][y][x]:
                    read += 1
                    inputs_ready = max(inputs_ready, edge["ready"][y][x])
        issue = max(inputs_ready + node["delta"], node["arrival"])
        replica = node["issued"] % node["replicas"] if node["occupies"] else 0
        unit = node["units"][replica]
        # its fetch, merge and act servers: a replica's group, or a digital op's (rank order)
        group = node["units"][(replica if node["occupies"] else node["issued"]) % node["groups"]]
        if node["occupies"]:
            issue = max(issue, unit["free"])
        for out in outputs:
            if out["capacity"]:
                issue = max(issue, out["ring"][rank % out["capacity"]])
        issue = max(issue, node["last_s"])  # the node's ops issue in rank order
        node["last_s"] = issue
        if node["occupies"]:
            fetched = serve(group, "fetch", node, issue, read * node["fetch_per"])
            stats["wait_fetch"] += fetched - issue
            read_cycles = []
            for j in range(b):
                at = max(fetched + node["pre"], unit["sample"]) if j == 0 else unit["sample"]
                converted = serve(unit, "ro", node, at + 1, node["ro_per"])
                # the sample-and-holds keep one read while the ADCs convert the previous one
                unit["sample"] = max(at + 1, converted - 1)
                read_cycles.append((at, converted))
            last_read, last_converted = read_cycles[-1]
            # without waiting: reads fetched + pre .. fetched + pre + b - 1, converted a cycle later
            stats["wait_ro"] += last_converted - (fetched + node["pre"] + b)
            unit["free"] = last_read + 1 - node["pre"]
            node["issued"] += 1
            stats["bit_cycles"] += b
            ima_done = last_converted + node["mid"]
            merged = serve(group, "merge", node, ima_done + 1, node["merge_per"])
            stats["wait_merge"] += merged - (ima_done + 1)
            act_at = merged + node["tile"] + node["span"]
            activated = serve(group, "act", node, act_at, node["act_per"])
            stats["wait_act"] += activated - act_at
            done = activated + node["act"] - 1
        else:
            node["issued"] += 1
            at = issue + node["tail"]
            merged = serve(group, "merge", node, at, node["merge_per"])
            stats["wait_merge"] += merged - at
            done = serve(group, "act", node, merged, node["act_per"])
            stats["wait_act"] += done - merged
        # the op's fetch releases the slots of the input pixels it reads, the cycle after
        for edge, cells in zip(inputs, fields):
            if edge["capacity"]:
                for y, x in cells:
                    if edge["active"][y][x]:
                        slot = (edge["rank_base"] + rank_in_map(edge["active"], y, x)) % edge["capacity"]
                        edge["ring"][slot] = max(edge["ring"][slot], issue + 1)
        # deliver the pixel on every out-edge
        readies = []
        for e, out in enumerate(outputs):
            if out["local"]:
                ready = done + 1 + out["write"]
            else:
                first = max((done + 1) * out["cap_bytes"], out["busy"])
                out["busy"] = first + out["bytes"]
                last_cycle = ceil_div(out["busy"], out["cap_bytes"]) - 1
                ready = last_cycle + 1 + out["latency"] + out["write"]
                mine["edge_bytes"][e] += out["bytes"]
                # from an idle pipe: bytes slots from (done + 1) x cap
                idle_last = ceil_div((done + 1) * out["cap_bytes"] + out["bytes"], out["cap_bytes"]) - 1
                mine["edge_wait"][e] += last_cycle - idle_last
            mine["ready"][e][h][w] = ready
            if out["capacity"]:
                out["ring"][rank % out["capacity"]] = ready
            readies.append(ready)
        end = max(readies) if readies else done + node["write"] + 1
        stats["start"] = issue if stats["ops"] == 0 else min(stats["start"], issue)
        stats["end"] = max(stats["end"], end)
        stats["ops"] += 1
        stats["rf_pixels"] += read
    return height * width
