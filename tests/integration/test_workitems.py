"""Claim, assign, note and snooze on a real store file."""

from __future__ import annotations

import multiprocessing as mp

import pendulum
import pytest

from otq.domain import Coverage, Patient, Visit
from otq.errors import ConflictError, ValidationError
from otq.services import workitems
from otq.services.session import Session
from otq.services.setup import init_store
from otq.store import Put, Store, encode

TODAY = pendulum.date(2026, 3, 2)


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "store.json"
    session = init_store(path)
    patient = Patient(id="p1", external_id="E1", last_name="Rivera", first_name="Ana",
                      dob=pendulum.date(1950, 1, 1))
    cov = Coverage(id="c1", patient_id="p1", payer_id="medicare", member_id="1EG4TE5MK73")
    visit = Visit(id="v1", external_id="V1", patient_id="p1", coverage_id="c1",
                  provider_id="x", practice_id="y", date_of_service=TODAY.subtract(days=3))
    session.store.commit([Put("patients", encode(patient)), Put("coverages", encode(cov)),
                          Put("visits", encode(visit))], action="test.seed")
    return path


def _session(path, user):
    return Session(store=Store.open(path, user=user), today=TODAY)


def test_claim__takes_then_releases_and_records_history(store_path):
    s = _session(store_path, "ann")
    item = workitems.claim(s, "visit", "v1")
    assert item.assignee == "ann"
    item = workitems.claim(s, "visit", "v1")
    assert item.assignee == ""
    assert [h.what for h in item.history] == ["claimed by ann", "released"]


def test_claim__refused_when_a_colleague_holds_it(store_path):
    workitems.claim(_session(store_path, "ann"), "visit", "v1")
    with pytest.raises(ConflictError, match="held by ann"):
        workitems.claim(_session(store_path, "bob"), "visit", "v1")


def test_claim__stale_session_gets_conflict_not_overwrite(store_path):
    ann, bob = _session(store_path, "ann"), _session(store_path, "bob")
    item, version = workitems.load_item(bob, "visit", "v1")  # bob reads first
    workitems.claim(ann, "visit", "v1")
    with pytest.raises(ConflictError):
        bob.store.commit([Put("workitems", encode(item.__class__(
            id=item.id, subject_type="visit", subject_id="v1", assignee="bob")), version)],
            action="item.claim")
    assert workitems.load_item(_session(store_path, "x"), "visit", "v1")[0].assignee == "ann"


def test_assign__and_note_and_snooze(store_path):
    s = _session(store_path, "sue")
    workitems.assign(s, "visit", "v1", "bob")
    workitems.add_note(s, "visit", "v1", "called the clinic")
    until = workitems.parse_snooze("3d", TODAY)
    item = workitems.snooze(s, "visit", "v1", until)
    assert item.assignee == "bob" and item.notes[0].text == "called the clinic"
    assert item.snoozed_until == TODAY.add(days=3) and item.is_snoozed(TODAY)


@pytest.mark.parametrize("text", ["", "0d", "yesterday", "2026-02-01", "soon"])
def test_parse_snooze__refuses_past_or_unparseable(text):
    with pytest.raises(ValidationError):
        workitems.parse_snooze(text, TODAY)


def test_assign__refuses_non_user_names(store_path):
    with pytest.raises(ValidationError):
        workitems.assign(_session(store_path, "sue"), "visit", "v1", "Robert'); drop")


def _race(path, user, queue):
    s = Session(store=Store.open(path, user=user), today=TODAY)
    try:
        workitems.claim(s, "visit", "v1")
        queue.put((user, "won"))
    except ConflictError:
        queue.put((user, "conflict"))


def test_claim__racing_processes_give_exactly_one_owner(store_path):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_race, args=(store_path, f"user{i}", q)) for i in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    results = [q.get(timeout=5) for _ in procs]
    winners = [u for u, r in results if r == "won"]
    assert len(winners) == 1
    owner = workitems.load_item(_session(store_path, "x"), "visit", "v1")[0].assignee
    assert owner == winners[0]
