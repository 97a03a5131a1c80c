"""The result tables of a run (docs/reports.md): images, layers, components, summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from isaacsim.report import percentile_summary
from isaacsim.traces import CROP_PREFIX, CompactImage


def crop_label(image) -> str:
    """The crop vector of a compact trace record as the trace format writes it (``c0110``: the
    prefix keeps the leading zeros when pandas or a spreadsheet reads the CSV), or "explicit" for
    region-based records."""
    return CROP_PREFIX + str(image.crop) if isinstance(image, CompactImage) else "explicit"


def _energies(sim) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
    """Per-image component totals, compute (tile dynamic) energy, static and total energy."""
    comp = {k: v.sum(axis=1) for k, v in sim.accounting.energy_pj.items()}
    compute = sum(comp[k] for k in sim.accounting.table.compute_names)
    static = sim.accounting.static_pj
    total = sum(comp.values()) + static
    return comp, compute, static, total


def _saving(base: np.ndarray, value: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base > 0, 1.0 - value / base, 0.0)


def build_tables(workload, lowered, images, cropped, base, mode: str) -> dict[str, pd.DataFrame]:
    cycle_ns = lowered.arch.cycle_ns
    ids = [img.image_id for img in images]
    comp, compute, static, total = _energies(cropped)
    lat = cropped.result.latency_cycles
    df = {"image_id": ids, "crop": [crop_label(img) for img in images],
          "latency_cycles": lat, "latency_us": lat * cycle_ns / 1000.0,
          "completion_cycle": cropped.result.completion_cycle,
          "energy_pj": total, "compute_energy_pj": compute, "static_energy_pj": static}
    if base is not None:
        bcomp, bcompute, bstatic, btotal = _energies(base)
        blat = base.result.latency_cycles
        df.update({"baseline_latency_cycles": blat, "baseline_energy_pj": btotal,
                   "baseline_compute_energy_pj": bcompute,
                   "energy_saving": _saving(btotal, total),
                   "compute_energy_saving": _saving(bcompute, compute),
                   "latency_saving": _saving(blat.astype(float), lat.astype(float))})
    table = cropped.accounting.table
    for k in table.names:
        df[f"energy_{k}_pj"] = comp[k]
    df[f"energy_{table.static_name}_pj"] = static
    images_df = pd.DataFrame(df)

    plan, net = lowered.plan, lowered.network
    rows = []
    counts = cropped.accounting.counts
    node_energy = sum(cropped.accounting.energy_pj.values())
    res = cropped.result
    for n in range(1, len(plan.nodes)):
        layer = net.layers[n - 1]
        h, w = layer.out_shape[:2]
        active = np.array([int(np.count_nonzero(wk.bits[n])) for wk in cropped.works])
        block = {"image_id": ids, "layer": layer.name, "kind": layer.kind,
                 "active_pixels": active, "skipped_pixels": h * w - active,
                 "ops": res.node_ops[:, n], "bit_cycles": res.node_bit_cycles[:, n]}
        block.update({k: counts[k][:, n] for k in lowered.events.counters})
        block.update({"start_cycle": res.node_start[:, n], "end_cycle": res.node_end[:, n],
                      "energy_pj": node_energy[:, n]})
        rows.append(pd.DataFrame(block))
    layers_df = pd.concat(rows, ignore_index=True)
    order = {name: i for i, name in enumerate(ids)}
    layers_df = layers_df.sort_values(["image_id"], key=lambda s: s.map(order), kind="stable")
    layers_df = layers_df.reset_index(drop=True)

    comp_rows = []
    for k in list(table.names) + [table.static_name]:
        static_row = k == table.static_name
        e = float(static.sum()) if static_row else float(comp[k].sum())
        row = {"component": k, "compute": k in table.compute_names, "energy_pj": e}
        if base is not None:
            b = float(bstatic.sum()) if static_row else float(bcomp[k].sum())
            row.update({"baseline_energy_pj": b, "saving": (1 - e / b) if b > 0 else 0.0})
        comp_rows.append(row)
    components_df = pd.DataFrame(comp_rows)

    cols = ["energy_saving", "compute_energy_saving", "latency_saving", "latency_cycles",
            "latency_us", "energy_pj", "compute_energy_pj", "baseline_latency_cycles",
            "baseline_energy_pj", "baseline_compute_energy_pj"]
    summary = percentile_summary(images_df, cols)
    summary.append({"metric": "images", "statistic": "count", "value": float(len(ids))})
    summary.append({"metric": "chips", "statistic": "count",
                    "value": float(lowered.mapping.totals.chips)})
    if mode == "stream":
        span = float(res.completion_cycle.max() - min(wk.arrival_cycle for wk in cropped.works))
        summary.append({"metric": "throughput_images_per_s", "statistic": "value",
                        "value": len(ids) / (span * cycle_ns * 1e-9) if span > 0 else 0.0})
        if base is not None:
            bspan = float(base.result.completion_cycle.max())
            summary.append({"metric": "baseline_throughput_images_per_s", "statistic": "value",
                            "value": len(ids) / (bspan * cycle_ns * 1e-9) if bspan > 0 else 0.0})
    summary_df = pd.DataFrame(summary)
    return {"images": images_df, "layers": layers_df, "components": components_df,
            "summary": summary_df}
