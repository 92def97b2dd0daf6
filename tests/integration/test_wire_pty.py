"""The compacted output of the real app draws the same screen as Textual's own output.

Runs ``otq tui`` twice in a pseudo-terminal at 80x24 (TERM=xterm-256color, which has
``bce``): once as shipped, once with ``OTQ_RAW_OUTPUT=1``. Both get the same keys
(cursor moves across a page flip, a queue switch, a filter, help), and both byte streams
are played into pyte. Every cell but the status line's clock must match, and the
compacted stream must be the smaller.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pyte
import pytest

from tests.integration.ptyterm import kill, read_idle, read_until_opened, spawn_tui, tty_env

COLS, ROWS = 80, 24
KEYS = [b"2"] + [b"j"] * 22 + [b"1", b"/", b"a", b"\r", b"?", b"\x1b", b"k"]  # 1 page flip


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("wire") / "store.json"
    subprocess.run([sys.executable, "-m", "otq", "generate", "--store", str(path),
                    "--visits", "600", "--seed", "5"], check=True, capture_output=True)
    return path


def drive(fd: int) -> bytes:
    """Everything ``otq tui`` writes on ``fd`` while it is driven through KEYS."""
    out = read_until_opened(fd)
    for key in KEYS:
        os.write(fd, key)
        out += read_idle(fd, 0.1, 0.4)
    return out


def run_sessions(store) -> tuple[bytes, bytes]:
    """The raw and the compacted session, side by side (each waits on its own terminal,
    mostly idle, so together they take the time of one); returns (raw, compact)."""
    sessions = [spawn_tui(store, tty_env(OTQ_RAW_OUTPUT=flag), cols=COLS, rows=ROWS)
                for flag in ("1", "0")]  # both forked before any thread starts
    try:
        with ThreadPoolExecutor(2) as pool:
            raw, compact = pool.map(drive, [fd for _, fd in sessions])
        return raw, compact
    finally:
        for pid, fd in sessions:
            kill(pid, fd)


def screen(stream: bytes) -> list[list[tuple]]:
    term = pyte.Screen(COLS, ROWS)
    pyte.ByteStream(term).feed(stream)
    return [[(c.data, c.fg, c.bg, c.bold, c.reverse, c.underscore)
             for c in (term.buffer[y][x] for x in range(COLS))]
            for y in range(ROWS) if y != ROWS - 2]  # the status line holds the clock


@pytest.mark.slow
def test_compacted_output_draws_the_same_screen_in_fewer_bytes(store):
    raw, compact = run_sessions(store)
    assert b"\x1b[K" in compact  # the compactor was in the path
    assert screen(compact) == screen(raw)
    assert len(compact) < 0.9 * len(raw)


@pytest.mark.slow
def test_a_queue_switch_is_painted_without_waiting_for_another_key(store):
    # Regression: an app method named check_idle shadowed Textual's, so the repaint after
    # switch_mode's batched update waited for the next key press (a blank pause over SSH).
    pid, fd = spawn_tui(store, tty_env(), cols=COLS, rows=ROWS)
    try:
        first = read_until_opened(fd)
        os.write(fd, b"2")
        switched = read_idle(fd, 0.5, 2)
    finally:
        kill(pid, fd)
    rows = screen(first + switched)
    assert len(switched) > 1000
    assert "Uncoded" in "".join(c[0] for c in rows[0]) or "DOS" in "".join(c[0] for c in rows[1])
