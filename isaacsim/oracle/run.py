"""The crop oracle over a real ONNX network (``python -m isaacsim traces oracle``; docs/oracle.md).

`prepare` checks every input (images, labels, classes, options, the model and its input shape)
before anything runs and imports the model; `run_oracle` evaluates the images, in this process or
in worker processes, appending each finished record to the partial file, and writes the trace and
the per-vector table atomically once every image is done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from isaacsim import __version__
from isaacsim.errors import InputError, Problem
from isaacsim.importer import Imported
from isaacsim.oracle.decide import CRITERIA, REFERENCES, decide
from isaacsim.oracle.evaluate import Evaluator
from isaacsim.oracle.graph import MaskedModel, import_model, masked_model
from isaacsim.oracle.images import check_preprocessing, list_images, load_image
from isaacsim.oracle.labels import image_ids, read_classes, read_labels
from isaacsim.oracle.masks import map_masks, ranking, removed_area, skipped_macs
from isaacsim.oracle.partial import Partial
from isaacsim.oracle.records import COLUMNS, table_by_isaacsim, table_text, trace_row, trace_text
from isaacsim.outputs import check_file, write_file
from isaacsim.traces import written_by_isaacsim
from isaacsim.traces.compact import format_fraction


@dataclass(frozen=True)
class Options:
    """The command's inputs, as given."""

    model: str
    images: tuple[str, ...]
    fraction: Fraction
    criterion: str = "top1"
    reference: str = "uncropped"
    labels: str | None = None
    classes: str | None = None
    resize: int = 256
    size: int = 224
    mean: tuple[float, ...] = (0.485, 0.456, 0.406)
    std: tuple[float, ...] = (0.229, 0.224, 0.225)
    rows_per_array: int = 128

    def generator(self) -> str:
        """The command line that reproduces the trace (without --out, --table and --jobs)."""
        shown = list(self.images)
        if len(shown) > 10:
            shown = shown[:3] + [f"... ({len(shown)} paths)"]
        parts = ["isaacsim traces oracle", f"--model {self.model}", f"--images {' '.join(shown)}"]
        if self.labels is not None:
            parts.append(f"--labels {self.labels}")
        if self.classes is not None:
            parts.append(f"--classes {self.classes}")
        parts += [f"--fraction {format_fraction(self.fraction)}", f"--criterion {self.criterion}",
                  f"--reference {self.reference}", f"--resize {self.resize}", f"--size {self.size}",
                  f"--mean {','.join(map(repr, self.mean))}", f"--std {','.join(map(repr, self.std))}"]
        return " ".join(parts)


@dataclass
class Prepared:
    """Everything checked and computed before the first image runs."""

    options: Options
    files: list[Path]
    ids: list[str]
    labels: list[int] | None
    names: list[str] | None
    imported: Imported
    masked: MaskedModel
    masks: dict[str, np.ndarray]
    skipped: tuple[int, ...]
    order: list[int]
    model_sha256: str
    meta: list[tuple[str, str]] = field(default_factory=list)

    def fingerprint(self) -> str:
        """What a partial file must have been made with to be continued."""
        def digest(path: str | None) -> str | None:
            return None if path is None else hashlib.sha256(Path(path).read_bytes()).hexdigest()
        o = self.options
        data = {"isaacsim": __version__, "model": self.model_sha256, "files": [str(f) for f in self.files],
                "labels": digest(o.labels), "classes": digest(o.classes),
                "fraction": format_fraction(o.fraction), "criterion": o.criterion,
                "reference": o.reference, "resize": o.resize, "size": o.size,
                "mean": list(o.mean), "std": list(o.std), "rows_per_array": o.rows_per_array}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except FileNotFoundError:
        raise InputError(Problem("--model", path, "no such model file; give an ONNX model")) \
            from None
    except OSError as exc:
        raise InputError(Problem("--model", path, f"cannot read the model: {exc.strerror}")) \
            from None
    return h.hexdigest()


def _check_decodable(files: Sequence[Path]) -> None:
    """Every image's header is one Pillow reads (the pixels are decoded when the image runs)."""
    from isaacsim.oracle.images import _pil_image
    image = _pil_image()
    problems = []
    for f in files:
        try:
            with image.open(f):
                pass
        except Exception as exc:  # Pillow's UnidentifiedImageError, OSError, ...
            problems.append(Problem(str(f), "", f"cannot decode the image ({exc}); give a PNG, "
                                                f"JPEG or another format Pillow reads"))
    if problems:
        raise InputError(problems)


def prepare(options: Options) -> Prepared:
    """Check the inputs (all problems of one kind together) and import the model."""
    o = options
    problems: list[Problem] = []
    if o.criterion not in CRITERIA:
        problems.append(Problem("--criterion", "", f"expected one of {', '.join(CRITERIA)}"))
    if o.reference not in REFERENCES:
        problems.append(Problem("--reference", "", f"expected one of {', '.join(REFERENCES)}"))
    if o.reference == "label" and o.labels is None:
        problems.append(Problem("--reference", "", "'label' needs --labels FILE (a CSV "
                                                   "image,label); or use --reference uncropped"))
    try:
        check_preprocessing(o.resize, o.size, o.mean, o.std)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    files = list_images(o.images)
    _check_decodable(files)
    names = read_classes(o.classes) if o.classes is not None else None
    model_sha = _sha256(o.model)
    imported = import_model(o.model, o.size)
    masked = masked_model(o.model, imported)
    if names is not None and len(names) != masked.classes:
        raise InputError(Problem("--classes", o.classes or "", f"lists {len(names)} classes but "
                                                               f"the model scores "
                                                               f"{masked.classes}"))
    labels = read_labels(o.labels, files, masked.classes, names) if o.labels is not None else None
    network = imported.network
    skipped = skipped_macs(network, o.fraction, o.rows_per_array)
    meta = [("generator", o.generator()), ("network", network.name),
            ("model", f"{Path(o.model).name}, sha256 {model_sha[:16]}, input 3x{o.size}x{o.size}, "
                      f"{masked.classes} classes; crop chosen by the oracle over the 16 vectors "
                      f"(docs/oracle.md)")]
    return Prepared(o, files, image_ids(files), labels, names, imported, masked,
                    map_masks(network, o.fraction), skipped, ranking(skipped), model_sha, meta)


# -- evaluating images (in this process or in a worker) -------------------------------------------
_state: dict[str, Any] = {}


def _set_up(masked: MaskedModel, masks: dict[str, np.ndarray], job: dict[str, Any]) -> None:
    _state.clear()
    _state.update(job, evaluator=Evaluator(masked, masks, job["model"]))


def _job(p: Prepared) -> dict[str, Any]:
    o = p.options
    return {"model": o.model, "files": [str(f) for f in p.files], "ids": p.ids, "labels": p.labels,
            "names": p.names, "order": p.order, "fraction": o.fraction, "criterion": o.criterion,
            "reference": o.reference, "resize": o.resize, "size": o.size, "mean": o.mean,
            "std": o.std}


def _evaluate(index: int) -> tuple[int, list[str]]:
    """One image's trace record."""
    s = _state
    image = load_image(s["files"][index], resize=s["resize"], size=s["size"], mean=s["mean"],
                       std=s["std"])
    label = None if s["labels"] is None else s["labels"][index]
    decision = decide(s["evaluator"].scores(image), label, s["criterion"], s["reference"],
                      s["order"])
    return index, trace_row(s["ids"][index], s["files"][index], s["fraction"], label, decision,
                            s["names"])


@dataclass(frozen=True)
class Outcome:
    images: int
    resumed: int
    rows: list[list[str]]


def check_targets(out: Path, table: Path) -> None:
    """Refuse up front targets isaacsim may not write (before any image runs)."""
    problems = []
    if out.resolve() == table.resolve():
        problems.append(Problem("--table", str(table), "is the same file as --out; give another "
                                                       "name"))
    for path, option, owned in ((out, "--out", written_by_isaacsim),
                                (table, "--table", table_by_isaacsim)):
        try:
            check_file(path, option=option, owned=owned)
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)


def run_oracle(p: Prepared, out: Path, table: Path, *, jobs: int = 1,
               progress: Callable[[int], None] | None = None,
               resumed: Callable[[int], None] | None = None) -> Outcome:
    """Evaluate every image not yet in the partial file, then write the trace and the table.

    `resumed(n)` is told how many images an earlier run finished; `progress(1)` after each image.
    """
    check_targets(out, table)
    partial = Partial(out, p.fingerprint(), p.ids, len(COLUMNS))
    try:
        done = partial.open()
        if resumed is not None:
            resumed(len(done))
        todo = [i for i in range(len(p.files)) if i not in done]
        if todo:
            _run(p, todo, jobs, partial, done, progress)
        rows = [done[i] for i in range(len(p.files))]
        o = p.options
        write_file(out, trace_text(rows, p.meta), option="--out", owned=written_by_isaacsim)
        write_file(table, table_text(rows, p.skipped, p.imported.network.macs,
                                     removed_area(o.fraction), p.meta),
                   option="--table", owned=table_by_isaacsim)
    finally:
        partial.close()
    partial.remove()
    return Outcome(len(p.files), len(p.files) - len(todo), rows)


def _run(p: Prepared, todo: list[int], jobs: int, partial: Partial, done: dict[int, list[str]],
         progress: Callable[[int], None] | None) -> None:
    def finish(index: int, row: list[str]) -> None:
        partial.append(index, row)
        done[index] = row
        if progress is not None:
            progress(1)

    _set_up(p.masked, p.masks, _job(p))     # here too: a model onnxruntime refuses fails here
    try:
        if jobs <= 1 or len(todo) == 1:
            for index in todo:
                finish(*_evaluate(index))
            return
    finally:
        _state.clear()
    from isaacsim.sweep.local import start_pool, stop_pool
    pool = start_pool(min(jobs, len(todo)), _set_up, (p.masked, p.masks, _job(p)))
    try:
        queue = iter(todo)
        pending: dict[Future, int] = {}
        while True:
            while len(pending) < 2 * jobs:
                nxt = next(queue, None)
                if nxt is None:
                    break
                pending[pool.submit(_evaluate, nxt)] = nxt
            if not pending:
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            failures = []
            for fut in sorted(finished, key=pending.__getitem__):   # in image order
                del pending[fut]
                exc = fut.exception()
                if exc is None:
                    finish(*fut.result())
                else:
                    failures.append(exc)
            if failures:                    # the finished images are written first
                if isinstance(failures[0], BrokenProcessPool):
                    raise InputError(Problem("--jobs", "", "a worker process ended abruptly "
                                                           "(killed, or out of memory?); the "
                                                           "finished images are kept: rerun the "
                                                           "command to continue"))
                raise failures[0]
    finally:
        stop_pool(pool)
