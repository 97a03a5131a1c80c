"""The units the reference model (`isaacsim.reference`) steps through time: an op's state, the
servers of docs/timing-model.md s12 (a FIFO served `rate` slots per cycle), a crossbar replica,
a node's server group and a remote edge's pipe. Plain Python, shared with neither the engine nor
the kernels.
"""

from __future__ import annotations

from isaacsim.plan import SERVICES, Node, Service


class Op:
    """Mutable state of one op while simulating."""

    __slots__ = ("node", "image", "rank", "h", "w", "bits", "inputs", "readers", "unread",
                 "last_read", "ready", "issue", "done", "blockers", "output_ready", "group",
                 "asked", "wait", "reads")

    def __init__(self, node: int, image: int, rank: int, h: int, w: int, bits: int):
        self.node, self.image, self.rank, self.h, self.w, self.bits = node, image, rank, h, w, bits
        self.inputs: list[tuple[int, Op]] = []  # (in-edge, producer op) per active rf pixel
        self.readers: dict[int, list[Op]] = {}  # out-edge -> consumer ops reading this pixel
        self.unread: dict[int, int] = {}  # out-edge -> readers that have not issued yet
        self.last_read: dict[int, int] = {}  # out-edge -> largest issue cycle of a reader so far
        self.ready: dict[int, int] = {}  # out-edge -> ready cycle, once known
        self.issue: int | None = None
        self.done: int | None = None
        self.blockers = 0
        self.output_ready = -1
        self.group = 0  # its node's server group (section 12)
        self.asked: list[int | None] = [None] * len(SERVICES)  # queued request cycle per server
        self.wait = [0] * len(SERVICES)  # cycles waited per server
        self.reads: list[int] = []  # crossbar ops: read cycles (kept only for a trace)


FETCH, READOUT, MERGE, ACT = range(len(SERVICES))
assert SERVICES == ("fetch", "readout", "merge", "act")


class Server:
    """One server of section 12: a FIFO of requests, `rate` slots served per cycle.

    Each cycle the server serves up to `rate` slots from its head; a request of x slots made in
    cycle t is served from cycle t on, after the requests before it, and is complete in the cycle
    its last slot is served. A request that ends mid-cycle leaves the rest of that cycle to the
    next request if it is made by then. Requests are handed over in serving order (the caller
    keeps the order, `Group`), so `serve` runs the FIFO forward until the new one is complete.
    """

    def __init__(self, service: Service):
        self.rate, self.per = service.rate, service.per
        self.active = service.active  # it can delay a request
        self.cycle = -1  # the last cycle in which the server served something
        self.left = 0  # slots it can still serve in that cycle

    def serve(self, t: int, demand: int) -> int:
        """A request of `demand x per` slots made in cycle t: the cycle it is complete."""
        return self.serve_slots(t, demand * self.per)

    def serve_slots(self, t: int, slots: int) -> int:
        """A request of `slots` slots made in cycle t (a shared server's users each have their
        own `per`): the cycle it is complete."""
        if slots == 0 or self.rate == 0:
            return t  # nothing to serve, or not modelled in time: complete at once, no state
        if self.cycle < t:  # idle before t: the request is served from cycle t
            self.cycle, self.left = t, self.rate
        while slots > self.left:  # the rest of this cycle's budget, then the next cycle's
            slots -= self.left
            self.cycle, self.left = self.cycle + 1, self.rate
        self.left -= slots
        return self.cycle


class Replica:
    """One replica of a crossbar layer (sections 3 and 12): its readout server and its cursors,
    carried from op to op (its ops are those of rank r mod R; the node issues them in rank
    order)."""

    def __init__(self, node: Node):
        self.free: int | None = 0  # F: earliest issue of its next op; None until the last is read
        self.sample = 0  # the earliest cycle of its next read
        self.readout = Server(node.readout)


def demand(op: Op, server: int) -> int:
    """Units of an op's request of `server`: active receptive-field pixels (all in-edges) for
    the fetch, one per op for merge and act (and per read for the readout)."""
    return len(op.inputs) if server == FETCH else 1


class Group:
    """A set of fetch, merge and act servers of a node (section 12) and the ops they serve, in
    rank order: a crossbar layer's server group g (the ops of replicas r with r mod G = g), or a
    digital layer's one set. Each active server has a queue: the group's ops that ask it for at
    least one slot, in rank order (a request of 0 slots is complete at once and changes nothing,
    so it is not queued); `next` is the position in it of the op whose request it serves next."""

    def __init__(self, node: Node, g: int, ops: list[Op], shared: dict[int, Server]):
        """Group g of `node`; `shared`: the servers shared between nodes (`Node.pools`), by id,
        created once per machine: this group's merge or act is one of them when the node names
        a pool."""
        self.servers = {FETCH: Server(node.fetch), MERGE: Server(node.merge),
                        ACT: Server(node.act)}
        self.pooled = {FETCH: False, MERGE: False, ACT: False}
        for server, pool, service in ((MERGE, node.pools[0], node.merge),
                                      (ACT, node.pools[1], node.act)):
            if pool >= 0:
                self.servers[server] = shared.setdefault(pool + g, Server(service))
                self.pooled[server] = True
        pers = {FETCH: node.fetch.per, MERGE: node.merge.per, ACT: node.act.per}
        self.queues = {server: [op for op in ops if demand(op, server) * pers[server] > 0]
                       for server in self.servers}
        self.next = {FETCH: 0, MERGE: 0, ACT: 0}
        self.effective = {FETCH: -1, MERGE: -1, ACT: -1}  # shared: the last request's e


class Pipe:
    """FIFO of one remote edge: transfers are the producer's ops, in op order."""

    def __init__(self, ops: list[Op], bytes_per_pixel: int):
        self.ops, self.head, self.left = ops, 0, bytes_per_pixel
