"""The result tables of a run (docs/reports.md): images, layers, components, summary."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

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


def _spans(n: int, per_chunk: int) -> list[tuple[int, int]]:
    """Runs of images [start, stop) of at most `per_chunk` images covering `n`."""
    return [(a, min(a + per_chunk, n)) for a in range(0, n, per_chunk)] or [(0, 0)]


def _energies(sim, per_chunk: int) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
    """Per-image component totals, compute (tile dynamic) energy, static and total energy, from
    the accounting of a chunk of images at a time."""
    parts: dict[str, list] = {}
    statics = []
    for a, b in _spans(len(sim), per_chunk):
        acc = sim.accounting(a, b)
        for k, v in acc.energy_pj.items():
            parts.setdefault(k, []).append(v.sum(axis=1))
        statics.append(acc.static_pj)
        table = acc.table
    comp: dict[str, Any] = {k: np.concatenate(v) for k, v in parts.items()}
    compute = sum(comp[k] for k in table.compute_names)
    static = np.concatenate(statics)
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
    others, a digital layer's included; 0 for an unlimited server)."""
    service = getattr(node, name)
    if not service.active:
        return np.zeros(len(res.node_ops), float)
    count = node.replicas if name == "readout" else node.groups
    basis = getattr(res, f"node_{SERVER_BASIS[name]}")[:, n]
    return basis * service.per / (service.rate * count)


def _span(res, n: int) -> np.ndarray:
    """Per image, node n's span (first issue to last ready cycle, at least 1), as floats."""
    return np.maximum(res.node_end[:, n] - res.node_start[:, n], 1).astype(float)


def _server_columns(node, res, n: int) -> dict[str, np.ndarray]:
    """`<server>_busy_cycles`, `<server>_utilisation` (busy over the layer's span, start to end)
    and `<server>_wait_cycles` (summed over its ops) per image (docs/reports.md)."""
    span = _span(res, n)
    out = {}
    for k, name in enumerate(SERVICES):
        busy = server_busy(node, res, n, name)
        out[f"{name}_busy_cycles"] = busy
        out[f"{name}_utilisation"] = np.where(res.node_ops[:, n] > 0, busy / span, 0.0)
        out[f"{name}_wait_cycles"] = res.node_wait[:, n, k]
    return out


def _send_busy(lowered, res, n: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Per remote out-edge of node n, the component that sets its rate, the cycles its pipe is
    busy per image (the bytes sent over `cap_bytes_per_cycle`, docs/timing-model.md s6) and the
    cycles its transfers waited in it."""
    plan = lowered.plan
    return [(lowered.edge_components[e], res.edge_bytes[:, e] / plan.edges[e].cap_bytes_per_cycle,
             res.edge_wait[:, e]) for e in plan.nodes[n].outputs if not plan.edges[e].local]


def _send_columns(lowered, res, n: int) -> dict[str, np.ndarray]:
    """`send_busy_cycles` and `send_utilisation` per image, of the busiest of node n's transfer
    pipes, and `send_wait_cycles`, summed over them (0 without a remote out-edge)."""
    span = _span(res, n)
    busy = np.zeros(len(res.node_ops), float)
    wait = np.zeros(len(res.node_ops), np.int64)
    for _, b, w in _send_busy(lowered, res, n):
        busy = np.maximum(busy, b)
        wait = wait + w
    return {"send_busy_cycles": busy,
            "send_utilisation": np.where(res.node_ops[:, n] > 0, busy / span, 0.0),
            "send_wait_cycles": wait}


def _component_load(lowered, res, stream_cycles: float | None = None
                    ) -> dict[str, dict[str, float]]:
    """Per energy component that a server or a transfer pipe models: busy cycles and waits summed
    over layers and images, and the highest utilisation of a layer with the layer's name (a
    transfer: of one of its pipes, counted for the component that sets the pipe's rate). A
    layer's utilisation is its mean over images of the layers table's (busy over the layer's span
    for the image) or, in a stream (`stream_cycles`, first arrival to last completion), its busy
    cycles summed over the stream over the stream's cycles: a stream's layers overlap, and a layer
    that runs ahead of a bottleneck stretches its own spans. Computed a layer at a time: the
    servers with the same pandas reductions over the same rows as over the whole layers table (so
    the numbers are those of the table), the pipes one by one (the table shows only a layer's
    busiest)."""
    load: dict[str, dict] = {}
    names = [layer.name for layer in lowered.network.layers]
    for n in range(1, len(lowered.plan.nodes)):
        node = lowered.plan.nodes[n]
        rows = pd.DataFrame({"layer": names[n - 1], **_server_columns(node, res, n)})
        means = rows.groupby("layer", sort=False).mean(numeric_only=True)
        span = _span(res, n)

        def add(component: str, busy: float, wait: int, mean_utilisation: float) -> None:
            row = load.setdefault(component, {"busy_cycles": 0.0, "wait_cycles": 0,
                                              "peak_utilisation": 0.0, "peak_layer": "-"})
            row["busy_cycles"] += busy
            row["wait_cycles"] += wait
            u = busy / stream_cycles if stream_cycles else mean_utilisation
            if u > row["peak_utilisation"]:
                row["peak_utilisation"], row["peak_layer"] = u, names[n - 1]

        for component, busy, wait in _send_busy(lowered, res, n):
            add(component, float(busy.sum()), int(wait.sum()),
                float(np.where(res.node_ops[:, n] > 0, busy / span, 0.0).mean()))
        for name, component in zip(SERVICES, lowered.server_components[n]):
            if component is not None and getattr(node, name).active:
                add(component, float(rows[f"{name}_busy_cycles"].sum()),
                    int(rows[f"{name}_wait_cycles"].sum()),
                    float(means.loc[names[n - 1], f"{name}_utilisation"]))
    return load


LAYER_ROWS_PER_CHUNK = 2 ** 16
"""Rows of the layers table built at a time when it is written (`Tables.chunks`): with about 50
columns of 8 bytes, some 26 MB and their text, however many images a run has."""


def _layer_rows(lowered, ids: list, sim, start: int, stop: int) -> pd.DataFrame:
    """The layers table's rows of images `start` to `stop` (docs/reports.md): image by image in
    trace order, each image's layers in network order."""
    plan, net = lowered.plan, lowered.network
    accounting = sim.accounting(start, stop)
    counts = accounting.counts
    node_energy = sum(accounting.energy_pj.values())
    res = sim.result.rows(start, stop)
    actives = sim.facts.active[start:stop]
    maps = {lm.name: lm for lm in lowered.mapping.layers}
    blocks = []
    for n in range(1, len(plan.nodes)):
        layer = net.layers[n - 1]
        h, w = layer.out_shape[:2]
        active = actives[:, n]
        block = {"image_id": ids[start:stop], "layer": layer.name, "kind": layer.kind,
                 "active_pixels": active, "skipped_pixels": h * w - active,
                 "ops": res.node_ops[:, n], "bit_cycles": res.node_bit_cycles[:, n]}
        block.update({k: counts[k][:, n] for k in lowered.events.counters})
        block["shift_passes"] = maps[layer.name].shift_passes if layer.uses_crossbars else 0
        block.update({"start_cycle": res.node_start[:, n], "end_cycle": res.node_end[:, n],
                      "energy_pj": node_energy[:, n]})
        block.update(_server_columns(plan.nodes[n], res, n))
        block.update(_send_columns(lowered, res, n))
        blocks.append(pd.DataFrame(block))
    layer_major = pd.concat(blocks, ignore_index=True)
    images, layers = stop - start, len(blocks)
    image_major = (np.arange(layers)[None, :] * images + np.arange(images)[:, None]).ravel()
    return layer_major.take(image_major).reset_index(drop=True)


class Tables(Mapping):
    """The tables of a run, name -> DataFrame: images, layers, components, summary.

    The layers table (a row per image and layer, by far the largest) is built when it is asked
    for; `chunks("layers")` builds it `LAYER_ROWS_PER_CHUNK` rows at a time, so that writing it
    never holds all its rows (the images of a run add only their small per-image results)."""

    NAMES = ("images", "layers", "components", "summary")

    def __init__(self, frames: dict[str, pd.DataFrame], lowered, ids: list, sim):
        self.frames, self.lowered, self.ids, self.sim = frames, lowered, ids, sim

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name != "layers":
            return self.frames[name]
        parts = list(self.chunks(name))
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def __iter__(self) -> Iterator[str]:
        return iter(self.NAMES)

    def __len__(self) -> int:
        return len(self.NAMES)

    def chunks(self, name: str) -> Iterator[pd.DataFrame]:
        """The table `name` in runs of rows, in order (one for every table but layers)."""
        if name != "layers":
            yield self[name]
            return
        per_chunk = max(1, LAYER_ROWS_PER_CHUNK // max(1, len(self.lowered.plan.nodes) - 1))
        for a, b in _spans(len(self.ids), per_chunk):
            yield _layer_rows(self.lowered, self.ids, self.sim, a, b)


def build_tables(workload, lowered, images, cropped, base, mode: str) -> Tables:
    cycle_ns = lowered.arch.cycle_ns
    ids = [img.image_id for img in images]
    per_chunk = max(1, LAYER_ROWS_PER_CHUNK // max(1, len(lowered.plan.nodes) - 1))
    comp, compute, static, total = _energies(cropped, per_chunk)
    lat = cropped.result.latency_cycles
    df = {"image_id": ids, "crop": [crop_label(img) for img in images],
          "latency_cycles": lat, "latency_us": lat * cycle_ns / 1000.0,
          "completion_cycle": cropped.result.completion_cycle,
          "energy_pj": total, "compute_energy_pj": compute, "static_energy_pj": static}
    if base is not None:
        bcomp, bcompute, bstatic, btotal = _energies(base, per_chunk)
        blat = base.result.latency_cycles
        df.update({"baseline_latency_cycles": blat, "baseline_energy_pj": btotal,
                   "baseline_compute_energy_pj": bcompute,
                   "energy_saving": _saving(btotal, total),
                   "compute_energy_saving": _saving(bcompute, compute),
                   "latency_saving": _saving(blat.astype(float), lat.astype(float))})
    if workload.predictor is not None:   # included in the totals above (docs/predictor.md)
        from isaacsim.predictor.report import predictor_columns
        df.update(predictor_columns(cropped, _spans(len(cropped), per_chunk)))
    table = lowered.energy
    for k in table.names:
        df[f"energy_{k}_pj"] = comp[k]
    df[f"energy_{table.static_name}_pj"] = static
    images_df = pd.DataFrame(df)

    res = cropped.result
    comp_rows = []
    stream_cycles = (float(res.completion_cycle.max() - int(cropped.facts.arrival.min()))
                     if mode == "stream" and len(ids) else None)
    load = _component_load(lowered, res, stream_cycles)
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
    cols += [c for c in ("predictor_energy_pj", "predictor_decision_cycles") if c in images_df]
    summary = percentile_summary(images_df, cols)
    summary.append({"metric": "images", "statistic": "count", "value": float(len(ids))})
    summary.append({"metric": "chips", "statistic": "count",
                    "value": float(lowered.mapping.totals.chips)})
    if mode == "stream":
        span = float(res.completion_cycle.max() - int(cropped.facts.arrival.min()))
        summary.append({"metric": "throughput_images_per_s", "statistic": "value",
                        "value": len(ids) / (span * cycle_ns * 1e-9) if span > 0 else 0.0})
        if base is not None:
            bspan = float(base.result.completion_cycle.max())
            summary.append({"metric": "baseline_throughput_images_per_s", "statistic": "value",
                            "value": len(ids) / (bspan * cycle_ns * 1e-9) if bspan > 0 else 0.0})
    summary_df = pd.DataFrame(summary)
    return Tables({"images": images_df, "components": components_df, "summary": summary_df},
                  lowered, ids, cropped)
