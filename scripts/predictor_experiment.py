"""Predictor-driven cropping on VGG-16: net energy and latency with the predictor's own cost,
against oracle cropping and the uncropped baseline (docs/predictor.md, docs/experiments.md).

The seed's question: "what do energy and latency become with the extra prediction step but fewer
computations?" Every configuration runs the shipped workload `vgg16_cropped` (ISAAC-CE, 16-bit)
with its uncropped baseline (the network alone); the predictor, when its cost is included, is
the workload's ``predictor`` section (kernels sobel and laplace) simulated ahead of the network:

* ``oracle``: the oracle trace's vectors, no predictor (the saving a free, perfect predictor
  would give);
* ``oracle + predictor cost``: the same vectors with the predictor simulated (a perfect predictor
  that pays for itself);
* ``predicted``: the predictor's vectors over scikit-image's 20 images
  (scripts/predictor_photos.py) at ``--threshold``, no predictor cost;
* ``predicted + predictor cost``: the same with the predictor simulated: the net result;
* ``..., speedup N``: the predictor replicated N times the first layer's replication
  (``predictor.speedup``), so that its scan takes about 1/N of the time.

Single mode gives each image's latency alone; stream mode (images back to back) the throughput,
where the predictor of the next image overlaps the network on this one. The oracle trace is
``--oracle`` (default the shipped synthetic traces/vgg16_synth_1000.csv, 1,000 images; a real
oracle trace of other images can be given).

    python scripts/predictor_experiment.py [--out DIR] [--work DIR] [--quick] [--oracle TRACE]
                                           [--threshold T] [--stream-images N]
"""

from __future__ import annotations

from pathlib import Path

import _common as c
import pandas as pd
import predictor_photos as photos

from isaacsim.runner import run_workload
from isaacsim.workload import load_workload

NAME = "predictor_experiment"
KERNELS = "sobel,laplace"
THRESHOLD = 0.45
"""From docs/experiments/predictor_sweep.csv (sobel,laplace against EfficientNet-Lite0's oracle on
20 images): no threshold that crops anything keeps all 20 answers; from 0.25 to 0.45 the answers
kept stay at 85 % (17 of 20) while the MACs skipped rise from 5.2 % to 8.8 %, and above 0.45 the
answers fall (80 % at 0.5): 0.45 skips the most at that accuracy."""
STREAM_IMAGES = 200
"""Images of the stream runs of the oracle trace (the first ones): enough for a steady state."""


def run(trace: Path, speedup: int | None, mode: str, images: int | None) -> dict:
    """One run of `vgg16_cropped` on `trace`, with the predictor at `speedup` (None: without)."""
    sets: dict = {"trace": str(trace)}
    predictor = speedup is not None
    if predictor:
        sets.update({"predictor.kernels": KERNELS, "predictor.speedup": speedup})
    out = run_workload(load_workload("vgg16_cropped", sets), images=images, mode=mode)
    df = out.tables["images"]
    summary = out.tables["summary"].set_index(["metric", "statistic"])["value"]
    lat, base = df.latency_cycles.mean(), df.baseline_latency_cycles.mean()
    row = {"mode": mode, "images": len(df),
           "compute_energy_saving": df.compute_energy_saving.mean(),
           "energy_saving": df.energy_saving.mean(),
           "latency_cycles": lat, "baseline_latency_cycles": base, "latency_change": lat / base - 1,
           "predictor_energy_share": (df.predictor_energy_pj.mean() / df.energy_pj.mean()
                                      if predictor else 0.0),
           "decision_cycles": df.predictor_decision_cycles.mean() if predictor else 0.0}
    if mode == "stream":
        got = summary[("throughput_images_per_s", "value")]
        base_tp = summary[("baseline_throughput_images_per_s", "value")]
        row.update({"throughput_images_per_s": got,
                    "baseline_throughput_images_per_s": base_tp,
                    "throughput_change": got / base_tp - 1})
    return row


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument("--oracle", type=Path, default=c.ROOT / "traces" / "vgg16_synth_1000.csv",
                   metavar="TRACE", help="oracle trace for VGG-16 (default the shipped synthetic "
                                         "traces/vgg16_synth_1000.csv)")
    p.add_argument("--threshold", default=str(THRESHOLD), metavar="T",
                   help=f"the predictor's threshold (default {THRESHOLD}, from the sweep)")
    p.add_argument("--stream-images", type=int, default=STREAM_IMAGES, metavar="N",
                   help=f"images of the oracle trace in stream mode (default {STREAM_IMAGES})")
    args = p.parse_args()
    out = c.ensure_out(args)
    oracle = args.oracle.resolve()
    rows = []
    with c.workspace(args, NAME) as work, c.timed(NAME):
        images = photos.write_images(work / "images",
                                     photos.QUICK_IMAGES if args.quick else photos.IMAGES)
        predicted = work / "predicted_vgg16.csv"
        photos.isaacsim("traces", "predict", "--images", str(images), "--kernels", KERNELS,
                        "--threshold", args.threshold, "--network", "vgg16", "--out",
                        str(predicted))
        single = 20 if args.quick else None
        stream = 8 if args.quick else args.stream_images
        for mode, n_oracle in (("single", single), ("stream", stream)):
            for label, trace, speedup, n in (
                    ("oracle", oracle, None, n_oracle),
                    ("oracle + predictor cost", oracle, 1, n_oracle),
                    ("oracle + predictor cost, speedup 2", oracle, 2, n_oracle),
                    ("oracle + predictor cost, speedup 4", oracle, 4, n_oracle),
                    ("predicted", predicted, None, None),
                    ("predicted + predictor cost", predicted, 1, None),
                    ("predicted + predictor cost, speedup 2", predicted, 2, None)):
                row = {"configuration": label,
                       "vectors": ("oracle: " if trace == oracle else "predictor: ") + trace.name,
                       "predictor_speedup": speedup or 0}
                row.update(run(trace, speedup, mode, n))
                rows.append(row)
                print(f"  {mode:6} {label:38} {row['images']:5} images, energy saving "
                      f"{row['energy_saving']:7.2%}, latency change {row['latency_change']:7.2%}")
    df = pd.DataFrame(rows)
    c.write_csv(df, out, NAME)
    fmt = {k: ".1%" for k in ("compute_energy_saving", "energy_saving", "latency_change",
                              "predictor_energy_share", "throughput_change")}
    fmt.update({k: ",.0f" for k in ("latency_cycles", "baseline_latency_cycles",
                                    "decision_cycles", "throughput_images_per_s",
                                    "baseline_throughput_images_per_s")})
    cols = ["configuration", "images", "compute_energy_saving", "energy_saving",
            "latency_cycles", "baseline_latency_cycles", "latency_change",
            "predictor_energy_share", "decision_cycles"]
    stream_cols = ["configuration", "images", "energy_saving", "throughput_images_per_s",
                   "baseline_throughput_images_per_s", "throughput_change"]
    c.write_snippet(out, NAME, "Crop predictor on VGG-16: net savings", [
        ("Single mode (each image alone):", c.markdown(df[df["mode"] == "single"][cols], fmt)),
        ("Stream mode (images back to back):",
         c.markdown(df[df["mode"] == "stream"][stream_cols], fmt))])
    plot(df, out)
    return 0


def plot(df: pd.DataFrame, out: Path) -> None:
    with c.figure(out, NAME, figsize=(9, 4.2), ncols=2) as fig:
        if fig is None:
            return
        _, (ax1, ax2) = fig
        single = df[df["mode"] == "single"]
        labels = [label.replace(" + ", "\n+ ").replace(", ", "\n") for label in single.configuration]
        ax1.bar(labels, single.energy_saving * 100)
        ax1.set_ylabel("energy saving vs uncropped (%)")
        ax2.bar(labels, single.latency_change * 100, color="tab:orange")
        ax2.set_ylabel("latency change vs uncropped (%)")
        for ax in (ax1, ax2):
            ax.tick_params(axis="x", labelsize=6, rotation=90)
            ax.axhline(0, color="black", lw=0.8)
            ax.grid(alpha=0.3, axis="y")


if __name__ == "__main__":
    raise SystemExit(main())
