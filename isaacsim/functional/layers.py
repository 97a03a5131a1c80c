"""Operands of one network layer for the numerics study: seeded float inputs and weights, sampled
output pixels as im2col rows, and weights from a user's ``.npz`` file.

Layout: a layer's weight matrix is [fan_in, out_channels]; conv rows are ordered (ky, kx, c) over
the channels of the output's group, i.e. an HWIO tensor (kh, kw, C_in / groups, C_out) reshaped;
fc rows are the flattened input map in position-major (h, w, c) order. docs/functional-model.md
section 11 describes the sampling.
"""

from __future__ import annotations

import numpy as np

from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import input_problem
from isaacsim.network import IMAGE, Layer, Network
from isaacsim.validate import did_you_mean

WEIGHT_CHUNK = 256
"""Output columns generated (and run) together: bounds memory for fc layers such as fc6."""
# SeedSequence stream ids, so every layer's data is independent of which layers are chosen
_CALIBRATION, _TEST, _WEIGHTS = range(3)


def rng_for(seed: int, layer: Layer, stream: int, index: int = 0) -> np.random.Generator:
    """The generator of one data stream of one layer (stream ids above, `index` an image/chunk)."""
    return np.random.default_rng([seed, layer.index, stream, index])


NONNEGATIVE_ACTIVATIONS = frozenset({"relu", "relu6", "sigmoid", "hardsigmoid"})
"""Activations whose output is never negative: ReLU and ReLU6 ([0, 6]), the sigmoid ((0, 1)) and
the hard sigmoid ([0, 1]). ``tanh`` and ``hardswish`` (down to -0.375) may be negative."""


def nonnegative_input(network: Network, layer: Layer) -> bool:
    """True when the layer reads values that are never negative: its producer ends in one of
    `NONNEGATIVE_ACTIVATIONS`, or keeps the sign (pooling, concat) and every one of its own
    producers does, back to layers with an activation (the image is signed)."""
    pending, seen = [layer.inputs[0]], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name == IMAGE:
            return False
        producer = network.layer(name)
        if producer.handler.keeps_sign:
            pending.extend(producer.inputs)
        elif producer.activation not in NONNEGATIVE_ACTIVATIONS:
            return False
    return True


def input_map(rng: np.random.Generator, network: Network, layer: Layer) -> np.ndarray:
    """A random float input map [H, W, C] of the layer: standard normal for the image (signed,
    normalised pixels), ReLU of a standard normal after a ReLU layer or any non-negative input
    (`nonnegative_input`; half zeros)."""
    s = layer.in_shape
    values = rng.standard_normal((s.height, s.width, s.channels))
    return np.maximum(values, 0.0) if nonnegative_input(network, layer) else values


def sample_rows(rng: np.random.Generator, layer: Layer, fmap: np.ndarray,
                pixels: int) -> np.ndarray:
    """im2col rows [samples, groups, fan_in] of the layer for one input map.

    conv: `pixels` output positions drawn uniformly without replacement (all of them when the map
    has fewer), each giving its zero-padded receptive field per group. fc: the whole flattened map,
    one sample.
    """
    kind = layer.handler
    return kind.im2col(layer, fmap, kind.sample_positions(layer, rng, pixels))


def samples(network: Network, layer: Layer, seed: int, images: int, pixels: int,
            calibration: bool) -> tuple[np.ndarray, float]:
    """im2col rows of `images` seeded input maps and the largest input magnitude seen in them."""
    stream = _CALIBRATION if calibration else _TEST
    parts, largest = [], 0.0
    for image in range(images):
        rng = rng_for(seed, layer, stream, image)
        fmap = input_map(rng, network, layer)
        largest = max(largest, float(np.abs(fmap).max(initial=0.0)))
        parts.append(sample_rows(rng, layer, fmap, pixels))
    return np.concatenate(parts), largest


def weight_columns(layer: Layer, seed: int, given: np.ndarray | None, j0: int,
                   j1: int) -> np.ndarray:
    """Float weights [fan_in, j1 - j0] of output columns j0..j1 (one `WEIGHT_CHUNK` at most, not
    crossing a chunk boundary): the user's, or He-normal (std sqrt(2 / fan_in)) from a generator
    per chunk, so a chunk is the same whatever else is generated."""
    if given is not None:
        return given[:, j0:j1]
    chunk = j0 // WEIGHT_CHUNK
    if (j1 - 1) // WEIGHT_CHUNK != chunk:
        raise ValueError(f"columns {j0}..{j1} cross a weight chunk boundary")
    rng = rng_for(seed, layer, _WEIGHTS, chunk)
    start = chunk * WEIGHT_CHUNK
    width = min(WEIGHT_CHUNK, layer.out_channels - start)
    block = rng.standard_normal((layer.fan_in, width)) * np.sqrt(2.0 / layer.fan_in)
    return block[:, j0 - start:j1 - start]


def load_weights(path: str, network: Network, layers: list[Layer]) -> dict[str, np.ndarray]:
    """Weights of the chosen layers found in an ``.npz`` file (keys are layer names), reshaped to
    [fan_in, out_channels]. Keys naming no layer of the network, bad shapes, non-numeric or
    non-finite arrays are reported together as one `InputError`."""
    why = input_problem(path, "weights file")
    if why is not None:
        raise InputError(Problem(path, "", why))
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError) as exc:
        raise InputError(Problem(path, "", f"cannot read the weights file: {exc}")) from None
    problems: list[Problem] = []
    names = [layer.name for layer in network.layers]
    chosen = {layer.name for layer in layers}
    out: dict[str, np.ndarray] = {}
    for key, arr in arrays.items():
        if key not in network:
            problems.append(Problem(path, key, f"no layer '{key}' in network '{network.name}'"
                                               f"{did_you_mean(key, names)}"))
            continue
        layer = network.layer(key)
        if not layer.uses_crossbars:
            problems.append(Problem(path, key, f"layer '{key}' is a {layer.kind} layer and has no "
                                               "weights"))
            continue
        if key not in chosen:
            continue
        problem = _check_weight_array(path, layer, arr)
        if problem:
            problems.append(problem)
        else:
            out[key] = arr.astype(np.float64).reshape(layer.fan_in, layer.out_channels)
    if problems:
        raise InputError(problems)
    return out


def _check_weight_array(path: str, layer: Layer, arr: np.ndarray) -> Problem | None:
    shapes = list(layer.handler.weight_shapes(layer))
    if arr.dtype.kind not in "iuf":
        return Problem(path, layer.name, f"expected numbers, got dtype {arr.dtype}")
    if arr.shape not in shapes:
        return Problem(path, layer.name, f"expected shape {' or '.join(map(str, shapes))}, got "
                                         f"{arr.shape}")
    if not np.all(np.isfinite(arr)):
        return Problem(path, layer.name, "contains NaN or infinite values")
    return None


def describe_layers(network: Network, names: list[str] | None) -> tuple[list[Layer], list[Problem]]:
    """The chosen crossbar layers (all of them for ``None``) and problems for bad names."""
    if names is None:
        return [layer for layer in network.layers if layer.uses_crossbars], []
    problems: list[Problem] = []
    layers: list[Layer] = []
    known = [layer.name for layer in network.layers]
    for name in names:
        if name not in network:
            problems.append(Problem("--layers", name,
                                    f"no layer '{name}' in network '{network.name}'"
                                    f"{did_you_mean(name, known)}"))
        elif not network.layer(name).uses_crossbars:
            problems.append(Problem("--layers", name, f"'{name}' is a "
                                                      f"{network.layer(name).kind} layer; only "
                                                      "conv and fc layers use the crossbars"))
        elif all(layer.name != name for layer in layers):
            layers.append(network.layer(name))
    return layers, problems
