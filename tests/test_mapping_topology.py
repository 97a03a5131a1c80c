"""Tile positions on the concentrated mesh, X-then-Y routes, and the chip chain."""

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.mapping import chip_route, mesh_hops, mesh_route, tile_position

ARCH = load_arch("isaac-ce")


def test_isaac_mesh_shape():
    assert (ARCH.tiles_per_router, ARCH.mesh_routers_x, ARCH.mesh_routers_y) == (4, 7, 6)


def test_tile_positions():
    assert tile_position(0, ARCH) == (0, 0, 0)
    assert tile_position(3, ARCH) == (0, 0, 0)  # four tiles per router
    assert tile_position(4, ARCH) == (0, 1, 0)
    assert tile_position(4 * 7, ARCH) == (0, 0, 1)  # routers row-major
    assert tile_position(167, ARCH) == (0, 6, 5)
    assert tile_position(168, ARCH) == (1, 0, 0)
    assert tile_position(2 * 168 + 29, ARCH) == (2, 0, 1)
    with pytest.raises(ValueError):
        tile_position(-1, ARCH)


def test_route_goes_x_then_y():
    route = mesh_route(0, 4 * (7 * 2 + 3), ARCH)  # router (0,0) -> (3,2)
    assert route == [(0, (0, 0), (1, 0)), (0, (1, 0), (2, 0)), (0, (2, 0), (3, 0)),
                     (0, (3, 0), (3, 1)), (0, (3, 1), (3, 2))]
    back = mesh_route(4 * (7 * 2 + 3), 0, ARCH)
    assert back[0] == (0, (3, 2), (2, 2)) and back[-1] == (0, (0, 1), (0, 0))
    assert mesh_route(1, 2, ARCH) == []  # same router
    with pytest.raises(ValueError, match="chip"):
        mesh_route(0, 168, ARCH)


def test_chip_route():
    assert chip_route(0, 3) == [(0, 1), (1, 2), (2, 3)]
    assert chip_route(2, 0) == [(2, 1), (1, 0)]
    assert chip_route(4, 4) == []


meshes = st.builds(lambda per, x, y: SimpleNamespace(tiles_per_router=per, mesh_routers_x=x,
                                                     mesh_routers_y=y, tiles_per_chip=per * x * y),
                   st.integers(1, 8), st.integers(1, 9), st.integers(1, 9))


@settings(max_examples=200, deadline=None)
@given(meshes, st.data())
def test_routes_have_manhattan_length_and_connect(mesh, data):
    chip = data.draw(st.integers(0, 3))
    a = data.draw(st.integers(0, mesh.tiles_per_chip - 1)) + chip * mesh.tiles_per_chip
    b = data.draw(st.integers(0, mesh.tiles_per_chip - 1)) + chip * mesh.tiles_per_chip
    _, xa, ya = tile_position(a, mesh)
    _, xb, yb = tile_position(b, mesh)
    route = mesh_route(a, b, mesh)
    assert len(route) == abs(xa - xb) + abs(ya - yb) == mesh_hops(a, b, mesh)
    here = (xa, ya)
    for c, src, dst in route:
        assert c == chip and src == here
        assert abs(src[0] - dst[0]) + abs(src[1] - dst[1]) == 1
        assert 0 <= dst[0] < mesh.mesh_routers_x and 0 <= dst[1] < mesh.mesh_routers_y
        here = dst
    assert here == (xb, yb)
    turned = False  # X first: no X move after a Y move
    for _, src, dst in route:
        turned |= src[1] != dst[1]
        assert not (turned and src[0] != dst[0])


@given(st.integers(0, 20), st.integers(0, 20))
def test_chip_routes_are_chains(a, b):
    route = chip_route(a, b)
    assert len(route) == abs(a - b)
    assert all(abs(x - y) == 1 for x, y in route)
    if route:
        assert route[0][0] == a and route[-1][1] == b
