"""Each of the sweep workers' lifelines on its own (tests/test_sweep_kill.py kills a real sweep,
which both together survive; here each is checked alone, deterministically)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from isaacsim.sweep import local

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux process model")


def _sigint_handler() -> str:
    return str(signal.getsignal(signal.SIGINT))


def test_workers_of_the_fork_server_ignore_sigint_from_birth():
    """Without the pool's initializer: the fork server's preload alone makes them ignore it."""
    with ProcessPoolExecutor(max_workers=1, mp_context=local._context()) as pool:
        assert pool.submit(_sigint_handler).result(timeout=60) == str(signal.SIG_IGN)


def test_a_worker_watching_the_sweep_ends_when_it_ends():
    """The watch alone (no parent-death signal): a process watching an unrelated process ends
    within a second of it."""
    watched = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    code = ("import sys, time\n"
            "from isaacsim.sweep.lifeline import watch_process\n"
            f"watch_process({watched.pid})\n"
            "print('watching', flush=True)\n"
            "time.sleep(60)\n")
    watcher = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert watcher.stdout.readline().strip() == "watching"
        watched.kill()
        watched.wait()
        start = time.monotonic()
        assert watcher.wait(timeout=5) == 1
        assert time.monotonic() - start < 1.5
    finally:
        for p in (watched, watcher):
            if p.poll() is None:
                p.kill()
