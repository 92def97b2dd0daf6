"""Keys that arrive together with ``/`` (fast typing, a paste, a slow SSH link delivering
several keys in one packet) all go into the filter, in order.

``pilot.press`` waits for the app to go idle after every key, which hides the bug: the
focus reaches the filter line between keys. A terminal delivers a burst with no such
pause, so these tests post every key event of a burst to the app before awaiting anything.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from otq.settings import Settings
from otq.tui.screens.queue import QueueScreen
from otq.tui.screens.reports import ReportsMenu
from otq.tui.widgets.queue_table import QueueTable

#: key names Textual gives the characters a burst here contains
_KEY_NAMES = {"/": "slash", ":": "colon", " ": "space"}
_SPECIAL = {"enter": "\r", "escape": "\x1b"}


async def _burst(pilot, *keys: str) -> QueueScreen:
    """Post one Key event per character of each string in ``keys`` (one event for
    ``enter`` or ``escape``) in one go, as the terminal driver would; then the queue
    screen showing once the app has dealt with them."""
    app = pilot.app
    for key in keys:
        if key in _SPECIAL:
            app.post_message(events.Key(key, _SPECIAL[key]))
            continue
        for char in key:
            app.post_message(events.Key(_KEY_NAMES.get(char, char), char))
    await pilot.pause()
    assert isinstance(app.screen, QueueScreen), f"{app.screen!r} is showing"
    return app.screen


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
