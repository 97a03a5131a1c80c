"""Mapping a network onto ISAAC: arrays per layer, replication, packing into IMAs, tiles and
chips, input buffers, and the on-chip and chip-to-chip topology (``docs/mapping.md``).

Public API::

    map_network(network, arch, precision=None, replication="isaac", chips=None,
                packing="layer", flatten="position") -> Mapping
    Mapping.layers (LayerMapping per layer), Mapping.totals (arrays, imas, tiles, chips),
    Mapping.chips
    isaac_replication(network) -> {layer: copies}
    array_grid(layer, weight_bits, rows, cols, cell_bits) -> ArrayGrid
    rolling_buffer_bytes(layer) -> int
    tile_position(tile, arch), mesh_route(a, b, arch), chip_route(chip_a, chip_b)
"""

from isaacsim.targets.isaac.mapping.arrays import (
    GROUPINGS,
    VALUE_BYTES,
    ArrayGrid,
    array_grid,
    rolling_buffer_bytes,
)
from isaacsim.targets.isaac.mapping.build import map_network
from isaacsim.targets.isaac.mapping.model import LayerMapping, Mapping, Totals
from isaacsim.targets.isaac.mapping.packing import PACKINGS
from isaacsim.targets.isaac.mapping.replication import POLICIES, isaac_replication, no_replication, scaled
from isaacsim.targets.isaac.mapping.topology import chip_route, mesh_hops, mesh_route, tile_position

__all__ = ["GROUPINGS", "PACKINGS", "POLICIES", "VALUE_BYTES", "ArrayGrid", "LayerMapping", "Mapping",
           "Totals", "array_grid", "chip_route", "isaac_replication", "map_network",
           "mesh_hops", "mesh_route", "no_replication", "rolling_buffer_bytes", "scaled",
           "tile_position"]
