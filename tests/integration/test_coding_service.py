"""The coding workflow: a draft with live findings, fixes, undo, save and stale-save conflicts."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from otq.domain import (
    Address,
    Coverage,
    Credential,
    Patient,
    Practice,
    Provider,
    ServiceLine,
    Visit,
    VisitStatus,
)
from otq.errors import ConflictError
from otq.services import coding
from otq.services.session import Session
from otq.services.setup import init_store
from otq.store import Put, Store, encode

TODAY = pendulum.date(2026, 3, 2)
DOS = pendulum.date(2026, 2, 23)


def _visit(**kw) -> Visit:
    lines = (
        ServiceLine(id="l1", cpt="97110", modifiers=(), minutes=33, units=3, dx_pointers=(1,),
                    charge=Decimal("90.00")),
        ServiceLine(id="l2", cpt="97140", modifiers=("GO",), minutes=7, units=0,
                    dx_pointers=(1,), charge=Decimal("40.00")),
    )
    base = dict(id="v1", external_id="V-1001", patient_id="p1", coverage_id="c1",
                provider_id="pr1", practice_id="pa1", date_of_service=DOS, lines=lines,
                diagnoses=("M25.5",), note_signed=True, poc_start=pendulum.date(2026, 2, 1),
                poc_end=pendulum.date(2026, 4, 30), referring_npi="1558598797",
                last_progress_report=pendulum.date(2026, 2, 20))
    base.update(kw)
    return Visit(**base)


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "store.json"
    s = init_store(path)
    addr = Address("12 MAIN ST", "HARRISBURG", "PA", "17101")
    records = [
        Put("practices", encode(Practice(id="pa1", name="ACME OT", npi="1234567893",
                                         tin="251234567", address=addr))),
        Put("providers", encode(Provider(id="pr1", npi="1245319599", last_name="LEE",
                                         first_name="ANNA", credential=Credential.OT,
                                         practice_id="pa1"))),
        Put("patients", encode(Patient(id="p1", external_id="P1", last_name="DOE",
                                       first_name="JOHN", dob=pendulum.date(1948, 5, 1),
                                       sex="M", address=addr))),
        Put("coverages", encode(Coverage(id="c1", patient_id="p1", payer_id="medicare",
                                         member_id="1EG4TE5MK73"))),
        Put("visits", encode(_visit())),
    ]
    s.store.commit(records, action="test.seed")
    return path


def _session(path, user="coder"):
    return Session(store=Store.open(path, user=user), today=TODAY)


def _ids(findings):
    return {f.rule_id for f in findings if f.is_error}


def test_draft__shows_missing_go_wrong_units_and_unbillable_dx(store_path):
    draft = coding.open_draft(_session(store_path), "v1")
    ids = _ids(draft.findings())
    assert {"MOD-DISCIPLINE", "UNITS-TIMED", "DX-NOT-BILLABLE"} <= ids
    assert draft.working().startswith("40 timed min -> 3 units")


def test_draft__every_offered_fix_then_a_billable_dx_makes_it_clean_and_save_creates_claim(store_path):
    session = _session(store_path)
    draft = coding.open_draft(session, "v1")
    for _ in range(5):
        fixes = [f.fix for f in draft.findings() if f.fix is not None and f.is_error
                 and f.rule_id != "DX-NOT-BILLABLE"]
        if not fixes:
            break
        draft.apply(fixes[0])
    draft.set_diagnoses("M25.511")
    assert _ids(draft.findings()) == set()
    units = {ln.cpt: ln.units for ln in draft.visit.lines}
    assert units == {"97110": 2, "97140": 1}  # CMS: 33 + 7 min -> 2 + 1
    assert all("GO" in ln.modifiers for ln in draft.visit.lines)
    result = coding.save_draft(draft)
    assert result.coded and result.claim_number.startswith("OTQ")
    fresh = _session(store_path)
    assert fresh.entity("visits", "v1").status is VisitStatus.CODED
    (claim,) = fresh.entities("claims").values()
    assert claim.diagnoses == ("M25.511",) and len(claim.lines) == 2


def test_draft__minutes_drive_units_until_set_by_hand(store_path):
    draft = coding.open_draft(_session(store_path), "v1")
    draft.set_minutes(0, "38")
    assert draft.visit.lines[0].units == 3  # 38 + 7 = 45 min -> 3 units, all on 97110
    draft.set_units(0, "4")
    assert draft.visit.lines[0].units_manual
    draft.set_minutes(0, "20")
    assert draft.visit.lines[0].units == 4  # manual units stay put
    assert "UNITS-TIMED" in _ids(draft.findings())


def test_draft__undo_walks_back_unsaved_changes(store_path):
    draft = coding.open_draft(_session(store_path), "v1")
    draft.set_modifiers(0, "GO")
    draft.set_minutes(0, "45")
    assert draft.undo() == "line 1 minutes"
    assert draft.undo() == "line 1 modifiers"
    assert draft.undo() is None
    assert not draft.dirty


def test_save__stale_draft_is_refused_with_who_and_nothing_overwritten(store_path):
    mine = coding.open_draft(_session(store_path, "ann"), "v1")
    theirs = coding.open_draft(_session(store_path, "bob"), "v1")
    theirs.set_modifiers(0, "GO")
    coding.save_draft(theirs)
    mine.set_minutes(0, "50")
    with pytest.raises(ConflictError, match="changed by bob"):
        coding.save_draft(mine)
    stored = _session(store_path).entity("visits", "v1")
    assert stored.lines[0].modifiers == ("GO",) and stored.lines[0].minutes == 33


def test_revert_last_save__compensates_and_withdraws_unsubmitted_claim(store_path):
    session = _session(store_path)
    draft = coding.open_draft(session, "v1")
    draft.set_modifiers(0, "GO")
    draft.set_diagnoses("M25.511")
    draft.set_units(0, "")
    draft.set_minutes(0, "33")
    assert coding.save_draft(draft).coded
    what = coding.revert_last_save(_session(store_path), "v1")
    fresh = _session(store_path)
    assert "undid the save" in what
    assert fresh.entity("visits", "v1").status is VisitStatus.UNCODED
    assert fresh.entity("visits", "v1").diagnoses == ("M25.5",)
    assert fresh.entities("claims") == {}
