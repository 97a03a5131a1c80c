"""Worker processes that end when the sweep's process ends, even when it is killed (``kill -9``).

A pool of ``forkserver`` workers outlives a killed parent on its own: the workers are children of
the fork server, not of the sweep's process, and each holds the pipes (the fork server's "alive"
pipe, the task queue) whose closing would otherwise tell them the parent is gone, so the fork
server, the workers and multiprocessing's resource tracker would all wait forever. Two measures,
either of which suffices:

* **Parent-death signal** (Linux): the fork server and every worker ask the kernel for SIGKILL when
  their parent ends (``prctl(PR_SET_PDEATHSIG)``). The sweep's process dies -> its fork server is
  killed -> the workers, its children, are killed; the resource tracker then sees its pipe close
  and exits. The fork server asks for it while it imports this module (the pool preloads it,
  `FORKSERVER_PRELOAD`); importing the module anywhere else does nothing.
* **Watching the sweep's process** (every platform): each worker runs a daemon thread that waits
  for the sweep's process to end (a pidfd on Linux, else polling) and then ends the worker.

The fork server also ignores SIGINT from the moment it imports this module, and so do the workers
it forks from birth (the fork server gives its children the SIGINT handling it had before its own
setup): a Ctrl-C while the pool starts cannot raise KeyboardInterrupt in a worker that has not yet
run its initializer. Ctrl-C is for the sweep's process alone.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time
from types import FrameType

from isaacsim.outputs import process_alive

PR_SET_PDEATHSIG = 1
"""From <linux/prctl.h>."""
POLL_S = 0.5
"""How often a worker checks that the sweep's process is alive where no pidfd is available."""
FORKSERVER_PRELOAD = __name__
"""Preloaded by the fork server (`local._context`), which then dies with the sweep's process."""


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent ends (Linux); True if it will."""
    if not sys.platform.startswith("linux"):
        return False
    parent = os.getppid()
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if armed and os.getppid() != parent:  # the parent ended before the request: no signal comes
        os._exit(1)
    return armed


def watch_process(pid: int) -> None:
    """End this process as soon as process `pid` (the sweep's process) ends."""
    fd = None
    with contextlib.suppress(AttributeError, OSError):
        fd = os.pidfd_open(pid)  # Linux 5.3+: readable once the process has ended
    if fd is None and not process_alive(pid):
        os._exit(1)

    def wait_then_exit() -> None:
        if fd is not None:
            select.select([fd], [], [])
        else:
            while process_alive(pid):
                time.sleep(POLL_S)
        os._exit(1)

    threading.Thread(target=wait_then_exit, name="isaacsim-sweep-lifeline", daemon=True).start()


def _imported_by_forkserver() -> bool:
    """Whether this module is being imported by multiprocessing's fork server (its preload)."""
    forkserver = sys.modules.get("multiprocessing.forkserver")
    main = getattr(forkserver, "main", None)
    if main is None:
        return False
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code is main.__code__:
            return True
        frame = frame.f_back
    return False


if _imported_by_forkserver():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
