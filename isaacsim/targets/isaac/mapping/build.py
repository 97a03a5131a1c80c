"""`map_network`: arrays per layer, replication, packing, home tiles, buffers, chip count."""

from __future__ import annotations

from isaacsim.crop.vectors import FLATTEN_ORDERS
from isaacsim.errors import InputError, Problem
from isaacsim.functional.flexpoint import shift_window
from isaacsim.network import IMAGE, Network
from isaacsim.precision import Precision, load_precision
from isaacsim.targets.isaac.arch import Architecture
from isaacsim.targets.isaac.mapping.arrays import (
    GROUPINGS,
    ArrayGrid,
    array_grid,
    arrays_per_replica,
    rolling_buffer_bytes,
)
from isaacsim.targets.isaac.mapping.model import LayerMapping, Mapping, Totals
from isaacsim.targets.isaac.mapping.packing import PACKINGS, Packed, buffer_capacities, home_shares, pack
from isaacsim.targets.isaac.mapping.replication import POLICIES, replication_for, scaled
from isaacsim.validate import Bound, did_you_mean, number_text

SOURCE = "mapping"

# Limits of a mapping (docs/input-ranges.md): what one machine can simulate in memory and time.
CHIPS = Bound("integer", 1, 1024, "VGG-16 on ISAAC-CE needs 7 chips; routes between chips are "
                                  "built link by link")
ARRAYS = Bound("integer", 1, 2 ** 24, "VGG-16 on ISAAC-CE needs 100,192 arrays; the mapper lists "
                                      "every row and column block")
TILES = Bound("integer", 1, 2 ** 17, "VGG-16 on ISAAC-CE needs 1,046 tiles; the lowering routes "
                                     "from every tile of a layer")


def map_network(network: Network, arch: Architecture, precision: Precision | None = None,
                replication: str = "isaac", chips: int | None = None, packing: str = "layer",
                flatten: str = "position", grouping: str = "separate") -> Mapping:
    """Map every layer of `network` onto `arch` (``docs/mapping.md``).

    `replication` is ``"none"`` or ``"isaac"``; with a chip budget `chips` the policy's
    replication is divided by the smallest integer that makes the mapping fit (an `InputError` if
    even one copy of every layer does not fit). `packing` is ``"layer"`` or ``"shared"``;
    `flatten` (``"position"`` or ``"channel"``) is carried for the fc row order; `grouping`
    (``"separate"`` or ``"diagonal"``, `GROUPINGS`) places a grouped conv's groups. Raises
    `InputError` for bad options, a network without crossbar layers, or an input buffer larger
    than the eDRAM its layer gets.
    """
    _check_options(replication, chips, packing, flatten, grouping)
    precision = precision if precision is not None else load_precision({}, network)
    xbar = [layer for layer in network.layers if layer.uses_crossbars]
    if not xbar:
        raise InputError(Problem(network.origin or network.name, "",
                                 "nothing to map: the network has no conv or fc layer"))
    _check_size(network, xbar, {layer.name: arrays_per_replica(
        layer, precision.of(layer.name).weight_bits, arch.xbar_rows, arch.xbar_cols,
        arch.cell_bits, grouping) for layer in xbar}, ARRAYS, "arrays in one copy of each layer")
    grids = {layer.name: array_grid(layer, precision.of(layer.name).weight_bits, arch.xbar_rows,
                                    arch.xbar_cols, arch.cell_bits, grouping) for layer in xbar}
    base = replication_for(network, replication)
    divisor = 1
    reps, packed = base, _pack(xbar, grids, base, arch, packing)
    if packed is None or (chips is not None and packed.chips > chips):
        if chips is None:
            _check_size(network, xbar, _arrays(xbar, grids, base), ARRAYS,
                        f"arrays with {replication} replication")
        assert chips is not None  # without a budget packed is None only past ARRAYS: _check_size raised
        divisor, reps, packed = _fit_budget(network, xbar, grids, base, arch, packing, chips)
    _check_placement(network, xbar, packed, arch)
    layers = _layer_mappings(network, arch, precision, grids, reps, packed)
    return Mapping(network=network.name, arch=arch.name, layers=layers,
                   totals=Totals(packed.arrays, packed.imas, packed.tiles, packed.chips),
                   replication=replication, replication_divisor=divisor, chip_budget=chips,
                   packing=packing, flatten=flatten, tiles_per_chip=arch.tiles_per_chip,
                   grouping=grouping)


def _check_options(replication: str, chips: int | None, packing: str, flatten: str,
                   grouping: str) -> None:
    problems = []
    for option, value, allowed in (("replication", replication, POLICIES),
                                   ("packing", packing, PACKINGS), ("grouping", grouping, GROUPINGS),
                                   ("flatten", flatten, FLATTEN_ORDERS)):
        if value not in allowed:
            problems.append(Problem(SOURCE, option, f"expected one of {', '.join(allowed)}, got "
                                                    f"{value!r}{did_you_mean(str(value), allowed)}"))
    if chips is not None and (isinstance(chips, bool) or not isinstance(chips, int) or chips < 1):
        problems.append(Problem(SOURCE, "chips", f"expected a chip budget >= 1 or None, got "
                                                 f"{chips!r}"))
    if problems:
        raise InputError(problems)


def _arrays(xbar, grids: dict[str, ArrayGrid], reps: dict[str, int]) -> dict[str, int]:
    return {layer.name: grids[layer.name].arrays * reps[layer.name] for layer in xbar}


def _pack(xbar, grids: dict[str, ArrayGrid], reps: dict[str, int], arch: Architecture,
          packing: str) -> Packed | None:
    """The packing, or None when it would hold more than `ARRAYS` arrays (not built)."""
    arrays = list(_arrays(xbar, grids, reps).values())
    if sum(arrays) > ARRAYS.limit:
        return None
    return pack(arrays, arch.arrays_per_ima, arch.imas_per_tile, arch.tiles_per_chip, packing,
                [rolling_buffer_bytes(layer) for layer in xbar], arch.edram_bytes)


def _fit_budget(network: Network, xbar, grids, base: dict[str, int], arch: Architecture,
                packing: str, chips: int) -> tuple[int, dict[str, int], Packed]:
    """Smallest divisor d of the base replication whose mapping fits in `chips` chips.

    Chips never increase with d (fewer copies, fewer arrays), so a binary search finds it; at
    d = max(base) every layer has one copy.
    """
    low, high = 1, max(base.values())
    floor_packed = _pack(xbar, grids, scaled(base, high), arch, packing)
    if floor_packed is None:
        _check_size(network, xbar, _arrays(xbar, grids, scaled(base, high)), ARRAYS,
                    "arrays without replication")
    assert floor_packed is not None  # None only past ARRAYS: _check_size raised
    if floor_packed.chips > chips:
        raise InputError(Problem(
            network.origin or network.name, "",
            f"network '{network.name}' needs {floor_packed.chips} chips even without replication "
            f"({floor_packed.arrays:,} arrays in {floor_packed.tiles:,} tiles of "
            f"{arch.tiles_per_chip} per chip, packing '{packing}'); the chip budget is {chips}: "
            f"raise it to at least {floor_packed.chips}"))
    fitting = floor_packed  # the packing at divisor `high`, which fits
    while low < high:
        mid = (low + high) // 2
        trial = _pack(xbar, grids, scaled(base, mid), arch, packing)
        if trial is not None and trial.chips <= chips:
            high, fitting = mid, trial
        else:
            low = mid + 1
    return low, scaled(base, low), fitting


def _check_size(network: Network, xbar, counts: dict[str, int], bound: Bound, what: str) -> None:
    """An `InputError` at the first layer that brings the running total of `counts` over `bound`."""
    total = 0
    for layer in xbar:
        total += counts[layer.name]
        if total > bound.limit:
            mine = f"this layer alone needs {counts[layer.name]:,}; " if total > counts[
                layer.name] else ""
            raise InputError(Problem(
                network.origin or network.name, f"$.layers[{layer.index}]",
                f"layer '{layer.name}': the mapping would need {total:,} {what} up to this layer "
                f"({mine}more than the {number_text(bound.limit)} accepted: {bound.reason}); "
                f"use larger crossbars, fewer weight bits, replication none or a chip budget"))


def _check_placement(network: Network, xbar, packed: Packed, arch: Architecture) -> None:
    """An `InputError` at the first layer placed beyond `TILES` tiles or `CHIPS` chips."""
    for layer, place in zip(xbar, packed.placements):
        chip = place.home_tile // arch.tiles_per_chip
        for used, bound, what in ((place.home_tile + 1, TILES, "tiles"), (chip + 1, CHIPS, "chips")):
            if used > bound.limit:
                raise InputError(Problem(
                    network.origin or network.name, f"$.layers[{layer.index}]",
                    f"layer '{layer.name}': the mapping would use {used:,} {what} up to this "
                    f"layer, more than the {number_text(bound.limit)} accepted ({bound.reason}); "
                    f"use larger crossbars, IMAs or tiles, replication none or a chip budget"))


def _layer_mappings(network: Network, arch: Architecture, precision: Precision,
                    grids: dict[str, ArrayGrid], reps: dict[str, int],
                    packed: Packed) -> tuple[LayerMapping, ...]:
    xbar = [layer for layer in network.layers if layer.uses_crossbars]
    place = {layer.name: p for layer, p in zip(xbar, packed.placements)}
    names = [layer.name for layer in xbar]
    needs = [rolling_buffer_bytes(layer) for layer in xbar]
    tiles = [place[name].tiles for name in names]
    need = dict(zip(names, needs))
    share = dict(zip(names, home_shares([t[-1] for t in tiles], needs, arch.edram_bytes)))
    capacity = dict(zip(names, buffer_capacities(tiles, needs, arch.edram_bytes)))
    _check_buffers(network, xbar, need, capacity, share, place, arch)
    home: dict[str, int] = {IMAGE: 0}
    out = []
    for layer in network.layers:
        lp = precision.of(layer.name)
        if layer.uses_crossbars:
            g, p = grids[layer.name], place[layer.name]
            home[layer.name] = p.home_tile
            out.append(LayerMapping(
                name=layer.name, kind=layer.kind, out_shape=layer.out_shape, macs=layer.macs,
                groups=layer.groups, groups_per_array=g.groups_per_array,
                row_blocks=g.row_blocks, col_blocks=g.col_blocks,
                arrays_per_replica=g.arrays, rows_per_row_block=g.rows_per_row_block,
                cols_per_col_block=g.cols_per_col_block, replication=reps[layer.name],
                arrays=g.arrays * reps[layer.name], imas=p.imas, tiles=p.tiles,
                home_tile=p.home_tile, first_chip=p.tiles[0] // arch.tiles_per_chip,
                last_chip=p.tiles[-1] // arch.tiles_per_chip, buffer_bytes=need[layer.name],
                buffer_capacity_bytes=capacity[layer.name],
                buffer_home_bytes=share[layer.name], weight_bits=lp.weight_bits,
                activation_bits=lp.activation_bits, **_shifts(layer, lp, arch)))
            continue
        tile = home[layer.inputs[0]]
        home[layer.name] = tile
        chip = tile // arch.tiles_per_chip
        out.append(LayerMapping(
            name=layer.name, kind=layer.kind, out_shape=layer.out_shape, macs=0, groups=1,
            row_blocks=0, col_blocks=0, arrays_per_replica=0, rows_per_row_block=(),
            cols_per_col_block=(), replication=1, arrays=0, imas=0, tiles=(), home_tile=tile,
            first_chip=chip, last_chip=chip, buffer_bytes=0, buffer_capacity_bytes=0,
            buffer_home_bytes=0,
            weight_bits=lp.weight_bits, activation_bits=lp.activation_bits))
    return tuple(out)


def _shifts(layer, lp, arch: Architecture) -> dict[str, int]:
    """The `LayerMapping` shift fields of a crossbar layer: the FlexPoint shift window of its
    exponents on this datapath, for outputs that sum ceil(fan_in / rows) row blocks of partials
    (the same call as `numerics`)."""
    window = shift_window(lp.exponents, weight_bits=lp.weight_bits, input_bits=lp.activation_bits,
                          cell_bits=arch.cell_bits, dac_bits=arch.dac_bits,
                          row_blocks=-(-layer.fan_in // arch.xbar_rows),
                          max_shift=arch.ima_shift_add_max_shift)
    return {"shift_lo": window.lo, "shift_hi": window.hi, "shift_passes": window.passes}


def _check_buffers(network: Network, xbar, need: dict[str, int], capacity: dict[str, int],
                   share: dict[str, int], place, arch: Architecture) -> None:
    """An input error for every layer whose rolling buffer need is more than its buffer's
    capacity (`buffer_capacities`: its home-tile share plus the eDRAM its other tiles pool)."""
    problems = []
    for layer in xbar:
        n, c = need[layer.name], capacity[layer.name]
        if n <= c:
            continue
        home = place[layer.name].home_tile
        others = (c - share[layer.name]) // arch.edram_bytes  # tiles pooled besides the home
        shared = [other.name for other in xbar if other is not layer
                  and place[other.name].home_tile == home]
        if shared:
            what = (f"its share of tile {home}'s {arch.edram_bytes:,}-byte eDRAM, split with "
                    f"{', '.join(shared)} in proportion to need ({share[layer.name]:,} bytes)")
            if others:
                what += f", plus the eDRAM of {others} other tile{'s' if others > 1 else ''}"
            fix = ("use packing 'layer' so that it has a tile's eDRAM alone, or raise "
                   "tile.edram.bytes")
        else:
            what = (f"the eDRAM of its home tile {home}" if not others else
                    f"the eDRAM of {others + 1} tiles pooled: its home tile {home} and "
                    f"{others} other tile{'s' if others > 1 else ''} of its arrays that "
                    f"{'are' if others > 1 else 'is'} no layer's home")
            least = -(-n // (others + 1))
            fix = (f"raise tile.edram.bytes to at least {least:,} (in a workload: --set "
                   f"arch.tile.edram.bytes={least})")
        problems.append(Problem(
            network.origin or network.name, f"layer '{layer.name}'",
            f"the rolling input buffer needs {n:,} bytes but gets {c:,} bytes ({what}); "
            f"{fix}, or use a narrower or shorter input"))
    if problems:
        raise InputError(problems)
