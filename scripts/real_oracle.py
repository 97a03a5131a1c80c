"""The crop oracle of a real pretrained network on real photographs, simulated on ISAAC-CE.

The whole chain, each step a documented isaacsim command run in a work folder (printed on stderr as
it runs, so it can be repeated by hand):

1. the pretrained EfficientNet-Lite0 to ONNX (`scripts/efficientnet_lite0_onnx.py`, no torch);
2. ``python -m isaacsim import`` of the model into an isaacsim network;
3. a workload for it on ISAAC-CE (16-bit weights and activations, ISAAC replication, f per side);
4. ``python -m isaacsim traces oracle`` over the images (the model's own input normalisation,
   (x - 127) / 128), answers compared with the uncropped model's top-1, or with ``--labels``;
5. ``python -m isaacsim run`` of the oracle trace with the uncropped baseline, and of a trace with
   one image per crop vector (what each vector saves on this network);
6. unless ``--no-predictor``: the 0th-layer predictor on the same images, read as the model reads
   them (``traces predict``, ``traces compare`` against the oracle trace), and ``run`` with the
   workload's ``predictor`` section, for the net savings and latency with its cost
   (docs/predictor.md);
7. for comparison, the calibrated synthetic oracle (``traces synth --policy oracle``, 1,000 images,
   docs/crop-potential.md) on VGG-16 (the shipped trace at f = 1/4) and on EfficientNet-Lite0.

Default images: the five photographs that ship inside scikit-image's wheel
(`scripts/_real_photos.py`), written as PNG files into the work folder. ``--images`` takes a
user's folders or files (e.g. the ImageNet validation set) and ``--labels`` their labels (CSV
``image,label``: file name and class index 0..999 in the order of scripts/imagenet_classes.txt;
docs/oracle.md). Needs ``pip install 'isaacsim[real]'``.

Writes into ``--out`` (default docs/experiments/): ``real_oracle_images.csv`` (per image),
``real_oracle_vectors.csv`` (per crop vector), ``real_oracle_summary.csv`` (per configuration),
``real_oracle_maps.csv`` (the network's MACs and energy by map size, and what crop 1111 removes
of each) and ``real_oracle.md`` (the same tables in Markdown).

    python scripts/real_oracle.py [--images DIR|FILE ...] [--labels FILE] [--fraction 0.25]
        [--criterion top1|top5] [--threshold 0.45] [--no-predictor] [--jobs N] [--out DIR]
        [--work DIR] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import _common as c
import pandas as pd
from _efficientnet_lite import MEAN, STD
from _real_photos import PHOTOS, class_names, write_photos

from isaacsim.crop import ALL_VECTORS
from isaacsim.crop.vectors import parse_fraction
from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import dumps
from isaacsim.network import load_network
from isaacsim.oracle.masks import skipped_macs
from isaacsim.outputs import in_own_folder, write_file

NAME = "real_oracle"
MODEL_NAME = "lite0"
"""Stem of the ONNX model file in the work folder: the trace's ``# network:`` and the network's
name (`import` names a network after its model file)."""
KERNELS = "sobel,laplace"
THRESHOLD = "0.45"
"""The predictor's default threshold, scripts/predictor_experiment.py's: on the 20 images of
docs/predictor.md section 5 it skips the most MACs among the thresholds that keep 85 % of the
answers (none that crops keeps all)."""
SYNTH_IMAGES = 1000
SYNTH_SEED = 0
"""The synthetic oracle of the comparison rows: the shipped traces' settings (traces/*_synth_1000)."""
QUICK_PHOTOS = ("chelsea", "coffee")
QUICK_SYNTH_IMAGES = 20
ROWS_PER_ARRAY = 128
"""ISAAC-CE's crossbar rows: the fc row blocks of the oracle's skipped MACs (docs/oracle.md)."""
TEXT = {"image_id": str, "crop": str, "label": str, "prediction": str, "x_reference": str,
        "x_passing": str, "x_file": str, "top1_ok": str, "top5_ok": str}


class StepFailed(Exception):
    """A chain step (an isaacsim command) failed; `code` is its exit code."""

    def __init__(self, command: list[str], code: int, stderr: str):
        super().__init__(f"{' '.join(command)} exited with {code}:\n{stderr.strip()}")
        self.code = code


# --- the chain ---------------------------------------------------------------------------------

def isaacsim(*args: str, cwd: Path, live: bool = False) -> str:
    """Run ``python -m isaacsim ARGS`` in `cwd`; its stdout. Prints the command on stderr; with
    `live` the command's stderr (a progress bar, its messages) goes straight to ours."""
    print(f"  $ python -m isaacsim {' '.join(args)}", file=sys.stderr, flush=True)
    command = [sys.executable, "-m", "isaacsim", *args]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=None if live else subprocess.PIPE,
                          text=True, cwd=cwd)
    if done.returncode:
        raise StepFailed(["python", "-m", "isaacsim", *args], done.returncode,
                         "(its messages are above)" if live else done.stderr)
    return done.stdout


def numbers(values: tuple[float, ...]) -> str:
    """Three channel values as the oracle's ``--mean``/``--std`` read them (full precision)."""
    return ",".join(repr(float(v)) for v in values)


def images_fingerprint(paths: list[Path], work: Path) -> list:
    """What the oracle's answer depends on among the images (`paths` relative to `work` or
    absolute): each given file, and each file directly inside a given folder, with its size and
    modification time."""
    out = []
    for given in paths:
        path = work / given
        files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        out.append([str(given), [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in files]])
    return out


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def oracle(work: Path, model: Path, images: list[Path], args: argparse.Namespace) -> Path:
    """``traces oracle`` over `images` into ``work/oracle.csv`` (and ``oracle_vectors.csv``).

    A finished trace of the same command, model, labels and image files (recorded in
    ``oracle.done.json`` next to it, in a kept ``--work`` folder) is reused; an interrupted one
    resumes from the oracle's own partial file (docs/oracle.md, "Resuming").
    """
    trace = work / "oracle.csv"
    command = ["traces", "oracle", "--model", model.name,
               "--images", *(str(p) for p in images), "--fraction", args.fraction,
               "--criterion", args.criterion, "--mean", numbers(MEAN), "--std", numbers(STD),
               "--out", trace.name]
    if args.labels is not None:
        command += ["--labels", str(args.labels)]
    fingerprint = dumps({"command": command,
                         "model": sha256(model),
                         "labels": sha256(args.labels) if args.labels is not None else None,
                         "images": images_fingerprint(images, work)})
    done = work / "oracle.done.json"
    if (trace.is_file() and (work / "oracle_vectors.csv").is_file() and done.is_file()
            and done.read_text(encoding="utf-8") == fingerprint):
        print("  oracle trace of the same command, model and images found: reused",
              file=sys.stderr)
        return trace
    if done.exists():
        done.unlink()
    isaacsim(*command, "--jobs", str(args.jobs), "--progress", "auto", cwd=work, live=True)
    write_file(done, fingerprint, owned=in_own_folder)
    return trace


def workload(work: Path, fraction: str) -> Path:
    """``work/lite0_real_oracle.json``: the network on ISAAC-CE as the shipped workloads are set
    (16-bit weights and activations, ISAAC replication, floor rounding), the oracle trace."""
    spec = {"format_version": 1, "name": f"{MODEL_NAME}_real_oracle",
            "description": "EfficientNet-Lite0 (pretrained, scripts/efficientnet_lite0_onnx.py) on "
                           "ISAAC-CE with 16-bit weights and activations, each image cropped by "
                           "the crop oracle of the real model (traces oracle); written by "
                           "scripts/real_oracle.py.",
            "network": f"{MODEL_NAME}.json", "arch": "isaac-ce",
            "precision": {"weight_bits": 16, "activation_bits": 16},
            "mapping": {"replication": "isaac", "chips": None, "packing": "layer",
                        "flatten": "position"},
            "crop": {"fraction": str(parse_fraction(fraction)), "rounding": "floor"},
            "trace": "oracle.csv",
            "run": {"mode": "single", "images": None, "baseline": True, "engine": "fast",
                    "seed": 0, "arrival_interval_cycles": 0}}
    path = work / f"{MODEL_NAME}_real_oracle.json"
    write_file(path, dumps(spec), owned=in_own_folder)
    return path


def simulate(work: Path, wl: str, name: str, jobs: int, sets: dict[str, str]) -> pd.DataFrame:
    """``run WORKLOAD --out work/runs/<name>`` with `sets` as ``--set`` overrides; images.csv."""
    out = work / "runs" / name
    out.parent.mkdir(exist_ok=True)
    extra = [a for key, value in sets.items() for a in ("--set", f"{key}={value}")]
    isaacsim("run", wl, "--out", str(out), "--jobs", str(jobs), *extra, cwd=work)
    return pd.read_csv(out / "images.csv", dtype={"image_id": str, "crop": str})


def vectors_trace(work: Path, fraction: str) -> Path:
    """A compact trace with one image per crop vector (``vector_c0000`` ...): what each vector
    saves on the network (the simulation depends on the crop only, not on the pixels)."""
    lines = ["# isaacsim-trace v1",
             "# generator: isaacsim scripts/real_oracle.py, one image per crop vector",
             f"# network: {MODEL_NAME}", "image_id,crop,fraction"]
    lines += [f"vector_c{v},c{v},{fraction}" for v in ALL_VECTORS]
    path = work / "vectors.csv"
    write_file(path, "\n".join(lines) + "\n", owned=in_own_folder)
    return path


# --- tables ------------------------------------------------------------------------------------

def read_trace(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype=TEXT, keep_default_na=False)


def passing(text: str) -> list[str]:
    return [v for v in text.split(";") if v]


def class_name(index: str, names: list[str]) -> str:
    """The class name of an index (the oracle's trace holds indices); '' for an empty field."""
    return names[int(index)] if index.strip().isdigit() else ""


def image_table(trace: pd.DataFrame, run: pd.DataFrame, skipped: dict[str, float],
                predicted: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per image: the oracle's choice and what it saves on ISAAC-CE.

    `trace` is the oracle trace, `run` the images.csv of its simulation, `skipped` the skipped-MAC
    share per vector (``c0000`` ...); `predicted` (optional) the predictor's per-image results:
    ``predicted_crop``, ``predictor_keeps_answer`` and the net savings with its cost.
    """
    names = class_names()
    sim = run.set_index("image_id")
    missing = sorted(set(trace["image_id"]) - set(sim.index))
    if missing:
        raise ValueError(f"images of the trace missing from the run: {missing[:3]}")
    rows = []
    for r in trace.itertuples(index=False):
        s = sim.loc[r.image_id]
        ok = passing(r.x_passing)
        rows.append({
            "image_id": r.image_id, "file": r.x_file, "label": r.label,
            "label_name": class_name(r.label, names),
            "predicted_class": r.prediction, "predicted_name": class_name(r.prediction, names),
            "top1_ok": r.top1_ok, "reference_class": r.x_reference,
            "kept_crop": r.crop, "sides": c.sides(r.crop[1:]),
            "kept_meets_criterion": int(r.crop in ok), "passing_vectors": len(ok),
            "skipped_mac_share": skipped[r.crop],
            "compute_energy_saving": float(s["compute_energy_saving"]),
            "energy_saving": float(s["energy_saving"]),
            "latency_cycles": int(s["latency_cycles"]),
            "baseline_latency_cycles": int(s["baseline_latency_cycles"]),
            "latency_saving": float(s["latency_saving"])})
    df = pd.DataFrame(rows)
    if predicted is not None:
        df = df.merge(predicted, on="image_id", how="left", validate="one_to_one")
    return df


def vector_table(vectors: pd.DataFrame, run: pd.DataFrame) -> pd.DataFrame:
    """One row per crop vector: the oracle's per-vector table (answers kept if every image got
    this vector: the seed's naive approach) and what the vector saves on ISAAC-CE."""
    sim = run.set_index("crop")
    df = pd.DataFrame({
        "crop": vectors["crop"], "sides": [c.sides(v[1:]) for v in vectors["crop"]],
        "removed_area": vectors["removed_area"].astype(float),
        "skipped_mac_share": vectors["skipped_mac_share"].astype(float),
        "images_passing": vectors["images_passing"].astype(int),
        "passing_share": vectors["passing_share"].astype(float),
        "images_chosen": vectors["images_chosen"].astype(int)})
    for col in ("compute_energy_saving", "energy_saving", "latency_saving", "latency_cycles"):
        df[col] = [float(sim.loc[v, col]) for v in df["crop"]]
    return df


def map_table(network_file: Path, layers: pd.DataFrame, crop: str = "c1111") -> pd.DataFrame:
    """Where the network's work and energy are, by output map size: per size, the layers, their
    share of the crossbar MACs and of the layers' energy uncropped (layers.csv `energy_pj` of the
    ``vector_c0000`` image), and the share of their MACs and energy that `crop` removes (the
    ``vector_<crop>`` image). Explains why the energy saving differs from the skipped MACs."""
    net = load_network(network_file)
    full = layers[layers["image_id"] == "vector_c0000"].set_index("layer")
    cropped = layers[layers["image_id"] == f"vector_{crop}"].set_index("layer")
    rows: dict[tuple[int, int], dict] = {}
    for layer in net.layers:
        shape = net.shape_of(layer.name)
        row = rows.setdefault((shape.height, shape.width), {
            "map": f"{shape.height} x {shape.width}", "layers": 0, "macs": 0, "skipped_macs": 0.0,
            "energy_pj": 0.0, "cropped_energy_pj": 0.0})
        row["layers"] += 1
        if layer.uses_crossbars:
            row["macs"] += layer.macs
            row["skipped_macs"] += (layer.macs * int(cropped.loc[layer.name, "skipped_pixels"])
                                    / shape.pixels)
        row["energy_pj"] += float(full.loc[layer.name, "energy_pj"])
        row["cropped_energy_pj"] += float(cropped.loc[layer.name, "energy_pj"])
    df = pd.DataFrame(list(rows.values()))
    df["mac_share"] = df["macs"] / df["macs"].sum()
    df["energy_share"] = df["energy_pj"] / df["energy_pj"].sum()
    df[f"mac_saving_{crop}"] = (df["skipped_macs"] / df["macs"]).where(df["macs"] > 0, 0.0)
    df[f"energy_saving_{crop}"] = 1 - df["cropped_energy_pj"] / df["energy_pj"]
    return df[["map", "layers", "mac_share", "energy_share", f"mac_saving_{crop}",
               f"energy_saving_{crop}"]]


def run_row(setting: str, network: str, images: pd.DataFrame, *, crops: pd.Series,
            skipped: dict[str, float], kept: float | None) -> dict:
    """A summary row: means over the images of one run (images.csv) and of its crop vectors."""
    lat, base = images["latency_cycles"].mean(), images["baseline_latency_cycles"].mean()
    predictor = "predictor_energy_pj" in images
    return {
        "setting": setting, "network": network, "images": len(images),
        "croppable_share": float((crops != "c0000").mean()),
        "answer_kept_share": kept if kept is not None else float("nan"),
        "mean_skipped_mac_share": float(crops.map(skipped).mean()),
        "compute_energy_saving": float(images["compute_energy_saving"].mean()),
        "energy_saving": float(images["energy_saving"].mean()),
        "latency_saving": float(images["latency_saving"].mean()),
        "latency_cycles": float(lat), "baseline_latency_cycles": float(base),
        "latency_change": float(lat / base - 1),
        "predictor_energy_share": (float(images["predictor_energy_pj"].mean()
                                         / images["energy_pj"].mean()) if predictor else 0.0),
        "decision_cycles": (float(images["predictor_decision_cycles"].mean())
                            if predictor else 0.0)}


def skipped_shares(network_file: Path | str, fraction: str) -> dict[str, float]:
    """Share of the network's crossbar MACs each vector skips (``c0000`` -> 0.0, ...), counted as
    the oracle counts them (`isaacsim.oracle.masks.skipped_macs`)."""
    net = load_network(network_file)
    macs = skipped_macs(net, parse_fraction(fraction), ROWS_PER_ARRAY)
    return {f"c{v}": m / net.macs for v, m in zip(ALL_VECTORS, macs)}


# --- the script --------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = c.parser(__doc__)
    p.add_argument("--images", nargs="+", type=Path, default=None, metavar="DIR_OR_FILE",
                   help="image files or folders (default: scikit-image's five photographs)")
    p.add_argument("--labels", type=Path, default=None, metavar="FILE.csv",
                   help="CSV image,label: file name and class index 0..999 (docs/oracle.md); "
                        "answers are then compared with the labels")
    p.add_argument("--fraction", default="0.25", metavar="F",
                   help="crop fraction per side, 2**-20 <= F < 1/2 (default 0.25)")
    p.add_argument("--criterion", choices=("top1", "top5"), default="top1",
                   help="when a crop keeps the answer (default top1; docs/oracle.md)")
    p.add_argument("--threshold", default=THRESHOLD, metavar="T",
                   help=f"the predictor's threshold (default {THRESHOLD}; docs/predictor.md)")
    p.add_argument("--no-predictor", action="store_true",
                   help="leave out the 0th-layer predictor's runs")
    args = p.parse_args(argv)
    problems = []
    try:
        parse_fraction(args.fraction, source="--fraction")
    except InputError as exc:
        problems += exc.problems
    if not 1 <= args.jobs <= 1024:
        problems.append(Problem("--jobs", "", f"{args.jobs} is outside 1..1024"))
    try:
        if not 0 <= float(args.threshold) <= 1e6:
            raise ValueError
    except ValueError:
        problems.append(Problem("--threshold", "", f"{args.threshold!r} is not a number "
                                                   f"0..1e6"))
    for path in args.images or ():
        if not path.exists():
            problems.append(Problem("--images", "", f"{path} does not exist"))
    if args.labels is not None and not args.labels.is_file():
        problems.append(Problem("--labels", "", f"{args.labels} is not a file"))
    if problems:
        raise InputError(problems)
    return args


def chain(args: argparse.Namespace, work: Path) -> dict[str, pd.DataFrame]:
    """Run every step in `work`; the tables (images, vectors, summary, maps)."""
    from efficientnet_lite0_onnx import build_model

    if args.images is None:
        photos = work / ("photos_quick" if args.quick else "photos")
        chosen = tuple(p for p in PHOTOS if not args.quick or p.name in QUICK_PHOTOS)
        if sorted(f.name for f in photos.glob("*.png")) != sorted(f"{p.name}.png" for p in chosen):
            photos.mkdir(exist_ok=True)      # written once per work folder: a kept oracle is reused
            write_photos(photos, chosen)
        images = [Path(photos.name)]         # relative to the work folder: photos/<name>.png
    else:
        images = [p.resolve() for p in args.images]
    if args.labels is not None:
        args.labels = args.labels.resolve()
    print("converting EfficientNet-Lite0 to ONNX (scripts/efficientnet_lite0_onnx.py)",
          file=sys.stderr)
    model = build_model(work / f"{MODEL_NAME}.onnx")
    network = work / f"{MODEL_NAME}.json"
    isaacsim("import", model.name, "--out", network.name, cwd=work)
    wl = workload(work, args.fraction).name
    skipped = skipped_shares(network, args.fraction)

    trace_path = oracle(work, model, images, args)
    trace = read_trace(trace_path)
    vectors = pd.read_csv(work / "oracle_vectors.csv", comment="#", dtype={"crop": str})
    run = simulate(work, wl, "oracle", args.jobs, {})
    per_vector = simulate(work, wl, "vectors", args.jobs,
                          {"trace": str(vectors_trace(work, args.fraction))})
    maps = map_table(network, pd.read_csv(work / "runs" / "vectors" / "layers.csv",
                                          dtype={"image_id": str, "layer": str}))
    kept = trace.apply(lambda r: r.crop in passing(r.x_passing), axis=1)
    rows = [run_row("real oracle", "EfficientNet-Lite0", run, crops=trace["crop"],
                    skipped=skipped, kept=float(kept.mean()))]

    predicted = None
    if not args.no_predictor:
        predict = work / "predicted.csv"
        isaacsim("traces", "predict", "--images", *(str(p) for p in images), "--kernels", KERNELS,
                 "--threshold", args.threshold, "--fraction", args.fraction, "--mean",
                 numbers(MEAN), "--std", numbers(STD), "--model", model.name, "--out",
                 predict.name, cwd=work)
        isaacsim("traces", "compare", "--predicted", predict.name, "--oracle", trace_path.name,
                 "--network", network.name, "--out", "compare.csv", cwd=work)
        compared = pd.read_csv(work / "compare.csv", dtype={"image_id": str, "predicted": str})
        cost = {"predictor.kernels": KERNELS}
        with_cost = simulate(work, wl, "oracle_predictor_cost", args.jobs, cost)
        free = simulate(work, wl, "predicted", args.jobs, {"trace": str(predict)})
        net = simulate(work, wl, "predicted_predictor_cost", args.jobs,
                       {"trace": str(predict), **cost})
        pred_crops = compared.set_index("image_id")["predicted"].reindex(trace["image_id"])
        keeps = float(compared["keeps"].mean())
        rows += [run_row("real oracle + predictor cost", "EfficientNet-Lite0", with_cost,
                         crops=trace["crop"], skipped=skipped, kept=float(kept.mean())),
                 run_row("predictor", "EfficientNet-Lite0", free, crops=pred_crops,
                         skipped=skipped, kept=keeps),
                 run_row("predictor + predictor cost", "EfficientNet-Lite0", net,
                         crops=pred_crops, skipped=skipped, kept=keeps)]
        n = net.set_index("image_id")
        predicted = pd.DataFrame({
            "image_id": compared["image_id"], "predicted_crop": compared["predicted"],
            "predictor_keeps_answer": compared["keeps"].astype(int),
            "predictor_net_compute_energy_saving":
                [float(n.loc[i, "compute_energy_saving"]) for i in compared["image_id"]],
            "predictor_net_energy_saving":
                [float(n.loc[i, "energy_saving"]) for i in compared["image_id"]],
            "predictor_net_latency_saving":
                [float(n.loc[i, "latency_saving"]) for i in compared["image_id"]]})

    synth_images = QUICK_SYNTH_IMAGES if args.quick else SYNTH_IMAGES
    for label, net_name, net_arg, wl_arg in (
            ("VGG-16", "vgg16", "vgg16", "vgg16_cropped"),
            ("EfficientNet-Lite0", MODEL_NAME, network.name, wl)):
        synth = work / f"synth_{net_name}.csv"
        isaacsim("traces", "synth", "--network", net_arg, "--images", str(synth_images),
                 "--seed", str(SYNTH_SEED), "--fraction", args.fraction, "--policy", "oracle",
                 "--out", synth.name, cwd=work)
        sim = simulate(work, wl_arg, f"synth_{net_name}", args.jobs,
                       {"trace": str(synth), "crop.fraction": args.fraction})
        rows.append(run_row("synthetic oracle", label, sim, crops=read_trace(synth)["crop"],
                            skipped=skipped_shares(net_arg if net_name == "vgg16" else network,
                                                   args.fraction), kept=None))
    return {"images": image_table(trace, run, skipped, predicted),
            "vectors": vector_table(vectors, per_vector),
            "summary": pd.DataFrame(rows), "maps": maps}


PCT = ".1%"


def snippet(tables: dict[str, pd.DataFrame], args: argparse.Namespace) -> list[tuple[str, str]]:
    summary, images, vectors = tables["summary"], tables["images"], tables["vectors"]
    reference = ("the image's label" if args.labels is not None
                 else "the uncropped model's own top-1")
    fraction = Fraction(parse_fraction(args.fraction))
    fmt = {k: PCT for k in ("croppable_share", "answer_kept_share", "mean_skipped_mac_share",
                            "compute_energy_saving", "energy_saving", "latency_saving",
                            "latency_change", "predictor_energy_share", "passing_share",
                            "removed_area", "skipped_mac_share",
                            "predictor_net_compute_energy_saving", "predictor_net_energy_saving",
                            "predictor_net_latency_saving", "mac_share", "energy_share",
                            "mac_saving_c1111", "energy_saving_c1111")}
    fmt.update({k: ",.0f" for k in ("latency_cycles", "baseline_latency_cycles",
                                    "decision_cycles")})
    summary_cols = ["setting", "network", "images", "croppable_share", "answer_kept_share",
                    "mean_skipped_mac_share", "compute_energy_saving", "energy_saving",
                    "latency_cycles", "baseline_latency_cycles", "latency_change",
                    "predictor_energy_share", "decision_cycles"]
    image_cols = ["image_id", "predicted_class", "predicted_name", "kept_crop", "sides",
                  "passing_vectors", "skipped_mac_share", "compute_energy_saving",
                  "latency_saving"]
    if args.labels is not None:
        image_cols[1:1] = ["label", "top1_ok"]
    if "predicted_crop" in images:
        image_cols += ["predicted_crop", "predictor_keeps_answer",
                       "predictor_net_compute_energy_saving", "predictor_net_latency_saving"]
    shown = images[image_cols].copy()
    shown["predicted_name"] = shown["predicted_name"].str.split(",").str[0]
    vector_cols = ["crop", "sides", "removed_area", "skipped_mac_share", "images_passing",
                   "passing_share", "images_chosen", "compute_energy_saving", "latency_saving"]
    return [
        (f"EfficientNet-Lite0 on ISAAC-CE (16-bit weights and activations), f = {fraction} per "
         f"side, criterion {args.criterion} against {reference}; savings are means per image "
         f"against the same image uncropped (without a predictor); `answer_kept_share`: images "
         f"whose crop meets the criterion; the synthetic rows use the calibrated object model "
         f"(traces synth, seed {SYNTH_SEED}), not a network's answers:",
         c.markdown(summary[summary_cols], fmt)),
        (f"Per image ({len(images)} images; `passing_vectors`: how many of the 16 vectors keep "
         "the answer):", c.markdown(shown, fmt)),
        ("Per crop vector (`passing_share`: images whose answer survives if every image gets "
         "this vector; savings of the vector on ISAAC-CE):",
         c.markdown(vectors[vector_cols], fmt)),
        ("EfficientNet-Lite0's work by output map size: share of the crossbar MACs and of the "
         "layers' energy (layers.csv) uncropped, and the share of each that crop 1111 removes:",
         c.markdown(tables["maps"], fmt))]


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        out = c.ensure_out(args)
        start = time.perf_counter()
        with c.workspace(args, NAME) as work:
            tables = chain(args, work)
        for key, df in tables.items():
            c.write_csv(df, out, f"{NAME}_{key}")
        c.write_snippet(out, NAME, "Real photographs, real model: the crop oracle of "
                                   "EfficientNet-Lite0", snippet(tables, args))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StepFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    s = tables["summary"].iloc[0]
    print(f"{NAME}: {int(s['images'])} images, croppable {s['croppable_share']:.1%}, mean "
          f"compute-energy saving {s['compute_energy_saving']:.1%}, latency "
          f"{s['latency_cycles']:,.0f} / {s['baseline_latency_cycles']:,.0f} cycles -> {out} "
          f"({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
