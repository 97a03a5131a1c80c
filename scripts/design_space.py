"""Design space around ISAAC-CE: VGG-16 throughput, energy, peak CE/PE/SE and the limiting unit.

The sweep `scripts/specs/design_space.json` streams VGG-16 images without crops (a trace of the
`none` policy that this script generates: the uncropped network, no baseline needed) through
ISAAC-CE and through one-factor-at-a-time variations of it: crossbar size, arrays per IMA, ADCs
per IMA, IMAs per tile, a 9-bit ADC without the flip encoding, the ADC sample rate, a 200 ns
crossbar read (`arch.cycle_ns`), 2-bit DACs, 1-bit and 4-bit cells. For each point the table gives
the stream throughput and energy per image (from the sweep), the chips, the peak CE, PE and SE of
the architecture (docs/architecture.md section 7), and the unit that limits it.

The sweep stores each point's images table only, so each point is also run once more directly
(`isaacsim.runner.run_workload`, the same call a sweep worker makes, with the sweep's own
settings) for its components.csv (the most-utilised server or link, docs/reports.md) and layers.csv (the
HyperTransport traffic); the script checks that this run's throughput equals the sweep's.

    python scripts/design_space.py [--out DIR] [--work DIR] [--jobs N] [--quick]
"""

from __future__ import annotations

import json
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import _common as c
import numpy as np
import pandas as pd

from isaacsim.network import load_network
from isaacsim.runner import run_workload
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.arch.scaling import ADC_TABLE
from isaacsim.workload import load_workload

NAME = "design_space"
TRACE = "vgg16_uncropped.csv"
QUICK_IMAGES = 4
NETWORK = "vgg16"
BOUND_SHARE = 0.99
"""A bound explains the measured interval per image when it is at least this share of it."""

FACTORS = {  # override key -> (factor, how a value reads)
    "arch.ima.xbar.rows": ("crossbar size", None),
    "arch.ima.xbar.cols": ("crossbar size", None),
    "arch.ima.arrays": ("arrays per IMA", "{} arrays per IMA"),
    "arch.ima.adc.units": ("ADCs per IMA", "{} ADCs per IMA"),
    "arch.tile.imas": ("IMAs per tile", "{} IMAs per tile"),
    "arch.ima.adc.bits": ("ADC resolution", "{}-bit ADC"),
    "arch.ima.xbar.flip_encoding": ("ADC resolution", None),
    "arch.ima.adc.gsamples_per_s": ("ADC sample rate", "ADC {:g} GS/s"),
    "arch.cycle_ns": ("crossbar read time", "{:g} ns read"),
    "arch.ima.dac.bits": ("DAC bits", "{}-bit DACs"),
    "arch.ima.xbar.cell_bits": ("cell bits", "{}-bit cells"),
}
SERVER_COLUMNS = {"fetch": "eDRAM/bus fetch", "readout": "readout",
                  "merge": "tile shift-add (merge)", "act": "sigmoid"}
"""layers.csv servers (docs/timing-model.md s12) and how the limit column names them."""
SERVERS = {"adc": "ADC readout", "edram": "eDRAM (fetch or writes)",
           "tile_shift_add": "tile shift-add (merge)", "maxpool": "max-pool", "sigmoid": "sigmoid",
           "router": "mesh link", "ht": "HT link"}
WARNINGS = (("ima.adc.bits = ", "ADC bits"), ("each ADC must convert", "ADC rate"),
            ("ima.ir.bytes", "IR size"), ("ima.or.bytes", "OR size"), ("the tile bus", "bus width"))


def describe(overrides: dict) -> tuple[str, str]:
    """(factor, point label) of a point's architecture overrides."""
    arch = {k: v for k, v in overrides.items() if k in FACTORS}
    other = [f"{k}={v}" for k, v in overrides.items() if k not in FACTORS and k != "trace"]
    if not arch:
        return ("other", ", ".join(other)) if other else ("ISAAC-CE", "ISAAC-CE")
    factor = FACTORS[next(iter(arch))][0]
    parts = []
    if "arch.ima.xbar.rows" in arch:
        parts.append(f"{arch['arch.ima.xbar.rows']} x {arch['arch.ima.xbar.cols']} crossbars")
    for key, value in arch.items():
        text = FACTORS[key][1]
        if text:
            parts.append(text.format(value))
    if arch.get("arch.ima.xbar.flip_encoding") is False:
        parts.append("no flip encoding")
    return factor, ", ".join(parts + other)


def short_warnings(warnings: list[str]) -> str:
    tags = [next((tag for prefix, tag in WARNINGS if w.startswith(prefix)), w[:30])
            for w in warnings]
    return ", ".join(tags)


# --- the sweep ---------------------------------------------------------------------------------

def run_design_sweep(work: Path, *, jobs: int, images: int | None):
    """Run the spec's copy in `work` through the sweep library; failed points are kept (not fatal).

    Returns the plan's points (PlannedPoint, in spec order) and points.csv and results.csv.
    """
    spec = json.loads((c.SPECS / f"{NAME}.json").read_text(encoding="utf-8"))
    c.synth(work / TRACE, network=NETWORK, images=spec["images"], seed=0, policy="none")
    plan = c.plan_spec(NAME, work, images=images)
    points, results = c.run_plan(NAME, plan, jobs=jobs, keep_failed=True)
    return plan.sweep.points, points, results


# --- the direct run of each point: components and layers ---------------------------------------

def analyse(workload_path: str, sets: dict) -> dict:
    """Run one point as a sweep worker does and summarise its components and layers tables.

    Besides the most-utilised server or link of components.csv, it returns lower bounds of the cycles per
    image in the stream, each the busiest layer's per-image work of one resource: the crossbar
    reads of its busiest replica (one per cycle), the busy cycles of each server (layers.csv
    `<server>_busy_cycles`, docs/reports.md) and the bytes it sends over one HyperTransport link.
    """
    w = load_workload(workload_path, sets)
    result = run_workload(w)
    arch, tables = w.arch, result.tables
    summary = tables["summary"].set_index("metric")["value"]
    comp = tables["components"]
    top = comp.loc[comp["peak_utilisation"].idxmax()]
    images = len(tables["images"])
    cols = ["ops", "ht_bytes", *(f"{s}_busy_cycles" for s in SERVER_COLUMNS)]
    layers = tables["layers"].groupby("layer", sort=False)[cols].mean()
    bounds = {"crossbar reads": max(
        math.ceil(layers.loc[lm.name, "ops"] / lm.replication) * arch.cycles_per_input
        for lm in w.map().layers if lm.uses_crossbars)}
    adcs = arch.adcs_per_ima * arch.adc_gsamples_per_s
    adders = arch.ima_shift_add_units * arch.ima_shift_add_gops_per_s
    names = dict(SERVER_COLUMNS, readout="readout (ADCs)" if adcs <= adders
                 else "readout (IMA shift-adds)")
    for server, name in names.items():
        busiest = layers[f"{server}_busy_cycles"].idxmax()
        bounds[f"{name}, {busiest}"] = float(layers.loc[busiest, f"{server}_busy_cycles"])
    busiest = layers["ht_bytes"].idxmax()
    bounds[f"HT link after {busiest}"] = (float(layers.loc[busiest, "ht_bytes"])
                                          / arch.ht_link_bytes_per_cycle)
    bound, bound_cycles = max(bounds.items(), key=lambda kv: kv[1])
    adc_pj = arch.energy.adc_conversion_pj
    adc_energy = float(comp.loc[comp["component"] == "adc", "energy_pj"].iloc[0]) / images
    return {"direct_throughput": float(summary["throughput_images_per_s"]),
            "top_component": top["component"], "top_utilisation": float(top["peak_utilisation"]),
            "top_layer": top["peak_layer"], "bound": bound, "bound_cycles": bound_cycles,
            "read_bound_cycles": bounds["crossbar reads"],
            "adc_conversions": adc_energy / adc_pj if adc_pj else 0.0,
            "adc_energy_uj": adc_energy / 1e6}


def analyse_all(tasks: list[tuple[str, dict]], jobs: int) -> list[dict]:
    if jobs <= 1 or len(tasks) <= 1:
        return [analyse(*t) for t in tasks]
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx) as pool:
        return list(pool.map(analyse, *zip(*tasks)))


def reference_conversion_pj() -> float:
    """ISAAC-CE's 8-bit ADC: its power over its sample rate (2 mW / 1.28 GS/s = 1.5625 pJ)."""
    arch = load_arch("isaac-ce")
    adc = next(row for row in arch.components if row.key == "ima.adc")
    assert arch.adc_bits == 8
    return adc.power_mw_each / arch.adc_gsamples_per_s


# --- the table ---------------------------------------------------------------------------------

def steady_interval(results: pd.DataFrame, point_id: str) -> float:
    """Cycles per image between completions over the second half of the stream (fill excluded)."""
    done = np.sort(results.loc[results["point_id"] == point_id, "completion_cycle"].to_numpy())
    mid = len(done) // 2
    return float((done[-1] - done[mid]) / (len(done) - 1 - mid)) if len(done) > 1 else math.nan


def limit(row: dict) -> str:
    """The largest bound when it explains the measured interval per image (to 1 %)."""
    if row["bound_cycles"] >= BOUND_SHARE * row["interval_cycles"]:
        return row["bound"]
    return f"not identified (largest bound {row['bound_cycles'] / row['interval_cycles']:.0%}: " \
           f"{row['bound']})"


def table(planned, points: pd.DataFrame, results: pd.DataFrame, jobs: int) -> pd.DataFrame:
    ops = 2 * load_network(NETWORK).macs
    status = points.set_index("point_id")
    ok = [pp for pp in planned if status.loc[pp.point.id, "status"] == "ok"]
    direct = dict(zip([pp.point.id for pp in ok],
                      analyse_all([(pp.task.workload_path, pp.task.sets) for pp in ok], jobs)))
    ref_pj = reference_conversion_pj()
    rows = []
    for pp in planned:
        p, arch = status.loc[pp.point.id], pp.loaded.arch
        factor, label = describe(pp.point.overrides)
        peak, tot = arch.peak, arch.totals
        row = {"point_id": pp.point.id, "factor": factor, "point": label, "status": p["status"],
               "warnings": short_warnings(list(pp.warnings)),
               "error": "" if pd.isna(p["error"]) else p["error"],
               "adc_bits": arch.adc_bits, "cycle_ns": arch.cycle_ns,
               "chip_power_w": tot.chip_power_w, "chip_area_mm2": tot.chip_area_mm2,
               "ce_gops_s_mm2": peak.ce_gops_s_mm2, "pe_gops_w": peak.pe_gops_w,
               "se_mb_mm2": peak.se_mb_mm2,
               "adc_pj_per_conversion": arch.energy.adc_conversion_pj}
        # peak CE if arrays read only as fast as the IMA's ADCs and shift-and-adds convert
        # (weight columns only, as the paper sizes its ADCs)
        convert = min(arch.adcs_per_ima * arch.adc_gsamples_per_s,
                      arch.ima_shift_add_units * arch.ima_shift_add_gops_per_s) * arch.cycle_ns
        row["ce_at_readout_rate"] = peak.ce_gops_s_mm2 * min(
            1.0, convert / (arch.arrays_per_ima * arch.xbar_cols))
        if p["status"] == "ok":
            d = direct[pp.point.id]
            if not math.isclose(d["direct_throughput"], p["throughput_images_per_s"],
                                rel_tol=1e-9):
                raise SystemExit(f"{label}: the direct run's throughput {d['direct_throughput']} "
                                 f"differs from the sweep's {p['throughput_images_per_s']}")
            interval = steady_interval(results, pp.point.id)
            energy_uj = p["energy_pj_mean"] / 1e6
            fixed_pj = ref_pj * ADC_TABLE[arch.adc_bits][0] / ADC_TABLE[8][0]
            row.update({
                "images": int(p["images"]), "chips": int(p["chips"]),
                "throughput_images_per_s": p["throughput_images_per_s"],
                "steady_images_per_s": 1e9 / (interval * arch.cycle_ns),
                "interval_cycles": interval,
                "energy_uj": energy_uj, "compute_energy_uj": p["compute_energy_pj_mean"] / 1e6,
                **{k: v for k, v in d.items() if k != "direct_throughput"},
                "energy_uj_adc_fixed": energy_uj - d["adc_energy_uj"]
                + d["adc_conversions"] * fixed_pj / 1e6})
            row["limit"] = limit(row)
            row["vgg16_gops_s_mm2"] = (row["steady_images_per_s"] * ops / 1e9
                                       / (row["chips"] * tot.chip_area_mm2))
            row["vgg16_gops_w"] = ops / (energy_uj * 1e-6) / 1e9
        rows.append(row)
    df = pd.DataFrame(rows)
    base = df.iloc[0]
    for col in ("throughput_images_per_s", "energy_uj", "ce_gops_s_mm2"):
        df[col.split("_")[0] + "_rel"] = df[col] / base[col]
    return df


# --- output ------------------------------------------------------------------------------------

def unit(r) -> str:
    if r.status != "ok":
        return ""
    name = SERVERS.get(r.top_component, r.top_component)
    return f"{name} {r.top_utilisation:.3f} ({r.top_layer})"


def shown_tables(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    ok = df["status"] == "ok"
    main = pd.DataFrame({
        "point": df["point"], "chips": [f"{n:.0f}" if ran else "" for n, ran in zip(df["chips"], ok)],
        "images/s": df["throughput_images_per_s"], "vs CE": df["throughput_rel"],
        "energy uJ/image": df["energy_uj"], "peak CE": df["ce_gops_s_mm2"],
        "peak PE": df["pe_gops_w"], "peak SE": df["se_mb_mm2"],
        "most-utilised unit": [unit(r) for r in df.itertuples()],
        "limit": df["limit"].where(ok, "failed: " + df["error"].astype(str)),
        "warnings": df["warnings"]})
    hidden = pd.DataFrame({
        "point": df["point"], "ADC pJ/conversion": df["adc_pj_per_conversion"],
        "energy uJ/image": df["energy_uj"],
        "energy, ADC at 1.5625 pJ x E(b)/E(8)": df["energy_uj_adc_fixed"],
        "peak CE": df["ce_gops_s_mm2"], "peak CE at readout rate": df["ce_at_readout_rate"],
        "VGG-16 GOPS/s/mm2": df["vgg16_gops_s_mm2"], "VGG-16 GOPS/W": df["vgg16_gops_w"]})
    return main, hidden


def plot(df: pd.DataFrame, out) -> None:
    with c.figure(out, NAME, nrows=1, ncols=1, figsize=(9, 5.5)) as drawn:
        if drawn is None:
            return
        _, ax = drawn
        y = np.arange(len(df))[::-1]
        for k, (col, label) in enumerate((("throughput_rel", "VGG-16 throughput"),
                                          ("ce_rel", "peak CE"), ("energy_rel", "energy per image"))):
            ax.barh(y + (1 - k) * 0.27, df[col], 0.27, label=label)
        ax.axvline(1, color="k", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_xticks([0.25, 0.5, 1, 2, 4, 8], ["1/4", "1/2", "1", "2", "4", "8"])
        ax.set_yticks(y, df["point"], fontsize=8)
        ax.set_xlabel("relative to ISAAC-CE (log scale)")
        ax.set_title("Design space around ISAAC-CE, one factor at a time (VGG-16, stream)")
        ax.legend(fontsize=8)
        ax.grid(axis="x", alpha=0.3)


def main() -> None:
    args = c.parser(__doc__).parse_args()
    out = c.ensure_out(args)
    with c.timed(NAME), c.workspace(args, NAME) as work:
        planned, points, results = run_design_sweep(
            work, jobs=args.jobs, images=QUICK_IMAGES if args.quick else None)
        df = table(planned, points, results, args.jobs)
    c.write_csv(df, out, NAME)
    main_table, hidden = shown_tables(df)
    images = int(df["images"].max())
    first = c.markdown(main_table, {"images/s": ",.0f", "vs CE": ".3f", "energy uJ/image": ",.0f",
                                    "peak CE": ".1f", "peak PE": ".1f", "peak SE": ".3f"})
    c.write_snippet(out, NAME, "Design space around ISAAC-CE, VGG-16", [
        (f"VGG-16 uncropped, {images:,} images streamed; peak CE in GOPS/s/mm^2, PE in GOPS/W, "
         "SE in MB/mm^2 (docs/architecture.md section 7); most-utilised unit: the highest "
         "`peak_utilisation` of components.csv, with its layer; limit: the resource whose "
         "per-image work on the busiest layer matches the measured cycles per image:", first),
        ("What the peak figures leave out (and a check that each conversion costs 1.5625 pJ x E(b)/E(8)):",
         c.markdown(hidden, {"ADC pJ/conversion": ".3f", "energy uJ/image": ",.0f",
                             "energy, ADC at 1.5625 pJ x E(b)/E(8)": ",.0f",
                             "peak CE": ".1f", "peak CE at readout rate": ".1f",
                             "VGG-16 GOPS/s/mm2": ".1f", "VGG-16 GOPS/W": ".1f"}))])
    plot(df, out)
    print(first)


if __name__ == "__main__":
    main()
