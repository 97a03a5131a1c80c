"""Crop potential: the share of images per crop vector and the share croppable, f = 1/4 and 1/8.

Oracle traces of the calibrated synthetic object model (docs/crop-potential.md; 20,000 images,
seed 1) are summarised as ``python -m isaacsim traces stats`` does, and compared with the seed's
"75 % of images can tolerate some crop" and the object model's own figures (docs/crop-potential.md). The sweep
`scripts/specs/crop_potential.json` then runs the first 1,000 images of each trace on VGG-16, each
trace paired with its own crop fraction, to show what the potential is worth in energy and time.

    python scripts/crop_potential.py [--out DIR] [--work DIR] [--jobs N] [--quick]
"""

from __future__ import annotations

import _common as c
import numpy as np
import pandas as pd

from isaacsim.traces import CROP_PREFIX
from isaacsim.traces.synth import area_table

NAME = "crop_potential"
FRACTIONS = ("0.25", "0.125")
IMAGES, SEED = 20_000, 1
SEED_CROPPABLE = 0.75
"""The seed: "75 % of images can tolerate some type of crop" at unchanged Top-1."""
AQUA_MODEL_CROPPABLE = {"0.25": 0.77, "0.125": 0.97}
"""The object model's Monte-Carlo croppable share at f = 1/4 and f = 1/8 (docs/crop-potential.md)."""


def label(fraction: str) -> str:
    return {"0.25": "1/4", "0.125": "1/8"}[fraction]


def histogram_table(found: dict[str, dict]) -> pd.DataFrame:
    rows = []
    for vector in found[FRACTIONS[0]]["histogram"]:
        row = {"crop": CROP_PREFIX + vector, "sides": c.sides(vector)}
        for f in FRACTIONS:
            h = found[f]["histogram"]
            row[f"area_removed_f{label(f)}"] = float(area_table(f)[vector])
            row[f"images_f{label(f)}"] = h[vector] / sum(h.values())
        rows.append(row)
    return pd.DataFrame(rows)


def summary_table(found: dict[str, dict], points: pd.DataFrame, results: pd.DataFrame
                  ) -> pd.DataFrame:
    rows = []
    for f in FRACTIONS:
        s = found[f]
        hit = points["crop.fraction"].astype(float) == float(f)
        pid = points.loc[hit, "point_id"].iloc[0]
        mine = results[results["point_id"] == pid]
        rows.append({"fraction": label(f), "images": s["images"],
                     "croppable": s["croppable_fraction"],
                     "seed_croppable": SEED_CROPPABLE,
                     "aqua_model_croppable": AQUA_MODEL_CROPPABLE[f],
                     "mean_area_saved": s["mean_area_saved"],
                     "mean_area_saved_croppable": s["mean_area_saved_croppable"],
                     "simulated_images": len(mine),
                     "vgg16_compute_energy_saving": mine["compute_energy_saving"].mean(),
                     "vgg16_energy_saving": mine["energy_saving"].mean(),
                     "vgg16_latency_saving": mine["latency_saving"].mean()})
    return pd.DataFrame(rows)


def plot(hist: pd.DataFrame, out) -> None:
    with c.figure(out, NAME, figsize=(8, 4)) as drawn:
        if drawn is None:
            return
        _, ax = drawn
        x = np.arange(len(hist))
        for k, f in enumerate(FRACTIONS):
            ax.bar(x + (k - 0.5) * 0.4, 100 * hist[f"images_f{label(f)}"], 0.4,
                   label=f"f = {label(f)}")
        ax.set_xticks(x, hist["crop"], rotation=90, family="monospace")
        ax.set_xlabel("oracle crop vector [TOP BOTTOM LEFT RIGHT]")
        ax.set_ylabel("% of images")
        ax.set_title("Crop potential: synthetic object model, oracle policy")
        ax.legend()
        ax.grid(axis="y", alpha=0.3)


def main() -> None:
    args = c.parser(__doc__).parse_args()
    out = c.ensure_out(args)
    images = 400 if args.quick else IMAGES
    with c.timed(NAME), c.workspace(args, NAME) as work:
        found = {}
        for f in FRACTIONS:
            path = c.synth(work / f"oracle_f{f}.csv", network="vgg16", images=images, seed=SEED,
                           fraction=f)
            found[f] = c.stats(path)
        points, results = c.run_spec(NAME, work, jobs=args.jobs,
                                     images=50 if args.quick else None)
    hist, summary = histogram_table(found), summary_table(found, points, results)
    c.write_csv(hist, out, NAME)
    c.write_csv(summary, out, f"{NAME}_summary")
    pcts = {col: ".1%" for col in hist.columns if col.startswith(("images", "area"))}
    c.write_snippet(out, NAME, "Crop potential (oracle, synthetic object model)", [
        (f"Summary ({images:,} images, seed {SEED}; the VGG-16 savings over the first "
         f"{summary['simulated_images'].iloc[0]:,} of them):",
         c.markdown(summary, {col: ".1%" for col in summary.columns
                              if col not in ("fraction", "images", "simulated_images")
                              and not col.startswith("mean_area")}
                    | {"mean_area_saved": ".4f", "mean_area_saved_croppable": ".4f",
                       "images": ",", "simulated_images": ","})),
        ("Share of images per oracle crop vector:", c.markdown(hist, pcts))])
    plot(hist, out)
    print(c.markdown(summary))


if __name__ == "__main__":
    main()
