"""Where isaacsim writes, under one rule: it never removes or overwrites what it did not create.

* **Folders of results** (a run's folder, a sweep point's folder) are built in a temporary folder
  beside the target and renamed into place as a whole (`replace_folder`). An existing target is
  replaced only when it is provably isaacsim's own: it holds the marker file ``.isaacsim-output``
  that isaacsim writes into every folder it creates, of the same kind, and nothing but the files the
  marker lists. An empty folder is used as it is. Anything else is refused with an `InputError`
  (exit code 2) that says how to proceed; nothing is touched.
* **Folders that grow** (a sweep folder, an experiments folder) are created with the marker by
  `own_folder`, or adopted when empty; a folder with other contents and no marker of that kind is
  refused. isaacsim then writes only its own files inside it.
* **Single files** (traces, merged tables) are written to a temporary file in the same folder and
  renamed (`write_file`). An existing file is replaced only when the caller's `owned` test
  recognises it as isaacsim's (a trace's ``generator: isaacsim ...`` header, a file inside a folder
  that carries the marker).
* A target that is the current directory, one of its ancestors, the root, a symbolic link, or whose
  parent folder is missing (unless the caller creates default parents such as ``results/``) or not
  writable is refused.
* Temporary names are ``.<target>.isaacsim-tmp.<host>.<pid>.<random>`` (``-old`` for a folder
  being replaced). A process killed while writing leaves one behind; the next write into the same
  folder removes those of this host whose process is gone.
* Everything is created with the user's umask (``os.mkdir`` and ``open(..., "x")``, not
  ``mkstemp``/``mkdtemp``, whose 0600/0700 modes would hide results from group members).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from isaacsim import __version__
from isaacsim.errors import InputError, Problem
from isaacsim.validate import has_control_character

MARKER = ".isaacsim-output"
"""The file isaacsim writes into every folder it creates (JSON: tool, kind, version, files)."""
_TEMP_RE = re.compile(r"^\..*\.isaacsim-(tmp|old)\.(?P<host>[^.]+)\.(?P<pid>\d+)\.[0-9a-f]+$")


MAX_NAME_CHARS = 120


def check_name(name: str) -> str | None:
    """Why `name` (of a workload or sweep, used as a folder name under ``results/``) is unsafe, or
    None when it is a plain folder name: not empty, ``.`` or ``..``, without ``/``, ``\\``,
    control characters or a leading ``-``, and at most `MAX_NAME_CHARS` characters."""
    if not name.strip():
        return "is empty; give a name such as vgg16_cropped"
    if name in (".", ".."):
        return f"'{name}' is not a folder name; give a name such as vgg16_cropped"
    if "/" in name or "\\" in name:
        return "contains a path separator ('/' or '\\'); give a plain name, e.g. vgg16_cropped"
    if has_control_character(name):
        return "contains control characters; give a plain name"
    if name.startswith(("-", ".")):
        return (f"starts with '{name[0]}' (an option, or a hidden folder); give a name starting "
                f"with a letter")
    if ".isaacsim-" in name:
        return "contains '.isaacsim-', which isaacsim reserves for its own files"
    if len(name) > MAX_NAME_CHARS:
        return f"has {len(name)} characters; give at most {MAX_NAME_CHARS}"
    return None


def _host() -> str:
    """This machine and pid namespace as a name part: a pid is only meaningful within it (two
    containers may share a host name)."""
    host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname() or "host")[:40] or "host"
    with contextlib.suppress(OSError):
        host += f"-{os.stat('/proc/self/ns/pid').st_ino}"
    return host


def _temp_name(target: Path, tag: str) -> Path:
    return target.with_name(f".{target.name}.isaacsim-{tag}.{_host()}.{os.getpid()}."
                            f"{secrets.token_hex(4)}")


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def clean_stale(folder: Path) -> list[Path]:
    """Remove the temporary files and folders that killed isaacsim processes of this host left in
    `folder`; returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    host = _host()
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if m is None or m["host"] != host or process_alive(int(m["pid"])):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()
        removed.append(entry)
    return removed


def is_regular_file(path: Path) -> bool:
    """Whether `path` itself (not what a symbolic link points to) is a regular file: safe to open
    without blocking (a named pipe would block) and to replace."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_marker(folder: Path) -> dict | None:
    """The marker of an isaacsim folder, or None when `folder` has none (or an unreadable one)."""
    if not is_regular_file(folder / MARKER):
        return None
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("tool") != "isaacsim":
        return None
    return data


def write_marker(folder: Path, kind: str, files: Iterable[str] | None) -> None:
    """Write the marker into `folder` (a new folder of isaacsim's): its kind and, for folders
    replaced as a whole, the files it holds."""
    data = {"tool": "isaacsim", "kind": kind, "version": __version__,
            "files": None if files is None else sorted(files)}
    with open(folder / MARKER, "x", encoding="utf-8") as fh:
        fh.write(json.dumps(data, indent=2) + "\n")


def _refuse(path: Path, option: str, why: str, fix: str) -> InputError:
    return InputError(Problem(option, str(path), f"{why}; {fix}"))


def check_target(path: Path, option: str, *, create_parents: bool = False,
                 existing_ok: bool = False) -> None:
    """Refuse a target that is the root, the current folder or one of its ancestors, a symbolic
    link, below a file, or whose parent is missing (unless `create_parents`) or not writable."""
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    if resolved == Path(resolved.anchor):
        raise _refuse(path, option, "is the root folder", "give a new folder for the results")
    if resolved == cwd or resolved in cwd.parents:
        raise _refuse(path, option, "is the current folder or contains it, which isaacsim would "
                      "replace", "give a new folder, e.g. results/NAME")
    if path.is_symlink():
        raise _refuse(path, option, "is a symbolic link", "give the folder it points to, or a new "
                      "folder")
    parent = path.parent
    for above in (parent, *parent.parents):
        if above.exists() and not above.is_dir():
            raise _refuse(path, option, f"'{above}' is a file, not a folder",
                          "give a path whose folders exist")
        if above.exists():
            break
    if not parent.exists():
        if not create_parents:
            raise _refuse(path, option, f"the folder '{parent}' does not exist",
                          f"create it first (mkdir -p '{parent}') or give another path")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _refuse(path, option, f"cannot create '{parent}': {exc.strerror}",
                          "give a writable path") from None
    written = path if existing_ok and path.is_dir() else parent   # where entries are created
    if not os.access(written, os.W_OK | os.X_OK):
        raise _refuse(path, option, f"the folder '{written}' is not writable",
                      "give a path you can write to")


def _foreign(folder: Path, kind: str) -> list[str]:
    """Entries of an existing folder that show it is not a replaceable isaacsim folder of `kind`
    (empty when the folder is empty, or is isaacsim's own of that kind holding only its files,
    each still a regular file)."""
    entries = sorted(e.name for e in folder.iterdir())
    if not entries:
        return []
    marker = read_marker(folder)
    if marker is None or marker.get("kind") != kind or not isinstance(marker.get("files"), list):
        return entries
    own = set(marker["files"]) | {MARKER}
    return [e for e in entries if e not in own or not is_regular_file(folder / e)]


def replace_problem(path: Path, kind: str) -> str | None:
    """Why the folder `path` may not be replaced by an isaacsim folder of `kind` (None: it is
    absent, empty, or isaacsim's own of that kind holding only its files)."""
    if path.is_symlink():
        return "is a symbolic link"
    if not path.exists():
        return None
    if not path.is_dir():
        return "exists and is a file"
    foreign = _foreign(path, kind)
    if not foreign:
        return None
    listed = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
    return f"exists and holds files isaacsim did not write ({listed})"


def _check_replaceable(path: Path, option: str, kind: str) -> None:
    why = replace_problem(path, kind)
    if why is not None:
        raise _refuse(path, option, why, "give a new folder, or move those files away yourself; "
                      f"isaacsim replaces only folders it wrote (marked by {MARKER})")


def check_folder(path: str | os.PathLike, kind: str, *, option: str = "--out",
                 create_parents: bool = False) -> Path:
    """Check up front that `replace_folder` may write `path` (before hours of simulation)."""
    target = Path(path)
    check_target(target, option, create_parents=create_parents)
    _check_replaceable(target, option, kind)
    return target


@contextlib.contextmanager
def replace_folder(path: str | os.PathLike, kind: str, *, option: str = "--out",
                   create_parents: bool = False) -> Iterator[Path]:
    """Yield a new temporary folder; when the block succeeds it becomes `path` as a whole.

    `path` must not exist, be empty, or be isaacsim's own folder of `kind` holding only its files
    (checked before and again right before the swap); otherwise `InputError`, nothing touched.
    On any exception (KeyboardInterrupt included) the temporary folder is removed and `path` is
    left as it was. `option` names where the path came from in messages.
    """
    target = check_folder(path, kind, option=option, create_parents=create_parents)
    clean_stale(target.parent)
    tmp = _temp_name(target, "tmp")
    try:
        os.mkdir(tmp)
    except OSError as exc:
        raise _refuse(target, option, f"cannot create a folder beside it: {exc.strerror}",
                      "give a writable path") from None
    old = None
    try:
        yield tmp
        write_marker(tmp, kind, (e.name for e in tmp.iterdir()))
        _check_replaceable(target, option, kind)
        if target.exists() and any(target.iterdir()):
            old = _temp_name(target, "old")
            os.replace(target, old)
            if _foreign(old, kind):     # written to since the check: give it back, untouched
                os.replace(old, target)
                old = None
                _check_replaceable(target, option, kind)
        os.replace(tmp, target)
    except BaseException:
        if old is not None and not target.exists():
            os.replace(old, target)     # interrupted between the two renames: undo the first
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def own_folder(path: str | os.PathLike, kind: str, *, option: str = "--out",
               create_parents: bool = False) -> Path:
    """Make sure `path` is an isaacsim folder of `kind` that grows file by file: create it (with
    the marker), adopt it when empty, accept it when it carries the marker of `kind`, else refuse."""
    target = Path(path)
    check_target(target, option, create_parents=create_parents, existing_ok=True)
    if target.exists():
        if not target.is_dir():
            raise _refuse(target, option, "exists and is a file", "give a folder name")
        marker = read_marker(target)
        if marker is not None and marker.get("kind") == kind:
            clean_stale(target)
            return target
        entries = sorted(e.name for e in target.iterdir())
        if entries:
            what = (f"is an isaacsim folder of kind '{marker.get('kind')}', not '{kind}'"
                    if marker is not None else
                    f"exists and holds files isaacsim did not write ({', '.join(entries[:5])}"
                    f"{' ...' if len(entries) > 5 else ''})")
            raise _refuse(target, option, what, f"give a new folder; isaacsim writes only into "
                          f"folders it created (marked by {MARKER})")
        write_marker(target, kind, None)
        return target
    try:
        os.mkdir(target)
    except OSError as exc:
        raise _refuse(target, option, f"cannot create the folder: {exc.strerror}",
                      "give a writable path") from None
    write_marker(target, kind, None)
    return target


def in_own_folder(path: Path) -> bool:
    """Whether `path` lies directly in a folder that carries isaacsim's marker (an `owned` test
    for `write_file`)."""
    return read_marker(path.parent) is not None


def check_file(path: str | os.PathLike, *, option: str = "--out",
               owned: Callable[[Path], bool] | None = None, create_parents: bool = False) -> Path:
    """Check up front that `write_file` may write `path`."""
    target = Path(path)
    if target.is_dir() and not target.is_symlink():
        raise _refuse(target, option, "is a folder", "give a file name")
    check_target(target, option, create_parents=create_parents)
    if (target.exists() or target.is_symlink()) and not is_regular_file(target):
        raise _refuse(target, option, "exists and is not a regular file (a symbolic link, named "
                      "pipe or device)", "give a new file name")
    if target.exists() and (owned is None or not owned(target)):
        raise _refuse(target, option, "exists and was not written by isaacsim",
                      "give a new file name, or remove the file yourself")
    return target


def write_file(path: str | os.PathLike, text: str | bytes, *, option: str = "--out",
               owned: Callable[[Path], bool] | None = None, create_parents: bool = False) -> Path:
    """Write `text` (UTF-8 text, or bytes) to `path` through a temporary file in the same folder,
    then rename.

    An existing `path` is replaced only when `owned(path)` says isaacsim wrote it; a folder, a
    symbolic link or a file not recognised is refused (`InputError`) and left as it is.
    """
    target = check_file(path, option=option, owned=owned, create_parents=create_parents)
    clean_stale(target.parent)
    tmp = _temp_name(target, "tmp")
    try:
        if isinstance(text, bytes):
            with open(tmp, "xb") as fh:
                fh.write(text)
        else:
            with open(tmp, "x", encoding="utf-8", newline="") as fh:
                fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _refuse(target, option, f"cannot write: {exc.strerror}", "give a writable path") \
            from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
