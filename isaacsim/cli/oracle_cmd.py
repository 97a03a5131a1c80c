"""`python -m isaacsim traces oracle`: the crop oracle over a real ONNX network (docs/oracle.md).
Registered by `isaacsim.cli.traces_cmd`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from isaacsim.cli import image_options
from isaacsim.cli.common import path_text
from isaacsim.errors import InputError, Problem

HELP = "per image, the crop vector with the most skipped MACs that keeps an ONNX model's answer"


def register(sub, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``oracle`` action to the ``traces`` subparsers `sub`."""
    p = sub.add_parser(
        "oracle", parents=parents, help=HELP,
        description=HELP + ". Each image is preprocessed as ImageNet models expect, then run "
                           "through the model 16 times in one batch, once per crop vector, with "
                           "every map (the input and each layer's output, as isaacsim imports "
                           "them) zeroed outside that vector's crop window - the windows of "
                           "'python -m isaacsim crop'. The trace keeps, per image, the passing "
                           "vector with the most skipped MACs (0000 if none passes); the table "
                           "gives per vector its skipped MACs and the share of images it keeps "
                           "right. Resumable: rerun the same command after an interrupt. Needs "
                           "pip install 'isaacsim[oracle]' (docs/oracle.md).")
    p.add_argument("--model", required=True, metavar="MODEL.onnx", type=path_text,
                   help="the ONNX classifier (one image input N x 3 x H x W, one output N x C)")
    p.add_argument("--images", required=True, nargs="+", metavar="DIR_OR_FILE", type=path_text,
                   help="image files, or folders whose image files are taken sorted by name")
    p.add_argument("--labels", metavar="FILE.csv", type=path_text,
                   help="CSV with the header image,label: an image's file name and its class "
                        "(index 0..C-1, or a name from --classes)")
    p.add_argument("--classes", metavar="FILE.txt", type=path_text,
                   help="class names, one per line (line 1 is class 0): labels may name them, and "
                        "the trace shows names instead of indices")
    p.add_argument("--fraction", default="0.25", metavar="F",
                   help="crop fraction per side, 2**-20 <= F < 1/2 (default 0.25, the crop model's)")
    p.add_argument("--criterion", choices=("top1", "top5"), default="top1",
                   help="top1: the cropped top-1 is the reference class; top5: the reference "
                        "class is in the cropped top-5 (default top1)")
    p.add_argument("--reference", choices=("label", "uncropped"), default=None,
                   help="the reference class: the image's label, or the model's top-1 on the "
                        "uncropped image (default: label with --labels, else uncropped)")
    image_options.add_arguments(p)
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="worker processes over images, 1..1024, each running onnxruntime on one "
                        "thread; the trace is byte-identical to --jobs 1 (default 1)")
    p.add_argument("--out", required=True, metavar="TRACE.csv", type=path_text,
                   help="the compact trace; an existing file is replaced only if isaacsim wrote it")
    p.add_argument("--table", metavar="VECTORS.csv", type=path_text,
                   help="the per-vector table (default: <out stem>_vectors.csv next to --out)")
    p.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                   help="progress bar on stderr (auto: when stderr is a terminal)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from isaacsim.crop import parse_fraction
    from isaacsim.oracle.run import Options, prepare, run_oracle
    from isaacsim.progress import Progress
    problems = []
    fraction = None
    try:
        fraction = parse_fraction(args.fraction, source="--fraction")
    except InputError as exc:
        problems += exc.problems
    from isaacsim.validate import JOBS
    why = JOBS.problem(args.jobs)
    if why:
        problems.append(Problem("--jobs", "", why))
    problems += image_options.problems(args)
    if problems:
        raise InputError(problems)
    assert fraction is not None
    reference = args.reference or ("label" if args.labels is not None else "uncropped")
    out = Path(args.out)
    table = Path(args.table) if args.table is not None else out.with_name(f"{out.stem}_vectors.csv")
    options = Options(model=args.model, images=tuple(args.images), fraction=fraction,
                      criterion=args.criterion, reference=reference, labels=args.labels,
                      classes=args.classes, resize=args.resize, size=args.size,
                      mean=tuple(args.mean), std=tuple(args.std))
    from isaacsim.oracle.run import check_targets
    check_targets(out, table)
    prepared = prepare(options)
    enabled = {"auto": None, "on": True, "off": False}[args.progress]
    try:
        with Progress(len(prepared.files), "images", enabled=enabled) as bar:
            outcome = run_oracle(prepared, out, table, jobs=args.jobs, progress=bar.advance,
                                 resumed=bar.advance)
    except KeyboardInterrupt:
        from isaacsim.oracle.partial import partial_path
        print(f"isaacsim traces oracle: the images finished so far are kept in "
              f"{partial_path(out)}; rerun the same command to continue", file=sys.stderr)
        raise
    rows = outcome.rows
    cropped = sum(1 for r in rows if r[1] != "c0000")
    resumed = f" ({outcome.resumed} from an earlier interrupted run)" if outcome.resumed else ""
    print(f"{out}: {outcome.images} images{resumed}, {cropped} cropped "
          f"({cropped / max(outcome.images, 1):.1%}), network {prepared.imported.network.name}; "
          f"per-vector table {table}", file=sys.stderr)
    print(f"to check it against the network: python -m isaacsim import {args.model} --out NET.json "
          f"&& python -m isaacsim traces validate {out} --network NET.json", file=sys.stderr)
    return 0
