"""Minutes and units rules, on both sides of each boundary."""

from __future__ import annotations

import pytest

from tests.unit.scrubber.builders import only, scrub, timed, untimed, visit


def test_minutes_missing__timed_code_without_minutes_fails_untimed_passes():
    found = only(scrub(visit(timed("97110", None, 1))), "MINUTES-MISSING")
    assert found[0].field == "lines[0].minutes"
    assert not only(scrub(visit(untimed("97165"))), "MINUTES-MISSING")


@pytest.mark.parametrize("minutes, right, wrong", [(8, 1, 0), (22, 1, 2), (23, 2, 1),
                                                   (37, 2, 3), (38, 3, 2)])
def test_units_timed__boundaries_for_one_code(minutes, right, wrong):
    assert not only(scrub(visit(timed("97110", minutes, right))), "UNITS-TIMED")
    found = only(scrub(visit(timed("97110", minutes, wrong))), "UNITS-TIMED")
    assert found and f"expected {right}" in found[0].message
    assert found[0].fix.changes == ({"op": "set_units", "line": 0, "units": right},)


def test_units_timed__seven_minutes_is_not_billable_and_fix_removes_line():
    found = only(scrub(visit(timed("97110", 7, 1))), "UNITS-TIMED")
    assert found[0].fix.changes == ({"op": "remove_line", "line": 0},)


def test_units_timed__33_plus_7_is_2_plus_1_under_cms():
    ok = visit(timed("97110", 33, 2), timed("97140", 7, 1))
    assert not only(scrub(ok), "UNITS-TIMED")
    bad = only(scrub(visit(timed("97110", 33, 2), timed("97140", 7, 0))), "UNITS-TIMED")
    assert "97110 x2, 97140 x1" in bad[0].message


def test_units_timed__33_plus_7_is_2_plus_0_under_ama():
    ama = visit(timed("97110", 33, 2), timed("97140", 7, 1), profile="commercial")
    found = only(scrub(ama), "UNITS-TIMED")
    assert "97140 7 min: billed 1, expected 0" in found[0].message
    assert found[0].fix.changes == ({"op": "remove_line", "line": 1},)


def test_units_timed__missing_units_are_reported_with_expected_value():
    found = only(scrub(visit(timed("97110", 23, None))), "UNITS-TIMED")
    assert "billed 0, expected 2" in found[0].message


def test_units_timed__skipped_while_minutes_are_missing():
    assert not only(scrub(visit(timed("97110", None, 3))), "UNITS-TIMED")


def test_units_untimed__two_units_of_an_eval_fail_one_passes():
    found = only(scrub(visit(untimed("97165", 2))), "UNITS-UNTIMED")
    assert found[0].fix.changes == ({"op": "set_units", "line": 0, "units": 1},)
    assert not only(scrub(visit(untimed("97165", 1))), "UNITS-UNTIMED")


def test_units_max__97129_with_two_units_or_thirty_minutes_fails():
    assert "97130" in only(scrub(visit(timed("97129", 30, 2))), "UNITS-MAX")[0].message
    assert only(scrub(visit(timed("97129", 30, 1))), "UNITS-MAX")[0].field == "lines[0].minutes"
    assert not only(scrub(visit(timed("97129", 22, 1))), "UNITS-MAX")


def test_mue__two_evaluations_in_two_same_day_visits_exceed_the_daily_limit():
    a = visit(untimed("97165"), vid="a")
    b = visit(untimed("97165", modifiers=("GO", "59")), vid="b")
    assert "MAI 2" in only(scrub(a, b), "MUE")[0].message
    assert not only(scrub(a), "MUE")


def test_mue__line_edit_counts_each_line():
    data = {"mue": {"97110": {"units": 4, "mai": 1, "source": "test"}}}
    assert only(scrub(visit(timed("97110", 68, 5)), data=data), "MUE")
    assert not only(scrub(visit(timed("97110", 60, 4)), data=data), "MUE")
