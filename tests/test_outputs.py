"""isaacsim never removes or overwrites what it did not create (isaacsim/outputs.py, docs/outputs.md).

Each case puts a user's file beside or inside the target and checks that it survives byte for byte,
that the command exits 2 with a located message, and that no hidden temporary folder is left.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from isaacsim.cli import main
from isaacsim.errors import InputError
from isaacsim.outputs import (
    MARKER,
    check_name,
    clean_stale,
    own_folder,
    read_marker,
    replace_folder,
    write_file,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "workloads" / "tiny_cropped.json"


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".isaacsim-" in p.name and p.name != MARKER)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A folder holding copies of the tiny workload and its trace, as the current directory."""
    (tmp_path / "workloads").mkdir()
    (tmp_path / "traces").mkdir()
    shutil.copy(TINY, tmp_path / "workloads" / TINY.name)
    shutil.copy(ROOT / "traces" / "tiny_synth_20.csv", tmp_path / "traces")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args: str) -> int:
    return main(["run", "workloads/tiny_cropped.json", "--images", "2", "--progress", "off",
                 *args])


# --- the run command ------------------------------------------------------------------------------

def test_out_folder_with_a_users_file_is_refused_and_left_unchanged(work, capsys):
    (work / "DIR").mkdir()
    (work / "DIR" / "notes.txt").write_text("my notes\n")
    before = _snapshot(work)
    assert _run("--out", "DIR") == 2
    err = capsys.readouterr().err
    assert "--out: DIR: exists and holds files isaacsim did not write (notes.txt)" in err
    assert "Traceback" not in err
    assert _snapshot(work) == before and _hidden(work) == []


@pytest.mark.parametrize("out", [".", "/", "workloads/tiny_cropped.json/sub", "missing/sub"])
def test_impossible_out_paths_exit_2_and_touch_nothing(work, capsys, out):
    before = _snapshot(work)
    assert _run("--out", out) == 2
    err = capsys.readouterr().err
    assert f"--out: {out}:" in err and "Traceback" not in err
    assert _snapshot(work) == before and _hidden(work) == [] and not (work / "missing").exists()


def test_out_of_a_parent_folder_of_the_current_directory_is_refused(work, monkeypatch, capsys):
    monkeypatch.chdir(work / "traces")
    assert main(["run", "../workloads/tiny_cropped.json", "--out", "..", "--images", "1"]) == 2
    assert "is the current folder or contains it" in capsys.readouterr().err


def test_an_earlier_run_folder_is_replaced_but_not_one_with_a_users_file(work, capsys):
    assert _run("--out", "r") == 0
    marker = read_marker(work / "r")
    assert marker["kind"] == "run" and "images.csv" in marker["files"]
    first = (work / "r" / "images.csv").read_bytes()
    assert _run("--out", "r") == 0                   # isaacsim's own folder: replaced
    assert (work / "r" / "images.csv").read_bytes() == first
    (work / "r" / "mine.txt").write_text("keep me")
    assert _run("--out", "r") == 2
    assert "(mine.txt)" in capsys.readouterr().err
    assert (work / "r" / "mine.txt").read_text() == "keep me"


def test_an_empty_folder_is_used(work):
    (work / "empty").mkdir()
    assert _run("--out", "empty") == 0
    assert (work / "empty" / "images.csv").is_file()


@pytest.mark.parametrize("name", ["", ".", "..", "../../escaped", "/abs/olute", "a\\b", "x\u0000y"])
def test_unsafe_workload_names_are_refused_and_write_nothing(work, capsys, name):
    raw = json.loads((work / "workloads" / "tiny_cropped.json").read_text())
    raw["name"] = name
    (work / "workloads" / "bad.json").write_text(json.dumps(raw))
    before = _snapshot(work)
    assert main(["run", "workloads/bad.json", "--images", "1"]) == 2
    err = capsys.readouterr().err
    assert "workloads/bad.json: $.name: the workload name names its results folder" in err
    assert _snapshot(work) == before and not (work / "results").exists()
    assert not (work.parent / "escaped").exists()


def test_default_results_folder_is_created_under_results(work):
    assert _run() == 0
    assert read_marker(work / "results" / "tiny_cropped")["kind"] == "run"


def test_files_follow_the_umask(work):
    old = os.umask(0o022)
    try:
        assert _run("--out", "r") == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((work / "r").stat().st_mode) == 0o755
    assert stat.S_IMODE((work / "r" / "images.csv").stat().st_mode) == 0o644


# --- traces synth ---------------------------------------------------------------------------------

def test_synth_refuses_a_folder_and_a_users_file_but_replaces_its_own(work, capsys):
    args = ["traces", "synth", "--network", "tiny", "--images", "3", "--seed", "1"]
    (work / "mine.csv").write_text("user data\n")
    assert main(args + ["--out", "traces"]) == 2
    assert main(args + ["--out", "mine.csv"]) == 2
    err = capsys.readouterr().err
    assert "--out: traces: is a folder" in err
    assert "--out: mine.csv: exists and was not written by isaacsim" in err
    assert (work / "mine.csv").read_text() == "user data\n"
    assert main(args + ["--out", "t.csv"]) == 0
    assert main(args[:-1] + ["2", "--out", "t.csv"]) == 0    # its own trace: replaced
    assert "--seed 2" in (work / "t.csv").read_text()
    assert _hidden(work) == []


# --- the mechanism --------------------------------------------------------------------------------

def _earlier_run(folder: Path) -> Path:
    """``folder/out``: a run folder isaacsim wrote, holding a.csv = "1"."""
    target = folder / "out"
    with replace_folder(target, "run") as tmp:
        (tmp / "a.csv").write_text("1")
    return target


def test_a_failing_block_leaves_the_target_as_it_was(tmp_path):
    target = _earlier_run(tmp_path)
    with pytest.raises(KeyboardInterrupt), replace_folder(target, "run") as tmp:
        (tmp / "a.csv").write_text("2")
        raise KeyboardInterrupt
    assert (target / "a.csv").read_text() == "1" and _hidden(tmp_path) == []


def test_a_folder_of_another_kind_is_not_replaced(tmp_path):
    target = tmp_path / "out"
    with replace_folder(target, "sweep-point") as tmp:
        (tmp / "point.json").write_text("{}")
    with pytest.raises(InputError, match="holds files isaacsim did not write"), \
            replace_folder(target, "run"):
        pass
    assert (target / "point.json").is_file()


def test_files_added_during_the_run_stop_the_swap(tmp_path):
    target = _earlier_run(tmp_path)
    with pytest.raises(InputError), replace_folder(target, "run") as tmp:
        (tmp / "a.csv").write_text("2")
        (target / "late.txt").write_text("user")     # the user writes while isaacsim runs
    assert (target / "late.txt").read_text() == "user" and (target / "a.csv").read_text() == "1"
    assert _hidden(tmp_path) == []


def test_stale_temporaries_of_dead_processes_are_cleaned_and_live_ones_kept(tmp_path):
    from isaacsim.outputs import _host
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".out.isaacsim-tmp.{_host()}.{dead}.0a1b2c3d"
    live = tmp_path / f".out.isaacsim-tmp.{_host()}.{os.getpid()}.0a1b2c3d"
    other_host = tmp_path / f".out.isaacsim-tmp.elsewhere.{dead}.0a1b2c3d"
    user = tmp_path / ".out.tmp"
    for p in (stale, live, other_host, user):
        p.mkdir()
    assert clean_stale(tmp_path) == [stale]
    assert live.exists() and other_host.exists() and user.exists() and not stale.exists()


def test_a_killed_run_leaves_a_temporary_that_the_next_run_removes(work):
    code = ("import os, sys\n"
            "from isaacsim.outputs import replace_folder\n"
            "with replace_folder('r', 'run') as tmp:\n"
            "    (tmp / 'a.csv').write_text('1')\n"
            "    os._exit(9)\n")
    subprocess.run([sys.executable, "-c", code], cwd=work, check=False)
    assert len(_hidden(work)) == 1
    assert _run("--out", "r") == 0
    assert _hidden(work) == []


def test_own_folder_adopts_empty_and_refuses_foreign(tmp_path):
    assert read_marker(own_folder(tmp_path / "new", "sweep"))["kind"] == "sweep"
    (tmp_path / "empty").mkdir()
    assert read_marker(own_folder(tmp_path / "empty", "sweep"))["files"] is None
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "x").write_text("")
    with pytest.raises(InputError, match="holds files isaacsim did not write"):
        own_folder(tmp_path / "user", "sweep")
    with pytest.raises(InputError, match="is an isaacsim folder of kind 'sweep', not 'experiments'"):
        own_folder(tmp_path / "new", "experiments")


def test_write_file_replaces_only_what_the_owner_test_accepts(tmp_path):
    path = tmp_path / "t.txt"
    write_file(path, "one")
    with pytest.raises(InputError, match="exists and was not written by isaacsim"):
        write_file(path, "two")
    write_file(path, b"three", owned=lambda p: True)
    assert path.read_bytes() == b"three" and _hidden(tmp_path) == []


@pytest.mark.parametrize("name, ok", [("vgg16_cropped", True), ("a b.c-d", True), ("", False),
                                      (".", False), ("..", False), ("a/b", False),
                                      ("-x", False), ("x" * 121, False)])
def test_check_name(name, ok):
    assert (check_name(name) is None) == ok


# --- review findings: pipes, interrupted swaps, races, look-alike names -----------------------

def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _within(seconds: float, fn):
    """Run `fn`, failing (instead of hanging) after `seconds`."""
    import signal

    def alarm(*_):
        raise TimeoutError(f"did not return within {seconds} s")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_a_named_pipe_as_output_file_or_marker_is_refused_without_blocking(work, capsys):
    _fifo(work / "pipe.csv")
    args = ["traces", "synth", "--network", "tiny", "--images", "2", "--seed", "1", "--out",
            "pipe.csv"]
    assert _within(5, lambda: main(args)) == 2
    assert "pipe.csv: exists and is not a regular file" in capsys.readouterr().err
    (work / "r").mkdir()
    _fifo(work / "r" / MARKER)
    assert _within(5, lambda: _run("--out", "r")) == 2
    assert "holds files isaacsim did not write (.isaacsim-output)" in capsys.readouterr().err


def test_a_symbolic_link_as_out_is_refused_and_kept(work, capsys):
    (work / "elsewhere").mkdir()
    (work / "link").symlink_to(work / "elsewhere")
    assert _run("--out", "link") == 2
    assert "--out: link: is a symbolic link" in capsys.readouterr().err
    assert (work / "link").is_symlink() and list((work / "elsewhere").iterdir()) == []


def test_an_interrupted_swap_puts_the_previous_folder_back(tmp_path, monkeypatch):
    target = _earlier_run(tmp_path)
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:              # between moving the old folder away and moving in the new
            raise KeyboardInterrupt
        return real(src, dst)
    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(KeyboardInterrupt), replace_folder(target, "run") as tmp:
        (tmp / "a.csv").write_text("2")
    monkeypatch.setattr(os, "replace", real)
    assert (target / "a.csv").read_text() == "1" and _hidden(tmp_path) == []


def test_a_file_written_after_the_check_is_never_deleted(tmp_path, monkeypatch):
    """The race of a user writing between the last check and the swap: the check after moving the
    folder aside sees the file and gives the folder back."""
    import isaacsim.outputs as outputs
    target = _earlier_run(tmp_path)
    real = outputs._check_replaceable
    seen = []

    def check_then_user_writes(path, option, kind):
        real(path, option, kind)
        seen.append(path)
        if len(seen) == 2:               # the re-check before the swap has just passed
            (target / "late.txt").write_text("user")
    monkeypatch.setattr(outputs, "_check_replaceable", check_then_user_writes)
    with pytest.raises(InputError, match="late.txt"), replace_folder(target, "run") as tmp:
        (tmp / "a.csv").write_text("2")
    assert (target / "late.txt").read_text() == "user" and (target / "a.csv").read_text() == "1"
    assert _hidden(tmp_path) == []


def test_a_listed_file_replaced_by_a_folder_makes_the_folder_foreign(tmp_path):
    target = _earlier_run(tmp_path)
    (target / "a.csv").unlink()
    (target / "a.csv").mkdir()
    (target / "a.csv" / "mine.txt").write_text("user")
    with pytest.raises(InputError, match=r"\(a.csv\)"), replace_folder(target, "run"):
        pass
    assert (target / "a.csv" / "mine.txt").read_text() == "user"


def test_only_isaacsims_own_temporary_names_are_cleaned(tmp_path, monkeypatch):
    from isaacsim.outputs import _host
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    lookalikes = [tmp_path / f"keep.isaacsim-tmp.{_host()}.{dead}.0a1b2c3d",     # no leading dot
                  tmp_path / f".x.isaacsim-tmp.{_host()}.{dead}.zz",            # not hex
                  tmp_path / f".x.isaacsim-tmp.{_host()}.1.0a1b2c3d"]           # pid 1 lives
    for p in lookalikes:
        p.write_text("user")
    assert clean_stale(tmp_path) == []
    other_user = tmp_path / f".y.isaacsim-tmp.{_host()}.{dead}.0a1b2c3d"
    other_user.mkdir()

    def kill(pid, sig):
        raise PermissionError               # a process of another user: alive
    monkeypatch.setattr(os, "kill", kill)
    assert clean_stale(tmp_path) == [] and other_user.exists()
    assert all(p.read_text() == "user" for p in lookalikes)


@pytest.mark.parametrize("name", [".hidden", ".keep.isaacsim-tmp.h.9.ab", "a.isaacsim-output"])
def test_names_that_look_like_isaacsims_own_files_are_refused(name):
    assert check_name(name) is not None


def test_an_existing_sweep_folder_only_needs_itself_writable(tmp_path, monkeypatch):
    folder = own_folder(tmp_path / "parent" / "s", "sweep", create_parents=True)
    real = os.access
    parent = tmp_path / "parent"
    # a read-only parent (simulated: chmod does not bind root, who runs CI)
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != parent and real(p, mode))
    assert own_folder(folder, "sweep") == folder
    with pytest.raises(InputError, match="is not writable"):
        own_folder(parent / "new", "sweep")
