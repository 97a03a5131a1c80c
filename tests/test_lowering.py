"""The ISAAC lowering (`isaacsim.targets.isaac.lowering`) against hand calculations.

Both simulators read the same `TimingPlan`, so their comparison cannot see a wrong plan: these
tests check what the lowering writes into it (receptive fields, locality, bytes per pixel, buffer
slots, link shares, route latencies, span cycles, read cycles) and the event terms it emits, on
small networks and architectures whose every number is worked out in the comments.

The small architecture `SMALL` has one array per IMA and one IMA per tile (a layer's arrays are its
tiles), eight tiles per chip with one tile per router (routers on a 4 x 2 grid: local tile t sits at
x = t % 4, y = t // 4), a mesh hop of one cycle and a HyperTransport latency of three cycles. Mesh
links carry 3.2 GB/s x 100 ns = 320 bytes per cycle, HT links 640.
"""

from __future__ import annotations

import numpy as np
import pytest
from plans import image

from isaacsim import accounting
from isaacsim.engine import simulate
from isaacsim.events import Term
from isaacsim.network import load_network, network_from_dict
from isaacsim.plan import DIGITAL, SOURCE, XBAR, Geometry, ImageWork
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.lowering import image_work, lower, read_cycles
from isaacsim.targets.isaac.mapping import map_network
from isaacsim.works import work_facts

SMALL = {"ima.arrays": 1, "tile.imas": 1, "chip.tiles": 8, "mesh.tiles_per_router": 1,
         "mesh.hop_ns": 100, "chip.ht.latency_ns": 300, "tile.edram.bytes": 1000}


def small_arch(**sets):
    return load_arch("isaac-ce", {**SMALL, **{k.replace("__", "."): v for k, v in sets.items()}})


def net(hwc, layers, name="t"):
    h, w, c = hwc
    return network_from_dict({"format_version": 1, "name": name, "source": "test",
                              "input": {"height": h, "width": w, "channels": c},
                              "layers": layers})


def conv(name, out, kernel=1, stride=1, padding=0, **kw):
    return {"name": name, "kind": "conv", "kernel": kernel, "stride": stride, "padding": padding,
            "out_channels": out, "activation": "relu", **kw}


def lowered(network, arch, replication="none", packing="layer"):
    return lower(network, map_network(network, arch, replication=replication, packing=packing),
                 arch)


def edge(low, src, dst):
    """The plan's edge from layer `src` (or "input") to layer `dst`."""
    s, d = low.node_of[src], low.node_of[dst]
    (e,) = [e for e in low.plan.edges if (e.src, e.dst) == (s, d)]
    return e


# -- a chain: conv 3x3 pad 1, max-pool 2x2, conv 1x2, fc --------------------------------------------

def chain():
    """input 4x4x2 -> a (conv 3x3, pad 1, 4 ch; tile 0) -> p (maxpool 2x2 on tile 0) -> b (conv
    1x2, 3 ch; tile 1) -> f (fc, 5 units; tile 2). With 128 x 128 arrays of 2-bit cells and
    16-bit weights each layer is one array (<= 128 rows, <= 16 outputs), so one tile."""
    return net((4, 4, 2), [
        conv("a", 4, kernel=3, padding=1),
        {"name": "p", "kind": "maxpool", "kernel": 2},
        conv("b", 3, kernel=[1, 2]),
        {"name": "f", "kind": "fc", "out_features": 5, "activation": "none"},
    ])


@pytest.fixture(scope="module")
def chain_low():
    return lowered(chain(), small_arch())


def test_nodes_of_a_chain(chain_low):
    plan = chain_low.plan
    assert [(n.name, n.rule, n.shape) for n in plan.nodes] == [
        ("input", SOURCE, (4, 4, 2)), ("a", XBAR, (4, 4, 4)), ("p", DIGITAL, (2, 2, 4)),
        ("b", XBAR, (2, 1, 3)), ("f", XBAR, (1, 1, 5))]
    assert chain_low.home_tile == (-1, 0, 0, 1, 2)  # the pool sits on its producer's home tile
    assert [n.replicas for n in plan.nodes if n.is_crossbar] == [1, 1, 1]
    assert plan.nodes[2].op_cycles == 0  # pool_cycles: in the activation cycle
    assert [(n.inputs, n.outputs) for n in plan.nodes] == [
        ((), (0,)), ((0,), (1,)), ((1,), (2,)), ((2,), (3,)), ((3,), ())]


def test_receptive_field_geometry_per_edge(chain_low):
    assert edge(chain_low, "input", "a").geometry == Geometry(3, 3, 1, 1, 1, 1)
    assert edge(chain_low, "a", "p").geometry == Geometry(2, 2, 2, 2, 0, 0)
    assert edge(chain_low, "p", "b").geometry == Geometry(1, 2, 1, 1, 0, 0)
    # an fc reads its whole input map (2 x 1): kernel = map, stride 1, no padding
    assert edge(chain_low, "b", "f").geometry == Geometry(2, 1, 1, 1, 0, 0)


def test_locality_and_bytes_per_pixel(chain_low):
    # the image source sits off chip: never local, one HT link
    e = edge(chain_low, "input", "a")
    assert (e.local, e.bytes_per_pixel, e.mesh_hops, e.ht_links) == (False, 2 * 2, 0, 1)
    # a -> p share tile 0: local, no route
    e = edge(chain_low, "a", "p")
    assert (e.local, e.bytes_per_pixel, e.cap_bytes_per_cycle, e.latency_cycles) == (
        True, 4 * 2, 0, 0)
    # p (tile 0) -> b (tile 1), b -> f (tile 2): one router-to-router hop each
    for src, dst, nbytes in (("p", "b", 4 * 2), ("b", "f", 3 * 2)):
        e = edge(chain_low, src, dst)
        assert (e.local, e.bytes_per_pixel, e.mesh_hops, e.ht_links) == (False, nbytes, 1, 0)


def test_buffer_capacities_in_pixels(chain_low):
    # each layer alone on one tile of 1,000 bytes: floor(1000 / (C_in x 2)) pixels
    assert edge(chain_low, "input", "a").capacity_pixels == 1000 // 4 == 250
    assert edge(chain_low, "p", "b").capacity_pixels == 1000 // 8 == 125
    assert edge(chain_low, "b", "f").capacity_pixels == 1000 // 6 == 166
    assert edge(chain_low, "a", "p").capacity_pixels == 0  # into a digital layer: unbounded


def test_route_latency_and_bandwidth_of_a_chain(chain_low):
    # host -> tile 0: the HT link (640 B) and tile 0's ejection port (320 B); 3 cycles of HT
    e = edge(chain_low, "input", "a")
    assert (e.cap_bytes_per_cycle, e.latency_cycles) == (320, 3)
    # one hop of one cycle; every link on these routes carries one edge
    for src, dst in (("p", "b"), ("b", "f")):
        e = edge(chain_low, src, dst)
        assert (e.cap_bytes_per_cycle, e.latency_cycles) == (320, 1)


def test_a_slower_hop_and_ht_link_show_in_latencies():
    low = lowered(chain(), small_arch(mesh__hop_ns=250, chip__ht__latency_ns=1000))
    # 250 ns / 100 ns rounds to 3 cycles (halves up: 2.5 -> 3), 1000 ns to 10
    assert edge(low, "input", "a").latency_cycles == 10
    assert edge(low, "p", "b").latency_cycles == 3


# -- a residual add and link sharing -----------------------------------------------------------------

def residual():
    """input 2x2x2 -> c1 (1x1, 2 ch; tile 0) -> c2 (1x1, 2 ch; tile 1) -> s = c2 + c1 (on c2's
    home tile 1). c1 sends to c2 and to s over the same route, tile 0 -> tile 1."""
    return net((2, 2, 2), [conv("c1", 2), conv("c2", 2),
                           {"name": "s", "kind": "add", "add": "c1", "activation": "relu"}])


def test_residual_add_edges():
    low = lowered(residual(), small_arch(timing__add_cycles=2))
    s = low.plan.nodes[low.node_of["s"]]
    assert (s.rule, s.op_cycles, s.shape) == (DIGITAL, 2, (2, 2, 2))
    assert low.home_tile[low.node_of["s"]] == 1
    local, remote = edge(low, "c2", "s"), edge(low, "c1", "s")
    assert (local.geometry, local.local, local.capacity_pixels) == (Geometry(1, 1), True, 0)
    assert (remote.geometry, remote.local, remote.capacity_pixels) == (Geometry(1, 1), False, 0)
    assert (remote.mesh_hops, remote.latency_cycles, remote.bytes_per_pixel) == (1, 1, 4)


def test_routes_sharing_a_link_split_its_bandwidth():
    low = lowered(residual(), small_arch())
    # c1 -> c2 and c1 -> s both use tile 0's injection port, the link (0,0) -> (1,0) and tile 1's
    # ejection port: two edges per link, floor(320 / 2) = 160 bytes per cycle each
    assert edge(low, "c1", "c2").cap_bytes_per_cycle == 160
    assert edge(low, "c1", "s").cap_bytes_per_cycle == 160
    # the source's route (HT link, tile 0's ejection port) is shared with nobody
    assert edge(low, "input", "c1").cap_bytes_per_cycle == 320


def test_three_routes_share_a_link_rounding_down():
    # a (tile 0) feeds b (tile 1), c (tile 2) and d (tile 3): tile 0's injection port and the
    # link (0,0) -> (1,0) carry three edges (floor(320 / 3) = 106 each); (1,0) -> (2,0) carries
    # a -> c and a -> d (160 each), but each edge's share is its smallest: 106
    network = net((2, 2, 2), [conv("a", 2), conv("b", 2), conv("c", 2, input="a"),
                              conv("d", 2, input="a")])
    low = lowered(network, small_arch())
    for dst, hops in (("b", 1), ("c", 2), ("d", 3)):
        e = edge(low, "a", dst)
        assert (e.cap_bytes_per_cycle, e.mesh_hops, e.latency_cycles) == (106, hops, hops)


def test_ht_links_are_shared_and_carry_no_lanes():
    # two tiles per chip on two routers (2 x 1); mesh links at 12.8 GB/s = 1,280 B per cycle.
    # a (tile 0) and b (tile 1) on chip 0 both send to c (tile 2, chip 1) over HT link (0, 1):
    # 640 / 2 = 320 each; tile 2's ejection port carries both, 1280 / 2 = 640.
    arch = small_arch(chip__tiles=2, mesh__link_gbytes_per_s=12.8)
    network = net((2, 2, 2), [conv("a", 2), conv("b", 2), conv("c", 2, input="a"),
                              {"name": "s", "kind": "add", "add": "b", "activation": "relu"}])
    low = lowered(network, arch)
    assert low.home_tile[1:] == (0, 1, 2, 2)
    ac, bs = edge(low, "a", "c"), edge(low, "b", "s")
    # a -> c: tile 0 is chip 0's HT port, no mesh hop, one HT link: 3 cycles
    assert (ac.mesh_hops, ac.ht_links, ac.latency_cycles) == (0, 1, 3)
    # b -> s: tile 1 to the port (tile 0's router): one hop, then the HT link: 1 + 3 cycles
    assert (bs.mesh_hops, bs.ht_links, bs.latency_cycles) == (1, 1, 4)
    assert ac.cap_bytes_per_cycle == bs.cap_bytes_per_cycle == 640 // 2
    # the HT link sets both rates (the reports count their pipes' busy cycles for it)
    e_of = {(ed.src, ed.dst): i for i, ed in enumerate(low.plan.edges)}
    n = low.node_of
    assert low.edge_components[e_of[n["a"], n["c"]]] == low.edge_components[e_of[n["b"], n["s"]]] \
        == "ht"
    assert low.edge_components[e_of[n["c"], n["s"]]] is None  # local: s sits on c's tile


def test_lanes_multiply_mesh_shares_between_multi_tile_layers():
    # a: 1x1 conv to 32 channels = 32 x 8 slices / 128 = 2 column blocks: tiles 0, 1 (home 1).
    # b: 1x1 conv to 48 channels: 3 arrays on tiles 2, 3, 4 (home 4). lanes = min(2, 3) = 2.
    # Route tile 1 (1,0) -> tile 4 (0,1): X first (1,0)->(0,0), then (0,0)->(0,1): 2 hops.
    network = net((2, 2, 2), [conv("a", 32), conv("b", 48)])
    low = lowered(network, small_arch())
    e = edge(low, "a", "b")
    assert (e.mesh_hops, e.latency_cycles, e.cap_bytes_per_cycle) == (2, 2, 2 * 320)
    # the image source has one lane (its HT link): min(640, 1 x 320)
    assert edge(low, "input", "a").cap_bytes_per_cycle == 320


# -- pooled buffers ------------------------------------------------------------------------------------

def test_the_edram_port_writes_transfers_and_leaves_the_reads_their_share():
    # The chain with an 8-bit eDRAM bus: a port moves 1 byte per tile clock, 120 per cycle.
    # Tile 0 (a, and p on a's tiles): a reads 10 x 10 receptive-field pixels (3x3 pad 1 on 4x4:
    # 2 + 3 + 3 + 2 rows, as many columns) of 2 x 2 bytes = 400; p (max-pool) reads nothing; the
    # image's 16 pixels of 4 bytes are written into a's buffer (64); a -> p is local into a
    # digital layer: no write. Reads get 400 / 464 = 25/29 of the port's time.
    # Tile 1 (b): reads 2 x 2 pixels of 8 bytes (32), p's 4 pixels of 8 bytes written (32): 1/2.
    # Tile 2 (f, a network output): reads b's 2 pixels of 6 bytes (12), b's transfers write 12,
    # f's output 5 x 2 = 10 bytes: 12/34.
    # Each transfer is the only one written into its consumer's tile: the port's 120 bytes.
    from fractions import Fraction

    from isaacsim.network import IMAGE
    from isaacsim.targets.isaac.servers import edram_port
    arch = small_arch(tile__edram__bus_bits=8)
    network = chain()
    mapping = map_network(network, arch, replication="none")
    home = {IMAGE: -1, **{lm.name: lm.home_tile for lm in mapping.layers}}
    assert [home[n] for n in "apbf"] == [0, 0, 1, 2]
    port = edram_port(network, mapping, arch, home)
    assert port.read_share == {0: Fraction(25, 29), 1: Fraction(1, 2), 2: Fraction(12, 34)}
    assert port.write_rate == {(IMAGE, "a"): 120, ("p", "b"): 120, ("b", "f"): 120}
    low = lower(network, mapping, arch)
    # the transfers' caps: the port's 120 bytes per cycle, below the mesh port's 320 (so the
    # reports count these pipes for the eDRAM)
    e_of = {(low.plan.nodes[ed.src].name, low.plan.nodes[ed.dst].name): i
            for i, ed in enumerate(low.plan.edges)}
    for s, d in (("input", "a"), ("p", "b"), ("b", "f")):
        assert edge(low, s, d).cap_bytes_per_cycle == 120, (s, d)
        assert low.edge_components[e_of[s, d]] == "edram", (s, d)
    # the fetch: its share of the port (the 48-byte tile bus is faster), per pixel read
    for name, share, pixel_bytes in (("a", Fraction(25, 29), 4), ("b", Fraction(1, 2), 8),
                                     ("f", Fraction(12, 34), 6)):
        fetch = low.plan.nodes[low.node_of[name]].fetch
        assert Fraction(fetch.rate, fetch.per) == 120 * share / pixel_bytes, name
    # a wide bus: no write binds (the mesh ports' 320 bytes per cycle do)
    low = lowered(network, small_arch())
    assert edge(low, "input", "a").cap_bytes_per_cycle == 320
    assert low.edge_components[e_of["input", "a"]] == "router"


def test_transfers_written_into_one_tile_share_its_port():
    # a (1x1 conv, 4 channels; tile 0) and b (tile 1) both feed the add on b's tiles; the add's
    # consumer c (tile 2) is a crossbar layer. Into tile 1: b's own input, written from a's tile
    # (remote, crossbar consumer), and a's output into the add (remote): two transfers share the
    # port, 60 bytes per cycle each at an 8-bit bus; b -> add is local into a digital layer.
    from isaacsim.network import IMAGE
    from isaacsim.targets.isaac.servers import edram_port
    arch = small_arch(tile__edram__bus_bits=8)
    network = net((2, 2, 4), [conv("a", 4), conv("b", 4, input="a"),
                              {"name": "s", "kind": "add", "input": "b", "add": "a",
                               "activation": "none"},
                              conv("c", 4, input="s")])
    mapping = map_network(network, arch, replication="none")
    home = {IMAGE: -1, **{lm.name: lm.home_tile for lm in mapping.layers}}
    assert [home[n] for n in "absc"] == [0, 1, 1, 2]
    port = edram_port(network, mapping, arch, home)
    assert port.write_rate == {(IMAGE, "a"): 120, ("a", "b"): 60, ("a", "s"): 60, ("s", "c"): 120}


def test_a_layer_pools_the_edram_of_its_tiles_that_are_no_home():
    # a: 1x1 conv to 48 channels, 3 arrays on tiles 0-2 (home 2): its buffer pools 3 x 1,000
    # bytes, floor(3000 / (2 x 2)) = 750 pixels of the 2-channel input (250 without pooling).
    # b on tile 3 alone: floor(1000 / (48 x 2)) = 10 pixels.
    network = net((4, 4, 2), [conv("a", 48), conv("b", 1)])
    arch = small_arch()
    mapping = map_network(network, arch, replication="none")
    a, b = mapping.layer("a"), mapping.layer("b")
    assert (a.tiles, a.buffer_home_bytes, a.buffer_capacity_bytes) == ((0, 1, 2), 1000, 3000)
    assert (b.tiles, b.buffer_home_bytes, b.buffer_capacity_bytes) == ((3,), 1000, 1000)
    low = lower(network, mapping, arch)
    assert edge(low, "input", "a").capacity_pixels == 750
    assert edge(low, "a", "b").capacity_pixels == 10


def test_shared_packing_pools_only_tiles_that_are_no_home():
    # two arrays per tile, shared packing: a (1 array) on tile 0; b (3 arrays: 1x1 to 48
    # channels) fills arrays 1-3 = tiles 0 and 1; c (1 array) array 4 = tile 2, d (1 array)
    # array 5 = tile 2 too. Homes: a 0, b 1, c 2, d 2. b's first tile is a's home, so b pools
    # nothing: its capacity is its home tile's 1,000 bytes. c and d split tile 2 in proportion to
    # their needs, 48 x 2 = 96 and 1 x 2 = 2 bytes: 1000 x 96 // 98 = 979 and 1000 x 2 // 98 = 20.
    network = net((4, 4, 2), [conv("a", 2), conv("b", 48), conv("c", 1), conv("d", 1)])
    arch = small_arch(ima__arrays=2)
    mapping = map_network(network, arch, replication="none", packing="shared")
    got = {lm.name: (lm.tiles, lm.buffer_home_bytes, lm.buffer_capacity_bytes)
           for lm in mapping.layers}
    assert got == {"a": ((0,), 1000, 1000), "b": ((0, 1), 1000, 1000),
                   "c": ((2,), 979, 979), "d": ((2,), 20, 20)}
    low = lower(network, mapping, arch)
    assert edge(low, "b", "c").capacity_pixels == 979 // 96 == 10
    assert edge(low, "c", "d").capacity_pixels == 20 // 2 == 10
    # with layer packing b has tiles 1 and 2 to itself: 2,000 bytes, 500 pixels of 2 channels
    low = lowered(network, arch)
    assert edge(low, "a", "b").capacity_pixels == 2000 // 4 == 500


def test_equal_shares_name_the_tiles_left_out_of_time_order():
    # the shared-packing layout above: a on tile 0, b on tiles 0-1, c and d on tile 2. Tiles 0
    # and 2 hold arrays of two layers (their eDRAM reads are divided equally); tile 0's units
    # serve the sets (0,) and (0, 1) (equal shares), tile 2's only the set (2,) (time order).
    from isaacsim.targets.isaac.servers import equal_shares
    network = net((4, 4, 2), [conv("a", 2), conv("b", 48), conv("c", 1), conv("d", 1)])
    arch = small_arch(ima__arrays=2)
    reads, units = equal_shares(network, map_network(network, arch, replication="none",
                                                     packing="shared"))
    assert reads.startswith("2 tiles hold arrays of several layers (e.g. tile 0: a, b)")
    assert units.startswith("1 tile has a unit used on different sets of tiles (e.g. tile 0)")
    assert equal_shares(network, map_network(network, arch, replication="none")) == ()


def test_replicas_pool_their_tiles():
    # ISAAC replication: a 2x2/2 pool after conv a makes a four copies (4 arrays, tiles 0-3); the
    # last conv b keeps one. a pools 4 x 1,000 bytes: 1000 pixels of 2 channels.
    network = net((4, 4, 2), [conv("a", 2, kernel=3, padding=1),
                              {"name": "p", "kind": "maxpool", "kernel": 2}, conv("b", 2)])
    arch = small_arch()
    low = lowered(network, arch, replication="isaac")
    a = low.plan.nodes[low.node_of["a"]]
    assert a.replicas == 4 and low.mapping.layer("a").tiles == (0, 1, 2, 3)
    assert edge(low, "input", "a").capacity_pixels == 4000 // 4
    # the pool spans its producer's 4 tiles: lanes = min(4, 1) = 1 towards b on tile 4
    # (route (3,0) -> (0,1): 3 + 1 hops)
    e = edge(low, "p", "b")
    assert (e.mesh_hops, e.latency_cycles, e.cap_bytes_per_cycle) == (4, 4, 320)


# -- span cycles ----------------------------------------------------------------------------------------

def test_span_cycles_within_a_chip_and_across_chips():
    # l1: 1x1 conv to 96 channels = 6 arrays on tiles 0-5, home 5 at (1,1); farthest is tile 3 at
    # (3,0): 2 + 1 = 3 hops of one cycle. l2: 1x1 conv to 64 channels: 4 arrays on tiles 6-9,
    # home 9 = chip 1's local tile 1 at (1,0). Tile 7 (chip 0,
    # (3,1)) goes to chip 0's HT port at (0,0): 3 + 1 = 4 hops, one HT link (3 cycles), then from
    # chip 1's port (0,0) to (1,0): 1 hop; span 4 + 1 + 3 = 8.
    network = net((1, 1, 2), [conv("l1", 96), conv("l2", 64)])
    low = lowered(network, small_arch())
    l1, l2 = (low.plan.nodes[low.node_of[n]] for n in ("l1", "l2"))
    assert low.mapping.layer("l1").tiles == tuple(range(6))
    assert low.mapping.layer("l2").tiles == (6, 7, 8, 9)
    assert (l1.span_cycles, l2.span_cycles) == (3, 8)
    # one tile: no span
    assert lowered(net((1, 1, 2), [conv("x", 2)]), small_arch()).plan.nodes[1].span_cycles == 0


def test_span_cycles_lengthen_every_op():
    # the crossbar tail (docs/timing-model.md s4) holds the span: an op is done span cycles later
    network = net((1, 1, 2), [conv("l1", 96)])
    low = lowered(network, small_arch())
    flat = lowered(network, small_arch(mesh__hop_ns=0))
    assert flat.plan.nodes[1].span_cycles == 0
    work = image(low.plan)
    done = simulate(low.plan, [work]).latency_cycles[0]
    # the image's transfer from the host also crosses the mesh from the chip's port (tile 0) to the
    # layer's home tile, whose hops cost cycles in `low` only
    source = low.plan.edges[0].latency_cycles - flat.plan.edges[0].latency_cycles
    assert low.plan.edges[0].mesh_hops > 0 and source > 0
    assert done - simulate(flat.plan, [work]).latency_cycles[0] == 3 + source


def test_vgg16_spans_on_isaac_ce():
    # ISAAC-CE: a mesh hop is 4 ns, 0 cycles; an HT link 100 ns, 1 cycle. fc6 spans chips 2-5:
    # 3 HT links; conv3_2, conv4_3 and fc7 straddle one chip boundary.
    arch = load_arch("isaac-ce")
    network = load_network("vgg16")
    low = lower(network, map_network(network, arch), arch)
    spans = {n.name: n.span_cycles for n in low.plan.nodes if n.span_cycles}
    assert spans == {"conv3_2": 1, "conv4_3": 1, "fc6": 3, "fc7": 1}


# -- read cycles --------------------------------------------------------------------------------------

def test_read_cycles_with_one_bit_dacs_are_the_bits():
    bits = np.array([0, 1, 2, 7, 16])
    assert read_cycles(bits, 1).tolist() == [0, 1, 2, 7, 16]


@pytest.mark.parametrize("dac_bits, expected", [
    # the sign bit has its own cycle, the other b - 1 bits go v at a time: ceil((b - 1) / v) + 1
    (2, [0, 1, 2, 2, 3, 5, 9]),
    (4, [0, 1, 2, 2, 2, 3, 5]),
    (8, [0, 1, 2, 2, 2, 2, 3]),
])
def test_read_cycles_with_multi_bit_dacs(dac_bits, expected):
    bits = np.array([0, 1, 2, 3, 5, 8, 16])
    assert read_cycles(bits, dac_bits).tolist() == expected


def test_image_work_turns_crossbar_bits_into_read_cycles():
    arch = small_arch(ima__dac__bits=2)
    network = net((2, 2, 2), [conv("a", 2), {"name": "p", "kind": "maxpool", "kernel": 2}])
    low = lower(network, map_network(network, arch, replication="none"), arch)
    mask = np.array([[1, 0], [1, 1]])
    a_bits = np.array([[16, 0], [3, 1]])
    work = image_work(low, "i", mask, {"a": a_bits, "p": np.array([[16]])})
    assert work.bits[0].tolist() == mask.tolist()  # the source keeps its mask
    assert work.bits[1].tolist() == [[9, 0], [2, 1]]  # ceil(15 / 2) + 1, ceil(2 / 2) + 1, 1
    assert work.bits[2].tolist() == [[16]]  # digital layers keep their bits


# -- event terms -------------------------------------------------------------------------------------

def _terms(low, name):
    return set(low.events.nodes[low.node_of[name]])


def test_add_reads_one_operand_of_edram_per_input_pixel():
    low = lowered(residual(), small_arch())
    # the add: C = 2 channels; C add ops per op, C eDRAM bytes per active input pixel (two
    # operands: C x 2 per op), C x 2 bytes written per op (a network output), and C activations
    # (its ReLU)
    assert _terms(low, "s") == {Term("add_ops", "ops", 2), Term("edram_read_bytes", "rf_pixels", 2),
                                Term("edram_write_bytes", "ops", 4), Term("act_ops", "ops", 2)}
    # counted over a whole image (4 pixels, both operands active): 4 x 2 x 2 = 16 bytes read
    work = image(low.plan)
    result = simulate(low.plan, [work])
    counts = accounting.count_events(low, work_facts(low, [work]), result)
    s = low.node_of["s"]
    assert counts["edram_read_bytes"][0, s] == 4 * 2 * 2
    assert counts["add_ops"][0, s] == 4 * 2
    # with one operand pixel skipped the add reads only the other
    c1 = low.node_of["c1"]
    bits = list(work.bits)
    bits[c1] = np.array([[0, 16], [16, 16]])
    skipped = ImageWork(work.image_id, tuple(bits), 0)
    result = simulate(low.plan, [skipped])
    counts = accounting.count_events(low, work_facts(low, [skipped]), result)
    assert counts["edram_read_bytes"][0, s] == (4 + 3) * 2


def test_pool_reads_nothing_from_the_edram_and_writes_for_its_crossbar_consumer(chain_low):
    terms = _terms(chain_low, "p")
    # 2 x 2 window x 4 channels comparisons; its one out-edge goes to a crossbar layer
    assert terms == {Term("pool_ops", "ops", 2 * 2 * 4), Term("edram_write_bytes", "ops", 4 * 2)}


def test_crossbar_terms_of_a_conv(chain_low):
    terms = _terms(chain_low, "a")
    # conv a: 3 x 3 x 2 = 18 rows in one row block, 4 outputs x 8 slices = 32 columns, one array
    assert Term("edram_read_bytes", "rf_pixels", 2 * 2) in terms
    assert Term("bus_bytes", "rf_pixels", 2 * 2) in terms
    assert Term("array_reads", "read_cycles", 1) in terms
    assert Term("dac_drives", "read_cycles", 18) in terms
    # 32 weight columns + the flip encoding's unit column, one per read cycle
    assert Term("adc_conversions", "read_cycles", 33) in terms
    assert Term("act_ops", "ops", 4) in terms
    # its only consumer is the pool (digital, local): no eDRAM write for it
    assert not any(t.counter == "edram_write_bytes" for t in terms)
    # f is a network output: it writes its 5 values once
    assert Term("edram_write_bytes", "ops", 5 * 2) in _terms(chain_low, "f")


def test_edge_terms_count_hops_and_ht_links(chain_low):
    e = list(chain_low.plan.edges).index(edge(chain_low, "p", "b"))
    # one mesh hop: bytes x 1 on the NoC; flits of 32 bits over two routers
    assert set(chain_low.events.edges[e]) == {Term("noc_bytes", "bytes", 1),
                                              Term("router_flits", "bytes", 8, divisor=32,
                                                   ceil=True, times=2)}
    e = list(chain_low.plan.edges).index(edge(chain_low, "input", "a"))
    assert set(chain_low.events.edges[e]) == {Term("ht_bytes", "bytes", 1),
                                              Term("router_flits", "bytes", 8, divisor=32,
                                                   ceil=True, times=1)}


def test_the_image_crosses_the_mesh_from_the_chip_port_to_the_first_layer():
    # the host's link enters chip 0 at the router of tile 0; VGG-16's conv1_1 is homed on tile 10
    # (the 11th of its tiles), two routers away with 4 tiles per router: 2 mesh hops + 1 HT link
    arch = load_arch("isaac-ce")
    network = load_network("vgg16")
    low = lower(network, map_network(network, arch), arch)
    source = low.plan.edges[low.plan.nodes[0].outputs[0]]
    assert low.home_tile[1] == 10
    assert (source.mesh_hops, source.ht_links) == (2, 1)


# -- units shared between nodes on a tile: equal shares (docs/decisions.md D54) --------------------

def test_tile_units_used_on_the_same_tiles_are_one_shared_server():
    """c (3x3 conv, 32 -> 32 channels, pad 1, on a 3x3 map) has 288 rows: 3 row blocks, 2 column
    blocks of 16 outputs, so 6 arrays on 6 tiles; the add s = c + input runs on c's tiles, so the
    two share those tiles' shift-and-add and sigmoid units as one server each (time-ordered,
    timing-model s12), with the whole rate: a tile's shift-and-add unit adds 1 x 1.2 GHz x 100 ns
    = 120 per cycle and its 2 sigmoid units 240, so 720 additions and 1,440 activations per cycle
    on the 6 tiles, in one group (c has one replica). Per op c merges 32 x (3 - 1) = 64 partial
    sums, s adds 32; both activate 32. The server's rate is in the same slots for both users; c
    alone on its tiles has the same rates and its own servers."""
    low = lowered(net((3, 3, 32), [conv("c", 32, kernel=3, padding=1),
                                   {"name": "s", "kind": "add", "add": "input",
                                    "activation": "relu"}]), small_arch())
    lm = {m.name: m for m in low.mapping.layers}
    assert (len(lm["c"].tiles), lm["c"].row_blocks, lm["c"].replication) == (6, 3, 1)
    c, s = (low.plan.nodes[low.node_of[name]] for name in ("c", "s"))
    assert c.pools == s.pools and min(c.pools) >= 0 and c.pools[0] != c.pools[1]
    assert c.groups == s.groups == 1
    assert c.merge.rate == s.merge.rate and c.act.rate == s.act.rate
    assert c.merge.rate * 64 == 720 * c.merge.per  # sums per cycle: rate / per x sums per op
    assert s.merge.rate * 32 == 720 * s.merge.per
    assert c.act.rate * 32 == 1440 * c.act.per and s.act.rate * 32 == 1440 * s.act.per
    alone = lowered(net((3, 3, 32), [conv("c", 32, kernel=3, padding=1)]), small_arch())
    c_alone = alone.plan.nodes[alone.node_of["c"]]
    assert c_alone.pools == (-1, -1)
    assert c_alone.merge.rate * 64 == 720 * c_alone.merge.per
    assert c_alone.act.rate * 32 == 1440 * c_alone.act.per
