"""The idle lock over an open dialog, and its wording for a one-minute limit (issue 6).

PAM is faked through ``otq.services.pam_check`` (the module the lock screen asks); the
idle clock is a number the test moves. The real PAM path was checked by hand with a
throw-away OS user (see the team report): right password unlocks, wrong one does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import CLOCK, TODAY

from otq.services import pam_check
from otq.services.roles import roles_path
from otq.services.session import Session
from otq.store import Store
from otq.tui.app import OtqApp
from otq.tui.dialogs import PickerModal
from otq.tui.screens.lock import LockScreen

PASSWORD = "tr0ub4dor"


@pytest.fixture
def fake_pam(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """PAM that accepts only ``PASSWORD``; the list collects the passwords tried."""
    tried: list[str] = []

    def check(user: str, password: str) -> bool:
        tried.append(password)
        return password == PASSWORD

    monkeypatch.setattr(pam_check, "pam_available", lambda: True)
    monkeypatch.setattr(pam_check, "check_password", check)
    return tried


def make_app(store_path: Path, monkeypatch: pytest.MonkeyPatch, minutes: int) -> OtqApp:
    """sue (a supervisor) on the test store, locking after ``minutes``; a hand clock."""
    monkeypatch.setenv("XDG_STATE_HOME", str(store_path.parent / "state"))
    roles_path(store_path).write_text(
        f'idle_lock_minutes = {minutes}\n[users]\nann = "biller"\nsue = "supervisor"\n',
        encoding="utf-8")
    app = OtqApp(Session(store=Store.open(store_path, user="sue"), today=TODAY),
                 clock=lambda: CLOCK, refresh_seconds=3600)
    now = [1000.0]
    app.idle_clock = lambda: now[0]
    app.last_input = now[0]
    app.move_clock = lambda seconds: now.__setitem__(0, now[0] + seconds)
    return app


async def test_lock__over_an_open_picker_hides_it_and_unlocking_returns_to_it(
        store_path, monkeypatch, fake_pam):
    app = make_app(store_path, monkeypatch, 5)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "A")  # the assign picker lists people and their loads
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerModal)
        app.move_clock(5 * 60)
        app.check_idle_lock()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert app.screen.query("#lock-password")
        await pilot.press(*PASSWORD, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is picker and not app.locked
        await pilot.press("escape")  # the picker still works after the unlock
        await pilot.pause()
        assert not isinstance(app.screen, PickerModal)
    assert fake_pam == [PASSWORD]


async def test_lock__one_minute_limit_reads_one_minute(store_path, monkeypatch, fake_pam):
    app = make_app(store_path, monkeypatch, 1)
    async with app.run_test(size=(80, 24)) as pilot:
        app.move_clock(60)
        app.check_idle_lock()
        await pilot.pause()
        why = str(app.screen.query_one("#lock-why").render())
        assert "no key was pressed for 1 minute," in why
