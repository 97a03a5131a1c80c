"""Overall savings of oracle cropping: VGG-16, AlexNet and ResNet-18, single and stream mode.

The sweep `scripts/specs/overall_savings.json` runs the shipped 1,000-image oracle traces (f = 1/4;
traces/vgg16_synth_1000.csv, alexnet_synth_1000.csv, resnet18_synth_1000.csv) with the uncropped
baseline, each image alone (single) and all images back to back through the pipeline (stream,
every image arriving at cycle 0, so latency includes queueing). The table gives the mean, median,
5th and 95th percentile of the compute-energy, total-energy and latency savings, and in stream
mode the throughput; the figure the distribution of the savings in single mode.

    python scripts/overall_savings.py [--out DIR] [--work DIR] [--jobs N] [--quick]
"""

from __future__ import annotations

import _common as c
import numpy as np
import pandas as pd

NAME = "overall_savings"
NETWORKS = {"vgg16": "VGG-16", "alexnet": "AlexNet", "resnet18": "ResNet-18"}
SAVINGS = {"compute_energy_saving": "compute-energy saving", "energy_saving": "energy saving",
           "latency_saving": "latency saving"}


def table(points: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for p in points.itertuples(index=False):
        mine = results[results["point_id"] == p.point_id]
        row = {"network": p.network, "mode": p.mode, "images": len(mine)}
        for col in SAVINGS:
            row.update({f"{col}_{k}": v for k, v in c.describe(mine[col]).items()})
        row.update({"latency_cycles_mean": mine["latency_cycles"].mean(),
                    "baseline_latency_cycles_mean": mine["baseline_latency_cycles"].mean(),
                    "energy_uj_mean": mine["energy_pj"].mean() / 1e6,
                    "baseline_energy_uj_mean": mine["baseline_energy_pj"].mean() / 1e6,
                    "compute_energy_uj_mean": mine["compute_energy_pj"].mean() / 1e6,
                    "baseline_compute_energy_uj_mean":
                        mine["baseline_compute_energy_pj"].mean() / 1e6,
                    "throughput_images_per_s": p.throughput_images_per_s,
                    "baseline_throughput_images_per_s": p.baseline_throughput_images_per_s})
        rows.append(row)
    df = pd.DataFrame(rows)
    df["throughput_gain"] = (df["throughput_images_per_s"]
                             / df["baseline_throughput_images_per_s"] - 1)
    order = {n: i for i, n in enumerate(NETWORKS)}
    rank = {**order, "single": 0, "stream": 1}
    return df.sort_values(["mode", "network"], key=lambda col: col.map(rank), kind="stable")


def plot(points: pd.DataFrame, results: pd.DataFrame, out) -> None:
    with c.figure(out, NAME, nrows=1, ncols=3, figsize=(12, 3.6), sharey=True) as drawn:
        if drawn is None:
            return
        fig, axes = drawn
        single = points[points["mode"] == "single"]
        bins = np.linspace(0, 0.8, 17)
        for ax, (col, title) in zip(axes, SAVINGS.items()):
            values = [results.loc[results["point_id"] == p.point_id, col]
                      for p in single.itertuples(index=False)]
            ax.hist([100 * v for v in values], bins=100 * bins,
                    weights=[np.full(len(v), 100 / len(v)) for v in values],
                    label=[f"{NETWORKS[p.network]} (mean {v.mean():.1%})"
                           for p, v in zip(single.itertuples(index=False), values)])
            ax.set_xlabel(f"{title} per image, % (single mode)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        axes[0].set_ylabel("% of images")
        fig.suptitle("Oracle cropping (f = 1/4) against the uncropped baseline, ISAAC-CE 16-bit")


def main() -> None:
    args = c.parser(__doc__).parse_args()
    out = c.ensure_out(args)
    with c.timed(NAME), c.workspace(args, NAME) as work:
        points, results = c.run_spec(NAME, work, jobs=args.jobs, images=20 if args.quick else None)
    df = table(points, results)
    c.write_csv(df, out, NAME)
    shown = pd.DataFrame({
        "network": df["network"].map(NETWORKS), "mode": df["mode"], "images": df["images"],
        **{f"{title} mean / median / p5 / p95": [
            " / ".join(f"{getattr(r, f'{col}_{k}'):.1%}" for k in ("mean", "median", "p5", "p95"))
            for r in df.itertuples(index=False)] for col, title in SAVINGS.items()},
        "latency cycles, cropped / baseline": [
            f"{r.latency_cycles_mean:,.0f} / {r.baseline_latency_cycles_mean:,.0f}"
            for r in df.itertuples(index=False)],
        "throughput images/s, cropped / baseline (gain)": [
            "" if np.isnan(r.throughput_images_per_s) else
            f"{r.throughput_images_per_s:,.0f} / {r.baseline_throughput_images_per_s:,.0f} "
            f"({r.throughput_gain:+.1%})" for r in df.itertuples(index=False)]})
    energy = pd.DataFrame({
        "network": df["network"].map(NETWORKS), "mode": df["mode"],
        "compute energy uJ, cropped / baseline": [
            f"{r.compute_energy_uj_mean:,.0f} / {r.baseline_compute_energy_uj_mean:,.0f}"
            for r in df.itertuples(index=False)],
        "total energy uJ, cropped / baseline": [
            f"{r.energy_uj_mean:,.0f} / {r.baseline_energy_uj_mean:,.0f}"
            for r in df.itertuples(index=False)]})
    c.write_snippet(out, NAME, "Overall savings, oracle cropping at f = 1/4", [
        ("Savings per image against the uncropped baseline:", c.markdown(shown)),
        ("Mean energy per image:", c.markdown(energy))])
    plot(points, results, out)
    print(c.markdown(shown))


if __name__ == "__main__":
    main()
