"""Pilot tests and snapshots of the idle lock and of PHI masking (``M``), issue 6.

The idle lock runs on ``app.idle_clock``; the tests swap in a clock they move by hand and
call ``app.check_idle_lock()`` (what the app's store-check timer does every tick). PAM is
replaced by a fake through ``otq.services.pam_check``, the module the lock screen calls.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from builders import CLOCK, MEMBER_IDS, PATIENTS, TODAY, uid
from rich.text import Text

from otq.services import pam_check, workitems
from otq.services.roles import roles_path
from otq.services.session import Session
from otq.settings import Settings
from otq.store import Store
from otq.tui.app import OtqApp
from otq.tui.screens.detail import DetailScreen
from otq.tui.screens.lock import LockScreen
from otq.tui.screens.queue import QueueScreen

IDLE_MINUTES = 2
ROLES = f"""\
idle_lock_minutes = {IDLE_MINUTES}
[users]
ann = "biller"
sue = "supervisor"
"""
PASSWORD = "correct horse"
#: every piece of PHI in the test practice: names, birth dates, member ids, MRNs
PHI = sorted({part for _, last, first, dob, _ in PATIENTS
              for part in (last, first.replace("[bold]", "").replace("[/bold]", ""), dob)}
             | set(MEMBER_IDS.values()) | {f"MRN{n:05d}" for n in range(1, 8)})


class HandClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def pam(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """PAM that is available and accepts only ``PASSWORD``; returns the calls made."""
    calls: list[tuple[str, str]] = []

    def check(user: str, password: str) -> bool:
        calls.append((user, password))
        return password == PASSWORD

    monkeypatch.setattr(pam_check, "pam_available", lambda: True)
    monkeypatch.setattr(pam_check, "check_password", check)
    return calls


@pytest.fixture
def team(store_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An app as ``user`` on the test store with a roles file locking after 2 idle minutes,
    its idle clock in the test's hand (``app.hand``)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(store_path.parent / "state"))
    roles_path(store_path).write_text(ROLES, encoding="utf-8")

    def make(user: str = "sue", **kwargs) -> OtqApp:
        kwargs.setdefault("clock", lambda: CLOCK)
        kwargs.setdefault("refresh_seconds", 3600)  # the tests tick by hand
        app = OtqApp(Session(store=Store.open(store_path, user=user), today=TODAY), **kwargs)
        app.hand = HandClock()
        app.idle_clock = app.hand
        app.last_input = app.hand()
        return app

    return make


def screen_text(app: OtqApp) -> str:
    """Everything on the terminal now (the text of the screenshot), plus every widget's
    own rendering on the current screen, so hidden-but-present text counts too."""
    svg = app.export_screenshot()
    shown = html.unescape("".join(re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)))
    parts = [shown.replace("\xa0", " ")]
    for widget in app.screen.walk_children():
        try:
            rendered = widget.render()
        except Exception:  # noqa: BLE001 - containers and such have nothing to render
            continue
        parts.append(rendered.plain if isinstance(rendered, Text) else str(rendered))
        if hasattr(widget, "value"):
            parts.append(str(widget.value))
    return "\n".join(parts)


def phi_in(text: str) -> list[str]:
    """The pieces of PHI that appear in ``text`` as whole words ("Pat" in "Patient" is
    not a name)."""
    return [p for p in PHI if re.search(rf"(?<![\w']){re.escape(p)}(?![\w'])", text)]


async def lock_now(app: OtqApp, pilot) -> None:
    """Let ``idle_minutes`` pass on the hand clock and run the idle check."""
    app.hand.advance(app.idle_minutes * 60)
    app.check_idle_lock()
    await pilot.pause()


# ------------------------------------------------------------------- idle lock
async def test_lock__locks_after_idle_minutes_and_a_key_press_restarts_the_count(team, pam):
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.idle_minutes == IDLE_MINUTES  # from the roles file
        app.hand.advance(IDLE_MINUTES * 60 - 1)
        app.check_idle_lock()
        await pilot.press("j")  # a key one second before the limit starts the count again
        app.hand.advance(IDLE_MINUTES * 60 - 1)
        app.check_idle_lock()
        await pilot.pause()
        assert not app.locked and isinstance(app.screen, QueueScreen)
        app.hand.advance(1)
        app.check_idle_lock()
        await pilot.pause()
        assert app.locked and isinstance(app.screen, LockScreen)


async def test_lock__a_users_setting_may_shorten_the_teams_limit_but_not_lengthen_it(team):
    assert team(settings=Settings(idle_lock_minutes=1)).idle_minutes == 1
    assert team(settings=Settings(idle_lock_minutes=30)).idle_minutes == IDLE_MINUTES
    assert team(settings=Settings(idle_lock_minutes=0)).idle_minutes == IDLE_MINUTES


async def test_lock__store_check_timer_locks_an_idle_screen(team, pam):
    app = team(refresh_seconds=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        app.hand.advance(IDLE_MINUTES * 60)
        for _ in range(40):
            await pilot.pause(0.05)
            if app.locked:
                break
        assert isinstance(app.screen, LockScreen)


async def test_lock__lock_screen_shows_no_phi(team, pam):
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")  # an open detail with name, DOB and member id
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert "EDWARDS" in screen_text(app) and "KCH51900412" in screen_text(app)
        await lock_now(app, pilot)
        assert isinstance(app.screen, LockScreen)
        text = screen_text(app)
        assert "otq is locked" in text and "sue" in text
        assert phi_in(text) == []


async def test_lock__refresh_while_locked_shows_nothing_new(team, pam, store_path):
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await lock_now(app, pilot)
        other = Session(store=Store.open(store_path, user="ann"), today=TODAY)
        workitems.claim(other, "coverage", uid("cov-p5"))
        app.check_store()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert phi_in(screen_text(app)) == []


async def test_lock__keys_other_than_the_password_do_nothing(team, pam):
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await lock_now(app, pilot)
        for key in ("escape", "ctrl+p", "f1", "tab", "enter", "up", "pagedown"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, LockScreen), key
        assert pam == []  # Enter on an empty line asks PAM nothing
        await pilot.press("M", "2", "question_mark")  # letters only go into the password
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert not app.masked
        assert app.screen.query_one("#lock-password").value == "M2?"
        assert phi_in(screen_text(app)) == []


async def test_lock__wrong_password_stays_locked_right_one_unlocks(team, pam):
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        queue = app.screen
        await lock_now(app, pilot)
        await pilot.press(*"hunter2", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.locked and isinstance(app.screen, LockScreen)
        assert "not right (4 tries left)" in screen_text(app)
        assert app.screen.query_one("#lock-password").value == ""  # not kept
        await pilot.press(*PASSWORD, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.locked
        assert app.screen is queue  # back where the user was
        assert pam == [("sue", "hunter2"), ("sue", PASSWORD)]
        assert "FITZGERALD" in screen_text(app)
        # the idle count starts again from the unlock
        app.hand.advance(IDLE_MINUTES * 60 - 1)
        app.check_idle_lock()
        assert not app.locked


async def test_lock__five_wrong_passwords_end_the_session(team, pam):
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await lock_now(app, pilot)
        for _ in range(5):
            await pilot.press(*"nope", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert app._exit  # exiting by itself, before the test leaves run_test
        assert "5 wrong passwords" in str(app._exit_renderables)
    assert len(pam) == 5


async def test_lock__without_pam_the_session_ends(team, monkeypatch):
    monkeypatch.setattr(pam_check, "pam_available", lambda: False)
    monkeypatch.setattr(pam_check, "check_password", lambda *_: pytest.fail("PAM was asked"))
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await lock_now(app, pilot)
        assert isinstance(app.screen, LockScreen)
        text = screen_text(app)
        assert "cannot check passwords" in text and phi_in(text) == []
        assert not app.screen.query("#lock-password")  # no password line to type into
        assert not app._exit
        await pilot.press("enter")
        await pilot.pause()
        assert app._exit  # exiting by itself, before the test leaves run_test
        assert "locked session ended" in str(app._exit_renderables)


# --------------------------------------------------------------------- masking
async def test_mask__M_masks_queue_names_and_member_ids_and_M_again_shows_them(team):
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        rows = [r.cells[1:4] for r in app.screen.table.rows]
        assert rows[0] == ("EDWARDS, Jamal", "commercial", "KCH51900412")
        await pilot.press("M")
        await pilot.pause()
        assert app.masked
        masked = [r.cells[1:4] for r in app.screen.table.rows]
        assert masked[0] == ("E., J.", "commercial", "*******0412")
        assert masked[1][0].startswith("O., ") and masked[1][2] == "******0031"
        text = screen_text(app)
        assert phi_in(text) == []
        assert "PHI masked" in text
        await pilot.press("M")
        await pilot.pause()
        assert [r.cells[1:4] for r in app.screen.table.rows] == rows


async def test_mask__detail_shows_initials_birth_year_and_last_four(team):
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("M", "enter")  # masking carries into the detail opened after
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        text = screen_text(app)
        assert phi_in(text) == [], phi_in(text)
        assert re.search(r"Name\s+E\., J\.", text)
        assert re.search(r"DOB\s+1984\b", text)
        assert re.search(r"Member id\s+\*{7}0412", text)
        await pilot.press("M")  # and M on the detail shows it all again
        await pilot.pause()
        text = screen_text(app)
        assert "EDWARDS, Jamal" in text and "1984-01-30" in text and "KCH51900412" in text


async def test_mask__filter_on_a_hidden_name_matches_nothing(team):
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("M", "slash", *"edwards")
        await pilot.pause()
        assert app.screen.table.rows == []  # the masked rows do not give the name away
        await pilot.press("enter", "M")  # leave the filter line, then unmask
        await pilot.pause()
        assert [r.cells[1] for r in app.screen.table.rows] == ["EDWARDS, Jamal"]


# ------------------------------------------------------------------- snapshots
def test_snapshot__lock_screen(snap_compare, team, pam):
    """The locked screen at 80x24: who and why, the password line, no patient data."""
    async def run_before(pilot) -> None:
        await pilot.press("2", "j", "enter", "i")  # a visit's detail was open
        await pilot.pause()
        await lock_now(pilot.app, pilot)

    assert snap_compare(team(), terminal_size=(80, 24), run_before=run_before)


def test_snapshot__masked_queue(snap_compare, team):
    """The eligibility queue with M on: initials and the last 4 of member ids."""
    assert snap_compare(team(), terminal_size=(80, 24), press=["M"])


def test_snapshot__masked_detail(snap_compare, team):
    """An eligibility item's detail with M on (80 columns leave the queue no room for the
    member id): initials, birth year, last 4 of the member id and of the patient id."""
    assert snap_compare(team(), terminal_size=(80, 24), press=["M", "enter"])


async def test_lock__typing_in_a_dialog_counts_as_activity(team, pam):
    app = team()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "N")  # the note prompt takes the keys
        await pilot.pause()
        app.hand.advance(IDLE_MINUTES * 60 - 1)
        await pilot.press(*"still typing")
        app.hand.advance(IDLE_MINUTES * 60 - 1)
        app.check_idle_lock()
        await pilot.pause()
        assert not app.locked
        app.hand.advance(1)
        app.check_idle_lock()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)  # over the dialog, hiding it too
        assert phi_in(screen_text(app)) == []
