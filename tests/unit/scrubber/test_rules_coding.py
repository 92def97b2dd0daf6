"""Procedure codes, diagnoses, add-ons and payer code edits."""

from __future__ import annotations

from tests.unit.scrubber.builders import ids, line, only, scrub, timed, untimed, visit


def test_cpt_unknown__code_outside_catalogue_is_an_error():
    found = only(scrub(visit(timed("97999", 23, 2))), "CPT-UNKNOWN")
    assert found[0].field == "lines[0].cpt"
    assert "codes.toml" in found[0].message


def test_code_substitute__medicare_97014_becomes_g0283_with_fix():
    found = scrub(visit(untimed("97014")))
    assert "CPT-UNKNOWN" not in ids(found)
    sub = only(found, "CODE-SUBSTITUTE")[0]
    assert "G0283" in sub.message
    assert sub.fix.changes == ({"op": "set_code", "line": 0, "code": "G0283"},)


def test_code_substitute__commercial_97014_is_just_unknown():
    found = scrub(visit(untimed("97014"), profile="commercial"))
    assert "CODE-SUBSTITUTE" not in ids(found) and "CPT-UNKNOWN" in ids(found)


def test_code_bundled__medicare_97010_is_an_error_commercial_is_not():
    v = visit(timed("97110", 23, 2), untimed("97010"))
    assert only(scrub(v), "CODE-BUNDLED")[0].fix.changes == ({"op": "remove_line", "line": 1},)
    assert not only(scrub(visit(timed("97110", 23, 2), untimed("97010"), profile="commercial")),
                    "CODE-BUNDLED")


def test_dx_missing__line_without_pointer_offers_pointer_fix():
    found = only(scrub(visit(timed("97110", 23, 2, dx=()))), "DX-MISSING")
    assert found[0].fix.changes[0]["op"] == "set_dx_pointers"


def test_dx_pointer__pointer_past_the_list_and_five_pointers_fail():
    assert only(scrub(visit(timed("97110", 23, 2, dx=(3,)))), "DX-POINTER")
    assert not only(scrub(visit(timed("97110", 23, 2, dx=(2,)))), "DX-POINTER")
    many = visit(timed("97110", 23, 2, dx=(1, 2, 3, 4, 5)), diagnoses=("I69.351", "M62.81",
                 "R26.81", "M25.511", "R27.8"))
    assert "at most 4" in only(scrub(many), "DX-POINTER")[0].message


def test_dx_invalid__made_up_code_fails_and_code_without_dot_passes():
    assert only(scrub(visit(diagnoses=("Q99.999", "M62.81"))), "DX-INVALID")
    assert not only(scrub(visit(diagnoses=("I69351", "m62.81"))), "DX-INVALID")


def test_dx_not_billable__category_fails_and_suggests_leaf_codes():
    found = only(scrub(visit(diagnoses=("M25.5", "M62.81"))), "DX-NOT-BILLABLE")
    assert found[0].field == "diagnoses[0]" and "M25.511" in found[0].message
    assert not only(scrub(visit(diagnoses=("M25.511", "M62.81"))), "DX-NOT-BILLABLE")


def test_dx_invalid__without_icd_table_falls_back_to_shape():
    assert only(scrub(visit(diagnoses=("12345", "M62.81")), data={}), "DX-INVALID")
    assert not only(scrub(visit(diagnoses=("I69.351",)), data={}), "DX-INVALID")


def test_addon_primary__97130_without_97129_fails_with_it_passes():
    assert only(scrub(visit(timed("97130", 15, 1))), "ADDON-PRIMARY")
    assert not only(scrub(visit(timed("97129", 15, 1), timed("97130", 15, 1))), "ADDON-PRIMARY")


def test_addon_primary__97551_with_97550_on_another_same_day_visit_passes():
    first = visit(timed("97550", 30, 1), vid="a")
    addon = visit(timed("97551", 15, 1), vid="b")
    assert only(scrub(visit(timed("97551", 15, 1))), "ADDON-PRIMARY")
    assert not only(scrub(addon, first), "ADDON-PRIMARY")


def test_line_builder_defaults_are_clean():
    assert scrub(visit(line())) == []
