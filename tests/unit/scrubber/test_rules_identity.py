"""Links, demographics, member ids, NPIs and dates."""

from __future__ import annotations

from dataclasses import replace

import pendulum
import pytest

from otq.domain import Patient, Practice, Provider
from otq.scrubber import scrub_visit
from otq.scrubber.identifiers import mbi_problem, npi_problem
from tests.unit.scrubber.builders import DOS, TODAY, ids, only, scrub, visit, world


def _patient(**kw):
    base = dict(id="p1", external_id="P-1", last_name="Doe", first_name="Jane",
                dob=pendulum.date(1950, 1, 1))
    base.update(kw)
    return Patient(**base)


def test_clean_visit__has_no_findings():
    assert scrub(visit()) == []


@pytest.mark.parametrize("last", ["", "D0e", "Doe~", "Do*e", "Doe:", "Do^e", "Do\x07e"])
def test_pat_name__bad_last_name_is_an_error(last):
    found = only(scrub(visit(), patient=_patient(last_name=last)), "PAT-NAME")
    assert len(found) == 1 and found[0].field == "patient.last_name"
    assert last.strip() == "" or last not in found[0].message  # no PHI echoed


def test_pat_name__hyphenated_and_apostrophe_names_pass():
    assert not only(scrub(visit(), patient=_patient(last_name="O'Neil-Smith")), "PAT-NAME")


def test_pat_dob__day_after_dos_is_an_error_and_the_dos_itself_is_not():
    after = scrub(visit(), patient=_patient(dob=DOS.add(days=1)))
    assert ids(only(after, "PAT-DOB")) == ["PAT-DOB"]
    assert not only(scrub(visit(), patient=_patient(dob=DOS)), "PAT-DOB")


@pytest.mark.parametrize("dob, bad", [(None, True), ("1950-01-01", True),
                                      (TODAY.add(days=1), True),
                                      (DOS.subtract(years=120), False),
                                      (DOS.subtract(years=121), True)])
def test_pat_dob__missing_unparseable_future_and_age_limit(dob, bad):
    assert bool(only(scrub(visit(), patient=_patient(dob=dob)), "PAT-DOB")) is bad


@pytest.mark.parametrize("mbi", ["1EG4TE5MK73", "1eg4-te5-mk73", "1EG4 TE5 MK73"])
def test_mbr_id__valid_mbi_in_card_forms_passes(mbi):
    assert mbi_problem(mbi) is None


@pytest.mark.parametrize("mbi, why", [("1EG4TE5MK7", "11 characters"),
                                      ("1EG4TS5MK73", "S"), ("1EG4TE5MKB3", "B"),
                                      ("0EG4TE5MK73", "position 1"),
                                      ("1EG4TE5MK7A", "position 11"), ("", "missing")])
def test_mbr_id__invalid_mbi_explains_why(mbi, why):
    assert why in mbi_problem(mbi)


def test_mbr_id__forbidden_letter_fails_for_medicare_only():
    ctx = world(visit())
    bad = {k: replace(c, member_id="1EG4TE5MKO3") for k, c in ctx.coverages.items()}
    assert ids(only(scrub(visit(), coverages=bad), "MBR-ID")) == ["MBR-ID"]
    assert not only(scrub(visit(profile="commercial", lines=()), coverages=bad), "MBR-ID")


def test_mbr_id__missing_member_id_fails_any_payer():
    ctx = world(visit())
    empty = {k: replace(c, member_id=" ") for k, c in ctx.coverages.items()}
    assert only(scrub(visit(profile="commercial"), coverages=empty), "MBR-ID")


def test_npi__cms_examples_pass_and_bad_check_digit_fails():
    assert npi_problem("1234567893") is None
    assert npi_problem("1558598797") is None
    assert "check digit" in npi_problem("1234567890")
    assert "(the last digit would be 3)" in npi_problem("1234567894")
    assert "10 digits" in npi_problem("12345")
    assert "start with 1" in npi_problem("3234567893") or npi_problem("3234567893")


def test_npi__bad_rendering_npi_is_reported_on_the_provider():
    prov = Provider(id="prov1", npi="1558598790", last_name="Lee", first_name="Anna")
    found = only(scrub(visit(), provider=prov), "NPI")
    assert [f.field for f in found] == ["provider.npi"]


def test_npi__referring_required_for_medicare_not_for_commercial():
    assert only(scrub(visit(referring_npi="")), "NPI")
    assert not only(scrub(visit(profile="commercial", referring_npi="")), "NPI")


def test_npi__billing_npi_missing_is_an_error():
    prac = Practice(id="prac1", name="Acme", npi="", tin="1")
    assert [f.field for f in only(scrub(visit(), practice=prac), "NPI")] == ["practice.npi"]


def test_link_missing__unknown_coverage_and_provider_are_reported_without_crashing():
    v = visit(coverage_id="nope", provider_id="ghost")
    found = only(scrub(v), "LINK-MISSING")
    assert {f.field for f in found} == {"coverage_id", "provider_id"}


def test_dos_future__tomorrow_fails_today_passes():
    assert only(scrub(visit(dos=TODAY.add(days=1))), "DOS-FUTURE")
    assert not only(scrub(visit(dos=TODAY)), "DOS-FUTURE")


def test_visit_no_lines__empty_visit_is_an_error():
    v = visit()
    v = replace(v, lines=())
    assert only(scrub_visit(v, world(v)), "VISIT-NO-LINES")
