"""Packing replicas' arrays into IMAs, IMAs into tiles, tiles into chips, in layer order.

Two policies (``docs/mapping.md``):

* ``layer`` (default): an IMA and a tile serve one layer. A layer's arrays, all replicas together,
  fill ``ceil(arrays / arrays_per_ima)`` IMAs and those fill ``ceil(imas / imas_per_tile)`` tiles;
  the next layer starts on a fresh tile. Every tile's eDRAM, bus, output register and activation
  unit therefore serve one layer, and a layer's input buffer has its home tile's eDRAM alone.
* ``shared``: arrays are laid out densely in layer order, so an IMA or a tile may hold the end of
  one layer and the start of the next. Fewest IMAs and tiles; layers whose last arrays fall in the
  same tile share that home tile and split its eDRAM (`home_shares`). A layer that would end
  in a tile whose eDRAM cannot hold its input buffer next to those already homed there starts on
  a fresh tile instead, so sharing never makes a buffer too small.

Tiles are numbered globally (``chip * tiles_per_chip + local tile``) and filled in order, so a
layer may straddle a chip boundary; the chip count is ``ceil(tiles / tiles_per_chip)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

PACKINGS = ("layer", "shared")


@dataclass(frozen=True)
class Placement:
    """Where one crossbar layer's arrays went."""

    imas: int
    tiles: tuple[int, ...]

    @property
    def home_tile(self) -> int:
        """The tile holding the layer's last arrays."""
        return self.tiles[-1]


@dataclass(frozen=True)
class Packed:
    placements: tuple[Placement, ...]
    arrays: int
    imas: int
    tiles: int
    chips: int


def pack(arrays: list[int], arrays_per_ima: int, imas_per_tile: int, tiles_per_chip: int,
         packing: str = "layer", buffer_bytes: list[int] | None = None,
         edram_bytes: int | None = None) -> Packed:
    """Place crossbar layers holding `arrays[i]` arrays (all replicas, each >= 1), in order.

    For ``shared`` packing, `buffer_bytes` (each layer's input-buffer need) and `edram_bytes`
    decide when a layer must start on a fresh tile; without them layers are packed densely.
    """
    if packing not in PACKINGS:
        raise ValueError(f"unknown packing {packing!r}; expected one of {PACKINGS}")
    if any(a < 1 for a in arrays):
        raise ValueError("every crossbar layer holds at least one array")
    placements = []
    if packing == "layer":
        next_tile, total_imas = 0, 0
        for n in arrays:
            imas = -(-n // arrays_per_ima)
            tiles = -(-imas // imas_per_tile)
            placements.append(Placement(imas, tuple(range(next_tile, next_tile + tiles))))
            next_tile += tiles
            total_imas += imas
        used_tiles = next_tile
    else:
        per_tile = arrays_per_ima * imas_per_tile
        offset, total_imas, previous_ima = 0, 0, -1
        homed: dict[int, int] = defaultdict(int)  # home tile -> buffer bytes of layers homed there
        for i, n in enumerate(arrays):
            need = buffer_bytes[i] if buffer_bytes is not None else 0
            home = (offset + n - 1) // per_tile
            if homed[home] and edram_bytes is not None and homed[home] + need > edram_bytes:
                offset = -(-offset // per_tile) * per_tile
            first, last = offset, offset + n - 1
            homed[last // per_tile] += need
            first_ima, last_ima = first // arrays_per_ima, last // arrays_per_ima
            total_imas += last_ima - first_ima + 1 - (first_ima == previous_ima)
            previous_ima = last_ima
            placements.append(Placement(last_ima - first_ima + 1,
                                        tuple(range(first // per_tile, last // per_tile + 1))))
            offset += n
        used_tiles = -(-offset // per_tile)
    return Packed(tuple(placements), sum(arrays), total_imas, used_tiles,
                  -(-used_tiles // tiles_per_chip))


def home_shares(home_tiles: list[int], needs_bytes: list[int], edram_bytes: int) -> list[int]:
    """eDRAM of each crossbar layer's home tile given to its input buffer.

    A layer alone on its home tile gets the whole eDRAM. Layers sharing a home tile (``shared``
    packing) split it in proportion to their needs, rounded down: if the needs add up to at most
    the eDRAM, each layer gets at least its need; otherwise every one of them gets less.
    """
    sharing: dict[int, list[int]] = defaultdict(list)
    for i, tile in enumerate(home_tiles):
        sharing[tile].append(i)
    out = [0] * len(home_tiles)
    for members in sharing.values():
        if len(members) == 1:
            out[members[0]] = edram_bytes
            continue
        total = sum(needs_bytes[i] for i in members)
        for i in members:
            out[i] = edram_bytes * needs_bytes[i] // total if total else edram_bytes // len(members)
    return out


def buffer_capacities(tiles: list[tuple[int, ...]], needs_bytes: list[int],
                      edram_bytes: int) -> list[int]:
    """The capacity of each crossbar layer's rolling input buffer, in bytes: the one definition
    the mapper checks needs against and the lowering turns into pixel slots (docs/mapping.md s4,
    docs/timing-model.md s5).

    `tiles[i]` are layer i's tiles in order (the last is its home). Its capacity is its share of
    its home tile's eDRAM (`home_shares`) plus the whole eDRAM of every other tile holding its
    arrays that is no crossbar layer's home: the tiles of a layer's replicas pool their eDRAM into
    one logical rolling buffer [U] (docs/decisions.md D35). A tile that is no layer's home holds
    the arrays of one layer only, so no eDRAM is counted twice.
    """
    homes = {t[-1] for t in tiles}
    shares = home_shares([t[-1] for t in tiles], needs_bytes, edram_bytes)
    return [share + edram_bytes * sum(1 for tile in t[:-1] if tile not in homes)
            for t, share in zip(tiles, shares)]
