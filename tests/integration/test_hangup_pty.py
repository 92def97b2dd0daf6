"""A session whose terminal disappears ends, instead of spinning on the dead tty.

Under ``su`` (and some SSH setups) the SIGHUP of a dropped link never reaches otq. Before
the fix, Textual's input thread then read EOF in a tight loop at full CPU, forever,
with the store's PHI in memory. The child here ignores SIGHUP to play that case.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time

import pytest


@pytest.mark.slow
def test_terminal_gone__the_tui_exits_within_seconds_even_without_sighup(tmp_path):
    store = tmp_path / "store.json"
    subprocess.run([sys.executable, "-m", "otq", "generate", "--store", str(store),
                    "--visits", "80", "--seed", "4"], check=True, capture_output=True)
    env = {**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    pid, fd = pty.fork()
    if pid == 0:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # inherited across exec, like under su
        os.execvpe(sys.executable, [sys.executable, "-m", "otq", "tui", "--store", str(store)],
                   env)
    deadline = time.monotonic() + 60
    seen = b""
    while b"Filter" not in seen and time.monotonic() < deadline:  # the footer: painted
        try:
            seen += os.read(fd, 65536)
        except OSError:
            break
    os.close(fd)  # the terminal goes away
    try:
        for _ in range(100):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.1)
        else:
            pytest.fail("otq kept running 10 s after its terminal went away")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
