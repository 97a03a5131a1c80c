"""Weight precision: energy, area and latency of VGG-16 for weight bits 16, 12, 8, 6, 4, 2.

The sweep `scripts/specs/weight_precision.json` runs the shipped 1,000-image oracle trace at each
weight precision with the uncropped baseline; the mapping (arrays, IMAs, tiles, chips: what
``python -m isaacsim map WORKLOAD --set precision.weight_bits=W --json`` reports) gives the area.
Energies are means per image; "rel." columns are relative to 16-bit weights, uncropped.

    python scripts/weight_precision.py [--out DIR] [--work DIR] [--jobs N] [--quick]
"""

from __future__ import annotations

import _common as c
import pandas as pd

from isaacsim.workload import load_workload

NAME = "weight_precision"
KEY = "precision.weight_bits"


def area(bits: int) -> dict:
    """Arrays, IMAs, tiles, chips and their area for VGG-16 with `bits`-bit weights."""
    w = load_workload(c.ROOT / "workloads" / "vgg16_cropped.json", {KEY: bits})
    t, arch = w.map().totals, w.arch.totals
    return {"arrays": t.arrays, "imas": t.imas, "tiles": t.tiles, "chips": t.chips,
            "tiles_area_mm2": t.tiles * arch.tile_area_mm2,
            "chips_area_mm2": t.chips * arch.chip_area_mm2}


def table(points: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for p in points.to_dict("records"):
        bits = int(p[KEY])
        rows.append({"weight_bits": bits, **area(bits), **c.precision_row(p)})
    return c.relative_to_first(pd.DataFrame(rows), ("arrays", "tiles_area_mm2"))


def plot(df: pd.DataFrame, out) -> None:
    with c.figure(out, NAME, figsize=(6.5, 4)) as drawn:
        if drawn is None:
            return
        _, ax = drawn
        ax.plot(df["weight_bits"], df["arrays_rel"], "s--", color="gray", label="arrays (area)")
        for col, label in (("baseline_energy_rel", "energy, uncropped"),
                           ("baseline_compute_energy_rel", "compute energy, uncropped"),
                           ("baseline_latency_rel", "latency, uncropped"),
                           ("energy_rel", "energy, oracle-cropped")):
            ax.plot(df["weight_bits"], df[col], "o-", label=label)
        ax.set_xlabel("weight bits")
        ax.set_xticks(df["weight_bits"])
        c.precision_axes(ax, "VGG-16 on ISAAC-CE: weight precision",
                         "relative to 16-bit weights, uncropped")


def main() -> None:
    args = c.parser(__doc__).parse_args()
    out = c.ensure_out(args)
    with c.timed(NAME), c.workspace(args, NAME) as work:
        points, _ = c.run_spec(NAME, work, jobs=args.jobs, images=20 if args.quick else None)
    df = table(points)
    c.write_csv(df, out, NAME)
    shown = df[["weight_bits", "arrays", "tiles", "chips", "tiles_area_mm2", "arrays_rel",
                "baseline_energy_uj", "baseline_energy_rel", "baseline_compute_energy_rel",
                "baseline_latency_cycles", "baseline_latency_rel", "energy_rel",
                "compute_energy_saving", "latency_rel"]]
    c.write_snippet(out, NAME, "Weight precision, VGG-16", [
        ("", c.markdown(shown, {"arrays": ",", "tiles": ",", "tiles_area_mm2": ",.1f",
                                "baseline_energy_uj": ",.0f", "baseline_latency_cycles": ",.0f",
                                **{col: ".3f" for col in shown.columns if col.endswith("_rel")},
                                "compute_energy_saving": ".1%"})),
        ("", c.PRECISION_NOTE)])
    plot(df, out)
    print(c.markdown(shown))


if __name__ == "__main__":
    main()
