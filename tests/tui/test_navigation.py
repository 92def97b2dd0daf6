"""Pilot tests: driving the TUI by keyboard only, on the test practice."""

from __future__ import annotations

from dataclasses import replace

from builders import USER, uid

from otq.domain import Visit, VisitStatus
from otq.store import Put, Store, decode, encode
from otq.tui.screens.detail import DetailScreen
from otq.tui.screens.help import HelpScreen
from otq.tui.screens.queue import QueueScreen
from otq.tui.widgets.queue_switcher import QueueSwitcher, RowPosition
from otq.tui.widgets.queue_table import QueueTable
from otq.tui.widgets.status_bar import StatusBar


def _queue(app) -> QueueScreen:
    assert isinstance(app.screen, QueueScreen)
    return app.screen


def _patients(app) -> list[str]:
    table = app.screen.query_one(QueueTable)
    return [r.cells[1] for r in table.rows]


async def test_start__opens_first_queue_with_live_counts(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert _queue(app).spec.id == "eligibility"
        assert app.counts == {"eligibility": 2, "uncoded": 4, "ready": 3, "denials": 1,
                              "documents": 12}
        assert app.screen.query_one(QueueSwitcher).counts == app.counts
        assert _patients(app) == ["EDWARDS, Jamal", "O'NEIL, [bold]Pat[/bold]"]


async def test_switch__digit_keys_and_brackets_change_queue(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for key, expected in [("2", "uncoded"), ("3", "ready"), ("4", "denials"),
                              ("1", "eligibility"), ("right_square_bracket", "uncoded"),
                              ("left_square_bracket", "eligibility"),
                              ("left_square_bracket", "documents")]:
            await pilot.press(key)
            await pilot.pause()
            assert _queue(app).spec.id == expected, key


async def test_switch__each_queue_keeps_its_own_cursor(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "j", "j", "3", "2")
        await pilot.pause()
        assert _queue(app).table.cursor == 2


async def test_cursor__j_k_g_G_move_and_post_row_highlighted(make_app):
    app = make_app()
    seen: list[int] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        table = _queue(app).table
        original = table.post_message

        def spy(message):
            if isinstance(message, QueueTable.RowHighlighted):
                seen.append(message.index)
            return original(message)

        table.post_message = spy
        await pilot.press("j", "down", "k", "G", "g", "j", "j", "j", "j", "j")
        await pilot.pause()
        assert table.cursor == 3  # clamped at the last row
        assert seen == [1, 2, 1, 3, 0, 1, 2, 3]
        assert app.screen.query_one(RowPosition).position == "4/4"


async def test_enter__opens_detail_and_escape_returns_to_same_row(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # An uncoded visit opens on the coding screen; i shows its read-only detail.
        await pilot.press("2", "j", "j", "enter", "i")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.subject_id == uid("v-102")
        await pilot.press("escape", "escape")
        await pilot.pause()
        screen = _queue(app)
        assert screen.spec.id == "uncoded"
        assert screen.table.cursor == 2
        assert screen.table.current_row.subject_id == uid("v-102")


async def test_filter__narrows_rows_while_typing_and_escape_clears(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "slash", *"medicare")
        await pilot.pause()
        assert len(_patients(app)) == 3
        await pilot.press(*" baker")
        await pilot.pause()
        assert _patients(app) == ["BAKER, Thomas"]
        assert app.screen.query_one(StatusBar).message == "1 of 4 rows match"
        await pilot.press("escape")
        await pilot.pause()
        assert len(_patients(app)) == 4
        assert not app.screen.query_one("#filter-line").display
        assert app.screen.focused is _queue(app).table


async def test_filter__enter_keeps_filter_and_escape_on_table_clears_it(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "slash", *"mine", "enter")
        await pilot.pause()
        assert _patients(app) == ["BAKER, Thomas"]  # assigned to ann
        assert app.screen.focused is _queue(app).table
        await pilot.press("escape")
        await pilot.pause()
        assert len(_patients(app)) == 4


async def test_filter__bad_term_is_reported_in_status_bar(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "slash", *"color:red")
        await pilot.pause()
        bar = app.screen.query_one(StatusBar)
        assert bar.is_error and "unknown filter key 'color'" in bar.message


async def test_filter__q_and_digits_are_typed_not_bound(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", "q", "2")
        await pilot.pause()
        assert app.is_running
        assert _queue(app).spec.id == "eligibility"
        assert _queue(app).filter_text == "q2"


async def test_help__lists_every_binding_of_the_screen(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = dict(app.screen.rows)
        assert rows["j, ↓"] == "Next row"
        assert rows["1"] == "Switch to Pending eligibility"
        assert rows["/"].startswith("Filter rows")
        assert "q" in rows and "^p" in rows and "⏎" in rows
        assert rows["5"] == "Switch to Missing documents"
        assert "6" not in rows  # no queue uses key 6
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_help__on_detail_lists_detail_keys(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "question_mark")
        await pilot.pause()
        rows = dict(app.screen.rows)
        assert rows["esc"] == "Back to the queue"
        assert rows["j, ↓"] == "Scroll down"


async def test_no_unimplemented_actions_are_bound(make_app):
    # The team keys (C A N S u n space ; :) are implemented by issue 6 (tests/tui/test_team*).
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = set(app.screen.active_bindings)
        assert not keys & {"F"}


async def test_refresh__picks_up_a_commit_from_another_store_object(make_app, store_path):
    app = make_app(refresh_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "j", "j")  # cursor on BAKER (v-102)
        await pilot.pause()
        other = Store.open(store_path, user="bob")
        rec = other.get("visits", uid("v-101"))
        visit = decode(Visit, rec)
        other.commit([Put("visits", encode(replace(visit, status=VisitStatus.VOID)),
                          rec["version"])], action="visit.void")
        for _ in range(40):
            await pilot.pause(0.05)
            if app.counts["uncoded"] == 3:
                break
        assert app.counts["uncoded"] == 3
        assert "ALVAREZ, Rosa" not in _patients(app)
        assert _queue(app).table.current_row.subject_id == uid("v-102")
        assert app.screen.query_one(QueueSwitcher).counts["uncoded"] == 3


async def test_command_palette__offers_queues_and_switches(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"open denials")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert _queue(app).spec.id == "denials"


async def test_markup_in_data_is_shown_as_text(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = _queue(app).table
        index = next(i for i, r in enumerate(table.rows) if r.subject_id == uid("cov-p7"))
        line = "".join(s.text for s in table.render_line(index + 1))
        assert "O'NEIL, [bold]Pat" in line  # the brackets are shown, not applied


async def test_session_user_is_shown(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.query_one(StatusBar).user == USER
        assert app.screen.query_one(StatusBar).store == "…/practice/otq.json"
