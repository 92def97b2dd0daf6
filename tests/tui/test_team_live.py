"""Live sessions (issue 6): another session's commit reaches an open detail view, the tab
counts and the mine view, and no status message goes on claiming an old row count.

Each app is ann's session on the test store; the "other session" is a second ``Store``
object on the same file as sue (a supervisor), as another biller's process would be.
``refresh_seconds`` is an hour so the test calls the refresh tick (``check_store``) itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import CLOCK, TODAY, uid

from otq.services import workitems
from otq.services.roles import roles_path
from otq.services.session import Session
from otq.store import Store
from otq.tui.app import OtqApp
from otq.tui.screens.detail import DetailScreen
from otq.tui.screens.queue import QueueScreen
from otq.tui.widgets.queue_switcher import QueueSwitcher
from otq.tui.widgets.status_bar import StatusBar

ROLES = '[users]\nann = "biller"\nsue = "supervisor"\n'
FITZGERALD, ALVAREZ = uid("v-104"), uid("v-101")  # uncoded, nobody's


@pytest.fixture
def ann_app(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> OtqApp:
    """ann's app on the test store with a roles file, refreshed only when the test says."""
    monkeypatch.setenv("XDG_STATE_HOME", str(store_path.parent / "state"))
    roles_path(store_path).write_text(ROLES, encoding="utf-8")
    session = Session(store=Store.open(store_path, user="ann"), today=TODAY)
    return OtqApp(session, clock=lambda: CLOCK, refresh_seconds=3600)


def sue(store_path: Path) -> Session:
    """Another session on the same store file, as the supervisor."""
    return Session(store=Store.open(store_path, user="sue"), today=TODAY)


def detail_text(app: OtqApp) -> str:
    return str(app.screen.query_one("#detail-text").render())


async def test_live__open_detail_shows_a_note_added_in_another_session(ann_app, store_path):
    app = ann_app
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3", "enter")  # a ready claim's detail
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        claim_id = app.screen.subject_id
        assert "left a voicemail" not in detail_text(app)
        workitems.add_note(sue(store_path), "claim", claim_id, "left a voicemail at the payer")
        app.check_store()
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert "left a voicemail at the payer" in detail_text(app)


async def test_live__tab_count_drops_when_another_session_snoozes_an_item(ann_app, store_path):
    app = ann_app
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        tabs = app.screen.query_one(QueueSwitcher)
        assert app.counts["uncoded"] == 4 and "Coding 4" in str(tabs.render())
        workitems.snooze(sue(store_path), "visit", ALVAREZ, TODAY.add(days=3))
        app.check_store()
        await pilot.pause()
        assert app.counts["uncoded"] == 3
        assert "Coding 3" in str(app.screen.query_one(QueueSwitcher).render())
        assert ALVAREZ not in [r.subject_id for r in app.screen.table.rows]


async def test_live__view_message_names_no_row_count_that_a_reload_would_make_stale(
        ann_app, store_path):
    """Found driving two OS users in tmux: the biller's status line said "view: mine
    (0 rows)" while the three rows the supervisor had just assigned were on screen."""
    app = ann_app
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "v")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.view == "mine"
        before = len(screen.table.rows)
        for vid in (FITZGERALD, ALVAREZ):
            workitems.assign(sue(store_path), "visit", vid, "ann")
        app.check_store()
        await pilot.pause()
        assert len(screen.table.rows) == before + 2
        message = screen.query_one(StatusBar).message
        assert message.startswith("view: mine")
        assert str(before) not in message  # no stale "(1 rows)"
