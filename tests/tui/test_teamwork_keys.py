"""Pilot tests of the team keys on a store with a roles file (issue 6).

ann and bob are billers, sue is the supervisor, anybody else is read-only. Each app is a
session as one of them (``Store.open(..., user=...)``, as the OS user would be). The
uncoded queue (key 2) holds four visits; BAKER's (v-102) is already ann's.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from builders import CLOCK, TODAY, uid

from otq.errors import PermissionDeniedError
from otq.services import workitems
from otq.services.roles import roles_path
from otq.services.session import Session
from otq.store import Delete, Put, Store
from otq.tui.app import OtqApp
from otq.tui.dialogs import ConfirmModal, PickerModal
from otq.tui.screens.audit import AuditScreen
from otq.tui.screens.coding import CodingScreen
from otq.tui.screens.detail import DetailScreen
from otq.tui.screens.queue import QueueScreen
from otq.tui.screens.supervisor import SupervisorScreen
from otq.tui.widgets.status_bar import StatusBar

ROLES = """\
idle_lock_minutes = 10
[users]
ann = "biller"
sue = "supervisor"
[users.bob]
role = "biller"
payers = ["medicare", "medicaid"]
"""
#: the uncoded queue as the rows come (oldest visit first)
FITZGERALD, DUBOIS, BAKER, ALVAREZ = (uid(v) for v in ("v-104", "v-103", "v-102", "v-101"))


def team_session(store_path: Path, user: str) -> Session:
    """A session on the test store as ``user``."""
    return Session(store=Store.open(store_path, user=user), today=TODAY)


@pytest.fixture
def team(store_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Build an OtqApp as a given user on the test store with the team's roles file."""
    monkeypatch.setenv("XDG_STATE_HOME", str(store_path.parent / "state"))
    roles_path(store_path).write_text(ROLES, encoding="utf-8")
    # builders seeds ann's work item on v-102 under a made-up id; the services find an
    # item by the id derived from its subject, so store it under that id as they would.
    store = Store.open(store_path, user="ann")
    seeded = store.get("workitems", uid("wi-1"))
    store.commit([Delete("workitems", seeded["id"], seeded["version"]),
                  Put("workitems", {**_plain(seeded), "id": workitems.work_item_id(
                      "visit", BAKER)})], action="test.seed")

    def make(user: str = "sue", **kwargs) -> OtqApp:
        kwargs.setdefault("clock", lambda: CLOCK)
        return OtqApp(team_session(store_path, user), **kwargs)

    return make


def _plain(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("version", "changed_by", "changed_at")}


def owner(store_path: Path, visit_id: str) -> str:
    """Who holds a visit's work item now, read by a fresh session."""
    item, _ = workitems.load_item(team_session(store_path, "sue"), "visit", visit_id)
    return item.assignee


def audit_actions(store_path: Path) -> list[str]:
    """The action of every audit entry, oldest first."""
    return [e["action"] for e in Store.open(store_path, user="sue").audit.entries()]


def status(app: OtqApp) -> str:
    """The status line's message on the current screen."""
    return app.screen.query_one(StatusBar).message


def queue(app: OtqApp) -> QueueScreen:
    assert isinstance(app.screen, QueueScreen), type(app.screen).__name__
    return app.screen


def shown(app: OtqApp) -> list[str]:
    """The subject ids of the rows shown, top to bottom."""
    return [r.subject_id for r in queue(app).table.rows]


async def test_claim__C_claims_for_me_and_C_again_releases(team, store_path):
    app = team("ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert shown(app)[0] == FITZGERALD
        await pilot.press("C")
        await pilot.pause()
        assert owner(store_path, FITZGERALD) == "ann"
        assert status(app) == "claimed for you"
        assert queue(app).table.rows[0].assignee == "ann"  # the row shows it at once
        await pilot.press("C")
        await pilot.pause()
        assert owner(store_path, FITZGERALD) == ""
        assert status(app) == "released"
    assert audit_actions(store_path)[-2:] == ["item.claim", "item.release"]


async def test_next__n_claims_and_opens_the_most_urgent_unclaimed_item(team, store_path):
    app = team("ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "G")  # the cursor's row does not matter to n
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        # FITZGERALD holds the most money for the nearest deadline (urgency 21.25)
        assert isinstance(app.screen, CodingScreen)
        assert app.screen.visit_id == FITZGERALD
        assert owner(store_path, FITZGERALD) == "ann"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("n")  # next: ALVAREZ (17.40); BAKER is ann's already
        await pilot.pause()
        assert app.screen.visit_id == ALVAREZ
    assert owner(store_path, ALVAREZ) == "ann"


async def test_views__v_cycles_all_mine_unassigned_and_back(team, store_path):
    app = team("ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert shown(app) == [FITZGERALD, DUBOIS, BAKER, ALVAREZ]
        seen = []
        for _ in range(3):
            await pilot.press("v")
            await pilot.pause()
            seen.append((queue(app).view, shown(app)))
        assert seen == [("mine", [BAKER]), ("unassigned", [FITZGERALD, DUBOIS, ALVAREZ]),
                        ("all", [FITZGERALD, DUBOIS, BAKER, ALVAREZ])]


async def test_assign__A_picker_lists_load_narrows_by_typing_and_assigns(team, store_path):
    app = team("sue")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "j")  # DUBOIS
        await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert [i.value for i in picker.shown] == ["ann", "bob", "sue", "-"]
        ann = picker.shown[0]
        assert ann.description.split()[:2] == ["1", "open"]  # BAKER's visit is ann's
        await pilot.press("b", "o", "b")
        await pilot.pause()
        assert [i.value for i in picker.shown] == ["bob"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert status(app) == "assigned to bob"
    assert owner(store_path, DUBOIS) == "bob"


async def test_assign__biller_pressing_A_is_greyed_out_and_refused(team, store_path):
    app = team("ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "j")
        await pilot.pause()
        screen = queue(app)
        assert screen.check_action("assign", ()) is None  # None: shown greyed out
        assert app.active_bindings["A"].enabled is False
        assert app.active_bindings["A"].binding.show  # still in the footer
        await pilot.press("A")
        await pilot.pause()
        assert app.screen is screen  # no picker
        assert owner(store_path, DUBOIS) == ""
        # the services refuse it too, not only the footer
        with pytest.raises(PermissionDeniedError, match="supervisor"):
            workitems.assign(app.session, "visit", DUBOIS, "ann")


async def test_claim__unknown_user_is_read_only_and_cannot_claim(team, store_path):
    app = team("zed")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert app.role_label == "readonly"
        assert queue(app).check_action("claim", ()) is None
        assert queue(app).check_action("next_item", ()) is None
        await pilot.press("C", "n")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        with pytest.raises(PermissionDeniedError, match="read"):
            workitems.claim(app.session, "visit", FITZGERALD)
    assert owner(store_path, FITZGERALD) == ""
    assert owner(store_path, ALVAREZ) == ""


async def test_tags__space_tags_rows_and_T_tags_what_the_filter_shows(team, store_path):
    app = team("sue")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "space", "space")
        await pilot.pause()
        assert queue(app).tags == {FITZGERALD, DUBOIS}
        assert queue(app).table.cursor == 2  # space moves down
        await pilot.press("space")  # BAKER too
        await pilot.press("k", "space")  # and untag it again
        await pilot.pause()
        assert queue(app).tags == {FITZGERALD, DUBOIS}
        await pilot.press("escape")  # no filter: Esc clears the tags
        await pilot.pause()
        assert queue(app).tags == set()
        await pilot.press("slash", *"medicare", "enter", "T")
        await pilot.pause()
        assert queue(app).tags == {FITZGERALD, BAKER, ALVAREZ}  # DUBOIS is medicaid
        await pilot.press("T")  # all shown are tagged: T untags them
        await pilot.pause()
        assert queue(app).tags == set()


async def test_bulk__semicolon_A_previews_then_reassigns_all_tagged_in_one_entry_u_undoes(
        team, store_path):
    app = team("sue")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "space", "space", "space")  # FITZGERALD, DUBOIS, BAKER (ann's)
        await pilot.pause()
        before = len(audit_actions(store_path))
        await pilot.press("semicolon")
        await pilot.pause()
        assert queue(app).bulk_armed
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, PickerModal)
        assert app.screen.title_text == "Assign 3 tagged items to"
        await pilot.press(*"bob", "enter")
        await pilot.pause()
        preview = app.screen
        assert isinstance(preview, ConfirmModal)
        assert preview.question == "Assign 3 items to bob?"
        assert preview.detail.splitlines() == [
            "2026-02-18  FITZGERALD, Siobhan: nobody -> bob",
            "2026-02-21  DUBOIS, Marie: nobody -> bob",
            "2026-02-25  BAKER, Thomas: ann -> bob"]
        assert len(audit_actions(store_path)) == before  # nothing done before y
        await pilot.press("y")
        await pilot.pause()
        assert [owner(store_path, v) for v in (FITZGERALD, DUBOIS, BAKER, ALVAREZ)] == [
            "bob", "bob", "bob", ""]
        assert audit_actions(store_path)[before:] == ["bulk.assign"]  # one entry
        assert queue(app).tags == set()
        assert "3 items in one step" in status(app)
        await pilot.press("u")
        await pilot.pause()
        assert [owner(store_path, v) for v in (FITZGERALD, DUBOIS, BAKER, ALVAREZ)] == [
            "", "", "ann", ""]
        assert audit_actions(store_path)[before:] == ["bulk.assign", "bulk.undo"]
        assert status(app).startswith("undone: assign 3 items to bob")
        assert queue(app).check_action("undo", ()) is False  # nothing left to undo


async def test_bulk__n_in_the_preview_changes_nothing(team, store_path):
    app = team("sue")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "space", "space", "semicolon", "A", *"bob", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        before = len(audit_actions(store_path))
        await pilot.press("n")
        await pilot.pause()
        assert len(audit_actions(store_path)) == before
    assert owner(store_path, FITZGERALD) == owner(store_path, DUBOIS) == ""


async def test_board__B_opens_board_and_enter_jumps_to_that_billers_items(team, store_path):
    other = team_session(store_path, "sue")
    for v in (FITZGERALD, ALVAREZ):
        workitems.assign(other, "visit", v, "bob")
    app = team("sue")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("B")
        await pilot.pause()
        board = app.screen
        assert isinstance(board, SupervisorScreen)
        users = [r.user for r in board.rows]
        assert users == ["ann", "bob", "sue"]
        held = {r.user: r.total_open for r in board.rows}
        assert held["ann"] == 1 and held["bob"] == 2
        await pilot.press("j", "enter")  # bob
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.spec.id == "uncoded"
        assert app.screen.filter_text == "owner:bob"
        assert shown(app) == [FITZGERALD, ALVAREZ]


async def test_board__biller_cannot_open_it(team, store_path):
    app = team("ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "B")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.check_action("board", ()) is None


async def test_audit__at_opens_the_audit_screen_with_the_latest_change(team, store_path):
    app = team("sue")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2", "C")  # claim FITZGERALD: one more entry
        await pilot.pause()
        await pilot.press("at")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        newest = screen.rows[0]
        assert (newest.user, newest.action) == ("sue", "item.claim")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_live__another_sessions_commit_shows_after_the_refresh_tick(team, store_path):
    app = team("ann", refresh_seconds=3600)  # no timer: the test calls the tick itself
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "v")  # mine
        await pilot.pause()
        assert shown(app) == [BAKER]
        sue = team_session(store_path, "sue")
        workitems.assign(sue, "visit", ALVAREZ, "ann")
        await pilot.pause()
        assert shown(app) == [BAKER]  # not yet: nothing has looked at the store
        app.check_store()
        await pilot.pause()
        assert shown(app) == [BAKER, ALVAREZ]


async def test_live__timer_picks_up_another_sessions_commit_within_two_seconds(team, store_path):
    app = team("ann", refresh_seconds=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "v")
        await pilot.pause()
        workitems.assign(team_session(store_path, "sue"), "visit", DUBOIS, "ann")
        for _ in range(40):  # up to 2 s
            await pilot.pause(0.05)
            if DUBOIS in shown(app):
                break
        assert shown(app) == [DUBOIS, BAKER]


async def test_stale__note_on_an_item_changed_elsewhere_is_refused_naming_who_and_when(
        team, store_path):
    app = team("ann", refresh_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "j", "j")  # BAKER, whose work item exists (version 1)
        await pilot.pause()
        assert queue(app).table.current_row.subject_id == BAKER
        bob = team_session(store_path, "bob")
        workitems.add_note(bob, "visit", BAKER, "called the payer")
        changed_at = bob.store.get("workitems", workitems.work_item_id("visit", BAKER))[
            "changed_at"]
        await pilot.press("N", *"fixed dx", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)  # offered again; this biller drops it
        await pilot.press("n")
        await pilot.pause()
        message = status(app)
        assert "changed by bob at" in message and "not saved" in message
        assert queue(app).query_one(StatusBar).is_error
        hhmm = changed_at[11:16]
        assert hhmm in message or "ago" in message, (message, changed_at)
    notes = [n.text for n in workitems.load_item(team_session(store_path, "sue"), "visit",
                                                 BAKER)[0].notes]
    assert notes == ["Asked Kevin for the dx codes", "called the payer"]  # ann's not saved


async def test_note__N_adds_a_note_under_my_name(team, store_path):
    app = team("ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "N", *"asked Lopez for the units", "enter")
        await pilot.pause()
        assert status(app) == "note added"
    item, _ = workitems.load_item(team_session(store_path, "sue"), "visit", FITZGERALD)
    assert [(n.by, n.text) for n in item.notes] == [("ann", "asked Lopez for the units")]


async def test_snooze__S_hides_the_item_until_the_date_and_refuses_a_past_one(team, store_path):
    app = team("ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "S", *"yesterday", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "PromptModal"  # refused: the prompt stays open
        await pilot.press(*["backspace"] * 9, *"3d", "enter")
        await pilot.pause()
        assert status(app) == "snoozed until 2026-03-05"
        assert FITZGERALD not in shown(app)
    item, _ = workitems.load_item(team_session(store_path, "sue"), "visit", FITZGERALD)
    assert item.snoozed_until == TODAY.add(days=3)


async def test_command_line__rebalance_previews_then_moves_in_one_step_and_u_undoes(
        team, store_path):
    sue = team_session(store_path, "sue")
    for v in (FITZGERALD, DUBOIS, ALVAREZ):
        workitems.assign(sue, "visit", v, "ann")  # ann holds all four, bob none
    app = team("sue")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        before = len(audit_actions(store_path))
        await pilot.press("colon", *"rebalance --dry-run", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "TextModal"
        await pilot.press("escape")
        await pilot.pause()
        assert len(audit_actions(store_path)) == before  # a dry run changes nothing
        await pilot.press("colon", *"rebalance", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.question == "Rebalance: move 2 items?"
        await pilot.press("y")
        await pilot.pause()
        owners = collections.Counter(owner(store_path, v)
                                     for v in (FITZGERALD, DUBOIS, BAKER, ALVAREZ))
        assert owners == {"ann": 2, "bob": 2}
        assert audit_actions(store_path)[before:] == ["rebalance"]
        await pilot.press("u")
        await pilot.pause()
        assert {owner(store_path, v) for v in (FITZGERALD, DUBOIS, BAKER, ALVAREZ)} == {"ann"}
        assert audit_actions(store_path)[before:] == ["rebalance", "bulk.undo"]


async def test_live__an_open_detail_shows_another_sessions_note_after_the_tick(team, store_path):
    app = team("ann", refresh_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")  # EDWARDS's coverage, in the eligibility queue
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        workitems.add_note(team_session(store_path, "bob"), "coverage", uid("cov-p5"),
                           "payer portal down, try Monday")
        app.check_store()
        await pilot.pause()
        assert "payer portal down, try Monday" in str(
            app.screen.query_one("#detail-text").render())


async def test_stale__refused_note_is_offered_again_on_the_fresh_copy(team, store_path):
    app = team("ann", refresh_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "j", "j")  # BAKER
        await pilot.pause()
        workitems.add_note(team_session(store_path, "bob"), "visit", BAKER, "called the payer")
        await pilot.press("N", *"fixed dx", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)  # "re-apply your note on bob's version?"
        await pilot.press("y")
        await pilot.pause()
    notes = [n.text for n in workitems.load_item(team_session(store_path, "sue"), "visit",
                                                 BAKER)[0].notes]
    assert notes == ["Asked Kevin for the dx codes", "called the payer", "fixed dx"]



@pytest.mark.parametrize("queue_key, screen", [
    ("1", "DetailScreen"),
    ("3", "DetailScreen"),
    ("2", "CodingScreen"),
    ("4", "DenialScreen"),
    ("5", "DocumentScreen"),
])
async def test_audit__opening_an_item_logs_who_opened_which_patient(team, store_path,
                                                                    queue_key, screen):
    app = team("ann")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(queue_key)
        await pilot.pause()
        before = len(audit_actions(store_path))
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == screen
    entries = list(Store.open(store_path, user="sue").audit.entries())[before:]
    assert [(e["user"], e["action"]) for e in entries] == [("ann", "patient.open")]


async def test_audit__v_on_the_audit_screen_names_a_hand_edited_line(team, store_path):
    app = team("sue")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2", "C", "at", "v")
        await pilot.pause()
        assert isinstance(app.screen, AuditScreen)
        assert status(app).endswith("entries, chain intact")
        audit = store_path.with_name(store_path.name + ".audit.jsonl")
        lines = audit.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[1] = lines[1].replace('"test.seed"', '"test.sed"')
        audit.write_text("".join(lines), encoding="utf-8")
        await pilot.press("v")
        await pilot.pause()
        assert status(app).startswith("line 2 (seq 2): content was edited")
        assert app.screen.query_one(StatusBar).is_error


async def test_undo__refused_whole_when_someone_changed_an_item_since(team, store_path):
    app = team("sue", refresh_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "space", "space", "semicolon", "A", *"bob", "enter", "y")
        await pilot.pause()
        assert owner(store_path, FITZGERALD) == owner(store_path, DUBOIS) == "bob"
        workitems.add_note(team_session(store_path, "bob"), "visit", DUBOIS, "on it")
        before = len(audit_actions(store_path))
        await pilot.press("u")  # this session has not seen bob's note yet: the store refuses
        await pilot.pause()
        assert "changed by bob at" in status(app) and "not saved" in status(app)
        await pilot.press("u")  # now it has (the refusal reloaded): undo itself refuses
        await pilot.pause()
        assert status(app).startswith("cannot undo: an item was changed by bob")
        assert len(audit_actions(store_path)) == before  # nothing undone, not even half
    assert owner(store_path, FITZGERALD) == owner(store_path, DUBOIS) == "bob"


async def test_status_line__shows_user_and_role(team):
    for user, label in (("ann", "ann (biller)"), ("sue", "sue (supervisor)"),
                        ("zed", "zed (readonly)")):
        app = team(user)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert label in str(app.screen.query_one(StatusBar).render()), user
