"""`python -m isaacsim traces predict|compare`: the crop predictor's traces and their accuracy
(docs/predictor.md). Registered by `isaacsim.cli.traces_cmd`."""

from __future__ import annotations

import argparse
from pathlib import Path

from isaacsim.cli import image_options
from isaacsim.cli.common import path_text
from isaacsim.errors import InputError, Problem

PREDICT_HELP = "predict each image's crop vector with gradient kernels (the 0th-layer predictor)"
COMPARE_HELP = "accuracy of a predicted trace against an oracle trace, and a threshold sweep"


def register(sub, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``predict`` and ``compare`` actions to the ``traces`` subparsers `sub`."""
    from isaacsim.predictor.kernels import DEFAULT_KERNELS, KERNELS
    p = sub.add_parser("predict", parents=parents, help=PREDICT_HELP,
                       description=PREDICT_HELP + ": per image, the gradient energy density of "
                                   "each border band (the band a crop of --fraction removes) "
                                   "against the centre's; a side is cropped when its density is "
                                   "below THRESHOLD x the centre's. Images are read and "
                                   "preprocessed as by 'traces oracle' (needs pip install "
                                   "'isaacsim[oracle]'). Writes a compact trace (docs/predictor.md).")
    p.add_argument("--images", required=True, nargs="+", metavar="DIR_OR_FILE", type=path_text,
                   help="image files, or folders whose image files are taken sorted by name")
    p.add_argument("--kernels", default=",".join(DEFAULT_KERNELS), metavar="NAMES",
                   help=f"comma-separated kernel names ({', '.join(KERNELS)}; default "
                        f"{','.join(DEFAULT_KERNELS)})")
    p.add_argument("--threshold", required=True, metavar="T",
                   help="a side is cropped when its band's energy density is below T x the "
                        "centre's, 0 <= T <= 1e6 (e.g. 0.5)")
    p.add_argument("--fraction", default="0.25", metavar="F",
                   help="crop fraction per side, 2**-20 <= F < 1/2 (default 0.25, the crop model's)")
    net = p.add_mutually_exclusive_group(required=True)
    net.add_argument("--network", metavar="NAME_OR_FILE", type=path_text,
                     help="network the trace is for (recorded in the header as '# network:')")
    net.add_argument("--model", metavar="MODEL.onnx", type=path_text,
                     help="ONNX model the trace is for (recorded as '# model:', its file name "
                          "without .onnx as '# network:')")
    image_options.add_arguments(p)  # as for the oracle
    p.add_argument("--out", required=True, metavar="TRACE.csv", type=path_text)
    p.set_defaults(func=run_predict)

    c = sub.add_parser("compare", parents=parents, help=COMPARE_HELP,
                       description=COMPARE_HELP + ". Prints agreement, the share of images whose "
                                   "predicted crop keeps the network's answer (the oracle's "
                                   "x_passing column when present, else the subset test) and the "
                                   "mean share of MACs skipped (docs/predictor.md, 'Accuracy').")
    c.add_argument("--predicted", required=True, metavar="P.csv", type=path_text)
    c.add_argument("--oracle", required=True, metavar="O.csv", type=path_text)
    c.add_argument("--network", metavar="NAME_OR_FILE", type=path_text,
                   help="network whose MACs are counted (default: the predicted trace's "
                        "'# network:')")
    c.add_argument("--out", metavar="TABLE.csv", type=path_text,
                   help="also write the per-image table")
    c.add_argument("--sweep", metavar="T1,T2,...", default=None,
                   help="thresholds to sweep (needs the predicted trace's x_ratios); with "
                        "--sweep-out the table is written, else printed")
    c.add_argument("--sweep-out", metavar="SWEEP.csv", type=path_text)
    c.set_defaults(func=run_compare)


def _problems(*checks) -> list[Problem]:
    problems = []
    for check in checks:
        try:
            check()
        except InputError as exc:
            problems += exc.problems
    return problems


def run_predict(args: argparse.Namespace) -> int:
    from isaacsim.crop import parse_fraction
    from isaacsim.oracle.images import list_images, load_image
    from isaacsim.oracle.labels import image_ids
    from isaacsim.outputs import check_file, write_file
    from isaacsim.predictor.kernels import parse_kernels
    from isaacsim.predictor.rule import parse_threshold, predict_checked
    from isaacsim.predictor.trace import trace_text
    from isaacsim.progress import Progress
    from isaacsim.traces import written_by_isaacsim
    problems = _problems(lambda: parse_kernels(args.kernels),
                         lambda: parse_threshold(args.threshold),
                         lambda: parse_fraction(args.fraction, source="--fraction"),
                         lambda: check_file(args.out, owned=written_by_isaacsim),
                         lambda: list_images(args.images))
    problems += image_options.problems(args)
    if args.model is not None and not Path(args.model).is_file():
        problems.append(Problem("--model", "", f"no such file '{args.model}'; give the ONNX model "
                                               f"the trace is for"))
    if problems:
        raise InputError(problems)
    kernels, threshold = parse_kernels(args.kernels), parse_threshold(args.threshold)
    mean, std = tuple(args.mean), tuple(args.std)
    fraction = parse_fraction(args.fraction, source="--fraction")
    if args.network is not None:
        from isaacsim.network import load_network
        network_name = load_network(args.network).name
        label = network_name if args.network == network_name else str(Path(args.network))
        meta = [("network", label)]
    else:
        meta = [("network", Path(args.model).stem), ("model", str(Path(args.model)))]
    paths = list_images(args.images)
    ids = image_ids(paths)
    from isaacsim.traces.compact import format_fraction
    generator = (f"isaacsim traces predict --kernels {','.join(kernels)} --threshold {threshold:g} "
                 f"--fraction {format_fraction(fraction)} --resize {args.resize} --size {args.size} "
                 f"--mean {','.join(map(repr, mean))} --std {','.join(map(repr, std))}")
    meta = [("generator", generator)] + meta + [
        ("predictor", "side cropped when its band's gradient energy density < threshold x the "
                      "centre's; x_ratios = side/centre densities TOP;BOTTOM;LEFT;RIGHT "
                      "(docs/predictor.md)")]
    predictions = []
    with Progress(len(paths), "images") as bar:
        for path in paths:     # an undecodable or missing file: InputError naming it
            image = load_image(path, resize=args.resize, size=args.size, mean=mean, std=std)
            predictions.append(predict_checked(image, kernels, threshold, fraction))
            bar.advance(1)
    write_file(args.out, trace_text(ids, predictions, fraction, meta), owned=written_by_isaacsim)
    cropped = sum(p.vector.cropped_sides > 0 for p in predictions)
    print(f"{args.out}: {len(paths)} images, {cropped} cropped (kernels {','.join(kernels)}, "
          f"threshold {threshold:g}, fraction {format_fraction(fraction)})")
    return 0


def _thresholds(text: str) -> list[float]:
    from isaacsim.predictor.rule import parse_threshold
    items = [t for t in text.split(",") if t.strip()]
    if not items:
        raise InputError(Problem("--sweep", "", f"expected thresholds separated by commas, e.g. "
                                                f"0.25,0.5,1, got {text!r}"))
    return [parse_threshold(t, source="--sweep") for t in items]


def run_compare(args: argparse.Namespace) -> int:
    from isaacsim.network import load_network
    from isaacsim.outputs import check_file, write_file
    from isaacsim.predictor.compare import (
        SWEEP_COLUMNS,
        TABLE_COLUMNS,
        image_table,
        match,
        summary,
        sweep,
        written_table,
    )
    from isaacsim.traces import load_trace
    owned = {"--out": written_table(TABLE_COLUMNS), "--sweep-out": written_table(SWEEP_COLUMNS)}
    problems = _problems(*(lambda o=o, flag=flag: check_file(o, option=flag, owned=owned[flag])
                           for o, flag in ((args.out, "--out"), (args.sweep_out, "--sweep-out"))
                           if o is not None))
    if args.sweep_out is not None and args.sweep is None:
        problems.append(Problem("--sweep-out", "", "give --sweep with the thresholds to sweep"))
    if args.sweep is not None:
        problems += _problems(lambda: _thresholds(args.sweep))
    if problems:
        raise InputError(problems)
    predicted, oracle = load_trace(args.predicted), load_trace(args.oracle)
    name = args.network or predicted.network_name
    if name is None:
        raise InputError(Problem("--network", "", f"the predicted trace {args.predicted} names no "
                                                  f"network; give --network"))
    network = load_network(name)
    m = match(predicted, oracle)
    table = image_table(m, network)
    s = summary(table)
    print(f"{s['images']:,} images in both traces ({m.only_predicted} only predicted, "
          f"{m.only_oracle} only in the oracle trace), network {network.name}, fraction "
          f"{m.fraction}")
    test = ("the oracle's x_passing" if s["keeps_test"] == "x_passing"
            else "the subset test (no side the oracle's vector leaves)")
    print(f"agreement with the oracle's vector: {s['agreement']:.2%}")
    kept = (f"{s['keeps_answer_cropped']:.2%}" if s["keeps_answer_cropped"] is not None
            else "n/a")
    print(f"answer kept ({test}): {s['keeps_answer']:.2%} of images, {kept} of the "
          f"{s['predicted_cropped']:,} cropped ones")
    print(f"mean MACs skipped: {s['mean_skipped_mac_share']:.2%} predicted, "
          f"{s['mean_oracle_skipped_mac_share']:.2%} oracle")
    if args.out is not None:
        write_file(args.out, table.to_csv(index=False, lineterminator="\n"),
                   owned=owned["--out"])
        print(f"{args.out}: {len(table):,} rows")
    if args.sweep is not None:
        swept = sweep(m, network, _thresholds(args.sweep))
        if args.sweep_out is not None:
            write_file(args.sweep_out, swept.to_csv(index=False, lineterminator="\n"),
                       option="--sweep-out", owned=owned["--sweep-out"])
            print(f"{args.sweep_out}: {len(swept)} thresholds")
        else:
            print(swept.to_string(index=False))
    return 0
