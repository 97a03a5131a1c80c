"""Cropping combined with reduced precision: is the relative saving of cropping the same at 8-bit
weights as at 16-bit weights (the seed: "nearly identical relative savings")?

The sweep `scripts/specs/combined.json` runs the shipped 1,000-image oracle trace (f = 1/4) on
VGG-16 at weight bits {16, 8, 4} x activation bits {16, 8}, each against the uncropped baseline at
the same precision. The second table splits the compute energy by component for 16-bit and 8-bit
weights: each component's share of the uncropped energy and the saving cropping makes on it (the
uncropped energy per component is that of an image whose oracle crop is 0000).

    python scripts/combined.py [--out DIR] [--work DIR] [--jobs N] [--quick]
"""

from __future__ import annotations

import _common as c
import numpy as np
import pandas as pd

NAME = "combined"
WB, AB = "precision.weight_bits", "precision.activation_bits"
COMPONENTS = ("xbar", "dac", "adc", "sample_hold", "ima_shift_add", "ir", "ima_or", "edram", "bus",
              "router", "tile_shift_add", "tile_or", "sigmoid", "maxpool")
"""The compute-energy components (every tile component; docs/reports.md)."""
COMPARED = ((16, 16), (8, 16))
"""(weight bits, activation bits) of the component table."""


def table(points: pd.DataFrame) -> pd.DataFrame:
    rows = [{"weight_bits": int(p[WB]), "activation_bits": int(p[AB]), **c.precision_row(p)}
            for p in points.to_dict("records")]
    df = pd.DataFrame(rows)
    ref = df[(df["weight_bits"] == 16) & (df["activation_bits"] == 16)]
    df["compute_saving_minus_16_16_pp"] = 100 * (df["compute_energy_saving"]
                                                 - ref["compute_energy_saving"].iloc[0])
    return df


def components(points: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """Per compute component: share of the uncropped compute energy and saving, per precision."""
    out = pd.DataFrame({"component": COMPONENTS})
    for wb, ab in COMPARED:
        pid = points.loc[(points[WB] == wb) & (points[AB] == ab), "point_id"].iloc[0]
        mine = results[results["point_id"] == pid]
        uncropped = mine[mine["crop"] == "c0000"]
        if uncropped.empty:
            raise SystemExit(f"{NAME}: no uncropped image (crop 0000) among the images run")
        base = np.array([uncropped[f"energy_{k}_pj"].iloc[0] for k in COMPONENTS])
        cropped = np.array([mine[f"energy_{k}_pj"].mean() for k in COMPONENTS])
        tag = f"w{wb}a{ab}"
        out[f"share_{tag}"] = base / base.sum()
        with np.errstate(invalid="ignore"):
            out[f"saving_{tag}"] = np.where(base > 0, 1 - cropped / np.where(base > 0, base, 1),
                                            np.nan)
    return out


def plot(df: pd.DataFrame, out) -> None:
    with c.figure(out, NAME, figsize=(6.5, 4)) as drawn:
        if drawn is None:
            return
        _, ax = drawn
        labels = [f"W{r.weight_bits}/A{r.activation_bits}" for r in df.itertuples()]
        x = np.arange(len(df))
        ax.bar(x - 0.2, df["baseline_compute_energy_rel"], 0.4, label="uncropped")
        ax.bar(x + 0.2, df["compute_energy_rel"], 0.4, label="oracle-cropped")
        for xi, r in zip(x, df.itertuples()):
            ax.annotate(f"-{r.compute_energy_saving:.1%}", (xi + 0.2, r.compute_energy_rel),
                        ha="center", va="bottom", fontsize=8)
        ax.set_xticks(x, labels)
        ax.set_xlabel("weight bits / activation bits")
        ax.set_ylabel("compute energy per image\n(W16/A16 uncropped = 1)")
        ax.set_title("VGG-16 on ISAAC-CE: cropping with reduced precision")
        ax.legend()
        ax.grid(axis="y", alpha=0.3)


def main() -> None:
    args = c.parser(__doc__).parse_args()
    out = c.ensure_out(args)
    with c.timed(NAME), c.workspace(args, NAME) as work:
        points, results = c.run_spec(NAME, work, jobs=args.jobs, images=20 if args.quick else None)
    df = c.relative_to_first(table(points))
    comp = components(points, results)
    c.write_csv(df, out, NAME)
    c.write_csv(comp, out, f"{NAME}_components")
    shown = df[["weight_bits", "activation_bits", "baseline_compute_energy_uj",
                "compute_energy_uj", "compute_energy_saving", "compute_saving_minus_16_16_pp",
                "energy_saving", "latency_saving"]]
    c.write_snippet(out, NAME, "Cropping with reduced precision, VGG-16 (oracle, f = 1/4)", [
        ("Mean per image; savings against the uncropped baseline at the same precision:",
         c.markdown(shown, {"baseline_compute_energy_uj": ",.0f", "compute_energy_uj": ",.0f",
                            "compute_energy_saving": ".2%", "compute_saving_minus_16_16_pp": "+.3f",
                            "energy_saving": ".1%", "latency_saving": ".1%"})),
        ("Compute energy by component (share of the uncropped compute energy; saving of cropping "
         "on that component):",
         c.markdown(comp, {col: ".1%" for col in comp.columns if col != "component"}))])
    plot(df, out)
    print(c.markdown(shown))


if __name__ == "__main__":
    main()
