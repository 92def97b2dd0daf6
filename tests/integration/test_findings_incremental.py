"""Findings patched after another biller's commits are exactly what a fresh scrub says.

Issue 7: a session watching a 50,000-visit store must see another biller's coding in
milliseconds, so after a commit that touched a few patients ``all_findings`` looks only at
their visits (``scrubbing._patch``). These tests make one-patient commits of every kind
from another store handle and compare the watching session's answer with a whole scrub by
a new session, and check that the patch path was the one taken (so a test that passes
cannot be passing through a full pass).
"""

from __future__ import annotations

import uuid

import pendulum
import pytest

from otq.demo.generator import generate_store
from otq.domain import Authorization, VisitStatus
from otq.scrubber import scrub_visit
from otq.services import coding, scrubbing, workitems
from otq.services import scrub_cache as sc
from otq.services.documents import document_needs, receive_document
from otq.services.eligibility_io import verify_manually
from otq.services.scrubbing import all_findings, scrub_context
from otq.services.session import Session
from otq.store import Delete, Put, encode

TODAY = pendulum.date(2026, 3, 16)


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "p.json"
    generate_store(path, visits=400, seed=8, today=TODAY).store.close()
    return path


def _truth(path) -> dict[str, list]:
    """Every uncoded visit scrubbed by a new session against the whole store."""
    fresh = Session.open(path, today=TODAY)
    ctx = scrub_context(fresh)
    return {v.id: scrub_visit(v, ctx) for v in fresh.entities("visits").values()
            if v.status is VisitStatus.UNCODED}


def _kept(session: Session) -> scrubbing._Kept:
    return session._lasting["scrub-findings"]


def _watching(path) -> Session:
    watcher = Session.open(path, today=TODAY)
    all_findings(watcher)
    assert _kept(watcher).full_passes == 1
    return watcher


def _seen(watcher: Session, path) -> dict[str, list]:
    """What the watcher sees after refreshing; checked against the truth, with no full pass."""
    assert watcher.refresh()
    got = all_findings(watcher)
    assert got == _truth(path)
    assert _kept(watcher).full_passes == 1, "looked at every visit instead of patching"
    return got


def _put(session: Session, table: str, rec: dict, action: str) -> None:
    session.store.commit([Put(table, rec, expected_version=rec.get("version"))], action=action)


def _patient_with_uncoded(session: Session, n: int = 2) -> str:
    """A patient with at least ``n`` uncoded visits."""
    count: dict[str, int] = {}
    for v in session.entities("visits").values():
        if v.status is VisitStatus.UNCODED:
            count[v.patient_id] = count.get(v.patient_id, 0) + 1
    return next(pid for pid, c in count.items() if c >= n)


def _uncoded_of(session: Session, pid: str) -> list[str]:
    return sorted(v.id for v in session.entities("visits").values()
                  if v.patient_id == pid and v.status is VisitStatus.UNCODED)


def test_one_patient_commits_of_every_kind__patched_findings_equal_a_fresh_scrub(store):
    watcher = _watching(store)
    start = dict(all_findings(watcher))
    bob = Session.open(store, today=TODAY)

    # A biller codes visits (fixes applied, saved): the visit, and maybe its status, move.
    for vid in sorted(start)[:3]:
        draft = coding.open_draft(bob, vid)
        for _ in range(5):
            fixes = [f.fix for f in draft.findings() if f.fix is not None and f.is_error]
            if not fixes:
                break
            draft.apply(fixes[0])
        coding.save_draft(draft)
        _seen(watcher, store)

    # A coverage goes inactive: every visit on it is outside verified coverage.
    pid = _patient_with_uncoded(bob)
    vid = _uncoded_of(bob, pid)[0]
    cov = bob.store.get("coverages", bob.entity("visits", vid).coverage_id)
    _put(bob, "coverages", {**cov, "status": "inactive"}, "test.coverage")
    got = _seen(watcher, store)
    assert any(f.rule_id == "ELIG-INACTIVE" for f in got[vid])

    # A verification by phone says the coverage is active again and needs an authorization.
    verify_manually(bob, cov["id"], method="phone", reference="R1", representative="Ann",
                    verified_on=TODAY, active=True, auth_required=True)
    got = _seen(watcher, store)
    assert not any(f.rule_id == "ELIG-INACTIVE" for f in got[vid])

    # An authorization arrives for one visit, for fewer visits than the patient has on it.
    visit = bob.store.get("visits", vid)
    _put(bob, "visits", {**visit, "auth_number": "AUTH-1"}, "test.auth-number")
    other = bob.store.get("visits", _uncoded_of(bob, pid)[1])
    _put(bob, "visits", {**other, "auth_number": "AUTH-1"}, "test.auth-number")
    auth = Authorization(str(uuid.uuid4()), pid, cov["payer_id"], "AUTH-1", 1,
                         TODAY.subtract(years=1), TODAY)
    bob.store.commit([Put("authorizations", encode(auth))], action="test.auth")
    got = _seen(watcher, store)
    assert any(f.rule_id == "AUTH-EXCEEDED" for fs in got.values() for f in fs)

    # A document is received (the first missing one of a patient with uncoded visits).
    uncoded_patients = {bob.entity("visits", v).patient_id for v in got}
    need = next(n for n in sorted(document_needs(bob).values(), key=lambda n: n.id)
                if n.missing and n.patient_id in uncoded_patients)
    receive_document(bob, need.id, received_on=TODAY, reference="fax 1")
    _seen(watcher, store)

    # A visit is moved to another patient, keeping its coverage (now another patient's).
    moved_to = next(p for p in sorted(uncoded_patients) if p != pid)
    visit = bob.store.get("visits", vid)
    _put(bob, "visits", {**visit, "patient_id": moved_to}, "test.move")
    _seen(watcher, store)
    # ... and that coverage changes: the moved visit, no longer its patient's, follows it.
    cov = bob.store.get("coverages", cov["id"])
    _put(bob, "coverages", {**cov, "status": "active", "member_id": ""}, "test.coverage")
    got = _seen(watcher, store)
    assert any(f.rule_id == "MBR-ID" for f in got[vid])

    # A visit is deleted; the patient's others are judged without it.
    gone = _uncoded_of(bob, moved_to)[-1]
    rec = bob.store.get("visits", gone)
    bob.store.commit([Delete("visits", gone, rec["version"])], action="test.delete")
    got = _seen(watcher, store)
    assert gone not in got
    assert got != start


def test_work_item_commits__cost_nothing(store, monkeypatch):
    watcher = _watching(store)
    before = all_findings(watcher)
    bob = Session.open(store, today=TODAY)
    vid = next(iter(before))
    workitems.claim(bob, "visit", vid)
    workitems.add_note(bob, "visit", vid, "called the clinic")

    def refuse(*_args, **_kwargs):
        raise AssertionError("work done for a work-item commit")

    monkeypatch.setattr(sc, "patient_keys", refuse)
    monkeypatch.setattr(scrubbing, "scrub_visit", refuse)
    monkeypatch.setattr(sc, "rules_fingerprint", refuse)
    assert watcher.refresh()
    assert all_findings(watcher) is before


def test_a_shared_table_change__looks_at_every_visit(store):
    watcher = _watching(store)
    bob = Session.open(store, today=TODAY)
    payer = bob.store.all("payers")[0]
    _put(bob, "payers", {**payer, "name": payer["name"] + " (new address)"}, "test.payer")
    watcher.refresh()
    assert all_findings(watcher) == _truth(store)
    assert _kept(watcher).full_passes == 2


# --------------------------------------------------- the tests above catch a broken patch
def _blank_first_name(bob: Session, pid: str) -> None:
    patient = bob.store.get("patients", pid)
    _put(bob, "patients", {**patient, "first_name": ""}, "test.patient")


def test_a_patch_that_rescans_only_the_changed_records__would_be_caught(store, monkeypatch):
    watcher = _watching(store)
    bob = Session.open(store, today=TODAY)
    pid = _patient_with_uncoded(bob)
    _blank_first_name(bob, pid)
    # The mutation: a patient's records changed, but their visits are not looked at.
    monkeypatch.setattr(scrubbing, "records_of", lambda *_args: set())
    watcher.refresh()
    assert all_findings(watcher) != _truth(store)
    assert _kept(watcher).full_passes == 1


def test_a_patch_that_forgets_visits_on_another_patients_coverage__would_be_caught(store):
    watcher = _watching(store)
    bob = Session.open(store, today=TODAY)
    pid = _patient_with_uncoded(bob)
    vid = _uncoded_of(bob, pid)[0]
    other = next(p for p in sorted(bob.records("patients")) if p != pid)
    visit = bob.store.get("visits", vid)
    _put(bob, "visits", {**visit, "patient_id": other}, "test.move")
    _seen(watcher, store)
    _kept(watcher).xref.clear()  # the mutation: the moved visit is not found by its coverage
    cov = bob.store.get("coverages", visit["coverage_id"])
    _put(bob, "coverages", {**cov, "member_id": ""}, "test.coverage")
    watcher.refresh()
    assert all_findings(watcher) != _truth(store)
