"""Reading JSON input with located errors, and writing output files atomically."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from isaacsim.errors import InputError, Problem


def load_json(path: str | os.PathLike, what: str = "file") -> Any:
    """Parse a JSON file; a missing file or malformed JSON becomes an `InputError` with its place."""
    p = Path(path)
    if not p.exists():
        raise InputError(Problem(str(p), "", f"{what} not found; check the path (relative paths are "
                                             f"taken from the current directory {os.getcwd()})"))
    if p.is_dir():
        raise InputError(Problem(str(p), "", f"is a directory; expected a JSON {what}"))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(p), "", f"cannot read {what}: {exc}")) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(str(p), f"line {exc.lineno}, column {exc.colno}",
                                 f"malformed JSON: {exc.msg}")) from exc


def dumps(obj: Any) -> str:
    """The one JSON rendering used for machine-readable output (stable key order, 2-space indent)."""
    return json.dumps(obj, indent=2, sort_keys=False) + "\n"


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder, then rename."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; on success it replaces `path` as a whole.

    On any exception (including KeyboardInterrupt) the temporary folder is removed and `path` is left
    as it was, so a results folder is never half-written.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if p.exists():
        old = p.with_name(f".{p.name}.old.{os.getpid()}")
        os.replace(p, old)
    os.replace(tmp, p)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
