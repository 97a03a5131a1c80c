"""Every numeric input has a documented range, enforced at load time (docs/input-ranges.md).

For each input kind: values at each bound load, values just outside are an `InputError` naming
the place; extreme values (1e308, 1e-308, -1e308, 10**300, 3.0 for counts) are input errors too,
never a hang (each check runs under an alarm); the page's tables are the ones the code generates.
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from isaacsim.cli import build_parser, ranges
from isaacsim.cli.common import at_least
from isaacsim.crop import parse_fraction
from isaacsim.errors import InputError
from isaacsim.network import load_network, network_from_dict, shapes
from isaacsim.sweep import load_sweep
from isaacsim.targets.isaac.arch import load_arch, schema
from isaacsim.targets.isaac.lowering import lower
from isaacsim.targets.isaac.mapping import map_network
from isaacsim.traces.load import load_trace, parse_trace
from isaacsim.traces.synth import check_counts
from isaacsim.validate import IMAGES, Bound, Checker, describe, number_text
from isaacsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[1]
TINY_WORKLOAD = ROOT / "workloads" / "tiny_cropped.json"
EXTREMES = (1e308, 1e-308, -1e308, 10 ** 300, 3.0)


class Hang(Exception):
    pass


@contextmanager
def deadline(seconds: int = 5):
    """Fail instead of hanging: SIGALRM after `seconds`."""
    def alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def refused(load, *fragments: str) -> str:
    """`load()` raises an InputError whose text holds every fragment; return the text."""
    with deadline(), pytest.raises(InputError) as info:
        load()
    text = str(info.value)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return text


def accepted(load):
    with deadline(10):
        return load()


def outside(bound: Bound) -> tuple:
    """Values just outside `bound` on each side."""
    if bound.domain == "integer":
        return bound.minimum - 1, bound.maximum + 1
    low = bound.minimum if bound.exclusive_minimum else math.nextafter(bound.minimum, -math.inf)
    high = bound.maximum if bound.exclusive_maximum else math.nextafter(bound.maximum, math.inf)
    return low, high


def inside(bound: Bound) -> tuple:
    low = math.nextafter(bound.minimum, math.inf) if bound.exclusive_minimum else bound.minimum
    high = math.nextafter(bound.maximum, -math.inf) if bound.exclusive_maximum else bound.maximum
    return low, high


# -- the shared mechanism -------------------------------------------------------------------------

def test_integers_refuse_floats_and_booleans():
    chk = Checker("x.json")
    for value in (3.0, True, "3", None):
        assert chk.integer({"n": value}, "n", "$", minimum=1) is None
    assert "expected an integer >= 1, got 3.0 (a number)" in str(chk.problems[0])
    assert "got True (a boolean)" in str(chk.problems[1])
    assert chk.integer({"n": 3}, "n", "$", minimum=1) == 3


def test_huge_values_are_described_without_converting_them():
    assert describe(10 ** 5000) == "an integer of 5001 digits"
    assert describe(-10 ** 40) == "an integer of 41 digits"
    assert number_text(2 ** 63 - 1) == "2**63 - 1" and number_text(10_000_000) == "10,000,000"
    bound = Bound("integer", 1, 65536)
    assert bound.problem(10 ** 5000) == ("expected an integer >= 1 and <= 65536, got an integer of "
                                         "5001 digits")
    for value in EXTREMES:
        assert bound.problem(value)
    assert Bound("number", 0, 1).problem(float("nan"))


# -- architecture ---------------------------------------------------------------------------------

ARCH_LEAVES = [(k, leaf) for k, leaf in schema.leaves() if leaf.bound and k != "format_version"]
COMPANIONS = {  # values a bound needs from other keys to make a valid architecture
    "chip.tiles": {"mesh.tiles_per_router": 1},
    "mesh.tiles_per_router": {"chip.tiles": 1024, "mesh.ports": 1024},
    "mesh.ports": {"chip.tiles": 1, "mesh.tiles_per_router": 1},
}


@pytest.mark.parametrize("key,leaf", ARCH_LEAVES, ids=[k for k, _ in ARCH_LEAVES])
def test_architecture_bounds(key, leaf):
    base = {} if key == "ima.adc.bits" else {"ima.adc.bits": 8}   # rows, cells, DACs change
    for value in inside(leaf.bound):
        sets = {**base, **COMPANIONS.get(key, {}), key: value}
        accepted(lambda: load_arch("isaac-ce", sets))
    for value in outside(leaf.bound):
        refused(lambda: load_arch("isaac-ce", {key: value}), f"--set {key}=", "expected")


@pytest.mark.parametrize("key", ["chip.tiles", "ima.arrays", "cycle_ns", "tile.clock_ghz",
                                 "ima.adc.bits", "mesh.hop_ns", "timing.adc_cycles",
                                 "ima.adc.power_mw"])
def test_architecture_extremes(key):
    bound = dict(schema.leaves())[key].bound
    for value in EXTREMES:
        if bound.problem(value) is None:   # e.g. 1e-308 ns of hop latency: rounds to 0 cycles
            accepted(lambda: load_arch("isaac-ce", {key: value}))
        else:
            refused(lambda: load_arch("isaac-ce", {key: value}), f"--set {key}=")


def test_zero_power_everywhere_is_refused():
    zero = {k: 0 for k, _ in schema.leaves() if k.endswith(".power_mw")}
    refused(lambda: load_arch("isaac-ce", zero), "every component's power_mw is 0")


def test_arch_file_with_a_huge_integer_names_its_path(tmp_path):
    tree = json.loads((ROOT / "isaacsim" / "targets" / "isaac" / "data" / "isaac-ce.json").read_text())
    tree["chip"]["tiles"] = 10 ** 30
    path = tmp_path / "big.json"
    path.write_text(json.dumps(tree))
    refused(lambda: load_arch(str(path)), str(path), "$.chip.tiles", "<= 65536")


def _timed(*argv: str, timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "isaacsim", *argv], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)
    return done, time.monotonic() - start


def test_cli_huge_tile_count_exits_2_quickly():
    """It used to hang in the mesh-shape search. Under 2 s; on a loaded machine, where starting
    the CLI alone (importing numpy, pandas, numba) may take longer, under 1.5 x that start-up."""
    done, took = _timed("arch", "--set", "chip.tiles=1e308", timeout=20)
    assert done.returncode == 2, done.stderr
    assert "--set chip.tiles=1e+308: expected an integer >= 1 and <= 65536" in done.stderr
    assert "Traceback" not in done.stderr
    if took >= 2:
        _, startup = _timed("--version", timeout=20)
        assert took < 1.5 * startup, (took, startup)


# -- network --------------------------------------------------------------------------------------

def probe_network(height=16, width=16, channels=3, conv=None, fc=1, extra=()):
    """Input, one conv layer (fields in `conv`), optional extra layers, one fc layer."""
    layers = [{"name": "c", "kind": "conv", "kernel": 1, "out_channels": 1, "activation": "relu",
               **(conv or {})}, *extra,
              {"name": "f", "kind": "fc", "out_features": fc, "activation": "none"}]
    return {"format_version": 1, "name": "probe",
            "input": {"height": height, "width": width, "channels": channels}, "layers": layers}


def load_probe(**kw):
    return lambda: network_from_dict(probe_network(**kw), source="probe.json")


NETWORK_CASES = [  # (field path, bound, loader of a value)
    ("$.input.height", shapes.SIDE, lambda v: load_probe(height=v)),
    ("$.input.width", shapes.SIDE, lambda v: load_probe(width=v)),
    ("$.input.channels", shapes.CHANNELS, lambda v: load_probe(channels=v)),
    ("$.layers[0].kernel", shapes.KERNEL,
     lambda v: load_probe(height=64, width=64, conv={"kernel": v})),
    ("$.layers[0].stride", shapes.STRIDE, lambda v: load_probe(conv={"stride": [1, v]})),
    ("$.layers[0].padding", shapes.PADDING, lambda v: load_probe(conv={"padding": v})),
    ("$.layers[0].out_channels", shapes.CHANNELS, lambda v: load_probe(conv={"out_channels": v})),
    ("$.layers[0].groups", shapes.GROUPS,   # depthwise: one channel per group
     lambda v: load_probe(channels=v if v in (1, 65536) else 3,
                          conv={"groups": v, "out_channels": v if v in (1, 65536) else 3})),
    ("$.layers[1].out_features", shapes.FEATURES, lambda v: load_probe(fc=v)),
]


@pytest.mark.parametrize("path,bound,load", NETWORK_CASES, ids=[c[0] for c in NETWORK_CASES])
def test_network_bounds(path, bound, load):
    for value in inside(bound):
        accepted(load(value))
    for value in outside(bound):
        refused(load(value), "probe.json", path, "expected an integer")


@pytest.mark.parametrize("path,bound,load", NETWORK_CASES, ids=[c[0] for c in NETWORK_CASES])
def test_network_extremes(path, bound, load):
    for value in EXTREMES:
        refused(load(value), path)


def test_layer_count():
    pools = [{"name": f"p{i}", "kind": "maxpool", "kernel": 1} for i in range(4094)]
    accepted(load_probe(extra=pools))
    refused(load_probe(extra=pools + [{"name": "q", "kind": "maxpool", "kernel": 1}]), "$.layers",
            "4,097 layers, more than the 4,096 accepted")


def test_network_products_are_reported_at_the_layer():
    refused(load_probe(height=16384, conv={"padding": 64}), "$.layers[0]:",
            "a side of 16,512 pixels")
    accepted(load_probe(height=16384, width=16, channels=1024, conv={"out_channels": 1024}))
    refused(load_probe(height=16384, width=16, channels=1024, conv={"out_channels": 1025}),
            "$.layers[0]:", "values, more than the 2**28 accepted")
    accepted(load_probe(fc=2 ** 20))   # 256 inputs x 2**20 outputs = 2**28 weights
    refused(load_probe(conv={"out_channels": 2}, fc=2 ** 20), "$.layers[1]:",
            "weights, more than the 2**28 accepted")
    refused(load_probe(height=4096, width=4097), "$.input:", "more than the 2**24 accepted")
    refused(load_probe(height=4096, width=4096), "$.layers[0]:", "the maps up to this layer hold")


def test_huge_fc_layer_fails_at_load_not_in_memory():
    net = json.loads((ROOT / "workloads" / "networks" / "tiny.json").read_text())
    net["layers"][3]["out_features"] = 10 ** 12
    refused(lambda: network_from_dict(net, source="tiny.json"), "$.layers[3].out_features",
            "<= 2**20")


# -- mapping and lowering (several inputs together) -----------------------------------------------

def test_mapping_limits_name_the_layer():
    w = load_workload(TINY_WORKLOAD)
    arch = load_arch("isaac-ce", {"ima.xbar.rows": 1, "ima.xbar.cols": 1, "ima.adc.bits": 8,
                                  "ima.arrays": 1, "tile.imas": 1, "chip.tiles": 1,
                                  "mesh.tiles_per_router": 1})
    refused(lambda: map_network(w.network, arch, w.precision), "$.layers[",
            "more than the 1024 accepted")
    # conv1 spans 4 tiles of 64 MiB: 4 x 2**26 bytes / (3 channels x 2 bytes) pixel slots
    big = load_arch("isaac-ce", {"tile.edram.bytes": 2 ** 26, "tile.imas": 1, "ima.arrays": 1})
    mapping = map_network(w.network, big, w.precision)
    refused(lambda: lower(w.network, mapping, big), "$.layers[0]", "more than the 2**25 accepted")


# -- workload (and its precision, crop and run sections) ------------------------------------------

WORKLOAD_CASES = [
    ("precision.weight_bits", Bound("integer", 1, 16)),
    ("precision.activation_bits", Bound("integer", 1, 16)),
    ("precision.exponents.input", Bound("integer", -64, 64)),
    ("mapping.chips", Bound("integer", 1, 1024)),
    ("run.images", IMAGES),
    ("run.seed", Bound("integer", 0, 2 ** 63 - 1)),
    ("run.arrival_interval_cycles", Bound("integer", 0, 2 ** 36)),
    ("run.jobs", Bound("integer", 1, 1024)),
]


@pytest.mark.parametrize("key,bound", WORKLOAD_CASES, ids=[k for k, _ in WORKLOAD_CASES])
def test_workload_bounds(key, bound):
    for value in inside(bound):
        accepted(lambda: load_workload(TINY_WORKLOAD, {key: value}))
    for value in (*outside(bound), *EXTREMES):
        refused(lambda: load_workload(TINY_WORKLOAD, {key: value}), f"$.{key}")


def test_per_layer_precision_bounds():
    for value in (1, 16):
        accepted(lambda: load_workload(TINY_WORKLOAD,
                                       {"precision.layers": {"conv1": {"weight_bits": value}}}))
    for value in (0, 17, 3.0, 10 ** 300):
        refused(lambda: load_workload(TINY_WORKLOAD,
                                      {"precision.layers": {"conv1": {"weight_bits": value}}}),
                "$.precision.layers.conv1.weight_bits")


def test_crop_fraction_bounds():
    for value in (2 ** -20, "1/1048576", math.nextafter(0.5, 0), "0.25"):
        accepted(lambda: load_workload(TINY_WORKLOAD, {"crop.fraction": value}))
    for value in (math.nextafter(2 ** -20, 0), 0.5, "1/" + "1" + "0" * 400, 1e-308, -1e308, 1e308,
                  10 ** 300, "1e999999999", "1/0"):
        refused(lambda: load_workload(TINY_WORKLOAD, {"crop.fraction": value}), "$.crop.fraction")


# -- traces ---------------------------------------------------------------------------------------

def compact(field: str, value: str) -> str:
    return f"# isaacsim-trace v1\nimage_id,crop,{field}\nimg0,c1111,{value}\n"


def explicit(region: dict) -> str:
    header = {"format": "isaacsim-trace", "format_version": 1, "form": "explicit"}
    record = {"image_id": "img0", "regions": [{"layer": "conv1", "rows": [0, 4], "cols": [0, 4],
                                               "bits": 4, **region}]}
    return json.dumps(header) + "\n" + json.dumps(record) + "\n"


def test_compact_trace_bounds():
    for field, good, bad in (("fraction", ("0.0000009537", "1/1048576", "0.4999"),
                              ("0.0000009536", "1/1048577", "0.5", "1e-308", "1e308",
                               "1" + "0" * 300, "1e999999999")),
                             ("activation_bits", ("0", "16", "conv1:16"),
                              ("17", "-1", "3.0", "1" + "0" * 300, "conv1:17"))):
        for value in good:
            accepted(lambda: parse_trace(compact(field, value), "t.csv", form="compact"))
        for value in bad:
            refused(lambda: parse_trace(compact(field, value), "t.csv", form="compact"),
                    f"line 3, field {field}")


def test_explicit_trace_bounds():
    for region in ({"rows": [0, 16384]}, {"cols": [16383, 16384]}, {"bits": 0}, {"bits": 16}):
        accepted(lambda: parse_trace(explicit(region), "t.jsonl", form="explicit"))
    for key, value in (("rows", [0, 16385]), ("rows", [-1, 4]), ("cols", [0, 10 ** 30]),
                       ("cols", [0, 4.0]), ("bits", 17), ("bits", -1), ("bits", 3.0),
                       ("bits", 1e308), ("rows", [0, 1e308])):
        refused(lambda: parse_trace(explicit({key: value}), "t.jsonl", form="explicit"),
                f"line 2, $.regions[0].{key}")


def test_synth_counts():
    check_counts(10_000_000, 2 ** 63 - 1)
    check_counts(1, 0)
    for images, seed, option in ((0, 0, "--images"), (10_000_001, 0, "--images"),
                                 (10 ** 12, 0, "--images"), (1, -1, "--seed"),
                                 (1, 2 ** 63, "--seed"), (3.0, 0, "--images"),
                                 (1, 1e308, "--seed")):
        refused(lambda: check_counts(images, seed), option)


# -- sweep spec -----------------------------------------------------------------------------------

def test_sweep_images_bound(tmp_path):
    def spec(images):
        path = tmp_path / "s.json"
        path.write_text(json.dumps({"format_version": 1, "workload": str(TINY_WORKLOAD),
                                    "points": [{}], "images": images}))
        return lambda: load_sweep(path)
    accepted(spec(10_000_000))
    for value in (0, 10_000_001, 3.0, 1e308, 10 ** 30):
        refused(spec(value), "s.json", "$.images")
    refused(spec(10 ** 300), "s.json", "an integer of 301 digits")   # refused by the JSON reader


# -- command-line options -------------------------------------------------------------------------

SKELETONS = {"map": ["map", "w.json"], "run": ["run", "w.json"], "sweep": ["sweep", "s.json"],
             "numerics": ["numerics", "w.json"],
             "traces synth": ["traces", "synth", "--network", "tiny", "--out", "x.csv",
                              "--images", "1", "--seed", "0"]}
OPTION_ROWS = ranges.option_rows()


@pytest.mark.parametrize("row", OPTION_ROWS, ids=[r.field for r in OPTION_ROWS])
def test_option_bounds(row):
    *command, option = row.field.split(" ")
    argv = SKELETONS[" ".join(command)]
    parser = build_parser()
    for value in (row.bound.minimum, row.bound.maximum):
        parser.parse_args([*argv, option, str(value)])
    checked_later = command == ["traces", "synth"]   # with the other options, by check_counts
    for value in (row.bound.minimum - 1, row.bound.maximum + 1, "1e308", "3.0", "9" * 5000):
        if checked_later and str(value).lstrip("-").isdigit() and len(str(value)) < 40:
            continue
        with deadline(), pytest.raises(SystemExit) as info:
            parser.parse_args([*argv, option, str(value)])
        assert info.value.code == 2


def test_every_count_option_has_a_maximum():
    assert {r.field for r in OPTION_ROWS} >= {"run --images", "sweep --images", "sweep --jobs",
                                             "map --chips", "traces synth --images",
                                             "traces synth --seed", "numerics --seed"}
    with pytest.raises(KeyError):
        at_least(1, "an unknown count")


def test_cli_fraction_options():
    for value in ("1/1048577", "1e-308", "1e999999999"):
        refused(lambda: parse_fraction(value, source="--fraction"), "--fraction")


# -- the documentation ----------------------------------------------------------------------------

def test_doc_tables_are_the_generated_ones():
    text = (ROOT / "docs" / "input-ranges.md").read_text(encoding="utf-8")
    generated = text.split(ranges.BEGIN, 1)[1].split(ranges.END, 1)[0]
    assert generated.strip() == ranges.markdown().strip(), \
        "run: python -m isaacsim.cli.ranges docs/input-ranges.md"


def test_doc_lists_every_architecture_leaf_and_every_bound_has_a_reason():
    rows = [r for _, _, rows in ranges.sections() for r in rows]
    fields = {r.field for r in rows}
    assert {f"$.{k}" for k, leaf in schema.leaves() if leaf.bound} <= fields
    for r in rows:
        b = r.bound
        assert b.minimum is not None and b.maximum is not None and b.reason, r.field


@pytest.mark.parametrize("doc", ["workload-format.md", "network-format.md", "architecture.md",
                                 "trace-format.md"])
def test_format_docs_link_the_ranges(doc):
    assert "input-ranges.md" in (ROOT / "docs" / doc).read_text(encoding="utf-8")


def test_shipped_inputs_load():
    accepted(lambda: load_arch("isaac-ce"))
    for path in sorted((ROOT / "workloads" / "networks").glob("*.json")):
        accepted(lambda: load_network(path))
    for path in sorted((ROOT / "workloads").glob("*.json")):
        w = accepted(lambda: load_workload(path))
        lowered = accepted(lambda: lower(w.network, w.map(), w.arch))
        assert lowered.plan.nodes
    for path in sorted((ROOT / "traces").glob("*.csv")):
        accepted(lambda: load_trace(path))
    for path in sorted((ROOT / "scripts" / "specs").glob("*.json")):
        try:   # some specs name traces their script generates first
            accepted(lambda: load_sweep(path))
        except InputError as exc:
            assert all("trace file not found" in p.message for p in exc.problems), exc


def test_format_versions_are_integers(tmp_path):
    for value in (1.0, True):
        net = json.loads((ROOT / "workloads" / "networks" / "tiny.json").read_text())
        net["format_version"] = value
        refused(lambda: network_from_dict(net, source="n.json"), "n.json", "$.format_version")
        tree = json.loads((ROOT / "isaacsim" / "targets" / "isaac" / "data" / "isaac-ce.json").read_text())
        tree["format_version"] = value
        path = tmp_path / "a.json"
        path.write_text(json.dumps(tree))
        refused(lambda: load_arch(str(path)), "$.format_version")
        header = {"format": "isaacsim-trace", "format_version": value, "form": "explicit"}
        refused(lambda: parse_trace(json.dumps(header) + "\n", "t.jsonl", form="explicit"),
                "line 1, $.format_version")


def test_exclusive_bounds_refuse_the_bound_itself():
    bound = Bound("number", 0, 1, "a share", exclusive_minimum=True, exclusive_maximum=True)
    assert bound.problem(0.5) is None
    assert bound.problem(0) == "expected a number > 0 and < 1, got 0"
    assert bound.problem(1) == "expected a number > 0 and < 1, got 1"
    assert bound.problem(math.nextafter(0, 1)) is None
