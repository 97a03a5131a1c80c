"""Reference timing model: `docs/timing-model.md` stepped one cycle at a time.

This is the executable definition the fast engine (`isaacsim.engine`) is checked against, so it
favours the obvious over the fast and shares no code with the engine or the kernels. Every cycle t:

1. **Pipes** (section 6). Each remote edge is a FIFO of transfers, one per op of its producer, in
   the producer's op (rank) order. The pipe sends up to `cap_bytes_per_cycle` bytes from its head;
   a transfer may send from the cycle after its op is done (its request cycle), and the head blocks
   the transfers behind it. A transfer whose last byte is sent in cycle c is written at
   c + 1 + latency and ready `write` cycles later.
2. **Ops**, node by node in topological order (sections 3, 4, 5, 8, 12). A node issues its ops
   in rank order (section 3): at cycle t, its next op issues if it can, then the one after it,
   until one cannot.
   - a source pixel can when its out-slots are released, at t >= arrival;
   - a crossbar op can when every active input pixel of its receptive field is ready (ready <=
     t), its replica is free (t >= its `free`, which is known once the replica's previous op has
     been read), every bounded out-slot is released and t >= arrival. The op then asks for its
     stages (section 12, below): its group's fetch, its reads one by one on the replica's
     readout, its group's merge and act; the last read sets the replica's `free` (`s + b` when
     no server delays);
   - a digital op can (and asks for its unit at t) when its inputs satisfy ready + op_cycles -
     1 <= t, its out-slots are released and t >= arrival (an empty receptive field counts as
     inputs ready at the arrival); it is done when its merge and act servers have served it (at t
     when neither can delay it).
   Then the node's requests on shared servers whose effective cycle is t are served (below).
   The slot of rank r on an edge with B slots is released for rank r + B once every consumer op
   reading it has issued, at 1 + the last reader's issue cycle (or at its ready time if no op
   reads it). Only edges into crossbar layers with `capacity_pixels > 0` are bounded.
3. t advances to the next cycle in which some condition can change: t + 1 while a pipe has bytes
   to send, otherwise the smallest time value computed so far that lies after t. Every condition
   above compares t with such a value, so no cycle in which anything could happen is skipped.

**Servers** (section 12) are FIFOs serving `rate` slots per cycle: each cycle a server serves up to
`rate` slots from its head, a request made in cycle t being served from cycle t on, and a request
finishing mid-cycle leaving the rest of that cycle to the next one (as a pipe does); the request is
complete in the cycle its last slot is served. A crossbar layer's readout belongs to a replica,
whose reads ask it in cycle order; its fetch, merge and act belong to a server group (replica r
in group r mod `Node.groups`), and a digital layer's merge and act to the node: these serve their
ops in rank order, an op that asks before an op ranked earlier waiting for it. A request of 0
slots, or to a server of rate 0, is complete in its own cycle, in any order, and changes nothing.
A server of one node has only that node's requests, so a request's completion depends only on
the requests before it in its FIFO: the model serves it as soon as it and all of those have been
made, running the server forward cycle by cycle (`Server.serve`), and goes on with the op's next
stages. A server shared between nodes (`Node.pools`) serves requests in time order: each node's
requests enter in rank order, a request's effective cycle is `e = max(t, e of the node's previous
one)`, and the model serves it when the clock reaches `e`, node by node in plan order within a
cycle (`_book`), so ties go to the earlier node. Every cycle found this way lies at or after the
cycle in which it is found (a request waiting for an earlier-ranked one completes after that one
is made), which the model checks,
so the global clock still jumps over idle cycles. It must find them ahead of time rather than
when they happen: with 0-cycle stages a replica issues its next op `fetch_cycles - 1` cycles
before its last read, a read may come the cycle before the previous read's conversions are
complete, and an op is done the cycle before its act request completes when `act_cycles` is 0. The wait of
a request is `complete - t`; the readout's is counted per op, `c_last - (cf + fetch_cycles + b)`.

Bookkeeping is by counters: an op is examined only once every quantity it waits for is known
(`Op.blockers` counts the input pixels whose ready time and the out-slots whose release are still
unknown). If nothing can ever happen again while ops remain, the plan deadlocks: `simulate` raises
`InputError` naming the edges whose buffer is below its rolling need, `W_in x (K_h - 1) + K_w`
pixels (the user's to fix); with no such edge the stall is a bug in isaacsim, an `InternalError`.

Digital and source ops have no occupancy; the "issue" cycle (node start, trace) of a digital op is
the cycle t it asks for its unit, which is its done cycle unless a server delays it; a source
pixel is done when it issues.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from isaacsim.errors import InputError, InternalError, Problem
from isaacsim.plan import DIGITAL, SERVICES, SOURCE, XBAR, ImageWork, Node, TimingPlan, TimingResult
from isaacsim.reference_units import ACT, FETCH, MERGE, READOUT, Group, Op, Pipe, Replica, Server, demand

MODES = ("single", "stream")


@dataclass
class OpRecord:
    """One op as simulated (for tests and debugging)."""

    node: int
    image: int
    """Index of the image in the list given to `simulate`."""
    rank: int
    """Rank of the output pixel; in stream mode ranks continue across images."""
    replica: int
    """Crossbar layers: rank mod replicas; -1 for the source and digital layers."""
    h: int
    w: int
    bits: int
    issue: int
    done: int
    ready: dict[int, int] = field(default_factory=dict)
    """Out-edge index -> ready cycle of the pixel on that edge."""
    output_ready: int = -1
    """Network outputs (nodes without out-edges): done + write + 1; -1 otherwise."""
    wait: tuple[int, ...] = (0,) * len(SERVICES)
    """Cycles the op waited for each server of `SERVICES` (timing-model s12)."""
    reads: tuple[int, ...] = ()
    """Crossbar ops: the cycle of each of its reads; () for the source and digital layers."""


class _Machine:
    """One ISAAC machine running a list of images (one image in single mode)."""

    def __init__(self, plan: TimingPlan, images: list[ImageWork], arrivals: list[int],
                 trace: bool = False):
        self.plan, self.arrivals, self.trace = plan, arrivals, trace
        self.write = plan.stages.write
        nodes, edges = plan.nodes, plan.edges
        # Edges with a rolling buffer: into a crossbar layer with a finite capacity (section 4).
        self.bound = [edge.capacity_pixels if nodes[edge.dst].is_crossbar else 0 for edge in edges]
        self.ops: list[list[Op]] = [[] for _ in nodes]
        for n, work in enumerate(images):
            self._add_image(n, work)
        self.times: list[int] = []  # heap of time values at which a condition may change
        self.next_issue = [0] * len(nodes)  # per node, the rank of its next op to issue
        # crossbar layers: their replicas (op of rank k on replica k mod R); every node: its server
        # groups (replica r uses group r mod G, a digital op of rank k group k mod G)
        self.replicas = [[Replica(node) for _ in range(node.replicas)] if node.is_crossbar else []
                         for v, node in enumerate(nodes)]
        self.groups: list[list[Group]] = []
        self.shared: dict[int, Server] = {}  # the servers shared between nodes, by id
        for v, node in enumerate(nodes):
            members: list[list[Op]] = [[] for _ in range(1 if node.is_source else node.groups)]
            for op in self.ops[v]:  # in rank order
                op.group = (op.rank % node.replicas if node.is_crossbar else op.rank) % len(members)
                members[op.group].append(op)
            self.groups.append([Group(node, g, ops, self.shared) for g, ops in enumerate(members)])
        # requests on shared servers, per node, to be served in their effective cycle:
        # a heap of (e, rank, server, op)
        self.due: list[list[tuple[int, int, int, Op]]] = [[] for _ in nodes]
        self.pipes = {e: Pipe(self.ops[edge.src], edge.bytes_per_pixel)
                      for e, edge in enumerate(edges) if not edge.local}
        self.unissued = self.undone = sum(len(ops) for ops in self.ops)
        self.now = 0  # the cycle being stepped
        for v, node in enumerate(nodes):
            for op in self.ops[v]:
                op.blockers = len(op.inputs) + sum(
                    1 for e in node.outputs if self.bound[e] and op.rank >= self.bound[e])
        for a in arrivals:
            self._at(a)
            for node in nodes:
                if node.is_digital:
                    self._at(a + node.op_cycles - 1)

    def _add_image(self, n: int, work: ImageWork) -> None:
        """Create the ops of one image (active pixels in raster order) and their read relations."""
        grids: list[dict[tuple[int, int], Op]] = []
        for v, node in enumerate(self.plan.nodes):
            bits = np.asarray(work.bits[v])
            if bits.shape != node.shape[:2]:
                raise ValueError(f"image {work.image_id}: bits of {node.name} have shape "
                                 f"{bits.shape}, expected {node.shape[:2]}")
            if bits.min(initial=0) < 0 or bits.max(initial=0) > 16:
                raise ValueError(f"image {work.image_id}: bits of {node.name} outside 0..16")
            grid = {}
            for h in range(node.shape[0]):
                for w in range(node.shape[1]):
                    if bits[h, w] > 0:
                        op = Op(v, n, len(self.ops[v]), h, w, int(bits[h, w]))
                        self.ops[v].append(op)
                        grid[h, w] = op
                        for e in node.outputs:
                            op.readers[e], op.unread[e], op.last_read[e] = [], 0, -1
                        for e in node.inputs:
                            self._connect(op, e, grids)
            grids.append(grid)

    def _connect(self, op: Op, e: int, grids: list[dict[tuple[int, int], Op]]) -> None:
        edge = self.plan.edges[e]
        height, width = self.plan.nodes[edge.src].shape[:2]
        for i in edge.geometry.rows(op.h, height):
            for j in edge.geometry.cols(op.w, width):
                producer = grids[edge.src].get((i, j))
                if producer is not None:
                    op.inputs.append((e, producer))
                    producer.readers[e].append(op)
                    producer.unread[e] += 1

    # ---- bookkeeping -------------------------------------------------------------------------

    def _at(self, time: int) -> None:
        heapq.heappush(self.times, time)

    def _unblock(self, op: Op) -> None:
        op.blockers -= 1

    def _release(self, op: Op, e: int) -> int | None:
        """Cycle from which the slot of `op`'s pixel on edge e may be reused, None if unknown."""
        if op.readers[e]:
            return None if op.unread[e] else op.last_read[e] + 1
        return op.ready.get(e)

    def _release_known(self, op: Op, e: int) -> None:
        """The release of op's slot on e became known: the op B ranks later waits for it."""
        b = self.bound[e]
        if b and op.rank + b < len(self.ops[op.node]):
            self._unblock(self.ops[op.node][op.rank + b])

    def _set_ready(self, op: Op, e: int, ready: int) -> None:
        op.ready[e] = ready
        self._at(ready)
        consumer = self.plan.nodes[self.plan.edges[e].dst]
        if consumer.is_digital:
            self._at(ready + consumer.op_cycles - 1)
        for reader in op.readers[e]:
            self._unblock(reader)
        if not op.readers[e]:
            self._release_known(op, e)

    def _issued(self, op: Op, issue: int) -> None:
        """Record an op's issue cycle: its reads of its input pixels, hence their releases."""
        op.issue = issue
        self.unissued -= 1
        for e, producer in op.inputs:
            producer.unread[e] -= 1
            producer.last_read[e] = max(producer.last_read[e], issue)
            if producer.unread[e] == 0:
                self._at(producer.last_read[e] + 1)
                self._release_known(producer, e)

    def _done(self, op: Op, done: int) -> None:
        """Record an op's done cycle and the ready times that follow from it."""
        self._not_before(done, self.now, "an op done")
        op.done = done
        self.undone -= 1
        node = self.plan.nodes[op.node]
        for e in node.outputs:
            edge = self.plan.edges[e]
            if edge.local:
                into_digital = self.plan.nodes[edge.dst].is_digital
                self._set_ready(op, e, done + 1 if into_digital else done + self.write + 1)
            else:
                self._at(done + 1)  # the transfer is requested
        if not node.outputs:
            op.output_ready = done + self.write + 1

    # ---- the rules ---------------------------------------------------------------------------

    def _slots_free(self, op: Op, t: int) -> bool:
        """Back-pressure: on every bounded out-edge the slot of rank r - B is released by t."""
        for e in self.plan.nodes[op.node].outputs:
            b = self.bound[e]
            if b and op.rank >= b:
                release = self._release(self.ops[op.node][op.rank - b], e)
                if release is None or release > t:
                    return False
        return True

    def _step_pipes(self, t: int) -> None:
        for e, pipe in self.pipes.items():
            edge = self.plan.edges[e]
            budget = edge.cap_bytes_per_cycle
            while budget > 0 and pipe.head < len(pipe.ops):
                op = pipe.ops[pipe.head]
                if op.done is None or op.done + 1 > t:
                    break
                sent = min(budget, pipe.left)
                budget -= sent
                pipe.left -= sent
                if pipe.left == 0:
                    self._set_ready(op, e, t + 1 + edge.latency_cycles + self.write)
                    pipe.head += 1
                    pipe.left = edge.bytes_per_pixel

    def _step_ops(self, t: int) -> None:
        for v, node in enumerate(self.plan.nodes):
            ops = self.ops[v]
            late = node.op_cycles - 1 if node.is_digital else 0
            # ops issue in rank order (section 3): the next one, as long as it can at t
            while self.next_issue[v] < len(ops):
                op = ops[self.next_issue[v]]
                arrival = self.arrivals[op.image]
                if op.blockers or t < arrival or not self._slots_free(op, t):
                    break
                if node.is_crossbar:
                    replica = self.replicas[v][op.rank % node.replicas]
                    if (replica.free is None or t < replica.free
                            or any(p.ready[e] > t for e, p in op.inputs)):
                        break
                    replica.free = None  # known once the op has been read (`_read`)
                    self.next_issue[v] += 1
                    self._issued(op, t)
                    self._ask(op, FETCH, t)
                    continue
                inputs_at = (max(p.ready[e] for e, p in op.inputs) if op.inputs
                             else arrival)  # A(p); an empty field reads as the arrival
                if inputs_at + late > t:
                    break
                self.next_issue[v] += 1
                self._issued(op, t)
                if node.is_digital:
                    self._ask(op, MERGE, t)
                else:
                    self._done(op, t)
            self._book(v, t)

    def _book(self, v: int, t: int) -> None:
        """Serve node v's requests on shared servers whose effective cycle is t, in rank order
        (section 12: a shared server serves its requests by effective cycle, then by node, and
        `_step_ops` comes here node by node in plan order). Serving one may make another request
        of the node due in this cycle (its act after its merge); it is served here too."""
        due = self.due[v]
        while due and due[0][0] == t:
            _, _, server, op = heapq.heappop(due)
            unit = self.groups[v][op.group].servers[server]
            asked = op.asked[server]
            assert asked is not None  # (a request is due only once it is made)
            per = (self.plan.nodes[v].merge if server == MERGE else self.plan.nodes[v].act).per
            complete = unit.serve_slots(asked, demand(op, server) * per)
            op.wait[server] += complete - asked
            self._served(op, server, complete)
        if due and due[0][0] < t:
            raise InternalError(f"reference model: a request on a shared server due at cycle "
                                f"{due[0][0]} was found at cycle {t}; this is a bug in isaacsim's "
                                f"reference model")

    def _ask(self, op: Op, server: int, t: int) -> None:
        """`op` asks its group's `server` (FETCH, MERGE or ACT) in cycle t (section 12).

        An active server serves the group's ops in rank order: this request is served once every
        op before it in the server's queue has asked, and then so are the requests of later ops
        that asked before it. A request that cannot wait (0 slots, or a server of rate 0) is
        complete at once, in any order.
        """
        group = self.groups[op.node][op.group]
        unit = group.servers[server]
        if not getattr(self.plan.nodes[op.node], SERVICES[server]).active or \
                demand(op, server) == 0:
            self._served(op, server, t)
            return
        op.asked[server] = t
        queue = group.queues[server]
        if group.pooled[server]:  # shared: due in its effective cycle, in rank order (`_book`)
            while group.next[server] < len(queue):
                head = queue[group.next[server]]
                asked = head.asked[server]
                if asked is None:
                    return
                group.next[server] += 1
                e = max(asked, group.effective[server])
                group.effective[server] = e
                self._not_before(e, self.now, "a request on a shared server")
                heapq.heappush(self.due[op.node], (e, head.rank, server, head))
                self._at(e)
            return
        while group.next[server] < len(queue):
            head = queue[group.next[server]]
            asked = head.asked[server]
            if asked is None:  # an earlier op of the queue has not asked yet: wait for it
                return
            group.next[server] += 1
            complete = unit.serve(asked, demand(head, server))
            head.wait[server] += complete - asked
            self._served(head, server, complete)

    def _served(self, op: Op, server: int, complete: int) -> None:
        """`op`'s request of `server` is complete in cycle `complete`: its next stages (section 12,
        steps 1-6 for a crossbar op, merge and act for a digital one)."""
        node, stages = self.plan.nodes[op.node], self.plan.stages
        if node.is_digital:
            if server == MERGE:
                self._ask(op, ACT, complete)
            else:
                self._done(op, complete)  # the activation shares the act cycle
        elif server == FETCH:
            self._read(op, node, complete)
        elif server == MERGE:
            self._ask(op, ACT, complete + stages.tile_sa + node.span_cycles)
        else:
            self._done(op, complete + stages.act - 1)

    def _read(self, op: Op, node: Node, fetched: int) -> None:
        """A crossbar op's reads on its replica, its input fetched in cycle `fetched` (section 12,
        steps 2-4): each read asks the replica's readout in the next cycle; the replica is free
        for its next op and the op asks for its merge."""
        stages = self.plan.stages
        replica = self.replicas[op.node][op.rank % node.replicas]
        read = max(fetched + stages.fetch, replica.sample)
        for j in range(op.bits):
            if j:
                read = replica.sample
            if self.trace:
                op.reads.append(read)
            converted = replica.readout.serve(read + 1, 1)
            # the sample-and-holds keep this read while the previous one is converted
            replica.sample = max(read + 1, converted - 1)
        # the readout's wait is per op: its last conversion against back-to-back reads
        op.wait[READOUT] += converted - (fetched + stages.fetch + op.bits)
        replica.free = read + 1 - stages.fetch  # the next op's fetch overlaps the last read
        self._not_before(replica.free, self.now + 1, "a replica free")
        self._at(replica.free)
        self._ask(op, MERGE, converted + stages.adc - 1 + stages.ima_sa + 1)

    @staticmethod
    def _not_before(cycle: int, earliest: int, what: str) -> None:
        """A cycle found by serving must not lie before the cycles the loop may still step: each
        request is served once made, and every later stage follows it (section 12)."""
        if cycle < earliest:
            raise InternalError(f"reference model: {what} at cycle {cycle} became known only at "
                                f"cycle {earliest}; this is a bug in isaacsim's reference model")

    def _pipes_busy(self, t: int) -> bool:
        """Some pipe has a requested transfer with bytes left to send in cycle t."""
        for pipe in self.pipes.values():
            if pipe.head < len(pipe.ops):
                op = pipe.ops[pipe.head]
                if op.done is not None and op.done + 1 <= t:
                    return True
        return False

    def run(self) -> None:
        t = 0
        while True:
            self.now = t
            self._step_pipes(t)
            self._step_ops(t)
            if self.undone == 0 and all(p.head == len(p.ops) for p in self.pipes.values()):
                return
            if self._pipes_busy(t + 1):
                t += 1
                continue
            while self.times and self.times[0] <= t:
                heapq.heappop(self.times)
            if not self.times:
                raise self._deadlock(t)
            t = heapq.heappop(self.times)

    def _deadlock(self, t: int) -> InputError | InternalError:
        """Name the edges whose buffer is too small: an op of rank r waits for the slot of rank
        r - B while an unissued reader of that slot needs a pixel of rank >= r on the same edge (the
        window spans more than B slots); without such an edge, every edge with a blocked op. Only
        an edge whose B is below its rolling need can be the user's to fix (an `InputError`); when
        no named edge is, the rules say the schedule finishes and the stall is a bug (an
        `InternalError`)."""
        blocked: dict[int, tuple[int, int]] = {}
        culprits: set[int] = set()
        for v, ops in enumerate(self.ops):
            for op in (o for o in ops if o.issue is None):
                for e in self.plan.nodes[v].outputs:
                    b = self.bound[e]
                    if not b or op.rank < b:
                        continue
                    held = self.ops[v][op.rank - b]
                    if self._release(held, e) is not None:
                        continue
                    blocked.setdefault(e, (op.rank, b))
                    if any(reader.issue is None and p.rank >= op.rank
                           for reader in held.readers[e] for e2, p in reader.inputs if e2 == e):
                        culprits.add(e)
        problems = []
        for e in sorted(culprits or blocked):
            (rank, b), edge = blocked[e], self.plan.edges[e]
            need = self.plan.nodes[edge.src].shape[1] * (edge.geometry.kh - 1) + edge.geometry.kw
            if b >= need:
                continue
            src, dst = self.plan.nodes[edge.src].name, self.plan.nodes[edge.dst].name
            problems.append(Problem(
                f"edge {src} -> {dst}", "",
                f"buffer of {b} pixels is too small: the schedule deadlocks at cycle {t} "
                f"(the pixel of rank {rank} waits for the slot of rank {rank - b}, which an op of "
                f"{dst} that needs rank {rank} or later still has to read); give {dst} at least "
                f"its rolling need W_in x (K_h - 1) + K_w = {need} pixels"))
        if problems:
            return InputError(problems)
        waiting = {self.plan.nodes[v].name: sum(1 for o in ops if o.issue is None)
                   for v, ops in enumerate(self.ops) if any(o.issue is None for o in ops)}
        return InternalError(
            f"reference model: no progress possible at cycle {t} with ops left "
            f"({', '.join(f'{name}: {n}' for name, n in waiting.items()) or 'none'}; pipes busy: "
            f"{sum(1 for p in self.pipes.values() if p.head < len(p.ops))}); the plan is valid and "
            f"every buffer holds at least its rolling need, so this is a bug in isaacsim's "
            f"reference model")

    # ---- results -----------------------------------------------------------------------------

    def fill(self, result: TimingResult, rows: list[int], records: list[OpRecord] | None) -> None:
        """Write this machine's images into `result` rows (machine image n -> row rows[n])."""
        plan = self.plan
        for v, node in enumerate(plan.nodes):
            for op in self.ops[v]:
                row = rows[op.image]
                end = op.output_ready if not node.outputs else max(op.ready.values())
                result.node_ops[row, v] += 1
                if node.is_crossbar:
                    result.node_bit_cycles[row, v] += op.bits
                result.node_rf_pixels[row, v] += len(op.inputs)
                result.node_wait[row, v] += op.wait
                start = result.node_start[row, v]
                result.node_start[row, v] = op.issue if start < 0 else min(start, op.issue)
                result.node_end[row, v] = max(result.node_end[row, v], end)
                for e in node.outputs:
                    edge = plan.edges[e]
                    if not edge.local:
                        result.edge_bytes[row, e] += edge.bytes_per_pixel
                        # from an idle pipe the last byte goes in the cycle after done, plus
                        # ceil(bytes / cap) - 1 (section 6); every op is done by now
                        assert op.done is not None
                        sent = op.done + 1 + -(-edge.bytes_per_pixel
                                               // edge.cap_bytes_per_cycle) - 1
                        idle = sent + 1 + edge.latency_cycles + plan.stages.write
                        result.edge_wait[row, e] += op.ready[e] - idle
                if records is not None:
                    replica = op.rank % node.replicas if node.is_crossbar else -1
                    # every op has issued and is done once the simulation has ended
                    records.append(OpRecord(v, row, op.rank, replica, op.h, op.w, op.bits,
                                            op.issue, op.done,  # type: ignore[arg-type]
                                            dict(op.ready), op.output_ready, tuple(op.wait),
                                            tuple(op.reads)))
        for n, row in enumerate(rows):
            ends = [result.node_end[row, v] for v in plan.sinks if result.node_end[row, v] >= 0]
            result.completion_cycle[row] = max(ends) if ends else self.arrivals[n]
            result.latency_cycles[row] = result.completion_cycle[row] - self.arrivals[n]


def _check_plan(plan: TimingPlan) -> None:
    for e, edge in enumerate(plan.edges):
        if edge.bytes_per_pixel < 1:
            raise ValueError(f"edge {e}: bytes_per_pixel must be >= 1")
        if not edge.local and edge.cap_bytes_per_cycle < 1:
            raise ValueError(f"edge {e}: a remote edge needs cap_bytes_per_cycle >= 1")
    for node in plan.nodes:
        if node.rule not in (SOURCE, XBAR, DIGITAL):
            raise ValueError(f"node {node.name}: unknown service rule {node.rule!r}")


def simulate_trace(plan: TimingPlan, images: list[ImageWork],
                   mode: str = "single") -> tuple[TimingResult, list[OpRecord]]:
    """Like `simulate`, and also return one `OpRecord` per op (sorted by image, node, rank)."""
    return _simulate(plan, images, mode, [])


def simulate(plan: TimingPlan, images: list[ImageWork], mode: str = "single") -> TimingResult:
    """Run `images` through `plan` cycle by cycle (docs/timing-model.md).

    `single`: each image alone on an empty machine, arriving at cycle 0. `stream`: one machine for
    all images in list order, image n arriving at `images[n].arrival_cycle`; ranks, round-robin
    replica counters, pipes and buffers carry over from one image to the next.
    Raises `InputError` if a buffer is below its rolling need and the schedule deadlocks, and
    `InternalError` if it stops otherwise (a bug).
    """
    return _simulate(plan, images, mode, None)[0]


def _simulate(plan, images, mode, records):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    _check_plan(plan)
    result = TimingResult.empty(len(images), len(plan.nodes), len(plan.edges))
    if mode == "single":
        for n, work in enumerate(images):
            machine = _Machine(plan, [work], [0], records is not None)
            machine.run()
            machine.fill(result, [n], records)
    else:
        machine = _Machine(plan, list(images), [w.arrival_cycle for w in images],
                           records is not None)
        machine.run()
        machine.fill(result, list(range(len(images))), records)
    if records is not None:
        records.sort(key=lambda r: (r.image, r.node, r.rank))
    return result, records
