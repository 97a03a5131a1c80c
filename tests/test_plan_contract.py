"""The plan contract: `TimingPlan` refuses, with a `ValueError` naming the node or edge, every plan
the two simulators would treat differently or could not run; the plans it accepts give the same
cycles in the engine and in the reference model. A plan it accepts whose buffers all hold their
rolling need always finishes: a simulator that stalls on one is a bug (`InternalError`, exit code
3 in the CLI); a stall is the user's to fix (`InputError`) only when a buffer is below its need.

Without the contract, for example, a capacity on an edge into a digital node bounds that edge in
the engine but not in the reference model (different cycles, or a deadlock in one of them only),
a negative capacity crashes the engine's kernel, a negative route latency gives different cycles,
and `bytes_per_pixel = 0` runs in the engine only.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plans import LOCAL, PlanBuilder, image, remote, st_plans

import isaacsim.engine.core as engine_core
from isaacsim import engine, reference
from isaacsim.cli import main
from isaacsim.errors import InputError, InternalError
from isaacsim.plan import Edge, Geometry, Node, Service, StageCycles, TimingPlan


def base() -> TimingPlan:
    """source 4x4x1 -> a (conv 3x3 pad 1, bounded) -> p (pool 2x2) -> b (conv 1x1, remote) and
    an add of b with itself: every kind of node and edge."""
    pb = PlanBuilder()
    s = pb.source((4, 4, 1))
    a = pb.conv(s, 2, (3, 3), pad=(1, 1), capacity=4 * 2 + 3, link=remote(640, 1))
    p = pb.pool(a, (2, 2))
    b = pb.conv(p, 1, capacity=1, link=remote(8, 2))
    pb.add(b, b)
    return pb.build()


def _edge(plan: TimingPlan, e: int, **changes) -> TimingPlan:
    edges = list(plan.edges)
    edges[e] = dataclasses.replace(edges[e], **changes)
    return dataclasses.replace(plan, edges=tuple(edges))


def _node(plan: TimingPlan, n: int, **changes) -> TimingPlan:
    nodes = list(plan.nodes)
    nodes[n] = dataclasses.replace(nodes[n], **changes)
    return dataclasses.replace(plan, nodes=tuple(nodes))


def _geometry(plan: TimingPlan, e: int, **changes) -> TimingPlan:
    return _edge(plan, e, geometry=dataclasses.replace(plan.edges[e].geometry, **changes))


# (what, corruption of the base plan, a fragment of the message). Edges of base(): 0 source -> a,
# 1 a -> p (local, into a digital node), 2 p -> b (remote), 3 and 4 b -> add.
BAD = [
    ("capacity into a digital node", lambda p: _edge(p, 1, capacity_pixels=3),
     "edge 1 (n1 -> n2): capacity_pixels 3 on an edge into 'n2', a digital node"),
    ("capacity into the add", lambda p: _edge(p, 4, capacity_pixels=1), "only crossbar layers"),
    ("replicas 0", lambda p: _node(p, 1, replicas=0), "node 1 ('n1'): replicas must be >= 1"),
    ("negative replicas", lambda p: _node(p, 3, replicas=-2), "replicas must be >= 1, got -2"),
    ("negative latency", lambda p: _edge(p, 2, latency_cycles=-1),
     "edge 2 (n2 -> n3): latency_cycles must be >= 0, got -1"),
    ("negative capacity", lambda p: _edge(p, 0, capacity_pixels=-3),
     "capacity_pixels must be >= 0, got -3"),
    ("zero bytes", lambda p: _edge(p, 1, bytes_per_pixel=0), "bytes_per_pixel must be >= 1"),
    ("negative bytes", lambda p: _edge(p, 2, bytes_per_pixel=-4), "bytes_per_pixel must be >= 1"),
    ("negative hops", lambda p: _edge(p, 2, mesh_hops=-1), "mesh_hops must be >= 0"),
    ("negative HT links", lambda p: _edge(p, 0, ht_links=-1), "ht_links must be >= 0"),
    ("remote edge without bandwidth", lambda p: _edge(p, 2, cap_bytes_per_cycle=0),
     "a remote edge needs cap_bytes_per_cycle >= 1, got 0"),
    ("negative bandwidth", lambda p: _edge(p, 1, cap_bytes_per_cycle=-1),
     "cap_bytes_per_cycle must be >= 0"),
    ("negative span", lambda p: _node(p, 1, span_cycles=-1), "span_cycles must be >= 0"),
    ("negative op cycles", lambda p: _node(p, 2, op_cycles=-1), "op_cycles must be >= 0"),
    ("negative stage", lambda p: dataclasses.replace(p, stages=StageCycles(write=-1)),
     "stages: write must be >= 0"),
    ("kernel 0", lambda p: _geometry(p, 0, kh=0), "kernel height must be >= 1, got 0"),
    ("kernel width 0", lambda p: _geometry(p, 1, kw=0), "kernel width must be >= 1"),
    ("stride 0", lambda p: _geometry(p, 1, sh=0), "stride height must be >= 1"),
    ("negative stride", lambda p: _geometry(p, 2, sw=-1), "stride width must be >= 1"),
    ("negative padding", lambda p: _geometry(p, 0, pw=-1), "padding width must be >= 0"),
    ("float latency", lambda p: _edge(p, 2, latency_cycles=1.5),
     "latency_cycles must be an integer, got 1.5"),
    ("float capacity", lambda p: _edge(p, 0, capacity_pixels=11.0), "must be an integer"),
    ("bool local given as int", lambda p: _edge(p, 1, local=1), "local must be a bool"),
    ("unknown rule", lambda p: _node(p, 2, rule="analog"), "unknown service rule 'analog'"),
    ("empty shape", lambda p: _node(p, 2, shape=(2, 0, 2)), "width must be >= 1, got 0"),
    ("edge not in the consumer's inputs", lambda p: _node(p, 3, inputs=()),
     "edge 2 (n2 -> n3): missing from the inputs of node 3"),
    ("edge not in the producer's outputs", lambda p: _node(p, 0, outputs=()),
     "missing from the outputs of node 0"),
    ("input listing another node's edge", lambda p: _node(p, 3, inputs=(2, 1)),
     "node 3 ('n3'): inputs list edge 1, whose dst is node 2"),
    ("output listing another node's edge", lambda p: _node(p, 1, outputs=(1, 2)),
     "outputs list edge 2, whose src is node 2"),
    ("edge listed twice", lambda p: _node(p, 4, inputs=(3, 4, 3)), "list an edge twice"),
    ("unknown edge", lambda p: _node(p, 2, outputs=(2, 9)), "outputs name edge 9"),
    ("edge to a missing node", lambda p: _edge(p, 2, dst=7), "must be nodes 0..4"),
    ("pools not a pair", lambda p: _node(p, 1, pools=(0,)), "pools must be a pair of integers"),
    ("pool below -1", lambda p: _node(p, 1, pools=(-2, -1)), "pools must be a pair of integers"),
    ("a shared server on the source", lambda p: _node(p, 0, pools=(0, -1)),
     "the image source uses no shared server"),
    ("merge and act on one shared server",
     lambda p: _node(p, 1, pools=(3, 3), merge=Service(1, 1), act=Service(1, 1)),
     "shared server 3: node 1 names it twice"),
    ("a shared server with two rates",
     lambda p: _node(_node(p, 1, pools=(0, -1), merge=Service(2, 1)), 3, pools=(0, -1),
                     merge=Service(3, 1)), "its users give it different rates [2, 3]"),
    ("a shared crossbar server with act 0 cycles",
     lambda p: dataclasses.replace(_node(p, 1, pools=(0, -1), merge=Service(1, 1)),
                                   stages=StageCycles(act=0)), "act must be >= 1"),
    ("digital groups 0", lambda p: _node(p, 2, groups=0), "groups must be an integer from 1"),
    ("source groups 2", lambda p: _node(p, 0, groups=2), "1 (the image source)"),
]


@pytest.mark.parametrize("what, corrupt, message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_plan_is_refused_with_a_clear_message(what, corrupt, message):
    with pytest.raises(ValueError, match="invalid TimingPlan") as info:
        corrupt(base())
    assert message in str(info.value)


def test_edges_must_follow_topological_order():
    # a -> b where b comes first: node 1 reads node 2
    nodes = (Node("input", "source", (2, 2, 1), outputs=(0,)),
             Node("b", "xbar", (2, 2, 1), inputs=(1,)),
             Node("a", "xbar", (2, 2, 1), inputs=(0,), outputs=(1,)))
    edges = (Edge(0, 2, Geometry(1, 1), False, 2, 0, 640),
             Edge(2, 1, Geometry(1, 1), True, 2, 0))
    with pytest.raises(ValueError, match=r"edge 1 \(a -> b\): src 2 must come before dst 1"):
        TimingPlan(nodes, edges)


def test_every_problem_is_listed():
    plan = base()
    nodes, edges = list(plan.nodes), list(plan.edges)
    nodes[1] = dataclasses.replace(nodes[1], replicas=0)
    edges[1] = dataclasses.replace(edges[1], capacity_pixels=2)
    with pytest.raises(ValueError) as info:
        TimingPlan(tuple(nodes), tuple(edges), plan.stages)
    text = str(info.value)
    assert text.startswith("invalid TimingPlan, 2 problems:")
    assert "replicas must be >= 1" in text and "capacity_pixels 2" in text


def test_the_base_plan_is_valid_and_the_simulators_agree():
    plan = base()
    work = image(plan)
    fast, ref = engine.simulate(plan, [work]), reference.simulate(plan, [work])
    assert fast.latency_cycles.tolist() == ref.latency_cycles.tolist()
    assert (fast.node_end == ref.node_end).all()


# -- Hypothesis: random valid plans, one random corruption each ---------------------------------------

def _corruptions(plan: TimingPlan) -> list:
    """(corruption, message fragment) applicable to `plan`."""
    out = []
    for e, edge in enumerate(plan.edges):
        dst = plan.nodes[edge.dst]
        out.append((lambda p, e=e: _edge(p, e, bytes_per_pixel=0), "bytes_per_pixel"))
        out.append((lambda p, e=e: _edge(p, e, capacity_pixels=-1), "capacity_pixels"))
        out.append((lambda p, e=e: _edge(p, e, latency_cycles=-1), "latency_cycles"))
        out.append((lambda p, e=e: _geometry(p, e, kh=0), "kernel height"))
        if plan.nodes[edge.src].shape[1] > 1:  # stride 0 broadcasts a source one pixel wide
            out.append((lambda p, e=e: _geometry(p, e, sw=0), "stride width"))
        out.append((lambda p, e=e, dst=edge.dst: _node(p, dst, inputs=tuple(
            i for i in p.nodes[dst].inputs if i != e)), "missing from the inputs"))
        if not dst.is_crossbar:
            out.append((lambda p, e=e: _edge(p, e, capacity_pixels=1), "only crossbar layers"))
        if not edge.local:
            out.append((lambda p, e=e: _edge(p, e, cap_bytes_per_cycle=0), "a remote edge needs"))
    for n, node in enumerate(plan.nodes):
        if node.is_crossbar:
            out.append((lambda p, n=n: _node(p, n, replicas=0), "replicas"))
            out.append((lambda p, n=n: _node(p, n, span_cycles=-1), "span_cycles"))
        if node.is_digital:
            out.append((lambda p, n=n: _node(p, n, op_cycles=-1), "op_cycles"))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st_plans(max_images=1), data=st.data())
def test_random_corruptions_of_valid_plans_are_refused(case, data):
    plan, _ = case
    corrupt, fragment = data.draw(st.sampled_from(_corruptions(plan)))
    with pytest.raises(ValueError, match="invalid TimingPlan") as info:
        corrupt(plan)
    assert fragment in str(info.value)


# -- what the contract accepts, the simulators agree on -----------------------------------------------

@st.composite
def odd_plans(draw):
    """Valid plans at the edges of the contract: padding up to twice the kernel (windows that
    hold only padding), strides beyond the kernel, zero stage, span and route latencies, one
    byte per cycle, one replica or many, every buffer at or above its rolling need."""
    stages = StageCycles(**{k: draw(st.integers(0, 2)) for k in
                            ("fetch", "adc", "ima_sa", "tile_sa", "act", "write")})
    pb = PlanBuilder(stages)
    hw = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    prev = pb.source((*hw, draw(st.integers(1, 2))))
    for _ in range(draw(st.integers(1, 3))):
        h, w, _c = pb.nodes[prev]["shape"]
        k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        pad = (draw(st.integers(0, 2 * k[0])), draw(st.integers(0, 2 * k[1])))
        stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        if h + 2 * pad[0] < k[0] or w + 2 * pad[1] < k[1]:
            pad = (k[0], k[1])
        link = LOCAL if prev and draw(st.booleans()) else remote(draw(st.integers(1, 9)),
                                                                   draw(st.integers(0, 3)))
        if draw(st.booleans()):
            need = w * (k[0] - 1) + k[1]
            capacity = need + draw(st.integers(0, 3)) if draw(st.booleans()) else 0
            prev = pb.conv(prev, draw(st.integers(1, 2)), k, stride, pad,
                           draw(st.integers(1, 4)), draw(st.integers(0, 2)), capacity, link)
        else:
            prev = pb.pool(prev, (min(k[0], h), min(k[1], w)), stride,
                           draw(st.integers(0, 2)), link)
    return pb.build()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=odd_plans(), seed=st.integers(0, 2 ** 16), mode=st.sampled_from(["single", "stream"]))
def test_accepted_odd_plans_give_the_same_cycles_in_both_simulators(plan, seed, mode):
    rng = np.random.default_rng(seed)
    works = []
    for n in range(2):
        bits = {v: (rng.random(node.shape[:2]) < 0.8).astype(np.int64) if node.is_source else
                rng.integers(0, 17, node.shape[:2]) for v, node in enumerate(plan.nodes)}
        works.append(image(plan, bits, image_id=f"i{n}", arrival=3 * n))
    fast = engine.simulate(plan, works, mode)
    ref = reference.simulate(plan, works, mode)
    for name in vars(fast):
        assert (getattr(fast, name) == getattr(ref, name)).all(), name


# -- stalls: the user's to fix, or isaacsim's bug -------------------------------------------------------

def _undersized() -> TimingPlan:
    """source 1x4x1 -> A (conv 1x3, pad (0, 1)) with a buffer of 2 pixels: its rolling need is
    W_in x (K_h - 1) + K_w = 4 x 0 + 3 = 3 (docs/timing-model.md s10)."""
    pb = PlanBuilder()
    s = pb.source((1, 4, 1))
    pb.conv(s, 1, (1, 3), pad=(0, 1), capacity=2, link=remote(640, 1), name="A")
    return pb.build()


@pytest.mark.parametrize("sim", [engine, reference], ids=["engine", "reference"])
def test_a_buffer_below_its_rolling_need_is_an_input_error(sim):
    plan = _undersized()
    with pytest.raises(InputError) as info:
        sim.simulate(plan, [image(plan)])
    text = str(info.value)
    assert "edge input -> A" in text and "3 pixels" in text


@pytest.mark.parametrize("sim", [engine, reference], ids=["engine", "reference"])
def test_a_buffer_at_its_rolling_need_finishes(sim):
    plan = _edge(_undersized(), 0, capacity_pixels=3)
    assert sim.simulate(plan, [image(plan)]).latency_cycles[0] > 0


def _stalling_engine(monkeypatch):
    """A bug in the engine: its driver never advances a node."""
    monkeypatch.setattr(engine_core, "drive", lambda *args: -1)


def _stalling_reference(monkeypatch):
    """A bug in the reference model: its pipes never send."""
    monkeypatch.setattr(reference._Machine, "_step_pipes", lambda self, t: None)
    monkeypatch.setattr(reference._Machine, "_pipes_busy", lambda self, t: False)


@pytest.mark.parametrize("sim, stall", [(engine, _stalling_engine),
                                        (reference, _stalling_reference)],
                         ids=["engine", "reference"])
def test_a_stall_of_a_valid_plan_is_an_internal_error(sim, stall, monkeypatch):
    plan = base()  # valid, every buffer at or above its need
    stall(monkeypatch)
    with pytest.raises(InternalError, match="bug in isaacsim") as info:
        sim.simulate(plan, [image(plan)])
    assert not isinstance(info.value, InputError)


def test_the_cli_reports_an_internal_error_with_exit_code_3(monkeypatch, capsys, tmp_path):
    _stalling_engine(monkeypatch)
    code = main(["run", "workloads/tiny_cropped.json", "--images", "1", "--out",
                 str(tmp_path / "r"), "--progress", "off"])
    err = capsys.readouterr().err
    assert code == 3
    assert "isaacsim run: internal error: engine: the schedule stopped" in err
    assert "please report" in err and "--debug" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()
    with pytest.raises(InternalError):
        main(["run", "workloads/tiny_cropped.json", "--images", "1", "--out",
              str(tmp_path / "r"), "--progress", "off", "--debug"])


def test_an_empty_plan_a_shapeless_node_and_a_source_with_inputs_are_refused():
    with pytest.raises(ValueError, match="the plan has no node"):
        TimingPlan((), ())
    with pytest.raises(ValueError, match=r"shape must be \(H, W, C\), got None"):
        TimingPlan((Node("i", "source", None),), ())  # type: ignore[arg-type]
    # source -> crossbar -> source: the two simulators disagreed by a cycle (265 and 266)
    edges = (Edge(0, 1, Geometry(1, 1), True, 2, 0), Edge(1, 2, Geometry(1, 1), True, 2, 0))
    nodes = (Node("i", "source", (1, 1, 1), outputs=(0,)),
             Node("x", "xbar", (1, 1, 1), inputs=(0,), outputs=(1,)),
             Node("j", "source", (1, 1, 1), inputs=(1,)))
    with pytest.raises(ValueError, match="the image source reads no edge"):
        TimingPlan(nodes, edges)
