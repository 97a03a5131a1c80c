"""The images-table columns of a run with the crop predictor (docs/reports.md).

* ``predictor_energy_pj``: dynamic energy of the predictor per image: the image source (the whole
  image into the predictor's tiles), the gradient convolution, the band sums and the decision
  with its transfer to the host. The network's own input (the gate's active pixels into the
  first layer) is not in it; ``energy_pj`` and ``compute_energy_pj`` include it.
* ``predictor_decision_cycles``: cycles from the image's arrival to the first cycle the decision
  can be read at the host, after which the network's input leaves the host.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from isaacsim.predictor.network import DECISION


def predictor_columns(sim: Any, spans: list[tuple[int, int]]) -> dict[str, np.ndarray]:
    """The two columns for the images of `sim` (a runner `Simulated` of the network with the
    predictor), its accounting taken a run of images (`spans`) at a time."""
    last = sim.lowered.node_of[DECISION]
    energy = [sum(v[:, :last + 1].sum(axis=1) for v in sim.accounting(a, b).energy_pj.values())
              for a, b in spans]
    ready = sim.result.node_end[:, last] - (sim.result.completion_cycle - sim.result.latency_cycles)
    return {"predictor_energy_pj": np.concatenate(energy).astype(float),
            "predictor_decision_cycles": ready.astype(np.int64)}
