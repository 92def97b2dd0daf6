"""Pilot tests: Enter on a denial opens the workbench; R/P/W/B/N act; E previews an export."""

from __future__ import annotations

from builders import uid

from otq.domain import DenialStatus
from otq.tui.screens.denial import DenialScreen
from otq.tui.screens.export import ExportScreen
from otq.tui.screens.help import HelpScreen, binding_rows
from otq.tui.widgets.status_bar import StatusBar


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def _open_denial(app, pilot):
    await pilot.press("4", "enter")
    await pilot.pause()
    assert isinstance(app.screen, DenialScreen)


async def test_denial__enter_opens_the_workbench_with_meanings_action_and_deadline(make_app):
    app = make_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await _open_denial(app, pilot)
        body = _text(app, "#denial-text")
        assert "CO-97: Included in the payment for another service" in body
        assert "Remark M15" in body and "Correct & resubmit (frequency 7)" in body
        assert "90.00" in body and "(0-30)" in body
        keys = {k for k, _ in binding_rows(app.screen)}
        assert {"R", "P", "W", "B", "N"} <= keys
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_denial__n_adds_a_note_to_the_history(make_app):
    app = make_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await _open_denial(app, pilot)
        await pilot.press("N", *"called the MAC", "enter")
        await pilot.pause()
        d = app.session.entity("denials", uid("denial-1"))
        assert d.history[-1].what == "note: called the MAC"
        assert "note: called the MAC" in _text(app, "#denial-text")


async def test_denial__w_writes_off_after_reason_and_confirm(make_app):
    app = make_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await _open_denial(app, pilot)
        await pilot.press("W", *"small", "enter")
        await pilot.pause()
        d = app.session.entity("denials", uid("denial-1"))
        assert d.status is DenialStatus.OPEN  # not before the confirm
        await pilot.press("y")
        await pilot.pause()
        d = app.session.entity("denials", uid("denial-1"))
        assert d.status is DenialStatus.WRITTEN_OFF
        assert "written off" in app.screen.query_one(StatusBar).message


async def test_denial__b_to_the_patient_is_refused_for_a_co_denial(make_app):
    app = make_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await _open_denial(app, pilot)
        await pilot.press("B", *"patient", "enter")
        await pilot.pause()
        assert "may not be billed to the patient" in app.screen.query_one(StatusBar).message
        assert app.session.entity("denials", uid("denial-1")).status is DenialStatus.OPEN


async def test_denial__esc_goes_back_to_the_denials_queue(make_app):
    app = make_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await _open_denial(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.spec.id == "denials"


async def test_export__e_on_ready_shows_claims_total_and_payer_split(make_app):
    app = make_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.press("3", "E")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        body = _text(app, "#export-body")
        assert "3 claims, 540.00 charged" in body
        assert "commercial" in body and "medicare" in body
        assert "problem(s) stop the export" in body  # no contact phone in the settings yet
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert not list(app.session.store.path.parent.glob("*.837"))
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.spec.id == "ready"


async def test_export__e_does_nothing_on_other_queues(make_app):
    app = make_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.press("4", "E")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)


async def test_denial__r_on_a_claim_without_visits_says_so_instead_of_crashing(make_app):
    app = make_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await _open_denial(app, pilot)
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, DenialScreen)
        assert "no visits to code" in app.screen.query_one(StatusBar).message
