"""Scrub results kept across commits and sessions are exactly what a fresh scrub says."""

from __future__ import annotations

import pendulum
import pytest

from otq.demo.generator import generate_store
from otq.domain import VisitStatus
from otq.scrubber import scrub_visit
from otq.services import scrubbing
from otq.services.decoding import fast_decode
from otq.services.scrub_cache import cache_path
from otq.services.scrubbing import all_findings, scrub_context
from otq.services.session import ENTITY_TYPES, Session
from otq.store import Put, decode

TODAY = pendulum.date(2026, 3, 16)


@pytest.fixture
def demo(tmp_path):
    path = tmp_path / "demo.json"
    generate_store(path, visits=400, seed=5, today=TODAY).store.close()
    return path


def _fresh(session: Session) -> dict[str, list]:
    ctx = scrub_context(session)
    return {v.id: scrub_visit(v, ctx) for v in session.entities("visits").values()
            if v.status is VisitStatus.UNCODED}


def test_fast_decode__gives_the_codecs_objects_for_every_record(demo):
    session = Session.open(demo, today=TODAY)
    for table, cls in ENTITY_TYPES.items():
        for rec in session.store.all(table):
            assert fast_decode(cls, rec) == decode(cls, rec), (table, rec["id"])


def test_scrub_cache__a_new_session_reads_findings_without_scrubbing(demo, monkeypatch):
    first = Session.open(demo, today=TODAY)
    expected = all_findings(first)
    assert cache_path(first).exists()
    monkeypatch.setattr(scrubbing, "scrub_visit", _refuse)
    second = Session.open(demo, today=TODAY)
    assert all_findings(second) == expected == _fresh_unpatched(second)


def _refuse(*_args, **_kw):
    raise AssertionError("scrubbed a visit the cache holds")


def _fresh_unpatched(session: Session) -> dict[str, list]:
    ctx = scrub_context(session)
    from otq.scrubber import scrub_visit as real

    return {v.id: real(v, ctx) for v in session.entities("visits").values()
            if v.status is VisitStatus.UNCODED}


def test_scrub_cache__another_day_scrubs_again(demo):
    all_findings(Session.open(demo, today=TODAY))
    later = Session.open(demo, today=TODAY.add(days=400))  # past every filing limit
    got = all_findings(later)
    assert got == _fresh(later)
    assert any(f.rule_id == "FILING-LIMIT" for fs in got.values() for f in fs)


def test_scrub_cache__a_patient_change_rescrubs_only_that_patients_visits(demo):
    session = Session.open(demo, today=TODAY)
    before = all_findings(session)
    visit = next(session.entity("visits", vid) for vid in before)
    patient = session.store.get("patients", visit.patient_id)
    session.store.commit([Put("patients", {**patient, "first_name": ""}, patient["version"])],
                         action="test.edit")
    after = all_findings(session)
    assert after == _fresh(session)
    assert any(f.rule_id == "PAT-NAME" for f in after[visit.id])
    others = [vid for vid in before if session.entity("visits", vid).patient_id != visit.patient_id]
    assert others and all(after[vid] is before[vid] for vid in others)  # reused, not re-scrubbed


def test_scrub_cache__a_visit_coded_elsewhere_leaves_the_findings(demo):
    session = Session.open(demo, today=TODAY)
    vid = next(iter(all_findings(session)))
    rec = session.store.get("visits", vid)
    other = Session.open(demo, today=TODAY)
    other.store.commit([Put("visits", {**rec, "status": "void"}, rec["version"])],
                       action="test.void")
    session.refresh()
    assert vid not in all_findings(session)
    assert all_findings(session) == _fresh(session)


def test_scrub_cache__a_damaged_cache_file_is_ignored(demo):
    session = Session.open(demo, today=TODAY)
    expected = all_findings(session)
    cache_path(session).write_bytes(b"{not json")
    assert all_findings(Session.open(demo, today=TODAY)) == expected
