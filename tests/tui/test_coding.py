"""Pilot tests of the coding screen: every auto-fix, pickers, the line editor, save, the
stale-save conflict, undo (before and after a save), notes, snooze and history.

The test practice (builders.py) gets one extra visit per fix type, each with exactly the
mistake the test is about, on its own date so same-day rules stay quiet.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from builders import TODAY, USER, open_session, uid

from otq.domain import Credential, ServiceLine, Visit, VisitStatus
from otq.store import Put, Store, decode, encode
from otq.tui.dialogs import ConfirmModal, FixModal, PickerModal, PromptModal, TextModal
from otq.tui.screens.coding import CodingScreen
from otq.tui.screens.queue import QueueScreen
from otq.tui.widgets.findings_panel import FindingsPanel
from otq.tui.widgets.service_lines import ServiceLinesTable
from otq.tui.widgets.status_bar import StatusBar

SIZE = (80, 24)


def _line(n: str, cpt: str, mods: tuple[str, ...], minutes: int, units: int | None,
          by: Credential = Credential.OT) -> ServiceLine:
    return ServiceLine(id=uid(n), cpt=cpt, modifiers=mods, minutes=minutes, units=units,
                       dx_pointers=(1,), charge=Decimal("60.00"), furnished_by=by)


def coding_visits(base: Visit) -> dict[str, Visit]:
    """One visit per fix type, built on a clean Medicare visit of patient p1."""
    def on(days: int, key: str, lines: tuple[ServiceLine, ...], **kw) -> Visit:
        return replace(base, id=uid(f"t-{key}"), external_id=f"T-{key.upper()}",
                       date_of_service=TODAY.subtract(days=days), lines=lines, **kw)

    return {
        # the demo: no GO, units wrong for the minutes, a category as diagnosis 1
        "go": on(20, "go", (_line("a1", "97140", (), 15, 2), _line("a2", "97110", (), 30, 2)),
                 diagnoses=("M24.54", "M62.81")),
        "ota": on(21, "ota", (_line("b1", "97535", ("GO",), 30, 2, Credential.OTA),),
                  provider_id=uid("tran")),
        "tele": on(22, "tele", (_line("c1", "97535", ("GO",), 30, 2),), telehealth=True),
        "ncci": on(23, "ncci", (_line("d1", "97140", ("GO", "59"), 15, 1),
                                _line("d2", "97530", ("GO",), 15, 1))),
        "dup": on(24, "dup", (_line("e1", "97110", ("GO",), 15, 1),
                              _line("e2", "97110", ("GO",), 15, 1))),
        "warn": on(25, "warn", (_line("f1", "97150", ("GO",), 30, 1),
                                _line("f2", "97110", ("GO", "59"), 15, 1))),
    }


def add_coding_visits(store_path) -> dict[str, str]:
    """Commit the extra visits; returns key -> visit id."""
    session = open_session(store_path)
    visits = coding_visits(session.entity("visits", uid("v-101")))
    session.store.commit([Put("visits", encode(v)) for v in visits.values()], action="test.seed")
    return {k: v.id for k, v in visits.items()}


@pytest.fixture
def visits(store_path) -> dict[str, str]:
    """The extra coding visits in the test store."""
    return add_coding_visits(store_path)


async def _open(app, pilot, visit_id: str) -> CodingScreen:
    await pilot.press("2")
    app.open_item("visit", visit_id)
    await pilot.pause()
    assert isinstance(app.screen, CodingScreen)
    return app.screen


def _rules(screen: CodingScreen) -> set[str]:
    return {f.rule_id for f in screen.query_one(FindingsPanel).findings}


def _stored(store_path, visit_id: str) -> Visit:
    return open_session(store_path).entity("visits", visit_id)


# ------------------------------------------------------------------ auto-fixes
async def test_fix_all__adds_go_and_recomputes_units_as_one_undo_step(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["go"])
        assert _rules(screen) == {"DX-NOT-BILLABLE", "UNITS-TIMED", "MOD-DISCIPLINE"}
        await pilot.press("F")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, FixModal)
        assert modal.options[0].label == "All safe fixes (2)"
        assert "line 1 (97140): units -> 1" in modal.options[0].preview
        assert "line 2 (97110): add modifier GO" in modal.options[0].preview
        await pilot.press("enter")
        await pilot.pause()
        lines = screen.draft.visit.lines
        assert [ln.modifiers for ln in lines] == [("GO",), ("GO",)]
        assert [ln.units for ln in lines] == [1, 2]
        assert _rules(screen) == {"DX-NOT-BILLABLE"}
        await pilot.press("u")
        await pilot.pause()
        assert screen.draft.visit == screen.draft.original
        assert _rules(screen) == {"DX-NOT-BILLABLE", "UNITS-TIMED", "MOD-DISCIPLINE"}


async def test_fix__adds_co_to_a_line_furnished_by_an_ota(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["ota"])
        assert _rules(screen) == {"MOD-ASSISTANT"}
        await pilot.press("F", "enter")
        await pilot.pause()
        assert screen.draft.visit.lines[0].modifiers == ("GO", "CO")
        assert _rules(screen) == set()


async def test_fix__telehealth_adds_95_and_pos_picker_sets_10(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["tele"])
        assert [f.rule_id for f in screen.query_one(FindingsPanel).findings] == [
            "MOD-TELEHEALTH", "MOD-TELEHEALTH"]
        await pilot.press("F", "enter")
        await pilot.pause()
        assert screen.draft.visit.lines[0].modifiers == ("GO", "95")
        # The scrubber offers no fix for the POS; p picks it (type-ahead on the code).
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PickerModal)
        await pilot.press("1", "0", "enter")
        await pilot.pause()
        assert screen.draft.visit.place_of_service == "10"
        assert _rules(screen) == set()


async def test_fix__moves_59_from_column1_to_the_column2_code(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["ncci"])
        assert _rules(screen) == {"NCCI-PAIR"}
        await pilot.press("tab", "F")  # F on the selected finding starts at its own fix
        await pilot.pause()
        assert app.screen.options[1].preview == ["line 1 (97140): move modifier 59 to line 2"]
        await pilot.press("j", "enter")
        await pilot.pause()
        assert [ln.modifiers for ln in screen.draft.visit.lines] == [("GO",), ("GO", "59")]
        assert _rules(screen) == set()


async def test_fix__drops_a_duplicate_line(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["dup"])
        assert _rules(screen) == {"DUP-LINE"}
        await pilot.press("F", "enter")
        await pilot.pause()
        assert [ln.id for ln in screen.draft.visit.lines] == [uid("e1")]
        assert len(screen.query_one(ServiceLinesTable).rows) == 1
        assert _rules(screen) == set()


async def test_fix__nothing_on_offer_says_so(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["ota"])
        await pilot.press("F", "enter", "F")
        await pilot.pause()
        assert app.screen is screen
        assert "no auto-fix" in screen.query_one(StatusBar).message


# --------------------------------------------------------------------- pickers
async def test_diagnosis_picker__opens_on_billable_codes_under_the_category(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["go"])
        await pilot.press("d")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert [it.value for it in picker.shown] == ["M24.541", "M24.542", "M24.549"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.draft.visit.diagnoses == ("M24.542", "M62.81")
        assert "DX-NOT-BILLABLE" not in _rules(screen)


async def test_diagnosis_picker__searches_words_and_adds_a_diagnosis(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["ota"])
        await pilot.press("d", *"trigger finger right ring")
        await pilot.pause()
        assert app.screen.shown[0].value == "M65.341"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.draft.visit.diagnoses[-1] == "M65.341"


async def test_code_and_modifier_pickers__change_the_line(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["ota"])
        await pilot.press("c", *"self-care")
        await pilot.pause()
        assert [it.value for it in app.screen.shown] == ["97535"]
        await pilot.press("escape", "c", *"9711", "enter")
        await pilot.pause()
        assert screen.draft.visit.lines[0].cpt == "97110"
        await pilot.press("m")
        await pilot.pause()
        assert app.screen.selected == ["GO"]
        await pilot.press("C", "O", "enter")  # type-ahead then Enter ticks CO
        await pilot.pause()
        assert screen.draft.visit.lines[0].modifiers == ("GO", "CO")
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("space", "enter")  # space unticks the highlighted GO
        await pilot.pause()
        assert screen.draft.visit.lines[0].modifiers == ("CO",)


async def test_add_and_remove_line__picker_then_x(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["ota"])
        await pilot.press("a", *"97530", "enter")
        await pilot.pause()
        lines = screen.draft.visit.lines
        assert [ln.cpt for ln in lines] == ["97535", "97530"]
        assert lines[1].furnished_by is Credential.OTA  # the visit's therapist
        table = screen.query_one(ServiceLinesTable)
        assert (table.row, table.column.key) == (1, "minutes")
        await pilot.press("1", "5", "enter")
        await pilot.pause()
        assert screen.draft.visit.lines[1].minutes == 15
        await pilot.press("x")
        await pilot.pause()
        assert [ln.cpt for ln in screen.draft.visit.lines] == ["97535"]


# ----------------------------------------------------------------- line editor
async def test_line_editor__minutes_drive_units_until_set_by_hand(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["go"])
        table = screen.query_one(ServiceLinesTable)
        assert table.column.key == "minutes"
        await pilot.press("j", "4", "5", "enter")  # line 2: 15 + 45 = 60 min -> 4 units
        await pilot.pause()
        assert screen.draft.visit.lines[1].minutes == 45
        assert screen.draft.visit.lines[1].units == 3
        assert "60 timed min -> 4 units" in str(screen.query_one("#working").render())
        await pilot.press("right", "5", "enter")  # units by hand
        await pilot.pause()
        assert screen.draft.visit.lines[1].units_manual
        assert table.rows[1][4] == "5*"
        assert "units set by hand" in str(screen.query_one("#working").render())
        assert "UNITS-TIMED" in _rules(screen)


async def test_line_editor__refuses_bad_input_and_escape_cancels(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["go"])
        await pilot.press("e")
        await pilot.pause()
        table = screen.query_one(ServiceLinesTable)
        assert table.edit_text == "15" and "15_" in "".join(
            seg.text for seg in table.render_line(1))
        await pilot.press("backspace", "backspace", *"ten", "enter")
        await pilot.pause()
        assert screen.editing == (0, "minutes")  # still open, reason shown
        assert "whole number" in screen.query_one(StatusBar).message
        await pilot.press("escape")
        await pilot.pause()
        assert screen.editing is None and not screen.draft.dirty
        assert app.screen is screen


# ----------------------------------------------------------------------- saving
async def test_keyboard_path__demo_visit_becomes_a_claim_and_leaves_the_queue(make_app, visits,
                                                                              store_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, visits["go"])
        await pilot.press("F", "enter", "d", "enter", "ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        message = app.screen.query_one(StatusBar).message
        assert message.startswith("claim OTQ") and message.endswith("ready to submit")
        assert visits["go"] not in {r.subject_id for r in app.screen.table.rows}
    stored = _stored(store_path, visits["go"])
    assert stored.status is VisitStatus.CODED
    assert stored.diagnoses == ("M24.541", "M62.81")
    claims = [c for c in open_session(store_path).entities("claims").values()
              if visits["go"] in c.visit_ids]
    assert len(claims) == 1 and [ln.units for ln in claims[0].lines] == [1, 2]


async def test_save__stale_draft_names_who_changed_it_and_overwrites_nothing(make_app, visits,
                                                                             store_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["dup"])
        await pilot.press("F", "enter")  # my unsaved change: drop the repeat
        await pilot.pause()
        bob = Store.open(store_path, user="bob")
        record = bob.get("visits", visits["dup"])
        theirs = replace(decode(Visit, record), auth_number="A123")
        bob.commit([Put("visits", encode(theirs), record["version"])], action="visit.edit")
        await pilot.press("ctrl+s")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        assert "changed by bob" in modal.detail and "Nothing was overwritten" in modal.detail
        stored = _stored(store_path, visits["dup"])
        assert stored.auth_number == "A123" and len(stored.lines) == 2
        await pilot.press("y")  # reload theirs
        await pilot.pause()
        assert screen.draft.visit.auth_number == "A123" and not screen.draft.dirty
        assert _rules(screen) == {"DUP-LINE"}


async def test_undo_after_save__reverts_with_a_compensating_change(make_app, visits, store_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["go"])
        await pilot.press("F", "enter", "ctrl+s")  # saved, but the diagnosis still blocks
        await pilot.pause()
        assert app.screen is screen
        assert "saved with 1 error" in screen.query_one(StatusBar).message
        assert _stored(store_path, visits["go"]).lines[0].modifiers == ("GO",)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert _stored(store_path, visits["go"]).lines[0].modifiers == ()
        assert "undid the save" in screen.query_one(StatusBar).message
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, TextModal)
        history = app.screen.body.plain
        assert f"{USER}: saved: 2 fixes" in history and "undid the save" in history


async def test_escape__with_unsaved_changes_asks_before_leaving(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["dup"])
        await pilot.press("x", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and screen.draft.dirty
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_accept_warning__w_marks_it_and_save_records_it(make_app, visits, store_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["warn"])
        panel = screen.query_one(FindingsPanel)
        assert [(f.rule_id, f.is_error) for f in panel.findings] == [("GROUP-SESSION", False)]
        await pilot.press("W")
        await pilot.pause()
        assert screen.draft.acknowledged == {"GROUP-SESSION"}
        assert "[accepted]" in "".join(t for t, _, _ in panel._lines)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
    assert _stored(store_path, visits["warn"]).acknowledged == ("GROUP-SESSION",)


async def test_accept_warning__refuses_an_error(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["dup"])
        await pilot.press("tab", "W")
        await pilot.pause()
        assert not screen.draft.acknowledged
        assert "cannot be accepted" in screen.query_one(StatusBar).message


# ------------------------------------------------------------ notes and snooze
async def test_note_and_history__note_is_added_and_listed(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, visits["go"])
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"asked [b]Maria[/b] for dx", "enter", "h")
        await pilot.pause()
        body = app.screen.body.plain
        assert "note added" in body and "asked [b]Maria[/b] for dx" in body


async def test_snooze__bad_text_is_refused_then_3d_hides_the_visit(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, visits["go"])
        await pilot.press("S", *"soon", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)
        assert "not a snooze time" in str(app.screen.query_one("#prompt-hint").render())
        for _ in "soon":
            await pilot.press("backspace")
        await pilot.press("3", "d", "enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert "snoozed until 2026-03-05" in app.screen.query_one(StatusBar).message
        assert visits["go"] not in {r.subject_id for r in app.screen.table.rows}


# ------------------------------------------------------------------ the screen
async def test_help__lists_every_coding_key(make_app, visits):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open(app, pilot, visits["go"])
        ids = {b.id for b in screen.BINDINGS}
        assert all(i.startswith("coding.") for i in ids)
        await pilot.press("question_mark")
        await pilot.pause()
        rows = dict(app.screen.rows)
        for key in ("^s", "F", "e", "u", "d", "esc", "c", "m", "a", "x", "D", "p", "W",
                    "N", "S", "h", "i", "^r", "tab"):
            assert key in rows, key


async def test_data_is_shown_as_text_not_markup(make_app, visits, store_path):
    session = open_session(store_path)
    base = session.entity("visits", visits["ota"])
    odd = replace(base, id=uid("t-odd"), external_id="[red]X[/red]", patient_id=uid("p7"),
                  coverage_id=uid("cov-p7"), provider_id=uid("lopez"))
    session.store.commit([Put("visits", encode(odd))], action="test.seed")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open(app, pilot, odd.id)
        title = str(screen.query_one("#coding-title").render())
        assert "[red]X[/red]" in title and "[bold]Pat[/bold]" in title


async def test_q__with_unsaved_changes_asks_before_quitting(make_app, visits):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, visits["dup"])
        await pilot.press("x", "q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and app.is_running


async def test_palette__offers_the_coding_keys_by_name(make_app, visits):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open(app, pilot, visits["ota"])
        await pilot.press("ctrl+p", *"auto-fixes")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FixModal)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


# ------------------------------------------------------------- reference data
def test_modifier_table__shipped_file_explains_the_ot_modifiers():
    from otq.reference.modifiers import modifier_table

    table = modifier_table()
    for code in ("GO", "CO", "KX", "59", "XE", "XS", "XP", "XU", "95", "GA", "GZ", "GP", "GN",
                 "76", "77"):
        assert table.modifiers[code].meaning
    assert "assistant" in table.modifiers["CO"].meaning
    assert set(table.places_of_service) >= {"02", "10", "11", "12"}


def test_modifier_table__bad_rows_are_reported_with_file_and_key(tmp_path):
    from otq.errors import ConfigError
    from otq.reference.modifiers import load_modifier_table

    path = tmp_path / "modifiers.toml"
    path.write_text('[modifiers.GO]\nmeaning = "OT"\n[modifiers.go]\nmeaning = "x"\n'
                    '[modifiers.KX]\nstatus = "Z"\nmeaning = "y"\n[modifiers.59]\nmeaning = ""\n'
                    '[places_of_service.11]\nmeaning = "Office"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_modifier_table(path)
    text = str(err.value)
    assert f"{path}: modifiers.go: a code is two capital letters" in text
    assert f"{path}: modifiers.KX: status" in text
    assert f"{path}: modifiers.59: meaning: missing" in text
    path.write_text('[modifiers.GO]\nmeaning = "OT"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="places_of_service.*missing"):
        load_modifier_table(path)
