"""The target-neutral description of what a run counts: event coefficients and an energy table.

A target's lowering emits, besides the `TimingPlan`, an `EventCoefficients`: for every node a list
of `Term`s saying how many events of which counter each unit of a *basis* quantity causes, and the
same for every edge. The bases are what the simulators and the work measure per image and node:

- ``ops``: ops of the node (active output pixels);
- ``read_cycles``: the sum of the crossbar ops' read cycles;
- ``rf_pixels``: active input pixels in the ops' receptive fields (over all input edges);
- ``block_ops``, ``block_read_cycles``, ``row_ops``, ``row_read_cycles``, ``merges``: for a node
  whose op reads only the row blocks of its matrix with an active input (`RowBlocks`): active row
  blocks (rows) per op, summed over ops, optionally weighted by read cycles, and the partial sums
  merged, ``max(block_ops - ops, 0)``;
- per edge, ``bytes``: bytes the simulators sent over the edge's route.

A term adds ``times x round(basis x per / divisor)`` to its counter (``round`` down, or up with
``ceil``): integer events, the rounding being the target's (a flit holds whole bytes). Accounting
(`isaacsim.accounting`) is the one generic product of the bases and the terms; energy is the
target's `EnergyTable` applied to the counts. docs/timing-model.md s9 lists ISAAC's terms.
"""

from __future__ import annotations

from dataclasses import dataclass

NODE_BASES = ("ops", "read_cycles", "rf_pixels", "block_ops", "block_read_cycles", "row_ops",
              "row_read_cycles", "merges")
"""Per-image, per-node quantities a node term may count by."""
EDGE_BASES = ("bytes",)
"""Per-image, per-edge quantities an edge term may count by."""


@dataclass(frozen=True)
class Term:
    """``counter += times * round(basis * per / divisor)`` per image."""

    counter: str
    basis: str
    per: int
    divisor: int = 1
    ceil: bool = False
    times: int = 1

    def __post_init__(self) -> None:
        if self.basis not in NODE_BASES + EDGE_BASES:
            raise ValueError(f"unknown basis {self.basis!r}; expected one of "
                             f"{', '.join(NODE_BASES + EDGE_BASES)}")
        if self.divisor < 1:
            raise ValueError(f"divisor must be >= 1, got {self.divisor}")


@dataclass(frozen=True)
class RowBlocks:
    """A node whose op reads only the row blocks of its weight matrix that hold an active input:
    the matrix's rows are its input map (node `source`, `channels` channels) flattened in
    `flatten` order ("position": (h, w, c); "channel": (c, h, w)), cut into blocks of `rows`."""

    source: int
    channels: int
    flatten: str
    rows: int


@dataclass(frozen=True)
class EventCoefficients:
    """Per node and per edge of a plan, the terms of its event counts."""

    counters: tuple[str, ...]
    """The target's event counters, in report order."""
    nodes: tuple[tuple[Term, ...], ...]
    edges: tuple[tuple[Term, ...], ...]
    """An edge's events are the producer's (its node's row in the counts)."""
    row_blocks: tuple[RowBlocks | None, ...]
    """Per node: how its ops skip row blocks, or None (every op reads every row block)."""

    def __post_init__(self) -> None:
        for terms in self.nodes + self.edges:
            for t in terms:
                if t.counter not in self.counters:
                    raise ValueError(f"term of unknown counter {t.counter!r}")
        for terms in self.edges:
            if any(t.basis not in EDGE_BASES for t in terms):
                raise ValueError("an edge term counts by an edge basis")


@dataclass(frozen=True)
class Component:
    """One energy component: ``(sum of counts[counter] * scale * pj over terms) / divisor``."""

    name: str
    terms: tuple[tuple[str, int, float], ...]
    """(counter, integer scale applied to the count first, pJ per scaled event)."""
    divisor: float = 1.0
    compute: bool = True
    """Part of the tiles' "compute" energy (reports)."""


@dataclass(frozen=True)
class EnergyTable:
    """A target's dynamic-energy components, in report order, and its static power."""

    components: tuple[Component, ...]
    static_name: str
    """Name of the static component in reports."""
    static_mw: float
    """Static power of the machine as mapped, in mW."""
    cycle_ns: float

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.components)

    @property
    def compute_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.components if c.compute)
