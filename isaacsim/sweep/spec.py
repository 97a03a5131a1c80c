"""Sweep specs (``format_version`` 1, docs/sweeps.md): loading, validation, and every point's
workload loaded up front.

`load_sweep(path)` checks the spec, expands its points and loads each point's workload with its
overrides before anything runs, so a bad override key or value is reported for every point it
affects, all problems at once, as one `InputError` (exit code 2 in the CLI); so is a trace file that
does not exist. `check_traces(sweep)` (called by `plan_sweep`, before anything is created or run)
then reads each trace for its points' networks: a trace that cannot be read, or holds fewer images
than asked for, is an `InputError` naming the points too. Each point gets a fingerprint of its
resolved inputs (the workload with every default, the network, trace and architecture files by
content, and the isaacsim version) that decides whether a stored result is still valid, and the
warnings of its architecture.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isaacsim import __version__
from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import load_json
from isaacsim.outputs import check_name
from isaacsim.runner import check_image_count
from isaacsim.sweep.points import Point, canonical, expand, render_value
from isaacsim.sweep.worker import Task
from isaacsim.traces import load_trace
from isaacsim.validate import IMAGES, Checker, describe, join
from isaacsim.workload import MODES, Workload, load_workload

FORMAT_VERSION = 1
TOP_KEYS = {"format_version", "name", "description", "workload", "grid", "points", "images",
            "mode", "baseline"}
PATH_KEYS = ("trace", "network", "arch")
"""Override keys whose string values are files, taken relative to the spec's folder."""
MAX_LISTED = 3
"""Points named in one grouped problem before "and N more"."""
MAX_TRACE_PROBLEMS = 5
"""Problems of one trace file shown before "and N more"."""


@dataclass(frozen=True)
class PlannedPoint:
    """A validated point: what to run and how to recognise its stored result."""

    point: Point
    task: Task
    fingerprint: str
    workload: dict[str, Any]
    """The resolved workload (`Workload.to_dict`), kept in point.json for provenance."""
    warnings: tuple[str, ...] = ()
    """What the point's architecture warns about (`Architecture.warnings`): valid but doubtful
    settings, such as an ADC that cannot convert its columns in a cycle."""
    loaded: Workload | None = field(default=None, repr=False, compare=False)
    """The point's loaded workload (for `check_traces`)."""


@dataclass(frozen=True)
class Sweep:
    source: str
    name: str
    description: str
    workload: str
    """The base workload as written in the spec."""
    points: list[PlannedPoint]
    raw: dict[str, Any]


def load_sweep(path: str | Path, images: int | None = None) -> Sweep:
    """Load and validate a sweep spec and every point's workload; `images` overrides the spec's."""
    source, folder = str(path), Path(path).parent
    raw = load_json(path, "sweep spec")
    chk = Checker(source)
    if not chk.obj(raw, "$"):
        chk.raise_if_any()
    chk.keys(raw, "$", TOP_KEYS, required={"format_version", "workload"})
    chk.format_version(raw, FORMAT_VERSION)
    name = chk.string(raw, "name", "$", default=Path(path).stem)
    if name is not None:
        _check_name(chk, name, given="name" in raw)
    description = chk.string(raw, "description", "$", default="")
    base = _workload_file(chk, raw, folder)
    grid = _grid(chk, raw["grid"]) if "grid" in raw else {}
    entries = _entries(chk, raw["points"], grid) if "points" in raw else None
    if "grid" not in raw and "points" not in raw:
        chk.add("$", "a sweep needs a \"grid\" (key -> list of values), a \"points\" list of "
                     "overrides, or both")
    defaults: dict[str, Any] = {}
    if raw.get("images") is not None:
        defaults["run.images"] = chk.bounded(raw, "images", "$", IMAGES)
    if "mode" in raw:      # null is refused: leave the key out for the workload's own mode
        defaults["run.mode"] = chk.choice(raw, "mode", "$", MODES)
    if "baseline" in raw:
        defaults["run.baseline"] = chk.boolean(raw, "baseline", "$")
    chk.raise_if_any()
    points = expand(grid, entries)
    _check_unique(chk, points)
    if not points:
        chk.add("$.points", "the sweep has no points (an empty list); use [{}] for the base "
                            "workload alone")
    chk.raise_if_any()
    assert base is not None and name is not None and description is not None  # no problem: all read
    forced = {"run.images": images} if images is not None else {}
    planned = _plan(source, folder, base, points, defaults, forced)
    return Sweep(source, name, description, str(raw["workload"]), planned, raw)


def _check_name(chk: Checker, name: str, given: bool) -> None:
    """The name names the default output folder results/sweeps/NAME/: a plain folder name only."""
    unsafe = check_name(name)
    if unsafe:
        what = "the sweep's name" if given else \
            f"the sweep's name (none given, so the spec's file name without .json, {name!r})"
        chk.add("$.name", f"{what} names its default folder results/sweeps/NAME/ and {unsafe}")


def _workload_file(chk: Checker, raw: dict, folder: Path) -> Path | None:
    text = chk.string(raw, "workload", "$") if "workload" in raw else None
    if text is None:
        return None
    path = Path(text) if Path(text).is_absolute() else Path(os.path.normpath(folder / text))
    if not path.is_file():
        chk.add("$.workload", f"workload file not found: {path} (a relative path is taken from "
                              f"the spec's folder {folder})")
        return None
    return path


def _dotted(chk: Checker, key: Any, place: str) -> bool:
    if not isinstance(key, str) or not key or any(not p or p != p.strip() for p in key.split(".")):
        chk.add(place, f"expected a dotted workload key such as precision.weight_bits, got "
                       f"{describe(key)}")
        return False
    return True


def _grid(chk: Checker, grid: Any) -> dict[str, list]:
    if not chk.obj(grid, "$.grid"):
        return {}
    if not grid:
        chk.add("$.grid", "an empty grid gives no points to vary; give at least one key with a "
                          "list of values, or leave \"grid\" out and list \"points\"")
    out = {}
    for key, values in grid.items():
        place = f"$.grid[{json.dumps(key)}]"
        if not _dotted(chk, key, place):
            continue
        if not isinstance(values, list) or not values:
            chk.add(place, f"expected a non-empty list of values, got {describe(values)}")
            continue
        seen: dict[str, int] = {}
        for i, v in enumerate(values):
            first = seen.setdefault(canonical(v), i)
            if first != i:
                chk.add(join(place, i), f"duplicate value {render_value(v)} (also at [{first}])")
        out[key] = values
    return out


def _entries(chk: Checker, entries: Any, grid: dict[str, list]) -> list[dict] | None:
    if not isinstance(entries, list):
        chk.add("$.points", f"expected a list of objects of overrides, got {describe(entries)}")
        return None
    out = []
    for j, entry in enumerate(entries):
        place = f"$.points[{j}]"
        if not chk.obj(entry, place):
            continue
        for key in entry:
            where = f"{place}[{json.dumps(key)}]"
            if _dotted(chk, key, where) and key in grid:
                chk.add(where, f"'{key}' is also a grid key; a point may not override it (drop it "
                               f"from the grid, or list the combinations as points)")
        out.append(entry)
    return out


def _check_unique(chk: Checker, points: list[Point]) -> None:
    first: dict[str, Point] = {}
    for p in points:
        other = first.setdefault(p.id, p)
        if other is not p:
            chk.add(p.place, f"the same overrides as {other.place} ({p.label}); each point must "
                             f"differ")


def _resolve(overrides: dict[str, Any], folder: Path) -> dict[str, Any]:
    """File values (trace, network, arch) taken from the spec's folder when a file is there."""
    def local(text: str) -> str:
        candidate = folder / text
        return str(candidate.resolve()) if not Path(text).is_absolute() and candidate.is_file() \
            else text
    out = dict(overrides)
    for key in PATH_KEYS:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = local(value)
        elif key == "arch" and isinstance(value, dict) and isinstance(value.get("base"), str):
            out[key] = {**value, "base": local(value["base"])}
    return out


def _plan(source: str, folder: Path, base: Path, points: list[Point], defaults: dict[str, Any],
          forced: dict[str, Any]) -> list[PlannedPoint]:
    """Load every point's workload; raise one InputError grouping identical problems.

    A point's settings are the spec's run settings, then its overrides, then `forced` (--images).
    """
    by_message: dict[str, list[Point]] = {}
    planned: list[PlannedPoint] = []
    digests: dict[str, str] = {}
    for p in points:
        missing = _missing_override_trace(p.overrides.get("trace"), folder, base)
        if missing:
            by_message.setdefault(missing, []).append(p)
            continue
        sets = {**defaults, **_resolve(p.overrides, folder), **forced}
        try:
            w = load_workload(base, sets)
        except InputError as exc:
            for prob in exc.problems:
                by_message.setdefault(_message(prob), []).append(p)
            continue
        problem = _trace_problem(w)
        if problem:
            by_message.setdefault(problem, []).append(p)
            continue
        assert w.trace is not None  # _trace_problem found none
        # workers may run elsewhere (Dask): give them absolute paths of the files found here
        if "trace" in sets:
            sets["trace"] = str(Path(w.trace).resolve())
        if "network" in sets:
            sets["network"] = str(Path(w.network_path).resolve())
        task = Task(p.id, str(base.resolve()), sets)
        planned.append(PlannedPoint(p, task, fingerprint(w, digests), w.to_dict(),
                                    tuple(w.arch.warnings), w))
    if by_message:
        raise InputError([Problem(source, point_names(pts, len(points)), msg)
                          for msg, pts in by_message.items()])
    return planned


def _message(problem: Problem) -> str:
    text = str(problem)
    return "override " + text[len("--set "):] if text.startswith("--set ") else text


def point_names(points: list[Point], total: int) -> str:
    """``point ID (label)``, ``all N points``, or ``N points: ID (label); ...`` for a problem."""
    if len(points) == 1:
        return f"point {points[0].id} ({points[0].label})"
    if len(points) == total:
        return f"all {total} points"
    shown = "; ".join(f"{p.id} ({p.label})" for p in points[:MAX_LISTED])
    more = f"; and {len(points) - MAX_LISTED} more" if len(points) > MAX_LISTED else ""
    return f"{len(points)} points: {shown}{more}"


def _trace_problem(w: Workload) -> str | None:
    """A point must have a trace (whether its file can be read is checked by `load_workload`,
    which names the places a relative path was looked for)."""
    if w.trace is None:
        return (f"{w.source}: $.trace: the workload names no trace; set \"trace\" in the workload "
                f"or override it in the sweep (\"trace\": \"FILE\")")
    return None


def _missing_override_trace(override: Any, folder: Path, base: Path) -> str | None:
    """A point's ``trace`` override that names no file in any place a relative path is looked for
    (the spec's folder, the workload's folder, the current directory); other unreadable traces are
    reported by `load_workload`."""
    if not isinstance(override, str) or not override.strip():
        return None
    text = override
    tried = [Path(text)] if Path(text).is_absolute() else [folder / text, base.parent / text,
                                                          Path(text)]
    if any(t.exists() for t in tried):
        return None
    shown = ", ".join(dict.fromkeys(str(t) for t in tried))
    return (f"override trace={text}: trace file not found: {text} (looked for {shown}: a relative "
            f"path is taken from the spec's folder, else the workload's folder, else the current "
            f"directory)")


def check_traces(sweep: Sweep) -> dict[str, int]:
    """Read every point's trace for its network (each file once per network) and check it holds
    the images asked for; raise one `InputError` grouping identical problems by point. Returns
    the number of images each point runs (by point id)."""
    by_message: dict[str, list[Point]] = {}
    cache: dict[tuple[str, str], Any] = {}
    images: dict[str, int] = {}
    for pp in sweep.points:
        if pp.loaded is None:
            continue
        problems = _trace_content(pp.loaded, cache)
        for text in problems:
            by_message.setdefault(text, []).append(pp.point)
        if not problems:
            trace = cache[_trace_key(pp.loaded)]
            asked = pp.loaded.run.images
            images[pp.point.id] = len(trace.images) if asked is None else min(asked, len(trace.images))
    if by_message:
        raise InputError([Problem(sweep.source, point_names(pts, len(sweep.points)), msg)
                          for msg, pts in by_message.items()])
    return images


def _trace_key(w: Workload) -> tuple[str, str]:
    assert w.trace is not None  # every planned point has a trace (_trace_problem)
    return str(Path(w.trace).resolve()), str(w.to_dict().get("network"))


def _trace_content(w: Workload, cache: dict[tuple[str, str], Any]) -> list[str]:
    """The problems of the point's trace as its workload reads it (format, names for the network,
    fewer images than asked for), each trace read once per network."""
    assert w.trace is not None  # every planned point has a trace (_trace_problem)
    key = _trace_key(w)
    if key not in cache:
        try:
            cache[key] = load_trace(w.trace, w.network)
        except InputError as exc:
            cache[key] = exc
    trace = cache[key]
    if isinstance(trace, InputError):
        shown = [str(prob) for prob in trace.problems[:MAX_TRACE_PROBLEMS]]
        more = len(trace.problems) - len(shown)
        if more:
            shown.append(f"{w.trace}: and {more} more problems (python -m isaacsim traces "
                         f"validate {w.trace} --network {w.network.name} lists them all)")
        return shown
    try:
        check_image_count(trace, w.run.images)
    except InputError as exc:
        return [str(prob) for prob in exc.problems]
    return []


def _file_digest(path: str, cache: dict[str, str]) -> str:
    key = str(Path(path).resolve())
    if key not in cache:
        cache[key] = "sha256:" + hashlib.sha256(Path(key).read_bytes()).hexdigest()
    return cache[key]


def fingerprint(workload: Workload, cache: dict[str, str] | None = None) -> str:
    """Digest of everything a point's result depends on, independent of paths and of names.

    The resolved workload (every default filled in) without its name, description, source and
    ``run.jobs`` (which never changes a result), with the network, trace and architecture files
    replaced by digests of their contents, and the isaacsim version (results of another version are
    not reused: the code may have changed them).
    """
    cache = {} if cache is None else cache
    d = workload.to_dict()
    for key in ("name", "description", "source"):
        d.pop(key, None)
    d["run"].pop("jobs", None)  # how many processes a run uses never changes its results
    if d["network"] and Path(d["network"]).is_file():
        d["network"] = _file_digest(d["network"], cache)
    if d["trace"] and Path(d["trace"]).is_file():
        d["trace"] = _file_digest(d["trace"], cache)
    if Path(d["arch"]["base"]).is_file():
        d["arch"]["base"] = _file_digest(d["arch"]["base"], cache)
    d["isaacsim_version"] = __version__
    return hashlib.sha256(canonical(d).encode("ascii")).hexdigest()
