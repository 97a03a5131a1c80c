"""ISAAC's components as servers of the timing plan (docs/timing-model.md s12).

For every node this gives the four `Service`s of the plan, `fetch`, `readout`, `merge` and `act`, as
integer (rate, per) pairs, from the architecture's counts and clocks and the mapping's placement:

- `fetch`: the eDRAM (`bus_bits / 8` bytes per tile clock, for the fetch's share of its port's time,
  `EdramPort`) and the tile bus (`wires / 8` bytes per tile clock), the slower of the two, on every
  tile holding the layer's arrays; `C_in x 2` bytes per active receptive-field pixel;
- `readout`: per IMA, the ADCs (`units x gsamples_per_s x cycle_ns` conversions per cycle) and the
  shift-and-add units (`units x gops_per_s x cycle_ns` operations, `shift_passes` per conversion:
  1 unless a FlexPoint shift is wider than `max_shift`), the slower; every array of the IMA gets an
  equal share, so a read of the replica's arrays needs `max columns converted x arrays per IMA`
  slots of one IMA's rate (the columns converted include the flip encoding's unit column);
- `merge`: a crossbar layer's tile shift-and-adds, `C_out x (row blocks - 1)` per op; a digital
  layer's unit (`tile.maxpool` for pooling, `tile.shift_add` for add and scale), the kind's unit
  operations per op; one operation per tile clock per unit;
- `act`: the sigmoid units, `C_out` per op of a crossbar layer or of a digital layer with an
  activation; one operation per tile clock per unit.

Nodes that use a tile unit on the same set of tiles share one server of it (`Node.pools`),
which serves their requests in time order (timing-model s12): a digital layer runs on the tiles of
its first producer, so a residual add shares the shift-and-add units of the convolution feeding
it. A tile whose unit serves several different sets of tiles (mostly with `shared` packing) gives
each set an equal share; the fetch's share of its eDRAM port and its bus are divided
equally between the layers fetching on it [U]. The eDRAM port also writes the transfers arriving
on the tile (`edram_port`: the edges' write rates bound their transfers in the lowering).
A crossbar layer's fetch, merge and act servers form `G` groups, the largest
divisor of its replicas that is at most its tiles (about one group per tile when there are more
replicas than tiles, one per replica when a replica spans several tiles; a divisor, so that every
group serves as many replicas), each with `1 / G` of the layer's rate; on a set of tiles with shared
servers every node takes one `G` (of the gcd of the crossbar layers' replicas there), a digital
layer dealing its ops to the groups in rank order. A crossbar layer's readout is per replica.
Rates are exact fractions, turned into integers by scaling the slots: a rate of p/q per cycle with
d units per op becomes `Service(p, d x q)` (for a shared server, one scale for all its users).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from isaacsim.network import IMAGE, Network
from isaacsim.plan import UNLIMITED, Service
from isaacsim.targets.isaac.arch import Architecture
from isaacsim.targets.isaac.events import UNIT_READ_BYTES_PER_CHANNEL
from isaacsim.targets.isaac.mapping import VALUE_BYTES, Mapping

UNIT_OF_KIND = {"pool": "maxpool", "add": "shift_add", "none": None}
"""The tile unit that serves a digital kind's `LayerKind.unit` (None: no unit operations)."""
COMPONENT_OF_UNIT = {"edram": "edram", "readout": "adc", "shift_add": "tile_shift_add",
                     "sigmoid": "sigmoid", "maxpool": "maxpool"}
"""The energy-table component (`events.energy_table`) reported for each unit a server models."""


def server_components(network: Network) -> list[tuple[str | None, ...]]:
    """Per node, the component each of its servers (`plan.SERVICES` order) reports to in
    components.csv (None: the node has no such server)."""
    out: list[tuple[str | None, ...]] = [(None, None, None, None)]
    for layer in network.layers:
        if layer.uses_crossbars:
            units: tuple[str | None, ...] = ("edram", "readout", "shift_add", "sigmoid")
        else:
            units = (None, None, UNIT_OF_KIND[layer.handler.unit], "sigmoid")
        out.append(tuple(COMPONENT_OF_UNIT[u] if u else None for u in units))
    return out


def exact(value: float) -> Fraction:
    """A parameter as the decimal it was written as (1.28 -> 32/25), not its binary float."""
    return Fraction(repr(value))


def service(rate: Fraction, per: Fraction | int) -> Service:
    """A server of `rate` units per cycle asked `per` units per demand, in whole slots."""
    per = Fraction(per)
    if rate <= 0 or per <= 0:
        return UNLIMITED
    slots_rate, slots_per = rate.numerator * per.denominator, per.numerator * rate.denominator
    g = math.gcd(slots_rate, slots_per)
    return Service(slots_rate // g, slots_per // g)


def _tile_rate(arch: Architecture, per_clock: Fraction) -> Fraction:
    """A tile unit's rate per ISAAC cycle from what it does per tile clock."""
    return per_clock * exact(arch.tile_clock_ghz) * exact(arch.cycle_ns)


def _shared_rate(tiles: Iterable[int], sets: Counter, unit: str, one_tile: Fraction) -> Fraction:
    """Sum over `tiles` of a tile's rate of `unit`, divided by what uses it there (`sets`)."""
    return sum((one_tile / max(sets[t, unit], 1) for t in tiles), Fraction(0))


def pooled_services(rate: Fraction, pers: list[Fraction | int]) -> list[Service]:
    """`service(rate, per)` for every user of one shared server, in whole slots of one common
    scale (the server has one rate, in slots per cycle)."""
    pairs = [(rate.numerator * Fraction(p).denominator, Fraction(p).numerator * rate.denominator)
             for p in pers]
    common = math.lcm(*(r for r, _ in pairs))
    scaled = [p * (common // r) for r, p in pairs]
    g = math.gcd(common, *scaled)
    return [Service(common // g, p // g) for p in scaled]


def server_groups(replicas: int, tiles: int) -> int:
    """The largest divisor of `replicas` that is at most `tiles` (at least 1)."""
    return max(d for d in range(1, min(replicas, max(tiles, 1)) + 1) if replicas % d == 0)


def readout_rate(arch: Architecture, passes: int = 1) -> Fraction:
    """Conversions one IMA completes per ISAAC cycle: its ADCs' rate, or its shift-and-adds' when
    slower, each conversion taking `passes` shift-and-add operations (a shift wider than the
    unit's `max_shift`, `LayerMapping.shift_passes`)."""
    adcs = arch.adcs_per_ima * exact(arch.adc_gsamples_per_s) * exact(arch.cycle_ns)
    adders = (arch.ima_shift_add_units * exact(arch.ima_shift_add_gops_per_s)
              * exact(arch.cycle_ns))
    return min(adcs, adders / passes)


def edram_rate(arch: Architecture) -> Fraction:
    """Bytes one tile's eDRAM port moves per ISAAC cycle (one `bus_bits` access per tile clock)."""
    return _tile_rate(arch, Fraction(arch.edram_bus_bits, 8))


def fetch_rate(arch: Architecture, read_share: Fraction = Fraction(1)) -> Fraction:
    """Input bytes one tile moves from its eDRAM into its IMAs per ISAAC cycle, when reads have
    `read_share` of the eDRAM port's time (`EdramPort`): the slower of that and the tile bus."""
    return min(edram_rate(arch) * read_share, _tile_rate(arch, Fraction(arch.tile_bus_wires, 8)))


def layer_tiles(network: Network, mapping: Mapping) -> dict[str, tuple[int, ...]]:
    """The tiles each node works on: a crossbar layer's arrays' tiles, a digital layer its first
    producer's, the image source tile 0 (where it enters the first chip)."""
    maps = {lm.name: lm for lm in mapping.layers}
    tiles: dict[str, tuple[int, ...]] = {IMAGE: (0,)}
    for layer in network.layers:
        tiles[layer.name] = (tuple(maps[layer.name].tiles) if layer.uses_crossbars
                             else tiles[layer.inputs[0]])
    return tiles


def _field_pixels(network: Network, layer, source: str) -> int:
    """Input pixels the ops of `layer` read from `source` over its whole map (receptive fields
    clipped at the borders)."""
    geometry = layer.handler.geometry(layer, network.shape_of(source))
    src, out = network.shape_of(source), layer.out_shape
    rows = sum(len(geometry.rows(h, src.height)) for h in range(out.height))
    cols = sum(len(geometry.cols(w, src.width)) for w in range(out.width))
    return rows * cols


@dataclass(frozen=True)
class EdramPort:
    """How each tile's eDRAM port serves reads and writes (timing-model s12): a transfer is
    written at the port's whole rate, shared equally by the edges written into the tile; reads
    have the fraction of the port's time that is theirs of the bytes it moves per uncropped
    image."""

    read_share: dict[int, Fraction]
    """Tile -> the fraction of its port's time left for the fetch (1 where nothing else is read or
    written)."""
    write_rate: dict[tuple[str, str], Fraction]
    """`(producer, consumer)` -> bytes per cycle the ports of the consumer's tiles write for the
    edge's transfers (remote edges into an on-chip node only: the writes that are timed)."""


def edram_port(network: Network, mapping: Mapping, arch: Architecture,
               home: dict[str, int]) -> EdramPort:
    """The eDRAM port of every tile (`EdramPort`). Bytes per uncropped image, spread evenly over
    the tiles of the node that reads or receives them, as the energy model counts them
    (isaacsim.targets.isaac.events): a crossbar layer reads `C_in x 2` bytes per receptive-field
    pixel, an add `C_in` bytes per operand pixel; a pixel is written, `C x 2` bytes, into every
    crossbar consumer and every consumer on another tile (into the consumer's tiles), and a network
    output into its home tile. Only the crossbar layers' reads (the fetch) get a share: the other
    reads are not timed, but take their part of the port's time. `home`: node -> home tile (-1: off
    chip; a transfer to the host is written nowhere on chip)."""
    tiles = layer_tiles(network, mapping)
    uses = _unit_demand(network, mapping)
    fetched: Counter = Counter()  # the crossbar layers' reads
    read: Counter = Counter()  # every read
    written: Counter = Counter()
    timed: dict[tuple[str, str], tuple[int, ...]] = {}  # remote edge -> the tiles it writes into
    for layer in network.layers:
        where = tiles[layer.name]
        for source in layer.inputs:
            if layer.uses_crossbars:  # its fetch (one input)
                per = uses[layer.name]["edram"] if source == layer.inputs[0] else 0
            else:
                per = (network.shape_of(source).channels
                       * UNIT_READ_BYTES_PER_CHANNEL.get(layer.handler.unit, 0))
            if per:
                share = Fraction(_field_pixels(network, layer, source) * per, len(where))
                read.update({t: share for t in where})
                if layer.uses_crossbars:
                    fetched.update({t: share for t in where})
            if home[layer.name] < 0:
                continue  # run by the host: nothing is written on chip
            remote = home[source] != home[layer.name]
            if layer.uses_crossbars or remote:
                src = network.shape_of(source)
                share = Fraction(src.pixels * src.channels * VALUE_BYTES, len(where))
                written.update({t: share for t in where})
                if remote:
                    timed[source, layer.name] = where
    consumed = {source for layer in network.layers for source in layer.inputs}
    for layer in network.layers:
        if layer.name not in consumed and home[layer.name] >= 0:
            out = layer.out_shape
            written[home[layer.name]] += out.pixels * out.channels * VALUE_BYTES
    moved = read + written
    read_share = {t: Fraction(fetched[t]) / moved[t] for t in moved}
    writers = Counter(t for where in timed.values() for t in where)
    port = edram_rate(arch)
    write_rate = {edge: sum((port / writers[t] for t in where), Fraction(0))
                  for edge, where in timed.items()}
    return EdramPort(read_share, write_rate)


def _unit_demand(network: Network, mapping: Mapping) -> dict[str, dict[str, int]]:
    """Layer -> unit (`edram`, `shift_add`, `sigmoid`, `maxpool`) -> its demand per op (the
    eDRAM: per receptive-field pixel read)."""
    maps = {lm.name: lm for lm in mapping.layers}
    uses: dict[str, dict[str, int]] = {}
    for layer in network.layers:
        out_c = layer.out_shape.channels
        if layer.uses_crossbars:
            uses[layer.name] = {"edram": network.shape_of(layer.inputs[0]).channels * VALUE_BYTES,
                                "shift_add": out_c * (maps[layer.name].row_blocks - 1),
                                "sigmoid": out_c}
        else:
            unit = UNIT_OF_KIND[layer.handler.unit]
            demand = {unit: layer.handler.unit_ops(layer)} if unit else {}
            if layer.activation != "none":
                demand["sigmoid"] = out_c
            uses[layer.name] = demand
    return uses


def _unit_users(network: Network, mapping: Mapping, tiles: dict[str, tuple[int, ...]]):
    """`_unit_demand`; who uses each unit on each set of tiles, `(unit, tiles) -> [layer]`; and per
    `(tile, unit)` how many users divide it: the sets of tiles using it there (the eDRAM: the
    layers)."""
    uses = _unit_demand(network, mapping)
    users: dict[tuple[str, tuple[int, ...]], list[str]] = {}
    for name, demand in uses.items():
        for unit, per in demand.items():
            if per:
                users.setdefault((unit, tiles[name]), []).append(name)
    sets: Counter = Counter()
    for (unit, where), who in users.items():
        for _ in range(len(who) if unit == "edram" else 1):
            sets.update((t, unit) for t in where)
    return uses, users, sets


def _tiles(n: int, verb: str) -> str:
    """`n` tiles and a verb that agrees: "1 tile holds", "2 tiles hold"."""
    if n == 1:
        return f"1 tile {'has' if verb == 'have' else verb + 's'}"
    return f"{n} tiles {verb}"


def equal_shares(network: Network, mapping: Mapping) -> tuple[str, ...]:
    """What the mapping leaves to equal shares rather than to time order (timing-model s12), as
    sentences for the user: tiles whose eDRAM reads and bus several crossbar layers divide, and
    tiles whose units serve several sets of tiles. Empty with `layer` packing."""
    tiles = layer_tiles(network, mapping)
    _, users, sets = _unit_users(network, mapping, tiles)
    readers: dict[int, list[str]] = {}  # tile -> the crossbar layers fetching there
    for (unit, where), who in sorted(users.items()):
        if unit == "edram":
            for t in where:
                readers.setdefault(t, []).extend(who)
    shared_reads = sorted(t for t, names in readers.items() if len(names) > 1)
    shared_units = sorted({t for (t, unit), n in sets.items() if unit != "edram" and n > 1})
    out = []
    if shared_reads:
        t = shared_reads[0]
        out.append(f"{_tiles(len(shared_reads), 'hold')} arrays of several layers (e.g. tile {t}: "
                   f"{', '.join(readers[t])}): the fetch's share of their eDRAM port and their bus "
                   f"are divided equally between those layers, not served in time order "
                   f"(docs/timing-model.md s12)")
    if shared_units:
        out.append(f"{_tiles(len(shared_units), 'have')} a unit used on different sets of tiles (e.g. "
                   f"tile {shared_units[0]}): their tile shift-and-add, max-pool or sigmoid units "
                   f"give each set an equal share, not time order (docs/timing-model.md s12)")
    return tuple(out)


def node_services(network: Network, mapping: Mapping, arch: Architecture,
                  port: EdramPort) -> list[dict]:
    """Per node (the image source first, then the layers), the keyword arguments `fetch`,
    `readout`, `merge`, `act`, `groups` and `pools` of its `Node`.

    Nodes that use a tile unit (shift-and-add, sigmoid, max-pool) on the same set of tiles share
    one server of it, arbitrated in time order (`Node.pools`, timing-model s12): a digital layer
    and the layer whose tiles it runs on, or layers that `shared` packing puts on the same tiles.
    A tile whose unit serves several such sets (`shared` packing: a tile holding the end of one
    layer and the start of the next) gives each set an equal share of it [U]; so do the fetch's
    share of a tile's eDRAM port (`port`, `edram_port`) and its bus (the fetch)."""
    maps = {lm.name: lm for lm in mapping.layers}
    tiles = layer_tiles(network, mapping)
    uses, users, sets = _unit_users(network, mapping, tiles)
    # server groups: a crossbar layer's own count, unless it shares a unit with another node on
    # its tiles; then every crossbar layer sharing a unit there takes one count (of the gcd of
    # their replicas), and so does every digital layer that shares a unit with one of them; a
    # digital layer that shares only with digital layers keeps one group (the tiles' whole rate)
    sharing = {key: who for key, who in users.items() if len(who) > 1 and key[0] != "edram"}
    crossbar = {name for name, layer in ((lay.name, lay) for lay in network.layers)
                if layer.uses_crossbars}
    with_crossbar = [key for key, who in sharing.items() if any(n in crossbar for n in who)]
    reps: dict[tuple[int, ...], list[int]] = {}
    for unit, where in with_crossbar:
        reps.setdefault(where, []).extend(maps[n].replication for n in sharing[unit, where]
                                          if n in crossbar)
    groups: dict[str, int] = {}
    for layer in network.layers:
        where = tiles[layer.name]
        if layer.uses_crossbars:
            count = math.gcd(*reps[where]) if where in reps else maps[layer.name].replication
            groups[layer.name] = server_groups(count, len(where))
        elif any(layer.name in sharing[key] for key in with_crossbar if key[1] == where):
            groups[layer.name] = server_groups(math.gcd(*reps[where]), len(where))
        else:
            groups[layer.name] = 1

    clocks = {unit: _tile_rate(arch, Fraction(count)) for unit, count in
              (("shift_add", arch.tile_shift_add_units), ("sigmoid", arch.sigmoid_units),
               ("maxpool", arch.maxpool_units))}
    # the servers shared between nodes: (unit, tiles) -> first id; each user's Service
    pools: dict[tuple[str, tuple[int, ...]], int] = {}
    pooled: dict[tuple[str, str], Service] = {}
    next_id = 0
    for (unit, where), who in users.items():
        if unit == "edram" or len(who) < 2:
            continue
        g = max(groups[name] for name in who)  # (one count, but for a digital layer that
        pools[unit, where] = next_id  # shares another unit with a crossbar layer)
        next_id += g
        rate = _shared_rate(where, sets, unit, clocks[unit]) / g
        for name, svc in zip(who, pooled_services(rate, [uses[name][unit] for name in who])):
            pooled[name, unit] = svc

    def server(name: str, unit: str | None) -> tuple[Service, int]:
        """The node's Service of a tile unit and its shared server's first id (-1: its own)."""
        if unit is None or not uses[name].get(unit):
            return UNLIMITED, -1
        where = tiles[name]
        if (name, unit) in pooled:
            return pooled[name, unit], pools[unit, where]
        rate = _shared_rate(where, sets, unit, clocks[unit]) / groups[name]
        return service(rate, uses[name][unit]), -1

    out: list[dict] = [{}]
    for layer in network.layers:
        demand, where, r = uses[layer.name], tiles[layer.name], groups[layer.name]
        merge_unit = "shift_add" if layer.uses_crossbars else UNIT_OF_KIND[layer.handler.unit]
        merge, merge_pool = server(layer.name, merge_unit)
        act, act_pool = server(layer.name, "sigmoid")
        node = dict(merge=merge, act=act, groups=r, pools=(merge_pool, act_pool))
        if layer.uses_crossbars:
            lm = maps[layer.name]
            columns = max(lm.cols_per_col_block) + (1 if arch.flip_encoding else 0)
            node.update(
                fetch=service(sum((fetch_rate(arch, port.read_share.get(t, Fraction(1)))
                                   / max(sets[t, "edram"], 1) for t in where), Fraction(0)) / r,
                              demand["edram"]),
                readout=service(readout_rate(arch, lm.shift_passes), columns * arch.arrays_per_ima))
        out.append(node)
    return out
