"""The layout of the timing kernel's rows, defined once (docs/timing-model.md sections 4-8).

Each layout is a numpy structured dtype of int64 fields, aligned (numba reads an unaligned record
field by field, byte by byte). The kernels (`timing.advance_node`, `timing.drive`) and the engine
that fills the rows address fields by name, so a layout is written only here; and because a
structured dtype is part of the kernel's numba signature, changing a layout recompiles the cached
kernel (a column constant imported from this module would not: numba's cache checks only the
kernel's own source file). Fields are marked by who sets them: [static] once per node by the
engine, [image] by the driver when a node works on an image, [call] by the driver before each
kernel call, [carried] by the kernel, kept across calls and, in stream mode, across images.

`NODE`, one row per node:
- `height`, `width` [static]: the node's output map.
- `occupies` [static]: 1 if each op occupies a replica for its read cycles (the j-th op of the node
  over all images goes to replica `j mod replicas`, waits for it, holds it for b cycles and counts
  b bit cycles; done = s + b + tail); 0 if ops have no occupancy (done = s + tail).
- `replicas` [static]: number of replicas (>= 1; used only when `occupies`); `groups` [static]:
  replica r uses the fetch, merge and act cursors of `UNITS` row `r mod groups` (1 <= groups <=
  replicas).
- `delta` [static]: s >= A + delta, A the inputs' ready time (op_cycles - 1 for a digital layer: -1
  for a pool done in its producer's activation cycle; 0 otherwise); and s >= `arrival` always.
- `tail` [static]: ops that do not occupy a replica: done - s with idle servers (0).
- `pre`, `mid`, `tile`, `span`, `act` [static], ops that occupy a replica (docs/timing-model.md
  s12): `fetch_cycles` (fetch done to first read), `adc_cycles - 1 + ima_sa_cycles` (last
  conversion to the IMA shift-and-add), `tile_sa_cycles`, the span, `act_cycles`.
- `<server>_rate`, `<server>_per` [static] for the servers `fetch`, `ro` (readout), `merge`, `act`:
  the plan's `Service` (rate 0: unlimited).
- `write` [static]: cycles of the final eDRAM write of a node without out-edges (its end is
  done + write + 1).
- `m_pool`, `a_pool` [static]: the first shared server of the node's merge and act (group g uses
  `m_pool + g`; -1: the node's own, or it asks nothing of it; docs/timing-model.md s12). A node
  with a shared server is **deferred**: the kernel issues its ops (inputs, replica, fetch,
  reads) and leaves their shared stages, done cycle and outputs to the arbiter (`timing.arbitrate`),
  which serves the shared servers in time order. `pend_at`, `pend_cap` [static]: where its pending
  ops start in the arbiter's op table and how many it holds (every op of the images in the window).
- `arrival` [image]: arrival cycle a_n of the image. `rank_base` [image]: global rank of the image's
  first active pixel of this node (ranks continue across images in stream mode).
- `issued` [carried]: ops issued so far over all images (the round-robin counter; a digital
  layer's op of rank k uses group `k mod groups`).
- `pend_lo`, `pend_hi`, `heap_n` [carried], deferred nodes: the node's ops from `pend_lo` to
  `pend_hi` (counted over the run) are in the op table (slot `count mod pend_cap`), not yet
  finished on their remote out-edges; `heap_n` of them wait for a shared server, in the node's heap.
- `w_kind`, `w_ref`, `w_at`, `w_lb` [carried]: why the node's last kernel call stopped short of the
  end of its map, for the driver (which calls it again only once that has changed) and the
  arbiter's bounds (`timing.arbitrate`): `w_lb`, a lower bound of its next op's issue from what
  was known when it last stopped on a slot or on an input pixel computed but waiting for the
  arbiter (its arrival, its last issue, the inputs read, its replica; a bound of an earlier op's
  issue stays one of every later op's, ops issuing in rank order); `w_kind` what that
  op waits for: `W_NONE` (nothing more known), `W_PENDING` (an input pixel of a deferred producer
  waiting for a shared server), `W_INPUT` (an input pixel the producer had not reached: `w_ref`
  the in-edge row, `w_at` the pixel's raster position), `W_RING` (a slot of its bounded out-edge row `w_ref`
  not yet released by the consumer; `w_at` the rank that needs it), `W_SLOT` (a slot whose
  previous occupant, its own op, waits for a shared server).

`UNITS`, one row per replica (a node without replicas has one) [carried]: `free`, the cycle the
replica may issue its next op; the slot cursor `ro`, `ro_m` of its readout and `sample`, the
earliest cycle of its next read; the slot cursors `fetch`, `merge`, `act` (and their `_m`) of the
server group whose index is the row's (docs/timing-model.md s12), and the effective cycles
`e_merge`, `e_act` of the group's last request on a shared merge or act server (-1: none). A node
has `max(replicas, groups)` rows. A cursor is the server's last
busy cycle (-1: never used) and `_m` the last slot it filled in that cycle (0 to rate - 1), that
is the quotient and remainder of the slot count `end - 1` of the timing model.

`IN_EDGE`, one row per input edge:
- `kh`, `kw`, `sh`, `sw`, `ph`, `pw` [static]: receptive-field rule; `height`, `width` [static]: the
  producer's map; `capacity` [static]: slots of the edge's rolling buffer (0 = unbounded: no
  release is recorded); `bits_at`, `rows_at` [static]: where the producer's read cycles and its
  active pixels before each row start in an image's maps (its `pix_at`, `rows_at`).
- `avail` [call]: raster positions of the producer's map already computed for the image;
  `rank_base` [call]: the producer's `rank_base` for the image.

`OUT_EDGE`, one row per output edge:
- `local` [static]: 1 if the consumer shares the home tile (no transfer); `write` [static]: cycles
  from the pixel's arrival at the consumer to its ready time (the eDRAM write; 0 for a local edge
  into a digital layer, which reads the pixel in place); `bytes` [static] per pixel; `cap_bytes`
  [static]: bandwidth share in bytes per cycle (remote edges); `latency` [static]: route latency;
  `capacity` [static]: slots of the consumer's buffer (0 = unbounded).
- `allowed` [call]: the largest rank whose slot release is known (bounded edges).
- `busy`, `busy_m` [carried]: the pipe's byte-slot cursor (remote edges), kept as the servers'
  cursors are (`UNITS`): the last busy cycle (-1: never used) and the last byte-slot filled in it.

`STATS`, one row per node and image: the engine's `STATS` array (images x nodes, from
`new_stats`); a kernel call updates the row of its node and image:
- `start`: smallest issue cycle (-1 before the first op); `end`: largest ready time over the
  out-edges, or done + write + 1 for a node without out-edges (-1 before the first op); `ops`;
  `bit_cycles`: sum of b over ops that occupy a replica; `rf_pixels`: sum over ops and input edges
  of the active input pixels in the receptive field; `wait_fetch`, `wait_ro`, `wait_merge`,
  `wait_act`: the cycles its ops waited for each server (`c - t` per request, timing-model s12).
"""

from __future__ import annotations

import numpy as np


def _fields(*names: str) -> np.dtype:
    # aligned: numba then loads a field as one int64 (an unaligned record is read byte by byte)
    return np.dtype([(name, np.int64) for name in names], align=True)


NODE = _fields("height", "width", "occupies", "replicas", "groups", "delta", "tail", "pre", "mid",
               "tile", "span", "act", "write",
               "fetch_rate", "fetch_per", "ro_rate", "ro_per", "merge_rate", "merge_per",
               "act_rate", "act_per", "m_pool", "a_pool", "pend_at", "pend_cap", "arrival",
               "rank_base", "issued", "pend_lo", "pend_hi", "heap_n", "last_s", "w_kind", "w_ref",
               "w_at", "w_lb")
UNITS = _fields("free", "fetch", "fetch_m", "ro", "ro_m", "merge", "merge_m", "act", "act_m",
                "sample", "e_merge", "e_act")
IN_EDGE = _fields("kh", "kw", "sh", "sw", "ph", "pw", "height", "width", "capacity", "bits_at",
                  "rows_at", "avail", "rank_base")
OUT_EDGE = _fields("local", "write", "bytes", "cap_bytes", "latency", "capacity", "allowed", "busy",
                   "busy_m")
STATS = _fields("start", "end", "ops", "bit_cycles", "rf_pixels", "wait_fetch", "wait_ro",
                "wait_merge", "wait_act")
STATS_EMPTY = {"start": -1, "end": -1}
"""Fields of a new `STATS` row that do not start at 0 (no op yet)."""


def names(layout: np.dtype) -> tuple[str, ...]:
    """The field names of `layout`, in order."""
    if layout.names is None:
        raise TypeError(f"{layout} is not a structured layout")
    return layout.names


def rows(layout: np.dtype, records: list[dict[str, int]]) -> np.ndarray:
    """One row of `layout` per mapping (field name -> value) in `records`; fields not given are 0."""
    fields = names(layout)
    for values in records:
        unknown = values.keys() - fields
        if unknown:
            raise KeyError(f"no such field in the layout: {sorted(unknown)}")
    return np.array([tuple([values.get(name, 0) for name in fields]) for values in records], layout)


def row(layout: np.dtype, **values: int) -> np.ndarray:
    """A 1-element array of `layout` with the given fields set, the others 0."""
    return rows(layout, [values])


def new_stats(shape: tuple[int, ...]) -> np.ndarray:
    """`STATS` rows of the given shape (images x nodes for an engine) before their first op."""
    stats = np.zeros(shape, STATS)  # (np.tile of a structured row copies field by field: slow)
    for name, value in STATS_EMPTY.items():
        stats[name] = value
    return stats


SERVER_CURSORS = ("fetch", "ro", "merge", "act", "e_merge", "e_act")
"""The `UNITS` fields that start at -1: a server's last busy cycle (each of the four has a
`<name>_m` field, the last filled slot in that cycle) and a group's last effective cycles."""


def new_units(replicas: int) -> np.ndarray:
    """The `UNITS` rows of a node before its first op: replicas free, servers never used."""
    units = np.zeros(replicas, UNITS)
    for name in SERVER_CURSORS:
        units[name] = -1
    return units
