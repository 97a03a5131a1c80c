"""`python -m isaacsim import MODEL.onnx`: a network description from an ONNX model."""

from __future__ import annotations

import argparse
import sys

from isaacsim.cli.common import path_text
from isaacsim.errors import InputError, Problem
from isaacsim.importer import import_onnx, imported_by_isaacsim
from isaacsim.outputs import check_file, write_file

HELP = "import a network (and optionally its weights) from an ONNX model"


def _shape(text: str) -> tuple[int, int, int]:
    parts = text.split(",")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 3 or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected C,H,W (three positive integers), got {text!r}")
    return values


def register(subparsers, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "import", parents=parents, help=HELP,
        description=HELP + ". Conv (groups, depthwise), Gemm/MatMul, MaxPool, AveragePool, "
                           "GlobalAveragePool, GlobalMaxPool, Add, Concat and Mul of a map by a "
                           "per-channel vector (squeeze-and-excitation) become layers (TensorFlow "
                           "SAME padding of a strided window as the padding before with "
                           "ceil_mode: the same windows, noted); BatchNormalization and "
                           "biases fold into weights; Relu, Clip(0, 6), Sigmoid, HardSwish, "
                           "HardSigmoid, Tanh and SiLU (x * Sigmoid(x)) become the activation of "
                           "the layer before them; Flatten, Reshape to a vector, Dropout and "
                           "Identity are layout; a final Softmax is left to the host. Every "
                           "node that cannot be imported is listed (exit 2) and nothing is written "
                           "(docs/network-format.md, 'Importing from ONNX'). Needs the onnx "
                           "package: pip install 'isaacsim[onnx]'.")
    p.add_argument("model", metavar="MODEL.onnx", type=path_text, help="the ONNX model file")
    p.add_argument("--out", metavar="NET.json", type=path_text, default=None,
                   help="write the network description here (default: print it); an existing "
                        "file is replaced only if an earlier import wrote it")
    p.add_argument("--name", default=None, help="network name (default: the model file's name)")
    p.add_argument("--input-shape", metavar="C,H,W", type=_shape, default=None,
                   help="the image's channels, height and width, when the model does not fix them")
    p.add_argument("--weights", metavar="OUT.npz", type=path_text, default=None,
                   help="also write the weights (batch norm folded) in the layout the numerics "
                        "command reads; needs the weight data in the model file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.name is not None and not args.name:
        raise InputError(Problem("--name", "", "the name is empty"))
    # check the targets before the work, so that nothing is half-written
    if args.out is not None:
        check_file(args.out, option="--out", owned=imported_by_isaacsim)
    if args.weights is not None:
        check_file(args.weights, option="--weights")
    imported = import_onnx(args.model, name=args.name, input_shape=args.input_shape)
    weights = imported.weights_npz() if args.weights is not None else None
    text = imported.text()
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_file(args.out, text, option="--out", owned=imported_by_isaacsim)
    if weights is not None:
        write_file(args.weights, weights, option="--weights")
    net = imported.network
    print(f"{args.out or 'network'}: {net.name}, {len(net.layers)} layers, {net.macs:,} MACs, "
          f"{net.weights:,} weights"
          + (f"; weights written to {args.weights}" if weights is not None else ""),
          file=sys.stderr)
    return 0
