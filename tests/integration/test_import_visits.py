"""Importing visit CSVs into a real store file: all or nothing, idempotent, keyed on EHR ids."""

from __future__ import annotations

import pendulum
import pytest

from otq.domain import VisitStatus
from otq.errors import ValidationError
from otq.services.imports import import_visits
from otq.services.session import Session
from otq.services.setup import init_store
from tests.unit.importers.helpers import SAMPLE, build, column

TODAY = pendulum.date(2026, 3, 16)


@pytest.fixture
def session(tmp_path):
    s = init_store(tmp_path / "store.json", practice_name="Schuylkill Valley Occupational Therapy",
                   practice_npi="2567890126", practice_tin="231234567")
    s.today = TODAY
    return s


def write(tmp_path, data: bytes, name: str = "visits.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def seq(session: Session) -> int:
    session.refresh()
    return session.store.meta["seq"]


def test_import__bom_and_bad_date_rejected_whole_naming_line_and_column(session, tmp_path):
    path = write(tmp_path, build({(6, "date_of_service"): "03/04/2026"}, bom=True, crlf=True))
    before = seq(session)
    with pytest.raises(ValidationError) as err:
        import_visits(session, path)
    assert err.value.problems == [f"{path}:6:{column('date_of_service')}: date_of_service: not a "
                                  "date in YYYY-MM-DD form"]
    assert seq(session) == before
    assert session.store.count("visits") == 0 and session.store.count("patients") == 0


def test_import__fixed_file_imports_and_clean_visits_become_claims(session, tmp_path):
    result = import_visits(session, write(tmp_path, build(bom=True, crlf=True)))
    assert (result.visits_added, result.lines, result.patients_added) == (10, 20, 6)
    assert (result.providers_added, result.practices_added) == (4, 1)
    assert (result.coverages_added, result.authorizations_added) == (6, 1)
    assert session.store.count("visits") == 10
    assert result.claims_created == session.store.count("claims") > 0
    statuses = {v.external_id: v.status for v in session.entities("visits").values()}
    assert statuses["V100302"] is VisitStatus.UNCODED  # unsigned note
    assert statuses["V100322"] is VisitStatus.UNCODED  # no minutes, units or charge yet


def test_import__keeps_leading_zeros_and_links_records(session, tmp_path):
    import_visits(session, write(tmp_path, build()))
    patients = {p.external_id: p for p in session.entities("patients").values()}
    assert patients["P004417"].address.zip == "08003"
    covs = {c.member_id for c in session.entities("coverages").values()}
    assert "0012874463" in covs
    v = next(v for v in session.entities("visits").values() if v.external_id == "V100248")
    assert v.diagnoses == ("I69.351", "R27.8", "M62.81")  # in order of first use
    assert [ln.dx_pointers for ln in v.lines] == [(1, 2), (2,), (1, 3)]
    assert [ln.modifiers for ln in v.lines][0] == ("GO", "CO")
    assert all(ln.furnished_by == "OTA" for ln in v.lines)
    hand = next(v for v in session.entities("visits").values() if v.external_id == "V100290")
    assert session.entity("practices", hand.practice_id).npi == "2123456784"


def test_import__second_import_of_same_file_changes_nothing(session, tmp_path):
    path = write(tmp_path, build())
    import_visits(session, path)
    before = seq(session)
    counts = {t: session.store.count(t) for t in ("visits", "patients", "claims", "coverages")}
    result = import_visits(session, path)
    assert result.visits_unchanged == 10 and not result.changed
    assert (result.visits_added, result.patients_added, result.claims_created) == (0, 0, 0)
    assert seq(session) == before
    assert {t: session.store.count(t) for t in counts} == counts


def test_import__dry_run_reports_counts_and_writes_nothing(session, tmp_path):
    before = seq(session)
    result = import_visits(session, write(tmp_path, build()), dry_run=True)
    assert result.dry_run and result.visits_added == 10 and result.patients_added == 6
    assert seq(session) == before and session.store.count("visits") == 0
    assert "nothing was written" in result.summary()


def test_import__changed_row_updates_uncoded_visit_and_skips_coded_one(session, tmp_path):
    import_visits(session, write(tmp_path, build()))
    visits = {v.external_id: v for v in session.entities("visits").values()}
    assert visits["V100231"].status is VisitStatus.CODED
    edits = {(17, "note_signed"): "Y", (18, "note_signed"): "Y",  # V100302 now signed
             (2, "charge"): "215.00"}  # V100231 is on a claim already
    result = import_visits(session, write(tmp_path, build(edits), "v2.csv"))
    assert (result.visits_updated, result.visits_skipped) == (1, 1)
    assert result.skipped_visit_ids == ["V100231"]
    visits = {v.external_id: v for v in session.entities("visits").values()}
    assert visits["V100302"].note_signed is True
    assert str(visits["V100231"].lines[0].charge) == "210.00"


def test_import__file_with_three_problems_lists_all_three(session, tmp_path):
    edits = {(3, "patient_dob"): "19460719", (9, "member_id"): "=1+1", (14, "payer_id"): "bcbs"}
    with pytest.raises(ValidationError) as err:
        import_visits(session, write(tmp_path, build(edits)))
    assert len(err.value.problems) == 3
    assert [p.split(":")[1] for p in err.value.problems] == ["3", "9", "14"]
    assert "3 problem(s); nothing was imported" in str(err.value)


def test_import__blank_billing_npi_without_default_practice_is_a_problem(tmp_path):
    session = init_store(tmp_path / "bare.json")
    with pytest.raises(ValidationError) as err:
        import_visits(session, write(tmp_path, build()))
    assert err.value.problems[0].endswith("billing_npi: blank, and the store has no default "
                                          "practice; fill billing_npi or create one with otq init")


def test_import__sample_file_is_the_one_in_tests_data(session):
    result = import_visits(session, SAMPLE, dry_run=True)
    assert result.lines == 20
