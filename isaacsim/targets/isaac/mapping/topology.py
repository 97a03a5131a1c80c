"""Where tiles sit and how data moves between them (``docs/mapping.md``, "Topology").

* A chip has ``tiles_per_chip`` tiles on a concentrated mesh: ``tiles_per_router`` tiles share a
  router, and the routers form a ``mesh_routers_x`` x ``mesh_routers_y`` grid (ISAAC: 168 tiles,
  4 per router, 42 routers as 7 x 6). Local tile ``t`` hangs off router ``r = t // tiles_per_router``,
  which sits at ``x = r % mesh_routers_x``, ``y = r // mesh_routers_x`` (routers numbered row-major,
  tiles numbered router by router). Global tile ids are ``chip * tiles_per_chip + local tile``.
* Inside a chip, routing is dimension-ordered, X first then Y. A mesh link is the directed
  ``(chip, (x, y), (x2, y2))`` between neighbouring routers; a route between tiles on one router
  is empty.
* Chips form a chain linked by HyperTransport: chip ``i`` to chip ``i + 1``. An HT link is the
  directed pair ``(from_chip, to_chip)``; a route from chip a to chip b passes every chip between.
"""

from __future__ import annotations

from typing import Protocol

MeshLink = tuple[int, tuple[int, int], tuple[int, int]]
HtLink = tuple[int, int]


class _Mesh(Protocol):
    """What the topology reads of an architecture (read-only, as a frozen `Architecture` has it)."""

    @property
    def tiles_per_chip(self) -> int: ...
    @property
    def tiles_per_router(self) -> int: ...
    @property
    def mesh_routers_x(self) -> int: ...
    @property
    def mesh_routers_y(self) -> int: ...


def tile_position(tile: int, arch: _Mesh) -> tuple[int, int, int]:
    """(chip, router_x, router_y) of global tile id `tile`."""
    if tile < 0:
        raise ValueError(f"tile ids are >= 0, got {tile}")
    chip, local = divmod(tile, arch.tiles_per_chip)
    router = local // arch.tiles_per_router
    y, x = divmod(router, arch.mesh_routers_x)
    return chip, x, y


def mesh_route(tile_a: int, tile_b: int, arch: _Mesh) -> list[MeshLink]:
    """Directed mesh links from `tile_a`'s router to `tile_b`'s, X first then Y (same chip only).

    The route has ``|dx| + |dy|`` links; it is empty when both tiles share a router.
    """
    chip, x, y = tile_position(tile_a, arch)
    chip_b, x2, y2 = tile_position(tile_b, arch)
    if chip != chip_b:
        raise ValueError(f"tiles {tile_a} and {tile_b} are on chips {chip} and {chip_b}; "
                         f"mesh_route works inside one chip (use chip_route between chips)")
    links: list[MeshLink] = []
    while x != x2:
        step = x + (1 if x2 > x else -1)
        links.append((chip, (x, y), (step, y)))
        x = step
    while y != y2:
        step = y + (1 if y2 > y else -1)
        links.append((chip, (x, y), (x, step)))
        y = step
    return links


def chip_route(chip_a: int, chip_b: int) -> list[HtLink]:
    """Directed HyperTransport links from chip `chip_a` to chip `chip_b` along the chain."""
    if chip_a < 0 or chip_b < 0:
        raise ValueError(f"chip ids are >= 0, got {chip_a} and {chip_b}")
    step = 1 if chip_b > chip_a else -1
    return [(c, c + step) for c in range(chip_a, chip_b, step)]


def mesh_hops(tile_a: int, tile_b: int, arch: _Mesh) -> int:
    """Router-to-router links between two tiles of one chip (Manhattan distance of routers)."""
    _, x, y = tile_position(tile_a, arch)
    _, x2, y2 = tile_position(tile_b, arch)
    return abs(x - x2) + abs(y - y2)
