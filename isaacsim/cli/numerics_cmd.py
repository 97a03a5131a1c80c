"""`python -m isaacsim numerics WORKLOAD`: layers of a network through the bit-exact datapath with
FlexPoint exponents; errors against the exact integer product and a float64 reference."""

from __future__ import annotations

import argparse
import sys

from isaacsim.cli.common import at_least, json_parent, path_text, workload_argument, workload_sets_parent
from isaacsim.errors import InputError, Problem
from isaacsim.functional import options_from_arch
from isaacsim.functional.flexpoint import Headroom
from isaacsim.functional.layers import describe_layers, load_weights
from isaacsim.functional.numerics import LayerNumerics, Sampling, network_numerics
from isaacsim.jsonio import dumps
from isaacsim.overrides import parse_sets
from isaacsim.validate import SEED, Bound, number_text
from isaacsim.workload import load_workload

HELP = "run layers through the bit-exact datapath with FlexPoint exponents and report errors"
IMAGES = Bound("integer", 1, 1000, "images per layer: a few give the error statistics; each adds "
                                   "sampled pixels x fan-in float64 inputs")
PIXELS = Bound("integer", 1, 4096, "output pixels sampled per image (VGG-16's conv5 maps have "
                                   "196)")
GUARD_BITS = Bound("integer", 0, 62, "the datapath's shifts stay within int64 (functional model)")
HEADROOM = Bound("integer", 0, 64, "exponents are clamped to -64..64, so more headroom changes "
                                   "nothing")
SAMPLE_VALUES = Bound("integer", 1, 2 ** 24, "sampled input values of one layer (images x pixels "
                                             "x fan-in): 128 MiB per float64 copy")


def register(subparsers, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "numerics", parents=parents + [json_parent(), workload_sets_parent()], help=HELP,
        description=HELP + ". Weights and inputs are seeded random floats (or weights from an "
                           ".npz); conv layers run sampled output pixels as im2col vectors. See "
                           "docs/functional-model.md sections 10-11.")
    workload_argument(p)
    p.add_argument("--layers", metavar="A,B,...", default=None,
                   help="comma-separated conv/fc layer names (default: every conv and fc layer)")
    p.add_argument("--images", type=at_least(1, "images", IMAGES), default=2, metavar="K",
                   help="test images per layer (default 2)")
    p.add_argument("--pixels", type=at_least(1, "pixels", PIXELS), default=16, metavar="P",
                   help="output pixels sampled per image of a conv layer (default 16)")
    p.add_argument("--calibration-images", type=at_least(1, "images", IMAGES), default=2,
                   metavar="K", help="separate images the exponents are calibrated on (default 2)")
    p.add_argument("--seed", type=at_least(0, "the seed", SEED), default=None, metavar="S",
                   help="seed of weights, inputs and pixel samples (default: the workload's "
                        "run.seed)")
    p.add_argument("--weights", metavar="FILE.npz", default=None, type=path_text,
                   help="weights by layer name, shape (kh, kw, C_in/groups, C_out) or "
                        "(fan_in, C_out); layers not in the file get seeded random weights")
    p.add_argument("--exponents", choices=("calibrate", "workload"), default="calibrate",
                   help="calibrate per layer from the largest magnitudes (default), or use the "
                        "workload's precision.exponents")
    p.add_argument("--guard-bits", type=_guard, default=None, metavar="auto|G",
                   help="fractional bits of the shift-and-add accumulator below the output LSB "
                        "(default auto: enough to keep all partial roundings within half an "
                        "output step; 0 rounds every partial to the output LSB)")
    p.add_argument("--headroom", type=at_least(0, "bits", HEADROOM), default=1, metavar="BITS",
                   help="spare bits above the calibrated input and output maxima (default 1)")
    p.set_defaults(func=run)


def _guard(text: str) -> int | None:
    if text == "auto":
        return None
    return at_least(0, "guard bits", GUARD_BITS)(text)


_guard.bound = GUARD_BITS  # type: ignore[attr-defined]  # a function attribute, read by cli.ranges


def run(args: argparse.Namespace) -> int:
    workload = load_workload(args.workload, parse_sets(args.sets))
    network = workload.network
    names = None
    if args.layers is not None:
        names = [n.strip() for n in args.layers.split(",")]
        if not all(names):
            raise InputError(Problem(f"--layers {args.layers}", "", "expected layer names "
                                     "separated by single commas, e.g. conv1,fc1; an item is "
                                     "empty"))
    layers, problems = describe_layers(network, names)
    if problems:
        raise InputError(problems)
    _check_samples(args, layers)
    weights = load_weights(args.weights, network, layers) if args.weights is not None else {}
    seed = workload.run.seed if args.seed is None else args.seed
    sampling = Sampling(images=args.images, pixels=args.pixels,
                        calibration_images=args.calibration_images, seed=seed,
                        guard_bits=args.guard_bits)
    exponents_of = None
    if args.exponents == "workload":
        def exponents_of(name):
            return workload.precision.of(name).exponents
    progress = None if args.json else _progress
    results = network_numerics(network, layers, options_from_arch(workload.arch),
                               workload.precision.of, sampling, weights, exponents_of,
                               Headroom(input=args.headroom, output=args.headroom), progress)
    if args.json:
        print(dumps({"workload": workload.name, "network": network.name, "seed": seed,
                     "images": args.images, "pixels": args.pixels,
                     "calibration_images": args.calibration_images, "exponents": args.exponents,
                     "layers": [r.to_dict() for r in results]}), end="")
        return 0
    print(f"{workload.name}: {network.name} on {workload.arch.name}, seed {seed}, {args.images} "
          f"image(s), {args.pixels} pixel(s) per conv image, exponents: {args.exponents}")
    print(_table(results))
    return 0


def _check_samples(args: argparse.Namespace, layers) -> None:
    """Refuse options that would sample more input values of a layer than `SAMPLE_VALUES`."""
    for layer in layers:
        per_image = layer.fan_in * layer.groups * (
            layer.handler.sampled_outputs(layer, args.pixels))
        values = max(args.images, args.calibration_images) * per_image
        if values > SAMPLE_VALUES.limit:
            raise InputError(Problem("--images, --calibration-images, --pixels", "",
                                     f"layer '{layer.name}' would sample {values:,} input values "
                                     f"(images x pixels x fan-in), more than the "
                                     f"{number_text(SAMPLE_VALUES.limit)} accepted "
                                     f"({SAMPLE_VALUES.reason}); use fewer images or pixels, or "
                                     f"choose layers with --layers"))


def _progress(i: int, n: int, name: str) -> None:
    print(f"numerics: layer {i + 1}/{n} {name}", file=sys.stderr, flush=True)


def _table(results: list[LayerNumerics]) -> str:
    header = ("layer", "samples", "bits w/x/y", "e_w e_x e_y", "d", "g", "int err", "max abs err",
              "rms err", "expected", "rel err", "ADC sat", "out sat", "clips x/w")
    body = [(r.name, str(r.samples), f"{r.weight_bits}/{r.input_bits}/{r.output_bits}",
             " ".join(str(v) for v in r.exponents.values()), str(r.shift), str(r.guard_bits),
             str(r.integer_max_abs_error), f"{r.float_max_abs_error:.3g}",
             f"{r.float_rms_error:.3g}", f"{r.expected_rms_error:.3g}",
             f"{r.float_relative_error:.2e}", f"{r.adc_saturations:,}",
             f"{r.output_saturations:,}", f"{r.input_clips}/{r.weight_clips}") for r in results]
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in body]
    return "\n".join(lines)
