"""The ``V`` form on the eligibility queue: a phone check takes the patient out of the queue."""

from __future__ import annotations

import pendulum
from builders import open_session  # noqa: F401  (conftest puts tests/tui on sys.path)

from otq.services.eligibility import latest_verification
from otq.tui.screens.queue import QueueScreen
from otq.tui.screens.verify import VerifyModal, read_form


async def test_verify__phone_check_in_three_keys_plus_typing_removes_the_patient(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.spec.id == "eligibility"
        before = len(screen.table.rows)
        coverage_id = screen.table.current_row.subject_id
        await pilot.press("V")
        await pilot.pause()
        assert isinstance(app.screen, VerifyModal)
        await pilot.press(*"REF123", "tab", *"Maria", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert len(app.screen.table.rows) == before - 1
        assert coverage_id not in {r.subject_id for r in app.screen.table.rows}
        check = latest_verification(app.session, coverage_id)
        assert check.method == "phone" and check.reference == "REF123"
        assert check.representative == "Maria" and check.verified_by == app.session.user


async def test_verify__missing_representative_is_refused_and_nothing_recorded(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        coverage_id = app.screen.table.current_row.subject_id
        await pilot.press("V")
        await pilot.pause()
        await pilot.press(*"REF123", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, VerifyModal)  # still open, saying why
        assert latest_verification(app.session, coverage_id) is None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_verify__key_is_not_offered_on_queues_without_the_verify_action(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("V")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen) and app.screen.spec.id == "uncoded"


def test_read_form__parses_benefits_and_names_bad_fields():
    values = {"reference": "R1", "representative": "Al", "method": "portal", "active": "n",
              "verified_on": "2026-03-01", "plan_name": "PPO", "copay": "$25", "coinsurance":
              "0.2", "deductible_remaining": "x", "visits_allowed": "20", "visits_used": "3",
              "auth_required": "maybe"}
    kwargs, problems = read_form(values, pendulum.date(2026, 3, 2))
    assert kwargs["active"] is False and kwargs["visits_allowed"] == 20
    assert str(kwargs["copay"]) == "25" and kwargs["verified_on"] == pendulum.date(2026, 3, 1)
    assert problems == ["deductible_remaining: not an amount", "auth_required: answer Y or N"]
