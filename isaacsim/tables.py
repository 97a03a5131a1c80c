"""The result tables of a run (docs/reports.md): images, layers, components, summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from isaacsim.plan import SERVICES
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


SERVER_BASIS = {"fetch": "rf_pixels", "readout": "bit_cycles", "merge": "ops", "act": "ops"}
"""What a server's demand counts per op (docs/timing-model.md s12), as `TimingResult` fields."""


def server_busy(node, res, n: int, name: str) -> np.ndarray:
    """Per image, the cycles each of node n's `name` servers is busy on average: the slots its ops
    asked, over the rate of all its servers together (replicas for the readout, groups for the
    others; 0 for an unlimited server)."""
    service = getattr(node, name)
    if not service.active:
        return np.zeros(len(res.node_ops), float)
    count = node.replicas if name == "readout" else node.groups if node.is_crossbar else 1
    basis = getattr(res, f"node_{SERVER_BASIS[name]}")[:, n]
    return basis * service.per / (service.rate * count)


def _server_columns(node, res, n: int) -> dict[str, np.ndarray]:
    """`<server>_busy_cycles`, `<server>_utilisation` (busy over the layer's span, start to end)
    and `<server>_wait_cycles` (summed over its ops) per image (docs/reports.md)."""
    span = np.maximum(res.node_end[:, n] - res.node_start[:, n], 1).astype(float)
    out = {}
    for k, name in enumerate(SERVICES):
        busy = server_busy(node, res, n, name)
        out[f"{name}_busy_cycles"] = busy
        out[f"{name}_utilisation"] = np.where(res.node_ops[:, n] > 0, busy / span, 0.0)
        out[f"{name}_wait_cycles"] = res.node_wait[:, n, k]
    return out


def _component_load(lowered, layers_df: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per energy component that a server models: busy cycles and waits summed over layers and
    images, and the highest mean utilisation of a layer with the layer's name."""
    load: dict[str, dict] = {}
    names = [layer.name for layer in lowered.network.layers]
    means = layers_df.groupby("layer", sort=False).mean(numeric_only=True)
    for n in range(1, len(lowered.plan.nodes)):
        for name, component in zip(SERVICES, lowered.server_components[n]):
            if component is None or not getattr(lowered.plan.nodes[n], name).active:
                continue
            row = load.setdefault(component, {"busy_cycles": 0.0, "wait_cycles": 0,
                                              "peak_utilisation": 0.0, "peak_layer": "-"})
            rows = layers_df[layers_df.layer == names[n - 1]]
            row["busy_cycles"] += float(rows[f"{name}_busy_cycles"].sum())
            row["wait_cycles"] += int(rows[f"{name}_wait_cycles"].sum())
            u = float(means.loc[names[n - 1], f"{name}_utilisation"])
            if u > row["peak_utilisation"]:
                row["peak_utilisation"], row["peak_layer"] = u, names[n - 1]
    return load


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
    maps = {lm.name: lm for lm in lowered.mapping.layers}
    for n in range(1, len(plan.nodes)):
        layer = net.layers[n - 1]
        h, w = layer.out_shape[:2]
        active = np.array([int(np.count_nonzero(wk.bits[n])) for wk in cropped.works])
        block = {"image_id": ids, "layer": layer.name, "kind": layer.kind,
                 "active_pixels": active, "skipped_pixels": h * w - active,
                 "ops": res.node_ops[:, n], "bit_cycles": res.node_bit_cycles[:, n]}
        block.update({k: counts[k][:, n] for k in lowered.events.counters})
        block["shift_passes"] = maps[layer.name].shift_passes if layer.uses_crossbars else 0
        block.update({"start_cycle": res.node_start[:, n], "end_cycle": res.node_end[:, n],
                      "energy_pj": node_energy[:, n]})
        block.update(_server_columns(plan.nodes[n], res, n))
        rows.append(pd.DataFrame(block))
    layers_df = pd.concat(rows, ignore_index=True)
    order = {name: i for i, name in enumerate(ids)}
    layers_df = layers_df.sort_values(["image_id"], key=lambda s: s.map(order), kind="stable")
    layers_df = layers_df.reset_index(drop=True)

    comp_rows = []
    load = _component_load(lowered, layers_df)
    for k in list(table.names) + [table.static_name]:
        static_row = k == table.static_name
        e = float(static.sum()) if static_row else float(comp[k].sum())
        row = {"component": k, "compute": k in table.compute_names, "energy_pj": e}
        if base is not None:
            b = float(bstatic.sum()) if static_row else float(bcomp[k].sum())
            row.update({"baseline_energy_pj": b, "saving": (1 - e / b) if b > 0 else 0.0})
        row.update(load.get(k, {"busy_cycles": 0.0, "wait_cycles": 0, "peak_utilisation": 0.0,
                                "peak_layer": "-"}))
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
