"""A real ``python -m isaacsim sweep --jobs 2`` killed with SIGKILL, or interrupted by two quick
Ctrl-Cs, leaves no process behind: no worker, no fork server, no resource tracker.

The sweep's processes are found through /proc: every descendant of the sweep's process (by parent
pid), recorded with its start time once the two workers exist, so that a pid reused later is not
mistaken for a survivor. After the sweep's process dies its children are re-parented, so the set
is taken before the kill. Zombies (ended, waiting to be reaped by whoever adopted them) count as
ended. Linux only (/proc).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scripts" / "specs" / "acceptance_sweep.json"
IMAGES = "1000"
"""VGG-16 points of 1,000 images take seconds each: the workers are busy when the signal comes."""
WORKERS = 2
START_TIMEOUT_S = 60
GONE_WITHIN_S = 5

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _stat(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, start time) of `pid`, or None when it does not exist."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), fields[0], fields[19]


def _descendants(root: int) -> dict[int, str]:
    """Every living descendant of `root`: pid -> start time."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            table[int(entry)] = st
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, state, start) in table.items():
            if ppid == parent and pid not in found and state != "Z":
                found[pid] = start
                frontier.append(pid)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def _survivors(procs: dict[int, str]) -> list[str]:
    alive = []
    for pid, start in procs.items():
        st = _stat(pid)
        if st is not None and st[2] == start and st[1] != "Z":
            alive.append(f"{pid} {_cmdline(pid)[:120]}")
    return alive


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_sweep(tmp_path: Path, settle_s: float = 0.3, **kw
                 ) -> tuple[subprocess.Popen, dict[int, str]]:
    """Start the sweep and wait until its fork server, resource tracker and workers exist (and
    `settle_s` more, for the workers to take their points)."""
    cmd = [sys.executable, "-m", "isaacsim", "sweep", str(SPEC), "--jobs", str(WORKERS),
           "--images", IMAGES, "--out", str(tmp_path / "out"), "--progress", "off"]
    # output to files, not pipes: a survivor holding a pipe would block reading it
    with open(tmp_path / "stdout", "w") as out, open(tmp_path / "stderr", "w") as err:
        # started as from a shell: Ctrl-C at its default, whatever the test process (or a library
        # it loaded) did with it; an inherited "ignore" would make the sweep deaf to Ctrl-C
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err,
                                preexec_fn=_default_sigint, **kw)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        procs = _descendants(proc.pid)
        workers = [p for p in procs if "forkserver" in _cmdline(p)]  # the server and its forks
        if len(workers) >= WORKERS + 1:
            time.sleep(settle_s)
            return proc, _descendants(proc.pid)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    pytest.fail(f"the sweep's workers did not start (exit {proc.returncode}):\n"
                f"{(tmp_path / 'stderr').read_text()}")


def _wait_gone(procs: dict[int, str]) -> list[str]:
    deadline = time.monotonic() + GONE_WITHIN_S
    while (alive := _survivors(procs)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def _cleanup(procs: dict[int, str]) -> None:
    """Kill what this test started and is still alive (only those pids, checked by start time)."""
    for entry in _survivors(procs):
        pid = int(entry.split()[0])
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_kill_9_of_the_sweep_leaves_no_worker_forkserver_or_tracker(tmp_path):
    proc, procs = _start_sweep(tmp_path)
    try:
        assert any("resource_tracker" in _cmdline(p) for p in procs), procs
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        alive = _wait_gone(procs)
        assert not alive, f"alive {GONE_WITHIN_S} s after kill -9 of the sweep:\n" + \
            "\n".join(alive)
    finally:
        proc.kill()
        _cleanup(procs)


def _ctrl_c(proc: subprocess.Popen) -> None:
    """Ctrl-C as a terminal sends it: SIGINT to every process of the sweep's process group."""
    try:
        os.killpg(proc.pid, signal.SIGINT)
    except ProcessLookupError:
        pass


def test_ctrl_c_while_the_workers_start_is_clean(tmp_path):
    # the workers exist but may not have run their initializer yet: they must ignore SIGINT from
    # birth (the fork server ignores it for them), or a worker prints a KeyboardInterrupt traceback
    proc, procs = _start_sweep(tmp_path, settle_s=0.0, start_new_session=True)
    try:
        _ctrl_c(proc)
        proc.wait(timeout=30)
        err = (tmp_path / "stderr").read_text()
        assert proc.returncode == 130 and "Traceback" not in err and "leaked" not in err, err
        assert not _wait_gone(procs)
    finally:
        proc.kill()
        _cleanup(procs)


def test_two_quick_ctrl_c_exit_130_cleanly(tmp_path):
    # a new session, signalled as a terminal does: SIGINT to every process of the group
    proc, procs = _start_sweep(tmp_path, start_new_session=True)
    try:
        _ctrl_c(proc)
        time.sleep(0.1)
        _ctrl_c(proc)
        proc.wait(timeout=30)
        err = (tmp_path / "stderr").read_text()
        assert proc.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err and "leaked" not in err, err
        assert not _wait_gone(procs)
    finally:
        proc.kill()
        _cleanup(procs)
