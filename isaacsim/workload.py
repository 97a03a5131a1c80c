"""Workload files (``format_version`` 1): a network, an architecture, precision, mapping, crop,
trace and run options in one JSON file, documented in ``docs/workload-format.md``.

`load_workload(path, sets)` reads the file; `workload_from_dict` (the one path of files and of the
Python API, `isaacsim.api`) applies the ``--set`` overrides (keys under ``arch.`` go to the
architecture, the others into the workload's own sections), loads the network and the
architecture, validates everything and raises one `InputError` listing every problem with its
file (or ``--set`` option) and JSON path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from isaacsim import overrides
from isaacsim.crop.vectors import DEFAULT_FRACTION, FLATTEN_ORDERS, ROUNDINGS, parse_fraction
from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import input_problem, load_json
from isaacsim.network import Network, load_network, resolve_network
from isaacsim.network.load import names_a_file, names_in, resolve_builtin, search_dirs
from isaacsim.outputs import check_name
from isaacsim.precision import Precision, check_precision
from isaacsim.targets.isaac.arch import Architecture, load_arch
from isaacsim.targets.isaac.arch.load import builtin_names
from isaacsim.targets.isaac.mapping import GROUPINGS, PACKINGS, POLICIES, Mapping, map_network
from isaacsim.targets.isaac.mapping.build import CHIPS
from isaacsim.validate import IMAGES, JOBS, SEED, Bound, Checker, describe, short_json

FORMAT_VERSION = 1
WORKLOADS_SUBDIR = Path("workloads")
TOP_KEYS = {"format_version", "name", "description", "source", "network", "arch", "precision",
            "mapping", "crop", "trace", "run", "predictor"}
MODES = ("single", "stream")
ENGINES = ("fast", "reference")
DEFAULT_ARCH = "isaac-ce"
ARRIVAL = Bound("integer", 0, 2 ** 36, "2**36 cycles is 1.9 hours at 100 ns; times 10^7 images it "
                                       "stays below 2**60 cycles, far from int64 overflow")


@dataclass(frozen=True)
class MappingOptions:
    replication: str = "isaac"
    chips: int | None = None
    packing: str = "layer"
    flatten: str = "position"
    grouping: str = "separate"


@dataclass(frozen=True)
class CropOptions:
    fraction: Fraction = DEFAULT_FRACTION
    rounding: str = "floor"


@dataclass(frozen=True)
class PredictorOptions:
    """The crop predictor simulated ahead of the network (docs/predictor.md)."""

    kernels: tuple[str, ...]
    """Names of its 3x3 kernels (`isaacsim.predictor.kernels`)."""
    speedup: int = 1
    """Its replication over the network's first layer's (`isaacsim.predictor.kinds.SPEEDUP`)."""


@dataclass(frozen=True)
class RunOptions:
    mode: str = "single"
    images: int | None = None
    """Images to simulate; ``None``: every image of the trace."""
    baseline: bool = True
    """Also simulate the same images uncropped."""
    engine: str = "fast"
    seed: int = 0
    arrival_interval_cycles: int = 0
    jobs: int = 1
    """Worker processes the run is split over (`isaacsim.parallel`); never changes a result."""


@dataclass(frozen=True)
class Workload:
    """A loaded and validated workload."""

    name: str
    source: str
    """The workload file."""
    network: Network
    network_path: str
    """The network file used (built-in names resolved)."""
    arch: Architecture
    arch_base: str
    """Built-in architecture name or file the architecture starts from."""
    arch_sets: dict[str, Any]
    """Dotted architecture overrides: the file's ``arch.set`` then ``--set arch.*``."""
    precision: Precision
    mapping: MappingOptions = field(default_factory=MappingOptions)
    crop: CropOptions = field(default_factory=CropOptions)
    trace: str | None = None
    """Trace file path (relative to the workload's folder when it exists there), or ``None``; for
    an in-memory trace, a label (``"<in memory: 3 images>"``)."""
    run: RunOptions = field(default_factory=RunOptions)
    description: str = ""
    predictor: PredictorOptions | None = None
    """The crop predictor ahead of the network, or ``None`` (the default: no predictor)."""
    trace_data: Any = field(default=None, compare=False, repr=False)
    """An in-memory `isaacsim.traces.Trace` (the Python API) that `run_workload` uses instead of
    reading `trace`; ``None`` for file traces."""

    def simulated_network(self, predictor: bool = True) -> Network:
        """The network `run` simulates: with the crop predictor's layers first when the workload
        has a predictor (and `predictor` is true), else the network."""
        if self.predictor is None or not predictor:
            return self.network
        from isaacsim.predictor.network import with_predictor
        return with_predictor(self.network, self.predictor.kernels, self.predictor.speedup)

    def map(self, predictor: bool = True) -> Mapping:
        """The simulated network (`simulated_network`) mapped with this workload's architecture,
        precision and mapping options."""
        m = self.mapping
        return map_network(self.simulated_network(predictor), self.arch, self.precision,
                           replication=m.replication, chips=m.chips, packing=m.packing,
                           flatten=m.flatten, grouping=m.grouping)

    def to_dict(self) -> dict[str, Any]:
        """The resolved workload (every default filled in); it loads back to an equal workload."""
        frac = self.crop.fraction
        fraction: Any = float(frac) if Fraction(repr(float(frac))) == frac else str(frac)
        return {
            "format_version": FORMAT_VERSION, "name": self.name, "description": self.description,
            "source": self.source, "network": self.network_path,
            "arch": {"base": self.arch_base, "set": dict(self.arch_sets)},
            "precision": self.precision.to_dict(),
            "mapping": {"replication": self.mapping.replication, "chips": self.mapping.chips,
                        "packing": self.mapping.packing, "flatten": self.mapping.flatten,
                        "grouping": self.mapping.grouping},
            "crop": {"fraction": fraction, "rounding": self.crop.rounding},
            "trace": self.trace,
            "run": {"mode": self.run.mode, "images": self.run.images,
                    "baseline": self.run.baseline, "engine": self.run.engine,
                    "seed": self.run.seed,
                    "arrival_interval_cycles": self.run.arrival_interval_cycles,
                    "jobs": self.run.jobs},
        } | ({"predictor": {"kernels": list(self.predictor.kernels),
                            "speedup": self.predictor.speedup}} if self.predictor else {})


def workload_dirs() -> tuple[Path, ...]:
    """Folders searched for built-in workload names, in order: ``./workloads`` under the current
    directory, then the shipped workloads (``isaacsim/data/workloads``, in a checkout the
    top-level ``workloads/``); once when they are the same folder."""
    return search_dirs(WORKLOADS_SUBDIR)


def builtin_workloads() -> tuple[str, ...]:
    """Names resolvable by `load_workload` without a path, sorted."""
    return names_in(workload_dirs())


def resolve_workload(name_or_file: str | Path) -> Path:
    """The file a workload argument designates, by the rule of networks: an argument that names an
    existing file, ends in ``.json`` or contains a path separator is a file path; anything else is
    a built-in name looked up as ``<name>.json`` in `workload_dirs`. An unknown name is an
    `InputError` listing the built-in names with a did-you-mean."""
    return resolve_builtin(name_or_file, workload_dirs(), "workload")


def load_workload(path: str | Path, sets: dict[str, Any] | None = None) -> Workload:
    """Load and validate a workload given by file path or built-in name (`resolve_workload`);
    `sets` are parsed ``--set`` items (``parse_sets``)."""
    resolved = resolve_workload(path)
    if not names_a_file(str(path)):
        path = resolved     # a built-in name: the file it names (a file path stays as given)
    raw = load_json(path, "workload file")
    return workload_from_dict(raw, str(path), folder=Path(path).parent, sets=sets,
                              default_name=Path(path).stem)


def workload_from_dict(raw: Any, source: str = "<workload>", *, folder: str | Path = ".",
                       sets: dict[str, Any] | None = None,
                       default_name: str = "workload") -> Workload:
    """Validate a parsed workload description (the file format as a dict) and build the
    `Workload`: the one path of `load_workload` and the Python API (`isaacsim.api`).

    `source` names the description in messages; relative file paths (network, architecture,
    trace) are looked for in `folder`, then in the current directory; `sets` are dotted
    overrides as in `load_workload`; `default_name` is the name when ``"name"`` is absent. Besides
    a name or file, ``"network"`` may be a `Network` object (Python callers only). Raises one
    `InputError` listing every problem with its JSON path.
    """
    folder = Path(folder)
    arch_cli, own_sets = overrides.split_prefix(dict(sets or {}), "arch")
    chk = Checker(source)
    if not chk.obj(raw, "$"):
        chk.raise_if_any()
    raw = overrides.apply(raw, own_sets)
    chk.keys(raw, "$", TOP_KEYS, required={"format_version", "network"})
    chk.format_version(raw, FORMAT_VERSION)
    name = chk.string(raw, "name", "$", default=default_name)
    unsafe = check_name(name) if name is not None else None
    if unsafe:
        chk.add("$.name", f"the workload name names its results folder (results/NAME/) and "
                          f"{unsafe}")
    description = chk.string(raw, "description", "$", default="")
    chk.string(raw, "source", "$", default="")
    extra: list[Problem] = []
    network, network_path = _network(chk, raw, folder, extra)
    arch, base, arch_sets = _arch(chk, raw.get("arch", DEFAULT_ARCH), folder, arch_cli, extra)
    precision = check_precision(chk, raw.get("precision"), network)
    mapping = _mapping(chk, raw.get("mapping", {}))
    crop = _crop(chk, raw.get("crop", {}))
    trace = _trace(chk, raw.get("trace"), folder)
    run = _run(chk, raw.get("run", {}))
    predictor = _predictor(chk, raw.get("predictor"))
    problems = [_attribute(p, own_sets) for p in chk.problems] + extra
    if problems:
        raise InputError(problems)
    # each is None only with a problem recorded
    assert name is not None and description is not None and network is not None
    assert arch is not None and precision is not None
    return Workload(name=name, source=source, network=network, network_path=network_path,
                    arch=arch, arch_base=base, arch_sets=arch_sets, precision=precision,
                    mapping=mapping, crop=crop, trace=trace, run=run, description=description,
                    predictor=predictor)


def _attribute(problem: Problem, own_sets: dict[str, Any]) -> Problem:
    """Point a problem at the ``--set`` that caused it, when one set that place."""
    dotted = problem.place[2:] if problem.place.startswith("$.") else None
    for key, value in reversed(list(own_sets.items())):
        if dotted is not None and (dotted == key or dotted.startswith(key + ".")
                                   or key.startswith(dotted + ".")):
            text = short_json(value, 80)
            return Problem(f"--set {key}={text}", f"{problem.source}: {problem.place}",
                           problem.message)
    return problem


def _local(text: str, folder: Path) -> str:
    """`text` taken relative to the workload's folder when a file exists there, else as given."""
    candidate = folder / text
    return str(candidate) if not Path(text).is_absolute() and candidate.is_file() else text


def _network(chk: Checker, raw: dict, folder: Path,
             extra: list[Problem]) -> tuple[Network | None, str]:
    if isinstance(raw.get("network"), Network):     # the Python API's network object
        net = raw["network"]
        return net, net.origin or net.name
    text = chk.string(raw, "network", "$") if "network" in raw else None
    if text is None:
        return None, ""
    ref = _local(text, folder)
    try:
        path = resolve_network(ref)
    except InputError as exc:
        chk.extend(Problem(chk.source, "$.network", p.message) for p in exc.problems)
        return None, ""
    why = _file_problem(text, path, folder, "network file")
    if why is not None:
        chk.add("$.network", why)
        return None, ""
    try:
        return load_network(path), str(path)
    except InputError as exc:
        extra.extend(exc.problems)
        return None, str(path)


def _arch(chk: Checker, spec: Any, folder: Path, cli: dict[str, Any], extra: list[Problem]
          ) -> tuple[Architecture | None, str, dict[str, Any]]:
    place, own = "$.arch", {}
    base_missing = isinstance(spec, dict) and "base" not in spec   # reported by chk.keys
    if isinstance(spec, dict):
        chk.keys(spec, place, {"base", "set"}, required={"base"})
        own = spec.get("set", {})
        if not chk.obj(own, "$.arch.set"):
            own = {}
        place, spec = "$.arch.base", spec.get("base")
    if not isinstance(spec, str) or not spec.strip():
        if not base_missing:
            chk.add(place, f"expected an architecture name or file, or {{\"base\": ..., \"set\": "
                           f"{{...}}}}, got {describe(spec)}")
        return None, "", {}
    plain = "/" not in spec and "\\" not in spec and not spec.endswith(".json")
    base = spec if plain and spec in builtin_names() else _local(spec, folder)
    merged = {**own, **cli}
    try:
        return load_arch(base, merged), base, merged
    except InputError as exc:
        for p in exc.problems:
            key = next((k for k in merged if p.source.startswith(f"--set {k}=")), None)
            if key is not None and key in cli:
                extra.append(Problem(f"--set arch.{p.source[len('--set '):]}", p.place, p.message))
            elif key is not None:
                chk.add(f"$.arch.set[{json.dumps(key)}]", p.message)
            elif p.source == base and not p.place:
                chk.add(place, p.message)
            else:
                extra.append(p)
        return None, base, merged


def _optional_int(chk: Checker, raw: dict, key: str, path: str, bound: Bound) -> int | None:
    return None if raw.get(key) is None else chk.bounded_int(raw, key, path, bound)


def _mapping(chk: Checker, raw: Any) -> MappingOptions:
    path, d = "$.mapping", MappingOptions()
    if not chk.obj(raw, path):
        return d
    chk.keys(raw, path, {"replication", "chips", "packing", "flatten", "grouping"})
    replication = chk.choice(raw, "replication", path, POLICIES, default=d.replication)
    chips = _optional_int(chk, raw, "chips", path, CHIPS)
    packing = chk.choice(raw, "packing", path, PACKINGS, default=d.packing)
    flatten = chk.choice(raw, "flatten", path, FLATTEN_ORDERS, default=d.flatten)
    grouping = chk.choice(raw, "grouping", path, GROUPINGS, default=d.grouping)
    if replication is None or packing is None or flatten is None or grouping is None:
        return d  # a problem is recorded: the workload is refused
    return MappingOptions(replication=replication, chips=chips, packing=packing, flatten=flatten,
                          grouping=grouping)


def _crop(chk: Checker, raw: Any) -> CropOptions:
    path, d = "$.crop", CropOptions()
    if not chk.obj(raw, path):
        return d
    chk.keys(raw, path, {"fraction", "rounding"})
    fraction = d.fraction
    if "fraction" in raw:
        try:
            fraction = parse_fraction(raw["fraction"], source=chk.source, place="$.crop.fraction")
        except InputError as exc:
            chk.extend(exc.problems)
    rounding = chk.choice(raw, "rounding", path, ROUNDINGS, default=d.rounding)
    if rounding is None:
        return d  # a problem is recorded: the workload is refused
    return CropOptions(fraction=fraction, rounding=rounding)


def _predictor(chk: Checker, raw: Any) -> PredictorOptions | None:
    """The ``predictor`` section: absent or null, no predictor."""
    path = "$.predictor"
    if raw is None or not chk.obj(raw, path):
        return None
    chk.keys(raw, path, {"kernels", "speedup"}, required={"kernels"})
    from isaacsim.predictor.kinds import SPEEDUP
    speedup = chk.bounded_int(raw, "speedup", path, SPEEDUP, default=1)
    if "kernels" not in raw or speedup is None:
        return None
    from isaacsim.predictor.kernels import parse_kernels
    try:
        return PredictorOptions(parse_kernels(raw["kernels"], source=chk.source,
                                              place=f"{path}.kernels"), speedup)
    except InputError as exc:
        chk.extend(exc.problems)
        return None


def _trace(chk: Checker, value: Any, folder: Path) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        chk.add("$.trace", f"expected a trace file path or null, got {describe(value)}")
        return None
    path = _local(value, folder)
    why = _file_problem(value, Path(path), folder, "trace file")
    if why is not None:
        chk.add("$.trace", why)
        return None
    return path


def _file_problem(text: str, path: Path, folder: Path, what: str) -> str | None:
    """Why the file a workload names cannot be read, saying where a relative path was looked for."""
    why = input_problem(path, what)
    if why is None:
        return None
    if "not found" in why and not Path(text).is_absolute():
        why = (f"{what} not found: '{text}' (looked for in the workload's folder {folder}, then "
               f"in the current directory {Path.cwd()})")
    return why if why.startswith(what) else f"'{text}' {why}"


def _run(chk: Checker, raw: Any) -> RunOptions:
    path, d = "$.run", RunOptions()
    if not chk.obj(raw, path):
        return d
    chk.keys(raw, path, {"mode", "images", "baseline", "engine", "seed",
                         "arrival_interval_cycles", "jobs"})
    mode = chk.choice(raw, "mode", path, MODES, default=d.mode)
    images = _optional_int(chk, raw, "images", path, IMAGES)
    baseline = chk.boolean(raw, "baseline", path, default=d.baseline)
    engine = chk.choice(raw, "engine", path, ENGINES, default=d.engine)
    seed = chk.bounded_int(raw, "seed", path, SEED, default=d.seed)
    arrival = chk.bounded_int(raw, "arrival_interval_cycles", path, ARRIVAL,
                              default=d.arrival_interval_cycles)
    jobs = chk.bounded_int(raw, "jobs", path, JOBS, default=d.jobs)
    if (mode is None or baseline is None or engine is None or seed is None or arrival is None
            or jobs is None):
        return d  # a problem is recorded: the workload is refused
    return RunOptions(mode=mode, images=images, baseline=baseline, engine=engine, seed=seed,
                      arrival_interval_cycles=arrival, jobs=jobs)

