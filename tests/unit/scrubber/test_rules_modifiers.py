"""Modifier rules: GO, CO, telehealth, KX, 59/X, 51, count."""

from __future__ import annotations

from decimal import Decimal

from otq.domain import Credential
from tests.unit.scrubber.builders import DOS, only, scrub, timed, visit


def test_mod_discipline__missing_go_fixed_on_all_lines_at_once():
    v = visit(timed("97110", 23, 2, modifiers=()), timed("97530", 15, 1, modifiers=()))
    found = only(scrub(v), "MOD-DISCIPLINE")
    assert "lines 1-2" in found[0].message
    assert [c["line"] for c in found[0].fix.changes] == [0, 1]


def test_mod_discipline__gp_on_ot_plan_is_replaced_with_go():
    found = only(scrub(visit(timed("97110", 23, 2, modifiers=("GP",)))), "MOD-DISCIPLINE")
    assert len(found) == 1
    assert found[0].fix.changes == ({"op": "remove_modifier", "line": 0, "modifier": "GP"},
                                    {"op": "add_modifier", "line": 0, "modifier": "GO"})


def test_mod_assistant__ota_line_without_co_fails_for_medicare_only():
    ota = timed("97110", 23, 2, by=Credential.OTA)
    assert only(scrub(visit(ota)), "MOD-ASSISTANT")
    assert not only(scrub(visit(timed("97110", 23, 2, by=Credential.OTA, modifiers=("GO", "CO")))),
                    "MOD-ASSISTANT")
    assert not only(scrub(visit(ota, profile="commercial")), "MOD-ASSISTANT")


def test_mod_telehealth__telehealth_needs_95_and_pos_02_or_10():
    found = only(scrub(visit(telehealth=True)), "MOD-TELEHEALTH")
    assert {f.field for f in found} == {"lines[0].modifiers", "place_of_service"}
    ok = visit(timed("97110", 23, 2, modifiers=("GO", "95")), telehealth=True, place_of_service="10")
    assert not only(scrub(ok), "MOD-TELEHEALTH")


def test_mod_telehealth__95_or_pos_02_on_in_person_visit_fails():
    found = only(scrub(visit(timed("97110", 23, 2, modifiers=("GO", "95")), place_of_service="02")),
                 "MOD-TELEHEALTH")
    assert len(found) == 2


def _charges(total: str):
    return timed("97110", 23, 2, charge=total)


def test_mod_kx__crossing_threshold_needs_kx_below_does_not():
    earlier = visit(_charges("2400.00"), vid="early", dos=DOS.subtract(days=30))
    at = visit(_charges("80.00"))        # 2480.00: not over
    over = visit(_charges("80.01"))      # 2480.01: over
    assert not only(scrub(at, earlier), "MOD-KX")
    found = only(scrub(over, earlier), "MOD-KX")
    assert found[0].fix.changes == ({"op": "add_modifier", "line": 0, "modifier": "KX"},)
    assert not only(scrub(visit(timed("97110", 23, 2, charge="80.01", modifiers=("GO", "KX"))),
                          earlier), "MOD-KX")


def test_mod_kx__later_dates_and_other_years_do_not_count():
    later = visit(_charges("2500.00"), vid="later", dos=DOS.add(days=1))
    last_year = visit(_charges("2500.00"), vid="ly", dos=DOS.subtract(years=1))
    assert not only(scrub(visit(), later, last_year), "MOD-KX")


def test_mod_kx__edited_visit_is_counted_once_with_its_new_charge():
    stored = visit(_charges("2000.00"))
    edited = visit(_charges("2481.00"))
    assert only(scrub_edited(edited, stored), "MOD-KX")
    assert not only(scrub_edited(visit(_charges("100.00")), stored), "MOD-KX")


def scrub_edited(edited, stored):
    from otq.scrubber import scrub_visit
    from tests.unit.scrubber.builders import world
    return scrub_visit(edited, world(stored))


def test_mod_kx__commercial_never_needs_kx():
    assert not only(scrub(visit(_charges("9000.00"), profile="commercial")), "MOD-KX")


def test_mod_59_x__both_on_one_line_fails():
    assert only(scrub(visit(timed("97110", 23, 2, modifiers=("GO", "59", "XU")))), "MOD-59-X")
    assert not only(scrub(visit(timed("97110", 23, 2, modifiers=("GO", "XU")))), "MOD-59-X")


def test_mod_51__on_pmr_code_fails():
    assert only(scrub(visit(timed("97110", 23, 2, modifiers=("GO", "51")))), "MOD-51")


def test_mod_count__five_modifiers_fail_four_pass():
    assert only(scrub(visit(timed("97110", 23, 2, modifiers=("GO", "KX", "59", "CO", "95")))),
                "MOD-COUNT")
    assert not only(scrub(visit(timed("97110", 23, 2, modifiers=("GO", "KX", "59", "CO")))),
                    "MOD-COUNT")


def test_charge_decimal_builder_sanity():
    assert timed("97110", 23, 2).charge == Decimal("60.00")
