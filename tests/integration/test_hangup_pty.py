"""A session whose terminal disappears ends, instead of spinning on the dead tty.

Under ``su`` (and some SSH setups) the SIGHUP of a dropped link never reaches otq. Before
the fix, Textual's input thread then read EOF in a tight loop at full CPU, forever,
with the store's PHI in memory. The child here ignores SIGHUP to play that case.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.integration.ptyterm import kill, spawn_tui, tty_env


@pytest.mark.slow
def test_terminal_gone__the_tui_exits_within_seconds_even_without_sighup(tmp_path):
    store = tmp_path / "store.json"
    subprocess.run([sys.executable, "-m", "otq", "generate", "--store", str(store),
                    "--visits", "80", "--seed", "4"], check=True, capture_output=True)
    pid, fd = spawn_tui(store, tty_env(), ignore_hangup=True)
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
        kill(pid)
