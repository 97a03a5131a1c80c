"""ISAAC's components as servers of the timing plan (docs/timing-model.md s12).

For every node this gives the four `Service`s of the plan, `fetch`, `readout`, `merge` and `act`, as
integer (rate, per) pairs, from the architecture's counts and clocks and the mapping's placement:

- `fetch`: the eDRAM (`bus_bits / 8` bytes per tile clock) and the tile bus (`wires / 8` bytes per
  tile clock), the slower of the two, on every tile holding the layer's arrays; `C_in x 2` bytes per
  active receptive-field pixel;
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

A tile-level unit is time-divided equally between the nodes that use it on a tile (the `shared`
packing, a digital layer on the tiles of its producer) [U]. A crossbar layer's fetch, merge and act
servers form `G` groups, the largest divisor of its replicas that is at most its tiles (about one
group per tile when there are more replicas than tiles, one per replica when a replica spans
several tiles; a divisor, so that every group serves as many replicas), each with `1 / G` of the
layer's rate; its readout is per replica. Rates are exact fractions, turned into integers
by scaling the slots: a rate of p/q per cycle with d units per op becomes `Service(p, d x q)`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from fractions import Fraction

from isaacsim.network import IMAGE, Network
from isaacsim.plan import UNLIMITED, Service
from isaacsim.targets.isaac.arch import Architecture
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


def _shared_rate(tiles: Iterable[int], users: Counter, unit: str, one_tile: Fraction) -> Fraction:
    """Sum over `tiles` of a tile's rate of `unit`, divided by the nodes using it there."""
    return sum((one_tile / max(users[t, unit], 1) for t in tiles), Fraction(0))


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


def fetch_rate(arch: Architecture) -> Fraction:
    """Input bytes one tile moves from its eDRAM into its IMAs per ISAAC cycle."""
    return min(_tile_rate(arch, Fraction(arch.edram_bus_bits, 8)),
               _tile_rate(arch, Fraction(arch.tile_bus_wires, 8)))


def node_services(network: Network, mapping: Mapping, arch: Architecture) -> list[dict]:
    """Per node (the image source first, then the layers), the keyword arguments `fetch`,
    `readout`, `merge`, `act` (and for crossbar layers `groups`) of its `Node`."""
    maps = {lm.name: lm for lm in mapping.layers}
    tiles: dict[str, tuple[int, ...]] = {IMAGE: (0,)}
    uses: dict[str, dict[str, int]] = {}  # layer -> unit -> demand per op (or per pixel, read)
    for layer in network.layers:
        lm = maps[layer.name]
        out_c = layer.out_shape.channels
        if layer.uses_crossbars:
            tiles[layer.name] = tuple(lm.tiles)
            uses[layer.name] = {"edram": network.shape_of(layer.inputs[0]).channels * VALUE_BYTES,
                                "shift_add": out_c * (lm.row_blocks - 1), "sigmoid": out_c}
        else:
            tiles[layer.name] = tiles[layer.inputs[0]]
            unit = UNIT_OF_KIND[layer.handler.unit]
            demand = {unit: layer.handler.unit_ops(layer)} if unit else {}
            if layer.activation != "none":
                demand["sigmoid"] = out_c
            uses[layer.name] = demand
    users: Counter = Counter()
    for name, demand in uses.items():
        for unit, per in demand.items():
            if per:
                users.update((t, unit) for t in tiles[name])

    clocks = {unit: _tile_rate(arch, Fraction(count)) for unit, count in
              (("shift_add", arch.tile_shift_add_units), ("sigmoid", arch.sigmoid_units),
               ("maxpool", arch.maxpool_units))}
    out: list[dict] = [{}]
    for layer in network.layers:
        demand, where = uses[layer.name], tiles[layer.name]
        rate = {unit: _shared_rate(where, users, unit, clocks[unit]) for unit in clocks}
        if layer.uses_crossbars:
            lm = maps[layer.name]
            r = server_groups(lm.replication, len(where))
            columns = max(lm.cols_per_col_block) + (1 if arch.flip_encoding else 0)
            out.append(dict(
                fetch=service(_shared_rate(where, users, "edram", fetch_rate(arch)) / r,
                              demand["edram"]),
                readout=service(readout_rate(arch, lm.shift_passes), columns * arch.arrays_per_ima),
                merge=service(rate["shift_add"] / r, demand["shift_add"]),
                act=service(rate["sigmoid"] / r, demand["sigmoid"]), groups=r))
        else:
            unit = UNIT_OF_KIND[layer.handler.unit]
            out.append(dict(
                merge=service(rate[unit], demand[unit]) if unit else UNLIMITED,
                act=service(rate["sigmoid"], demand.get("sigmoid", 0))))
    return out
