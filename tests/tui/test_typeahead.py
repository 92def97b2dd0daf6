"""Keys that arrive together with ``/`` (fast typing, a paste, a slow SSH link delivering
several keys in one packet) all go into the filter, in order, corrections (Backspace,
the cursor keys) included; the keys after Enter or Esc in the same burst are queue keys
again. The same for the audit screen's filter (at the end).

``pilot.press`` waits for the app to go idle after every key, which hides the bug: the
focus reaches the filter line between keys. A terminal delivers a burst with no such
pause, so these tests post every key event of a burst to the app before awaiting anything.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.screen import Screen
from textual.widgets import DataTable, Input

from otq.settings import Settings
from otq.tui.screens.audit import AuditScreen
from otq.tui.screens.queue import QueueScreen
from otq.tui.screens.reports import ReportsMenu
from otq.tui.widgets.queue_table import QueueTable
from otq.tui.widgets.status_bar import StatusBar

#: key names Textual gives the characters a burst here contains
_KEY_NAMES = {"/": "slash", ":": "colon", " ": "space", "-": "minus",
              "[": "left_square_bracket", "]": "right_square_bracket"}
#: keys a burst names whole, and the character the terminal sends (None: none printable)
_SPECIAL = {"enter": "\r", "escape": "\x1b", "backspace": "\x7f", "delete": None,
            "left": None, "right": None, "home": None, "end": None}


async def _post(pilot, *keys: str) -> Screen:
    """Post one Key event per character of each string in ``keys`` (one event for a
    name in ``_SPECIAL``: ``enter``, ``backspace``, ``left`` ...) in one go, as the
    terminal driver would; then the screen showing once the app has dealt with them."""
    app = pilot.app
    for key in keys:
        if key in _SPECIAL:
            app.post_message(events.Key(key, _SPECIAL[key]))
            continue
        for char in key:
            app.post_message(events.Key(_KEY_NAMES.get(char, char), char))
    await pilot.pause()
    return app.screen


async def _burst(pilot, *keys: str) -> QueueScreen:
    """``_post``, then the queue screen showing."""
    screen = await _post(pilot, *keys)
    assert isinstance(screen, QueueScreen), f"{screen!r} is showing"
    return screen


def _patients(screen: QueueScreen) -> list[str]:
    return [r.cells[1] for r in screen.query_one(QueueTable).rows]


def _box(screen: QueueScreen) -> Input:
    return screen.query_one("#filter", Input)


async def test_burst__keys_after_slash_go_into_the_filter(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(pilot, "2")
        screen = await _burst(pilot, "/payer:medicare")  # the `r` used to open the reports
        assert not any(isinstance(s, ReportsMenu) for s in app.screen_stack)
        assert screen.spec.id == "uncoded"
        assert _box(screen).value == screen.filter_text == "payer:medicare"
        assert screen.focused is _box(screen)
        assert len(_patients(screen)) == 3


async def test_burst__queue_keys_are_typed_not_run(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _burst(pilot, "/r1q]")
        assert app.is_running
        assert screen.spec.id == "eligibility"
        assert screen.filter_text == "r1q]"


async def test_burst__ending_with_enter_keeps_the_filter_and_returns_to_rows(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(pilot, "2")
        screen = await _burst(pilot, "/mine", "enter")
        assert screen.filter_text == "mine"
        assert _patients(screen) == ["BAKER, Thomas"]  # assigned to ann
        assert screen.focused is screen.table
        # The next keys are queue keys again.
        assert (await _burst(pilot, "3")).spec.id == "ready"


async def test_burst__ending_with_escape_clears_and_closes_the_filter(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(pilot, "2")
        screen = await _burst(pilot, "/payer:medicare", "escape")
        assert screen.filter_text == ""
        assert not screen.query_one("#filter-line").display
        assert screen.focused is screen.table
        assert len(_patients(screen)) == 4


async def test_burst__slash_again_reopens_the_filter_at_its_text(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(pilot, "2")
        await _burst(pilot, "/mine", "enter")
        screen = await _burst(pilot, "/")
        assert screen.focused is _box(screen)
        assert screen.filter_text == "mine"


async def test_slash_inside_the_filter_is_typed(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"a/b")
        await pilot.pause()
        assert app.screen.filter_text == "a/b"
        assert (await _burst(pilot, "/c")).filter_text == "a/b/c"


async def test_burst__a_remapped_filter_key_works_the_same(make_app):
    app = make_app(settings=Settings(keys={"queue.filter": "slash,f"}))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _burst(pilot, "freef")  # the second f is typed, not a binding
        assert not any(isinstance(s, ReportsMenu) for s in app.screen_stack)
        assert screen.filter_text == "reef"


@pytest.mark.parametrize(("end", "then", "queue", "kept", "shown"), [
    ("enter", "3", "ready", "mine", 1),  # the 3 was typed: "mine3"
    ("escape", "1", "eligibility", "", 4),  # the 1 was typed, then cleared with the rest
])
async def test_burst__keys_after_enter_or_escape_are_queue_keys_again(
        make_app, end, then, queue, kept, shown):
    # Enter and Esc give the rows the keyboard at once: the next key switches queue.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(pilot, "2")
        screen = await _burst(pilot, "/mine", end, then)
        assert screen.spec.id == queue
        uncoded = await _burst(pilot, "2")
        assert uncoded.filter_text == _box(uncoded).value == kept
        assert uncoded.query_one("#filter-line").display == bool(kept)
        assert len(_patients(uncoded)) == shown
        assert uncoded.focused is uncoded.table


@pytest.mark.parametrize(("before", "end", "after"), [
    ("/mi", "enter", "/ne"),  # / reopens the filter at its text
    ("/payer", "escape", "/mine"),  # a new filter
])
async def test_burst__slash_after_enter_or_escape_opens_the_filter_again(
        make_app, before, end, after):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(pilot, "2")
        screen = await _burst(pilot, before, end, after)
        assert screen.spec.id == "uncoded"
        assert screen.filter_text == _box(screen).value == "mine"
        assert screen.focused is _box(screen)
        assert screen.query_one("#filter-line").display
        assert _patients(screen) == ["BAKER, Thomas"]


async def test_burst__backspace_deletes_in_order(make_app):
    # Backspace is an Input binding, run after the keys that followed it: "abx" was left.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _burst(pilot, "/abx", "backspace", "c")
        assert screen.filter_text == _box(screen).value == "abc"


async def test_burst__cursor_keys_and_delete_edit_in_order(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _burst(pilot, "/ac", "left", "b", "home", "x", "backspace",
                              "delete", "A", "end", "d", "left", "left", "right", "-")
        assert screen.filter_text == _box(screen).value == "Abc-d"


async def test_burst__a_correction_then_enter_filters_and_leaves(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(pilot, "2")
        screen = await _burst(pilot, "/minx", "backspace", "e", "enter", "j")
        assert screen.filter_text == "mine"
        assert screen.focused is screen.table
        assert _patients(screen) == ["BAKER, Thomas"]


async def test_burst__enter_on_an_empty_filter_closes_it_and_runs_the_next_key(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(pilot, "2")
        screen = await _burst(pilot, "/", "enter", "]")
        assert screen.spec.id == "ready"
        uncoded = await _burst(pilot, "[")
        assert uncoded.spec.id == "uncoded"
        assert not uncoded.query_one("#filter-line").display
        assert uncoded.focused is uncoded.table


# ------------------------------------------------------------------ the audit screen (@)
async def _audit(pilot) -> AuditScreen:
    await pilot.press("at")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AuditScreen)
    return pilot.app.screen


def _audit_box(screen: AuditScreen) -> Input:
    return screen.query_one("#audit-filter", Input)


async def test_audit_burst__keys_after_slash_are_typed_not_run(make_app):
    # The v used to verify the hash chain (the filter got "erify").
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        audit = await _audit(pilot)
        screen = await _post(pilot, "/verify")
        assert screen is audit
        assert audit.filter_text == _audit_box(audit).value == "verify"
        assert audit.focused is _audit_box(audit)
        assert "chain" not in audit.query_one(StatusBar).message  # v did not verify


async def test_audit_burst__backspace_deletes_in_order(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        audit = await _audit(pilot)
        await _post(pilot, "/abx", "backspace", "c")
        assert audit.filter_text == _audit_box(audit).value == "abc"


async def test_audit_burst__enter_gives_the_keys_back_to_the_entries(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        audit = await _audit(pilot)
        await _post(pilot, "/zzz", "enter", "v")
        assert audit.filter_text == "zzz"
        assert audit.focused is audit.query_one(DataTable)
        assert "chain" in audit.query_one(StatusBar).message  # v verified it


async def test_audit_burst__escape_clears_then_the_next_escape_goes_back(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        audit = await _audit(pilot)
        rows = len(audit.rows)
        assert await _post(pilot, "/zzz", "escape") is audit
        assert audit.filter_text == _audit_box(audit).value == ""
        assert not audit.query_one("#audit-filter-line").display
        assert audit.focused is audit.query_one(DataTable)
        assert len(audit.rows) == rows
        assert isinstance(await _post(pilot, "/zzz", "escape", "escape"), QueueScreen)
