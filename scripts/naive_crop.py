"""Naive cropping: one crop vector applied to every image, for each of the 16 vectors (VGG-16).

The seed's "crop everything" study. For each vector, a naive trace (every image gets that vector,
f = 1/4) runs through the sweep `scripts/specs/naive_crop.json` with the uncropped baseline.
Every image of a naive trace does the same work, so 4 images suffice. The table gives the area the
crop removes (docs/crop-model.md), the compute and total energy saving, the latency change and, as
an accuracy-risk proxy, the share of synthetic images (object model, docs/crop-potential.md) whose
object the crop does not cut into.

    python scripts/naive_crop.py [--out DIR] [--work DIR] [--jobs N] [--quick]
"""

from __future__ import annotations

import _common as c
import numpy as np
import pandas as pd

from isaacsim.crop import ALL_VECTORS
from isaacsim.traces import CROP_PREFIX
from isaacsim.traces.synth import area_table, synthesize

NAME = "naive_crop"
FRACTION = "0.25"
OBJECT_IMAGES, OBJECT_SEED = 20_000, 1
"""Synthetic images for the object-intact share (the sample of docs/crop-potential.md)."""


def object_intact(images: int) -> dict[str, float]:
    """Per vector, the share of synthetic images whose object lies outside every cropped band."""
    _, free = synthesize(images, OBJECT_SEED, FRACTION, "none")
    return {str(v): float(np.mean((free & v.index) == v.index)) for v in ALL_VECTORS}


def table(results: pd.DataFrame, intact: dict[str, float]) -> pd.DataFrame:
    areas = area_table(FRACTION)
    rows = []
    for crop, g in results.groupby("crop", sort=True):
        vector = crop.removeprefix(CROP_PREFIX)
        latency, base = g["latency_cycles"].mean(), g["baseline_latency_cycles"].mean()
        rows.append({"crop": crop, "sides": c.sides(vector), "area_removed": float(areas[vector]),
                     "compute_energy_saving": g["compute_energy_saving"].mean(),
                     "energy_saving": g["energy_saving"].mean(),
                     "latency_cycles": latency, "baseline_latency_cycles": base,
                     "latency_change": latency / base - 1,
                     "object_intact_share": intact[vector]})
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame, out) -> None:
    with c.figure(out, NAME, nrows=1, ncols=1, figsize=(8, 4)) as drawn:
        if drawn is None:
            return
        _, ax = drawn
        x = np.arange(len(df))
        ax.bar(x - 0.2, 100 * df["compute_energy_saving"], 0.4, label="compute-energy saving")
        ax.bar(x + 0.2, -100 * df["latency_change"], 0.4, label="latency reduction")
        ax.plot(x, 100 * df["object_intact_share"], "k.", label="images with object intact")
        ax.set_xticks(x, df["crop"], rotation=90, family="monospace")
        ax.set_xlabel("crop vector [TOP BOTTOM LEFT RIGHT], f = 1/4, applied to every image")
        ax.set_ylabel("%")
        ax.set_title("VGG-16 on ISAAC-CE: naive cropping")
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)


def main() -> None:
    args = c.parser(__doc__).parse_args()
    out = c.ensure_out(args)
    with c.timed(NAME), c.workspace(args, NAME) as work:
        for v in ALL_VECTORS:
            c.synth(work / f"naive_{v}.csv", network="vgg16", images=4, seed=0,
                    fraction=FRACTION, policy=f"naive:{v}")
        _, results = c.run_spec(NAME, work, jobs=args.jobs, images=1 if args.quick else None)
        n_objects = 500 if args.quick else OBJECT_IMAGES
        df = table(results, object_intact(n_objects))
    c.write_csv(df, out, NAME)
    shown = df[["crop", "sides", "area_removed", "compute_energy_saving", "energy_saving",
                "latency_cycles", "latency_change", "object_intact_share"]]
    base = int(df["baseline_latency_cycles"].iloc[0])
    c.write_snippet(out, NAME, "Naive cropping, VGG-16 (every image the same vector, f = 1/4)", [
        ("", c.markdown(shown, {"area_removed": ".2%", "compute_energy_saving": ".1%",
                                "energy_saving": ".1%", "latency_cycles": ",.0f",
                                "latency_change": "+.1%", "object_intact_share": ".1%"})),
        ("", f"Uncropped baseline latency: {base:,} cycles per image. Object intact: share of "
             f"{n_objects:,} synthetic images (seed {OBJECT_SEED}) whose object box the crop "
             f"does not enter.\n")])
    plot(df, out)
    print(c.markdown(shown))


if __name__ == "__main__":
    main()
