"""Same-day rules: NCCI pairs, duplicate evaluations, double billing, group sessions."""

from __future__ import annotations

from dataclasses import replace

from otq.domain import VisitStatus
from tests.unit.scrubber.builders import DOS, only, scrub, timed, untimed, visit


def test_ncci_pair__97140_and_97530_without_59_denies_97530():
    found = only(scrub(visit(timed("97140", 15, 1), timed("97530", 15, 1))), "NCCI-PAIR")
    assert [f.field for f in found] == ["lines[1].modifiers"]
    assert found[0].fix.changes == ({"op": "add_modifier", "line": 1, "modifier": "59"},)


def test_ncci_pair__bypass_on_column_2_passes():
    for mod in ("59", "XU", "XE"):
        v = visit(timed("97140", 15, 1), timed("97530", 15, 1, modifiers=("GO", mod)))
        assert not only(scrub(v), "NCCI-PAIR")


def test_ncci_pair__59_on_column_1_is_moved_by_the_fix():
    v = visit(timed("97140", 15, 1, modifiers=("GO", "59")), timed("97530", 15, 1))
    fix = only(scrub(v), "NCCI-PAIR")[0].fix
    assert fix.changes == ({"op": "move_modifier", "line": 0, "modifier": "59", "to_line": 1},)


def test_ncci_pair__codes_on_another_same_day_visit_count():
    other = visit(timed("97140", 15, 1), vid="am")
    assert only(scrub(visit(timed("97530", 15, 1), vid="pm"), other), "NCCI-PAIR")
    assert not only(scrub(visit(timed("97530", 15, 1), vid="pm"),
                          replace(other, date_of_service=DOS.subtract(days=1))), "NCCI-PAIR")


def test_ncci_pair__indicator_0_cannot_be_bypassed_and_dates_bound_the_edit():
    pair = {"column1": "97110", "column2": "97112", "modifier_indicator": 0, "source": "t",
            "effective": DOS, "deleted": None}
    data = {"ncci": [pair]}
    v = visit(timed("97110", 15, 1), timed("97112", 15, 1, modifiers=("GO", "59")))
    assert only(scrub(v, data=data), "NCCI-PAIR")[0].fix.changes[0]["op"] == "remove_line"
    early = {"ncci": [dict(pair, effective=DOS.add(days=1))]}
    assert not only(scrub(v, data=early), "NCCI-PAIR")


def test_eval_duplicate__eval_and_reeval_same_day_fail_different_days_pass():
    v = visit(untimed("97165"), untimed("97168"))
    found = only(scrub(v), "EVAL-DUPLICATE")
    assert found[0].fix.changes == ({"op": "remove_line", "line": 1},)
    other = visit(untimed("97166"), vid="b", dos=DOS.subtract(days=1))
    assert not only(scrub(visit(untimed("97165")), other), "EVAL-DUPLICATE")


def test_eval_duplicate__void_and_scheduled_visits_do_not_count():
    void = visit(untimed("97166"), vid="b", status=VisitStatus.VOID)
    sched = visit(untimed("97166"), vid="c", status=VisitStatus.SCHEDULED)
    assert not only(scrub(visit(untimed("97165")), void, sched), "EVAL-DUPLICATE")


def test_dup_line__same_code_and_modifiers_on_another_visit_is_double_billing():
    coded = visit(vid="old", status=VisitStatus.CODED)
    found = only(scrub(visit(vid="new"), coded), "DUP-LINE")
    assert "EHR-old" in found[0].message
    assert not only(scrub(visit(vid="new", dos=DOS.subtract(days=2)), coded), "DUP-LINE")


def test_dup_line__repeat_within_visit_has_remove_fix_and_modifier_order_is_ignored():
    v = visit(timed("97110", 23, 1, modifiers=("GO", "KX")), timed("97110", 8, 1,
              modifiers=("KX", "GO")))
    assert only(scrub(v), "DUP-LINE")[0].fix.changes == ({"op": "remove_line", "line": 1},)


def test_group_session__group_with_one_on_one_is_a_warning_acknowledgeable():
    v = visit(untimed("97150"), timed("97110", 15, 1, modifiers=("GO", "59")))
    found = only(scrub(v), "GROUP-SESSION")
    assert found and not found[0].is_error
    assert not only(scrub(replace(v, acknowledged=("GROUP-SESSION",))), "GROUP-SESSION")
    assert not only(scrub(visit(untimed("97150"))), "GROUP-SESSION")
