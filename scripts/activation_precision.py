"""Activation precision: energy and latency of VGG-16 for activation bits 16 down to 2, and the
Stripes-style per-layer profile.

The sweep `scripts/specs/activation_precision.json` runs the shipped 1,000-image oracle trace with
every layer at 16, 14, ..., 2 activation bits; `scripts/specs/activation_stripes.json` runs the
preset workloads/vgg16_stripes.json (per conv layer 10-13 bits, approximate; docs/precision-
presets.md). Both with the uncropped baseline; "rel." columns are relative to 16 bits, uncropped.

    python scripts/activation_precision.py [--out DIR] [--work DIR] [--jobs N] [--quick]
"""

from __future__ import annotations

import _common as c
import pandas as pd

NAME = "activation_precision"
KEY = "precision.activation_bits"
STRIPES = "Stripes profile (approx.)"


def table(grid: pd.DataFrame, stripes: pd.DataFrame) -> pd.DataFrame:
    rows = [{"activation_bits": str(int(p[KEY])), **c.precision_row(p)}
            for p in grid.to_dict("records")]
    rows += [{"activation_bits": STRIPES, **c.precision_row(p)}
             for p in stripes.to_dict("records")]
    return c.relative_to_first(pd.DataFrame(rows))


def plot(df: pd.DataFrame, out) -> None:
    with c.figure(out, NAME, figsize=(6.5, 4)) as drawn:
        if drawn is None:
            return
        _, ax = drawn
        uniform = df[df["activation_bits"] != STRIPES]
        bits = uniform["activation_bits"].astype(int)
        stripes = df[df["activation_bits"] == STRIPES]
        for col, label in (("baseline_energy_rel", "energy, uncropped"),
                           ("baseline_compute_energy_rel", "compute energy, uncropped"),
                           ("baseline_latency_rel", "latency, uncropped"),
                           ("energy_rel", "energy, oracle-cropped")):
            line, = ax.plot(bits, uniform[col], "o-", label=label)
            ax.plot([17.2], stripes[col], "*", markersize=11, color=line.get_color())
        ax.set_xticks([*bits, 17.2], [*map(str, bits), "Stripes"])
        ax.set_xlabel("activation bits (every layer); star: Stripes-style per-layer profile")
        c.precision_axes(ax, "VGG-16 on ISAAC-CE: activation precision",
                         "relative to 16 bits, uncropped")


def main() -> None:
    args = c.parser(__doc__).parse_args()
    out = c.ensure_out(args)
    images = 20 if args.quick else None
    with c.timed(NAME), c.workspace(args, NAME) as work:
        grid, _ = c.run_spec(NAME, work, jobs=args.jobs, images=images)
        stripes, _ = c.run_spec("activation_stripes", work, jobs=args.jobs, images=images)
    df = table(grid, stripes)
    c.write_csv(df, out, NAME)
    shown = df[["activation_bits", "baseline_energy_uj", "baseline_energy_rel",
                "baseline_compute_energy_rel", "baseline_latency_cycles", "baseline_latency_rel",
                "energy_rel", "compute_energy_saving", "latency_rel"]]
    c.write_snippet(out, NAME, "Activation precision, VGG-16", [
        ("", c.markdown(shown, {"baseline_energy_uj": ",.0f", "baseline_latency_cycles": ",.0f",
                                **{col: ".3f" for col in shown.columns if col.endswith("_rel")},
                                "compute_energy_saving": ".1%"})),
        ("", c.PRECISION_NOTE)])
    plot(df, out)
    print(c.markdown(shown))


if __name__ == "__main__":
    main()
