"""Hostile text in the data is shown inert (issue 9 "Rendering").

Patient names, a payer name and a work-item note carry Rich markup (``[bold]``, ``[/]``,
``[link=...]``), ANSI SGR and screen-clearing sequences, OSC title / clipboard / hyperlink
sequences, C1 controls, a right-to-left override and a 5,000-character name. Two views:

* the real ``otq tui`` in a pseudo-terminal at 80x24: the raw byte stream must carry none
  of the injected sequences, the terminal title stays otq's, and the screen (played into
  pyte) shows the brackets as text;
* the real widgets through Textual's Pilot: no rendered segment holds a control character,
  a bidi override or a link, on the queue and on the item detail with the note.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pyte
import pytest

from tests.integration.ptyterm import read_idle

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from builders import CLOCK, TODAY, build_store, open_session, uid  # noqa: E402

from otq.domain import Note, WorkItem  # noqa: E402
from otq.store import Put, encode  # noqa: E402

COLS, ROWS = 80, 24
OSC_TITLE = "\x1b]0;ZZTITLE\x07"
OSC_CLIP = "\x1b]52;c;ZXZpbA==\x07"
OSC_LINK = "\x1b]8;;https://evil.example/x\x1b\\"
HOSTILE_PATIENTS = {  # builders key -> (last name, first name)
    "p5": ("[bold]EVE", f"{OSC_TITLE}Ann"),  # eligibility queue
    "p7": ("[link=https://evil.example]LNK", "\x1b[31mRED\x1b[0m"),  # eligibility queue
    "p1": ("\u202eRTL[/]", "\x9b31mCONE\x9d0;ZZC1\x9c"),  # uncoded queue
    "p2": ("W" * 5000, f"{OSC_LINK}OSC8{OSC_CLIP}"),  # uncoded queue
    "p4": ("[/]", "\x1b[2J\x1b[HCLR\x85\x90q\x9c"),  # uncoded queue
}
PAYER_NAME = f"[bold]MCD{OSC_TITLE}\x1b[5m\u202e"
NOTE = f"[link=https://evil.example]note[/link]\x1b[2J{OSC_TITLE}\x9b2J\u2066iso"

# Sequences that must never reach the terminal from the data.
RAW_FORBIDDEN = [b"\x1b]0;ZZ", b"\x1b]52;", b"\x1b]8;;https://evil", b"\x1b[31mRED",
                 b"\x1b[5m", b"\x1b[2J\x1b[HCLR"]
TEXT_FORBIDDEN = ["\u202e", "\u2066", "\x9b", "\x9c", "\x9d", "\x85", "\x90"]


def hostile_store(path: Path) -> Path:
    """The TUI test practice with hostile names, payer name and a note."""
    build_store(path)
    session = open_session(path)
    changes = []
    for key, (last, first) in HOSTILE_PATIENTS.items():
        rec = session.store.get("patients", uid(key))
        changes.append(Put("patients", {**rec, "last_name": last, "first_name": first},
                           rec["version"]))
    payer = session.store.get("payers", "commercial")  # EVE's payer
    changes.append(Put("payers", {**payer, "name": PAYER_NAME}, payer["version"]))
    changes.append(Put("workitems", encode(WorkItem(
        id=uid("wi-hostile"), subject_type="coverage", subject_id=uid("cov-p5"),
        notes=(Note(at="2026-03-01T09:00:00", by="ann", text=NOTE),)))))
    session.store.commit(changes, action="test.hostile")
    session.store.close()
    return path


@pytest.fixture
def store(tmp_path) -> Path:
    return hostile_store(tmp_path / "practice" / "otq.json")


# ------------------------------------------------------------------ pty
def _run_tui(store: Path, tmp_path: Path, steps: list[tuple[bytes, str]]
             ) -> tuple[bytes, list[str], str, int | None]:
    """Drive the real ``otq tui`` through ``steps`` of (key, text to wait for on screen).

    Returns the raw output, the screen after the first paint and after each step, the
    terminal title, and the exit status.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "COLORTERM"}}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of 80x24, then the real command line
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        os.execvpe(sys.executable, [sys.executable, "-m", "otq", "tui", "--store", str(store),
                                    "--today", TODAY.isoformat()], env)
    term = pyte.Screen(COLS, ROWS)
    feed = pyte.ByteStream(term)
    stream, screens, status = b"", [], None

    def wait_for(text: str, timeout: float) -> None:
        nonlocal stream
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = read_idle(fd, 0.2, 0.5)
            stream += chunk
            feed.feed(chunk)
            if text in "\n".join(term.display):
                break
        screens.append("\n".join(term.display))

    try:
        wait_for("store opened", 60)  # rows in place, keys live
        # Keys typed while Textual is still setting the terminal up can be discarded, so let
        # the start-up output settle first.
        settle = read_idle(fd, 1.0, 1.0)
        stream += settle
        feed.feed(settle)
        for key, text in steps:
            os.write(fd, key)
            wait_for(text, 10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            stream += read_idle(fd, 0.1, 0.2)
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return stream, screens, term.title or "", status


def test_tui_in_a_pty__injected_escapes_never_reach_the_terminal(store, tmp_path):
    # A queue switch (2) is painted only when the next key arrives in a real terminal (stock
    # Textual output too; Pilot does not show it), so a harmless "g" (top) follows it.
    steps = [(b"\r", "Notes"), (b"\x1b", "Why"), (b"2", ""), (b"g", "First problem"),
             (b"q", "")]
    stream, screens, title, status = _run_tui(store, tmp_path, steps)
    assert status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, \
        "otq quit normally on q (it did not crash on the data)"

    for raw in RAW_FORBIDDEN:
        assert raw not in stream, raw
    assert not re.search(rb"\x1b\]8;[^\x07\x1b]*evil", stream)  # no hyperlink to the payload
    # Textual's own OSC 22 (mouse pointer shape) ends in BEL; no other BEL may get through
    assert b"\x07" not in re.sub(rb"\x1b\]22;[a-z-]*\x07", b"", stream)
    text = stream.decode("utf-8", errors="replace")
    for ch in TEXT_FORBIDDEN:
        assert ch not in text, repr(ch)
    assert "ZZ" not in title  # no OSC from the data retitled the terminal

    eligibility, detail, uncoded = screens[0], screens[1], screens[4]
    assert "[bold]EVE, Ann" in eligibility and "[link=https://evi" in eligibility
    assert "[bold]MCD" in detail and "[link=https://evil.example]note[/link]" in detail
    assert "Ann" in detail and "ZZTITLE" not in detail  # the OSC went, the name stayed
    assert "[/], CLR" in uncoded and "RTL[/]" in uncoded  # "[/]" closes no style: it is text
    assert "WWWWWWWW" in uncoded and "FITZGERALD" in uncoded  # the long name fits its column
    assert "DUBOIS" not in uncoded


# ---------------------------------------------------------------- Pilot
def _segments(app):
    """Every segment of the screen as composed for the terminal (all widgets, in place)."""
    for strip in app.screen._compositor.render_strips():
        yield from strip


def _assert_inert(app) -> str:
    text = ""
    for seg in _segments(app):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]",
                             seg.text), repr(seg.text)
        link = seg.style.link if seg.style else None
        assert not link or "evil" not in link, link
        text += seg.text
    return text + "\n"


async def test_pilot__queue_and_detail_widgets_render_hostile_data_inert(store, tmp_path,
                                                                        monkeypatch):
    from otq.tui.app import OtqApp

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = OtqApp(open_session(store), clock=lambda: CLOCK)
    async with app.run_test(size=(COLS, ROWS)) as pilot:
        await pilot.pause()
        queue = _assert_inert(app)
        assert "[bold]EVE, Ann" in queue and "[link=https://evi" in queue
        await pilot.press("enter")
        await pilot.pause()
        detail = _assert_inert(app)
        assert "[bold]MCD" in detail and "[link=https://evil.example]note[/link]" in detail
        await pilot.press("escape", "2")
        await pilot.pause()
        uncoded = _assert_inert(app)
        assert "[/]" in uncoded and "RTL[/]" in uncoded and "W" * 10 in uncoded
