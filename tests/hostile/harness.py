"""Running one hostile case through the CLI in-process, and judging the result.

`run_case(case, root)` writes the case's inputs into ``root/a/b/case/`` (deep enough that
``../../x`` stays inside `root`), runs ``isaacsim.cli.main(argv)`` there with stdout and stderr
captured and a timer, and returns an `Outcome` listing every requirement that failed:

* exit code 2 (argparse's ``SystemExit(2)`` counts), within `case.limit` seconds;
* no exception other than SystemExit escaping ``main``;
* stderr names the file or option (`case.who`) and the place (`case.where`), has no traceback;
* nothing written outside the case folder (``root`` and a few watched folders), and every file
  and folder the case created before running still there, unchanged.

``python -m tests.hostile.harness [--all] [-k TEXT]`` runs the corpus without pytest and prints
the summary (from the repository root).
"""

from __future__ import annotations

import contextlib
import faulthandler
import hashlib
import io
import os
import re
import signal
import stat
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .model import REPO, Case, write_inputs

MAX_MESSAGE = 20_000
"""A longer stderr (for one problem) echoes the hostile input back instead of describing it."""
ESCAPE_NAMES = re.compile(r"hostile|escaped")
WATCHED = [Path("/"), REPO, Path.home()]


class CaseTimeout(BaseException):
    """Raised by the timer in the case's command (a BaseException, so `except Exception` in the
    code under test cannot swallow it)."""


@dataclass
class Outcome:
    case: Case
    code: object = None
    err: str = ""
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.failures

    @property
    def label(self) -> str:
        """The first failed requirement, short (used to group failures)."""
        return self.failures[0].split(":", 1)[0] if self.failures else "clean"

    def report(self) -> str:
        lines = [f"case {self.case.id} [{self.case.cls}, {self.case.kind}]",
                 f"  argv: {_short_argv(self.case.argv)}", f"  exit: {self.code!r}"]
        lines += [f"  FAILED {f}" for f in self.failures]
        if self.case.note:
            lines.append(f"  debatable: {self.case.note}")
        lines.append("  stderr: " + (self.err[:1500].replace("\n", "\n          ") or "(empty)"))
        return "\n".join(lines)


def _short_argv(argv) -> str:
    return " ".join(repr(a) if len(a) <= 60 else repr(a[:40]) + f"...({len(a)} chars)"
                    for a in argv)


def _tree(folder: Path) -> dict[str, tuple]:
    """Every entry under `folder`: symlinks by target, folders by inode, files by inode+digest."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(folder))
            st = p.lstat()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir", st.st_ino)
            elif stat.S_ISREG(st.st_mode):
                out[rel] = ("file", st.st_ino, hashlib.sha1(p.read_bytes()).hexdigest())
            else:  # a named pipe: reading it would block
                out[rel] = ("special", st.st_ino, stat.S_IFMT(st.st_mode))
    return out


def _outside(root: Path, folder: Path) -> set[str]:
    """Entries outside the case folder that a case could create."""
    seen = {str(p) for p in root.rglob("*") if folder not in p.parents and p != folder}
    for watched in WATCHED:
        with contextlib.suppress(OSError):
            seen.update(str(watched / n) for n in os.listdir(watched))
    with contextlib.suppress(OSError):  # shared with other users: only names a case would use
        seen.update(str(Path(tempfile.gettempdir()) / n)
                    for n in os.listdir(tempfile.gettempdir()) if ESCAPE_NAMES.search(n))
    return seen


def _alarm(signum, frame):
    raise CaseTimeout()


def execute(case: Case, folder: Path) -> tuple[object, str, str, float, str | None]:
    """Run the case's command in the current directory: (exit code, stdout, stderr, seconds,
    the escaping exception or timeout, if any)."""
    from isaacsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: object = None
    escaped = None
    previous = signal.signal(signal.SIGALRM, _alarm)
    faulthandler.dump_traceback_later(max(30.0, 6 * case.limit), exit=True)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            signal.setitimer(signal.ITIMER_REAL, case.limit)
            try:
                code = main(list(case.argv))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except CaseTimeout:
        escaped = f"timeout: no answer within {case.limit:g} s (hung or too slow)"
    except SystemExit as exc:
        code = exc.code
    except BaseException as exc:  # noqa: BLE001 - every escaping exception is a finding
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f" at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else ""
        escaped = f"exception: {type(exc).__name__} escaped main: {str(exc)[:200]}{where}"
    finally:
        seconds = time.perf_counter() - start
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue(), seconds, escaped


def judge(case: Case, code, out: str, err: str, escaped: str | None) -> list[str]:
    failures = []
    if escaped:
        failures.append(escaped)
    elif code != 2:
        failures.append(f"exit: exit code {code!r}, expected 2"
                        + (" (the input was accepted)" if code in (0, None) else ""))
    if "Traceback" in err or "Traceback" in out:
        failures.append("traceback: stderr or stdout holds a traceback")
    if not escaped and code == 2:
        if not re.search(case.who, err, re.M):
            failures.append(f"no-source: stderr does not name the file or option /{case.who}/")
        if case.where is not None and not re.search(case.where, err, re.M):
            failures.append(f"no-place: stderr names no place /{case.where}/")
        if len(err) > MAX_MESSAGE:
            failures.append(f"huge-message: stderr has {len(err):,} characters")
    return failures


def run_case(case: Case, root: Path, chdir=None) -> Outcome:
    """Prepare, run and judge `case` under `root` (a fresh, empty folder). `chdir` changes the
    current directory (pytest's monkeypatch.chdir); by default it is changed and restored here."""
    folder = root / "a" / "b" / "case"
    folder.mkdir(parents=True)
    write_inputs(folder, case.files)
    before = _tree(folder)
    outside = _outside(root, folder)
    if chdir is None:
        with contextlib.chdir(folder):
            code, out, err, seconds, escaped = execute(case, folder)
    else:
        chdir(folder)
        code, out, err, seconds, escaped = execute(case, folder)
    failures = judge(case, code, out, err, escaped)
    after = _tree(folder)
    changed = sorted(k for k, v in before.items() if after.get(k) != v)
    if changed:
        failures.append(f"changed-input: removed or changed what existed before: "
                        f"{', '.join(changed[:5])}")
    new = sorted(_outside(root, folder) - outside)
    if new:
        failures.append(f"wrote-outside: created outside the case folder: {', '.join(new[:5])}")
        _remove_escapes(new, root)
    return Outcome(case, code, err, seconds, failures)


def _remove_escapes(paths: list[str], root: Path) -> None:
    """Remove what a case created outside its folder, when it is certainly the case's."""
    import shutil
    for p in map(Path, paths):
        if root in p.parents:
            continue  # pytest removes its temporary folders
        if ESCAPE_NAMES.search(p.name) and p.parent in (Path("/"), Path(tempfile.gettempdir())):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


# --- summary -----------------------------------------------------------------------------------

def summary(outcomes: list[Outcome]) -> str:
    clean = sum(o.clean for o in outcomes)
    lines = [f"{len(outcomes)} inputs tried, {clean} clean"]
    if not outcomes:
        return lines[0]
    slow = max(outcomes, key=lambda o: o.seconds)
    lines.append(f"slowest case: {slow.case.id} ({slow.seconds:.2f} s); total "
                 f"{sum(o.seconds for o in outcomes):.1f} s in main")
    by_class = Counter(o.case.cls for o in outcomes if not o.clean)
    if by_class:
        lines.append("unclean by class: "
                     + ", ".join(f"{k} {n}" for k, n in by_class.most_common()))
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if not o.clean:
            groups[o.label].append(o)
    for lab, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        debatable = sum(bool(o.case.note) for o in members)
        lines.append(f"  {lab}: {len(members)} ({debatable} debatable), e.g. "
                     + ", ".join(o.case.id for o in members[:4]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from .generate import all_cases, default_sample
    p = argparse.ArgumentParser(description="run the hostile-input corpus without pytest")
    p.add_argument("--all", action="store_true", help="the full corpus (default: the sample)")
    p.add_argument("-k", default="", help="only cases whose id contains this text")
    p.add_argument("-v", action="store_true", help="print every unclean case in full")
    args = p.parse_args(argv)
    cases = [c for c in (all_cases() if args.all else default_sample()) if args.k in c.id]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="isaacsim-hostile-") as tmp:
        for i, case in enumerate(cases):
            outcomes.append(run_case(case, Path(tmp) / f"{i:05d}"))
            if args.v and not outcomes[-1].clean:
                print(outcomes[-1].report(), flush=True)
    print(summary(outcomes))
    return 0 if all(o.clean for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
