"""Event counts of every node for every image, and their energy (docs/timing-model.md s9).

Target neutral: the counts are one product of the per-image *bases* (what the simulators measured,
`TimingResult.node_ops`, `node_bit_cycles`, `node_rf_pixels`, `edge_bytes`, and the active row
blocks of nodes that skip them, kept of the works as `plan.WorkFacts`) with the terms the target's
lowering attached to every node and edge (`isaacsim.events.EventCoefficients`). Energy is the
target's `EnergyTable` applied to the counts plus static power x time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from isaacsim.events import EnergyTable, Term
from isaacsim.plan import TimingResult, WorkFacts


@dataclass(frozen=True)
class Accounting:
    counts: dict
    """counter name -> int64 array [image, node]."""
    energy_pj: dict
    """component -> float64 array [image, node] of dynamic energy."""
    static_pj: np.ndarray
    """[image] static energy (HyperTransport of every chip used, for the image's latency)."""
    table: EnergyTable
    """The target's components (names, which are "compute" energy, the static one's name)."""


def _apply(term: Term, basis: np.ndarray) -> np.ndarray:
    x = basis * term.per
    if term.divisor != 1:
        x = -(-x // term.divisor) if term.ceil else x // term.divisor
    return x * term.times if term.times != 1 else x


def node_bases(lowered: Any, facts: WorkFacts, result: TimingResult, n: int) -> dict:
    """Basis name -> int64 [image] array of node `n` (`isaacsim.events.NODE_BASES`)."""
    ops, bits = result.node_ops[:, n], result.node_bit_cycles[:, n]
    bases = {"ops": ops, "read_cycles": bits, "rf_pixels": result.node_rf_pixels[:, n]}
    if lowered.events.row_blocks[n] is not None:
        blocks, rows = facts.row_blocks[:, n, 0], facts.row_blocks[:, n, 1]
        bases.update(block_ops=blocks * ops, block_read_cycles=blocks * bits, row_ops=rows * ops,
                     row_read_cycles=rows * bits, merges=np.maximum(blocks * ops - ops, 0))
    return bases


def count_events(lowered: Any, facts: WorkFacts, result: TimingResult) -> dict:
    """Counter name -> int64 [image, node] array: every term of every node and edge of
    `lowered.events` times its basis (an edge's events are its producer's); `facts`: the images'
    `isaacsim.works.WorkFacts`."""
    ev, plan = lowered.events, lowered.plan
    c = {name: np.zeros((len(facts), len(plan.nodes)), np.int64) for name in ev.counters}
    for n, terms in enumerate(ev.nodes):
        if not terms:
            continue
        bases = node_bases(lowered, facts, result, n)
        for term in terms:
            c[term.counter][:, n] += _apply(term, bases[term.basis])
    for e, terms in enumerate(ev.edges):
        src = plan.edges[e].src
        for term in terms:
            c[term.counter][:, src] += _apply(term, result.edge_bytes[:, e])
    return c


def static_cycles(result: TimingResult, arrivals: np.ndarray, mode: str) -> np.ndarray:
    """Cycles of static power charged to each image: its latency in single mode (it has the
    machine to itself); in stream mode the interval since the previous completion (the first
    image: since its arrival), so the images together pay for the whole run once."""
    if mode != "stream":
        return result.latency_cycles
    done = result.completion_cycle
    previous = np.concatenate(([arrivals[0] if len(arrivals) else 0], done[:-1]))
    return np.maximum(done - np.maximum(previous, 0), 0)


def energy(lowered: Any, counts: dict, charged_cycles: np.ndarray) -> Accounting:
    """Dynamic energy per component and node (the target's `EnergyTable`), and static energy per
    image for `charged_cycles` (see `static_cycles`)."""
    table: EnergyTable = lowered.energy
    per = {}
    for comp in table.components:
        total: np.ndarray | None = None
        for counter, scale, pj in comp.terms:
            x = counts[counter] * scale if scale != 1 else counts[counter]
            total = x * pj if total is None else total + x * pj
        if total is None:
            raise ValueError(f"energy component '{comp.name}' has no terms")
        if comp.divisor != 1:
            total = total / comp.divisor
        per[comp.name] = np.asarray(total, dtype=np.float64)
    static = table.static_mw * charged_cycles * table.cycle_ns
    return Accounting(counts, per, np.asarray(static, dtype=np.float64), table)
