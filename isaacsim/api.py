"""The Python API for notebooks and scripts: workloads from objects, results as DataFrames.

::

    from isaacsim import workload, simulate
    w = workload(network="tiny", trace=["1111", "0000", "1010"])
    r = simulate(w)
    r.images, r.layers, r.components, r.summary   # the CSV tables of `run`, as DataFrames
    r.meta                                        # what run.json records

`workload` builds the workload dict of the file format and validates it with
`isaacsim.workload.workload_from_dict`, the file loader's own path; `simulate` is `run_workload`.
A trace given as records (crop vectors, or ``(image_id, crop)`` pairs) or as a `Trace` object
becomes a compact trace: it is validated against the network here, with problems placed at
``$.trace[i]``, and carried by the workload (``Workload.trace_data``; ``Workload.trace`` and
``meta["trace"]`` read ``<in memory: N images>``). Plots: `isaacsim.plots`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from isaacsim.crop import CropVector
from isaacsim.errors import InputError, Problem
from isaacsim.network import Network, network_from_dict
from isaacsim.report import versions, write_results
from isaacsim.runner import run_workload
from isaacsim.traces import CompactImage, Trace, parse_trace, write_compact, write_explicit
from isaacsim.traces.compact import format_bits_spec, format_fraction
from isaacsim.validate import describe
from isaacsim.workload import DEFAULT_ARCH, FORMAT_VERSION, Workload, load_workload, workload_from_dict

if TYPE_CHECKING:
    import pandas as pd

TABLES = ("images", "layers", "components", "summary")
_GENERATOR = ("generator", "isaacsim.api.workload")
_LINE_RE = re.compile(r"line (\d+)")


def workload(network: str | os.PathLike | Network | Mapping[str, Any],
             arch: str | os.PathLike | Mapping[str, Any] = DEFAULT_ARCH,
             precision: Mapping[str, Any] | None = None, mapping: Mapping[str, Any] | None = None,
             crop: Mapping[str, Any] | None = None, trace: Any = None,
             run: Mapping[str, Any] | None = None, name: str = "notebook",
             set: Mapping[str, Any] | None = None) -> Workload:
    """A validated `Workload` from objects, with the sections of the workload format
    (docs/workload-format.md).

    `network`: a built-in name, a file, a `Network` or a network description dict; `arch`: a name,
    a file or ``{"base": ..., "set": {dotted: value}}``; `precision`, `mapping`, `crop`, `run`:
    dicts as in the file; `trace`: a file, a `Trace`, or records: a list of crop vectors
    (``"1011"``, ``"c1011"`` or `CropVector`; ids ``img0``, ``img1``, ...) or of
    ``(image_id, crop)`` pairs, run at the workload's crop fraction and precision; `set`: dotted
    overrides as ``--set`` (``{"precision.weight_bits": 8, "arch.ima.adc.bits": 9}``).
    Raises one `InputError` listing every problem with its JSON path (``$.precision.weight_bits``).
    """
    source = f"workload({name!r})" if isinstance(name, str) else "workload()"
    if isinstance(network, Mapping):
        network = _network(network, source)
    raw: dict[str, Any] = {"format_version": FORMAT_VERSION, "name": name,
                           "network": _text(network), "arch": _text(arch)}
    for key, value in (("precision", precision), ("mapping", mapping), ("crop", crop),
                       ("run", run)):
        if value is not None:
            raw[key] = dict(value) if isinstance(value, Mapping) else value
    in_memory = trace is not None and not isinstance(trace, (str, os.PathLike))
    if not in_memory:
        raw["trace"] = _text(trace)
    w = workload_from_dict(raw, source, sets=dict(set or {}), default_name="notebook")
    if not in_memory:
        return w
    data = _parse(trace, w.network, source)
    return dataclasses.replace(w, trace=f"<in memory: {len(data.images)} images>", trace_data=data)


@dataclass(frozen=True)
class Result:
    """The tables `run` writes, as DataFrames, and its run.json metadata."""

    tables: dict[str, pd.DataFrame]
    meta: dict[str, Any]

    @property
    def images(self) -> pd.DataFrame:
        """One row per image (images.csv)."""
        return self.tables["images"]

    @property
    def layers(self) -> pd.DataFrame:
        """One row per image and layer (layers.csv)."""
        return self.tables["layers"]

    @property
    def components(self) -> pd.DataFrame:
        """Energy per component (components.csv)."""
        return self.tables["components"]

    @property
    def summary(self) -> pd.DataFrame:
        """Mean, median, p5, p95 of savings and latency (summary.csv)."""
        return self.tables["summary"]

    def write(self, out_dir: str | Path, *, create_parents: bool = False,
              fmt: str = "csv") -> Path:
        """Write the tables (CSV, or Parquet with ``fmt="parquet"``) and run.json as `run --out`
        does (`write_results`: the folder is replaced only when it is an earlier run's; its parent
        must exist unless `create_parents`)."""
        return write_results(out_dir, self.tables, self.meta, create_parents=create_parents,
                             fmt=fmt)


def simulate(workload: Workload | str | Path, images: int | None = None,
             mode: str | None = None, engine: str | None = None,
             baseline: bool | None = None, jobs: int | None = None) -> Result:
    """Simulate a workload (a `Workload`, or a built-in name or file for `load_workload`) with
    `run_workload`; `images`, `mode`, `engine`, `baseline`, `jobs` override its ``run`` section as
    the options of `run` do."""
    if not isinstance(workload, Workload):
        workload = load_workload(workload)
    out = run_workload(workload, images=images, mode=mode, engine=engine, baseline=baseline,
                       jobs=jobs)
    return Result(dict(out.tables), dict(out.meta, versions=versions()))


def _text(value: Any) -> Any:
    """Paths as strings (the file format's type); anything else as given, for the loader."""
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def _network(data: Mapping[str, Any], source: str) -> Network:
    """A network description dict as a `Network`, its problems placed under ``$.network``."""
    try:
        return network_from_dict(dict(data), source)
    except InputError as exc:
        raise InputError([Problem(source, "$.network" + p.place[1:] if p.place.startswith("$")
                                  else "$.network", p.message) for p in exc.problems]) from None


def _parse(trace: Any, network: Network, source: str) -> Trace:
    """An in-memory trace validated against `network` by `parse_trace` (the file loader's checks),
    its problems placed at its records."""
    if isinstance(trace, Trace):
        text, form = _from_trace(trace)
        base, first = "$.trace.images", (2 if form == "explicit" else 2 + len(trace.meta) + 1)
        pairs: set[int] | None = None
    else:
        text, pairs = _from_records(trace, source)
        form, base, first = "compact", "$.trace", 4     # version, generator, header, records
    try:
        return parse_trace(text, source, form=form, network=network)
    except InputError as exc:
        raise InputError([_relocate(p, source, base, first, pairs) for p in exc.problems]) from None


def _from_records(records: Any, source: str) -> tuple[str, set[int]]:
    """Compact-trace text of crop vectors or ``(image_id, crop)`` pairs; the indices of pairs."""
    if not isinstance(records, Sequence) or isinstance(records, (str, bytes)):
        raise InputError(Problem(source, "$.trace", f"expected a trace file, a Trace, or a list "
                                                    f"of crop vectors or (image_id, crop) "
                                                    f"pairs, got {describe(records)}"))
    if not records:
        raise InputError(Problem(source, "$.trace", "the list of records is empty; give at "
                                                    "least one crop vector such as \"1011\""))
    rows: list[list[str]] = []
    problems: list[Problem] = []
    pairs: set[int] = set()
    for i, record in enumerate(records):
        image_id: Any = f"img{i}"
        crop: Any = record
        if isinstance(record, (tuple, list)) and len(record) == 2:
            image_id, crop = record
            pairs.add(i)
        elif not isinstance(record, (str, CropVector)):
            problems.append(Problem(source, f"$.trace[{i}]", f"expected a crop vector such as "
                                                             f"\"1011\" or an (image_id, crop) "
                                                             f"pair, got {describe(record)}"))
            continue
        if isinstance(image_id, bool) or not isinstance(image_id, (str, int)):
            problems.append(Problem(source, f"$.trace[{i}][0]", f"expected an image id (text or "
                                                                f"an integer), got "
                                                                f"{describe(image_id)}"))
            continue
        if not isinstance(crop, (str, CropVector)):
            problems.append(Problem(source, f"$.trace[{i}][1]" if i in pairs else f"$.trace[{i}]",
                                    f"expected a crop vector such as \"1011\", got "
                                    f"{describe(crop)}"))
            continue
        rows.append([_field(str(image_id)), _field(str(crop))])
    if problems:
        raise InputError(problems)
    return write_compact(rows, ("image_id", "crop"), (_GENERATOR,)), pairs


def _from_trace(trace: Trace) -> tuple[str, str]:
    """The text of a `Trace` object in its own form."""
    if trace.form == "explicit":
        return write_explicit(trace), "explicit"
    columns = ("image_id", "crop", "fraction", "activation_bits")
    extra = tuple(c for c in trace.columns if c not in columns)
    rows = []
    for image in trace.images:
        assert isinstance(image, CompactImage)      # a compact trace's records
        fraction = "" if image.fraction is None else format_fraction(image.fraction)
        rows.append([_field(image.image_id), f"c{image.crop}", fraction,
                     format_bits_spec(image.all_bits, image.layer_bits)]
                    + [_field(str(image.fields.get(c, ""))) for c in extra])
    meta = [(str(k), str(v)) for k, v in trace.meta.items()]
    return write_compact(rows, columns + extra, meta), "compact"


def _field(text: str) -> str:
    """A CSV field, quoted when it holds a comma or a quote or starts with ``#`` (a comment line
    otherwise, when it is a record's first field); a line break is left to the reader, which
    reports the record."""
    quote = "," in text or '"' in text or text.startswith("#")
    return '"' + text.replace('"', '""') + '"' if quote else text


def _relocate(problem: Problem, source: str, base: str, first: int,
              pairs: set[int] | None) -> Problem:
    """A problem of the serialized trace placed at its record (``line 5, field crop`` ->
    ``$.trace[1][1]``); line numbers in the message become record places too."""
    def record(match: re.Match) -> str:
        return f"{base}[{int(match.group(1)) - first}]"

    place, message = problem.place, _LINE_RE.sub(record, problem.message)
    head, _, rest = place.partition(", ")
    if not _LINE_RE.fullmatch(head) or int(head[5:]) < first:
        return Problem(source, base if not place else f"{base} ({place})", message)
    index = int(head[5:]) - first
    where = f"{base}[{index}]"
    if rest.startswith("field "):
        name = rest[len("field "):]
        if pairs is None:
            where += f".{name}"
        elif index in pairs:
            where += {"image_id": "[0]", "crop": "[1]"}.get(name, "")
    elif rest.startswith("$"):
        where += rest[1:]
    return Problem(source, where, message)
