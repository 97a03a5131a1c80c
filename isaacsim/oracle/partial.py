"""The oracle's partial file: finished records, appended as images finish, so a run resumes.

It lives next to the trace as ``.<trace name>.isaacsim-partial`` and holds::

    # isaacsim-oracle-partial v1
    # fingerprint: <sha256 of the model file, the options and the image list>
    <image index>,<trace record>
    ...

Records are appended in the order images finish (any order with ``--jobs N``), one whole line
each, flushed at once. A rerun with the same fingerprint continues after them; a torn last line (a
killed process) is cut off. A different fingerprint, or a damaged line, is refused: nothing is
deleted, the message says what to do. One process at a time writes it (an exclusive lock).
"""

from __future__ import annotations

import csv
import fcntl
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from isaacsim.errors import InputError, Problem
from isaacsim.oracle.records import csv_field
from isaacsim.outputs import write_file

FIRST_LINE = "# isaacsim-oracle-partial v1"


def partial_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.isaacsim-partial")


class Partial:
    """Open with `open()` (returns the records already there, by image index), `append()` records,
    `close()`; `remove()` once the trace is written."""

    def __init__(self, out: Path, fingerprint: str, ids: Sequence[str], columns: int):
        self.path = partial_path(out)
        self.fingerprint = fingerprint
        self.ids = list(ids)
        self.columns = columns
        self.fh: IO[str] | None = None

    def _header(self) -> str:
        return f"{FIRST_LINE}\n# fingerprint: {self.fingerprint}\n"

    def _refuse(self, why: str) -> InputError:
        return InputError(Problem("--out", str(self.path), f"{why}; rerun the command that made it "
                                                           f"to finish that run, or delete this "
                                                           f"file to start over"))

    def open(self) -> dict[int, list[str]]:
        if not self.path.exists() and not self.path.is_symlink():
            write_file(self.path, self._header(), option="--out")
        if self.path.is_symlink() or not self.path.is_file():
            raise self._refuse("exists and is not a regular file")
        fh = open(self.path, "r+", encoding="utf-8", newline="")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise InputError(Problem("--out", str(self.path), "another 'traces oracle' is writing "
                                                              "this trace; wait for it to end")) \
                from None
        try:
            done = self._read(fh)
        except BaseException:
            fh.close()
            raise
        fh.seek(0, os.SEEK_END)
        self.fh = fh
        return done

    def _read(self, fh: IO[str]) -> dict[int, list[str]]:
        text = fh.read()
        if not text.startswith(FIRST_LINE + "\n"):
            raise self._refuse("is not a partial oracle run isaacsim can read")
        if not text.startswith(self._header()):
            raise self._refuse("belongs to a run of another model, other options or other images")
        end = text.rfind("\n") + 1
        if end < len(text):                 # a torn last line: the process was killed writing it
            fh.truncate(len(text[:end].encode("utf-8")))
            text = text[:end]
        done: dict[int, list[str]] = {}
        lines = text.split("\n")[2:-1]
        for number, line in enumerate(lines, start=3):
            try:
                cells = next(csv.reader([line], strict=True))
            except (csv.Error, StopIteration):
                cells = []
            ok = len(cells) == self.columns + 1 and cells[0].isdigit()
            index = int(cells[0]) if ok else -1
            if not ok or not 0 <= index < len(self.ids) or cells[1] != self.ids[index] \
                    or index in done:
                raise self._refuse(f"is damaged at line {number}")
            done[index] = cells[1:]
        return done

    def append(self, index: int, row: Sequence[str]) -> None:
        assert self.fh is not None, "open() first"
        self.fh.write(",".join([str(index), *(csv_field(c) for c in row)]) + "\n")
        self.fh.flush()

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
