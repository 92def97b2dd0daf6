"""Pilot tests: the first queue painted from the saved view while the store opens behind it."""

from __future__ import annotations

import threading

import pytest
from builders import CLOCK, TODAY, USER, open_session

from otq.errors import StoreCorruptError
from otq.queue_defs import load_queue_specs
from otq.services import queue_view
from otq.services.queues import queue_rows
from otq.tui.app import OtqApp
from otq.tui.loading import Opening
from otq.tui.screens.detail import DetailScreen
from otq.tui.widgets.queue_switcher import QueueSwitcher
from otq.tui.widgets.queue_table import QueueTable
from otq.tui.widgets.status_bar import StatusBar


@pytest.fixture
def saved_view(store_path, monkeypatch):
    """The store with a view saved by an earlier session (every queue's rows)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(store_path.parent / "state"))
    specs = load_queue_specs()
    session = open_session(store_path)
    for spec in specs:
        queue_rows(session, spec)
    assert queue_view.save(session, specs, state=queue_view.store_state(store_path))
    return queue_view.load(store_path, specs, TODAY, queue_view.current_rules())


def _gated(store_path, gate: threading.Event):
    def open_when_let() -> object:
        assert gate.wait(30)
        return open_session(store_path)
    return open_when_let


def _app(store_path, opener, view) -> OtqApp:
    return OtqApp(None, opening=Opening(store_path, USER, opener, view), clock=lambda: CLOCK)


async def test_loading__paints_saved_rows_then_the_store_s(store_path, saved_view):
    gate = threading.Event()
    app = _app(store_path, _gated(store_path, gate), saved_view)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.loading
        table = app.screen.query_one(QueueTable)
        saved = [r.subject_id for r in table.rows]
        assert saved == [r.subject_id for r in saved_view.rows("eligibility")]
        assert app.screen.query_one(QueueSwitcher).counts == saved_view.counts
        assert "opening the store; rows as saved" in app.screen.query_one(StatusBar).message
        await pilot.press("j")  # browsing works
        assert table.cursor == 1
        await pilot.press("enter")  # opening an item waits for the store
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)
        assert "still opening" in app.screen.query_one(StatusBar).message
        assert app.screen.check_action("claim", ()) is None  # greyed: needs the store
        assert app.check_action("reports", ()) is None
        gate.set()
        for _ in range(200):
            await pilot.pause(0.02)
            if not app.loading:
                break
        assert not app.loading
        await pilot.pause()
        assert [r.subject_id for r in table.rows] == saved
        assert table.cursor == 1  # the same item stays under the cursor
        assert "store opened" in app.screen.query_one(StatusBar).message
        assert app.screen.check_action("claim", ()) is not None
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)


async def test_loading__without_a_view_says_so_and_fills_in(store_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(store_path.parent / "state"))
    gate = threading.Event()
    app = _app(store_path, _gated(store_path, gate), None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        assert table.rows == [] and table.empty_message == "Opening the store..."
        assert app.screen.query_one(StatusBar).message == "opening the store..."
        gate.set()
        for _ in range(200):
            await pilot.pause(0.02)
            if not app.loading:
                break
        await pilot.pause()
        assert len(table.rows) == app.counts["eligibility"] > 0
    # and it left a view for the next start
    assert queue_view.load(store_path, app.specs, TODAY, queue_view.current_rules()) is not None


async def test_loading__a_store_that_fails_to_open_ends_the_app_with_its_error(
        store_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(store_path.parent / "state"))

    def broken() -> object:
        raise StoreCorruptError(f"{store_path} is damaged")

    app = _app(store_path, broken, None)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.is_running:
                break
    assert isinstance(app.load_error, StoreCorruptError)
    assert app.return_code == 1
