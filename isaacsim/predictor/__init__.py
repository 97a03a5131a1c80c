"""The "0th-layer" crop predictor (the seed's future work): a few gradient kernels over the input
image decide per image which border bands to crop, before the network runs.

* `kernels`: the registry of named 3x3 kernels (``sobel``, ``laplace``, ...);
* `rule`: the decision (band energy densities against the centre's; `predict`);
* `trace`: the text of the compact trace `traces predict` writes (the command,
  `isaacsim.cli.predict_cmd`, reads the image files);
* `compare`: agreement and answer-keeping against an oracle trace, and the threshold sweep
  (`traces compare`);
* `network`: the predictor as layers ahead of a network, so that `run` simulates its cost;
  `kinds`: the layer kinds of its digital stages; `report`: its columns of the images table.

docs/predictor.md documents the rule, the mapping, the timing and the outputs.
"""

from isaacsim.predictor.kernels import DEFAULT_KERNELS, KERNELS, kernel_stack, parse_kernels
from isaacsim.predictor.rule import THRESHOLD, Prediction, parse_threshold, predict, vector_at

__all__ = ["DEFAULT_KERNELS", "KERNELS", "THRESHOLD", "Prediction", "kernel_stack", "parse_kernels",
           "parse_threshold", "predict", "vector_at"]
