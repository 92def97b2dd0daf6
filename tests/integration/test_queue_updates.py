"""Queue rows patched after owner-only commits equal rows built from scratch."""

from __future__ import annotations

import pendulum
import pytest

from otq.demo.generator import generate_store
from otq.domain import Visit
from otq.queue_defs import load_queue_specs
from otq.services import queues, workitems
from otq.services.queues import queue_counts, queue_rows
from otq.services.session import Session
from otq.store import Put, encode

TODAY = pendulum.date(2026, 3, 16)
SPECS = {s.id: s for s in load_queue_specs()}


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "p.json"
    generate_store(path, visits=400, seed=8, today=TODAY).store.close()
    return path


def _fresh(path):
    s = Session.open(path, today=TODAY)
    return {sid: queue_rows(s, spec) for sid, spec in SPECS.items()}, queue_counts(
        s, list(SPECS.values()))


def _watching(path):
    """A session that has built every queue (as a biller's TUI has), then is told not to
    build again: only patching can bring it up to date."""
    s = Session.open(path, today=TODAY)
    for spec in SPECS.values():
        queue_rows(s, spec)
    queue_counts(s, list(SPECS.values()))
    return s


def _no_rebuilds(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("rebuilt instead of patched")
    monkeypatch.setattr(queues, "_subjects", refuse)


def test_owner_changes__are_patched_into_the_rows_and_counts(store, monkeypatch):
    watcher = _watching(store)
    biller = Session.open(store, today=TODAY)
    uncoded = queue_rows(biller, SPECS["uncoded"])
    ready = queue_rows(biller, SPECS["ready"])
    workitems.claim(biller, "visit", uncoded[0].subject_id)
    workitems.assign(biller, "visit", uncoded[1].subject_id, "bob")
    workitems.add_note(biller, "claim", ready[0].subject_id, "called the payer")
    workitems.snooze(biller, "visit", uncoded[2].subject_id, TODAY.add(days=5))
    _no_rebuilds(monkeypatch)
    assert watcher.refresh()
    rows = {sid: queue_rows(watcher, spec) for sid, spec in SPECS.items()}
    counts = queue_counts(watcher, list(SPECS.values()))
    monkeypatch.undo()
    want_rows, want_counts = _fresh(store)
    assert rows == want_rows
    assert counts == want_counts
    assert rows["uncoded"][0].assignee == biller.user
    assert rows["uncoded"][1].cells[-1] == "bob"
    assert uncoded[2].subject_id not in {r.subject_id for r in rows["uncoded"]}


def test_counts_alone__are_patched_for_queues_never_opened(store, monkeypatch):
    watcher = Session.open(store, today=TODAY)
    queue_counts(watcher, list(SPECS.values()))  # the tabs: counted, no rows built
    biller = Session.open(store, today=TODAY)
    target = queue_rows(biller, SPECS["uncoded"])[0].subject_id
    workitems.snooze(biller, "visit", target, TODAY.add(days=2))
    _no_rebuilds(monkeypatch)
    watcher.refresh()
    counts = queue_counts(watcher, list(SPECS.values()))
    monkeypatch.undo()
    assert counts == _fresh(store)[1]


def test_a_row_back_from_a_snooze__is_rebuilt_and_shown(store):
    biller = Session.open(store, today=TODAY)
    target = queue_rows(biller, SPECS["uncoded"])[0].subject_id
    workitems.snooze(biller, "visit", target, TODAY.add(days=5))
    watcher = _watching(store)
    assert target not in {r.subject_id for r in queue_rows(watcher, SPECS["uncoded"])}
    workitems.snooze(biller, "visit", target, TODAY)  # snoozed until today: back now
    watcher.refresh()
    assert queue_rows(watcher, SPECS["uncoded"]) == _fresh(store)[0]["uncoded"]
    assert target in {r.subject_id for r in queue_rows(watcher, SPECS["uncoded"])}


def test_any_other_change__rebuilds(store):
    watcher = _watching(store)
    biller = Session.open(store, today=TODAY)
    row = queue_rows(biller, SPECS["uncoded"])[0]
    visit: Visit = biller.entity("visits", row.subject_id)
    rec = encode(visit)
    rec["lines"] = []  # a visit with no lines: its findings and row change
    biller.store.commit([Put("visits", rec, expected_version=biller.version(
        "visits", visit.id))], action="test.edit")
    watcher.refresh()
    assert queue_rows(watcher, SPECS["uncoded"]) == _fresh(store)[0]["uncoded"]



def test_coding_visits__patches_that_patients_rows_in_every_queue(store, monkeypatch):
    from otq.services import coding, queue_build

    watcher = _watching(store)
    biller = Session.open(store, today=TODAY)
    coded = 0
    for row in queue_rows(biller, SPECS["uncoded"])[:12]:
        draft = coding.open_draft(biller, row.subject_id)
        for _ in range(5):  # every offered fix, as a coder pressing F would
            fixes = [f.fix for f in draft.findings() if f.fix is not None and f.is_error]
            if not fixes:
                break
            draft.apply(fixes[0])
        coded += coding.save_draft(draft).coded
    assert coded  # some became ready claims: rows leave one queue and enter another
    build = queue_build._build

    def only_patients(session, spec, built, only=None):
        assert only is not None, f"{spec.id} rebuilt instead of patched"
        return build(session, spec, built, only)

    monkeypatch.setattr(queue_build, "_build", only_patients)
    watcher.refresh()
    rows = {sid: queue_rows(watcher, spec) for sid, spec in SPECS.items()}
    counts = queue_counts(watcher, list(SPECS.values()))
    monkeypatch.undo()
    want_rows, want_counts = _fresh(store)
    assert rows == want_rows
    assert {k: counts[k] for k in rows} == want_counts


def _code_some(biller, n):
    from otq.services import coding

    coded = 0
    for row in queue_rows(biller, SPECS["uncoded"])[:n]:
        draft = coding.open_draft(biller, row.subject_id)
        for _ in range(5):
            fixes = [f.fix for f in draft.findings() if f.fix is not None and f.is_error]
            if not fixes:
                break
            draft.apply(fixes[0])
        coded += coding.save_draft(draft).coded
    return coded


def test_coding_visits__patches_the_counts_of_queues_never_opened(store, monkeypatch):
    from otq.services import queue_build

    watcher = Session.open(store, today=TODAY)
    queue_counts(watcher, list(SPECS.values()))  # the tabs only
    biller = Session.open(store, today=TODAY)
    assert _code_some(biller, 8)
    members = queue_build._members

    def only_patients(session, spec, built, only):
        assert only is not None, f"{spec.id} counted again instead of patched"
        return members(session, spec, built, only)

    monkeypatch.setattr(queue_build, "_members", only_patients)
    watcher.refresh()
    counts = queue_counts(watcher, list(SPECS.values()))
    monkeypatch.undo()
    assert counts == _fresh(store)[1]


def test_derived_state__patched_after_commits_equals_a_fresh_session(store):
    from otq.services.document_cache import document_needs
    from otq.services.eligibility import latest_verifications, pending_eligibility

    watcher = _watching(store)
    document_needs(watcher)
    pending_eligibility(watcher)
    biller = Session.open(store, today=TODAY)
    _code_some(biller, 6)
    # a scheduled visit moves a day, and a coverage goes inactive
    visit = next(v for v in biller.store.all("visits") if v["status"] == "scheduled")
    biller.store.commit([Put("visits", {**visit, "date_of_service": TODAY.add(days=1)
                                        .isoformat()}, expected_version=visit["version"])],
                        action="test.move")
    cov = biller.store.all("coverages")[0]
    biller.store.commit([Put("coverages", {**cov, "status": "inactive"},
                             expected_version=cov["version"])], action="test.cov")
    watcher.refresh()
    fresh = Session.open(store, today=TODAY)
    assert document_needs(watcher) == document_needs(fresh)
    assert pending_eligibility(watcher) == pending_eligibility(fresh)
    assert latest_verifications(watcher) == latest_verifications(fresh)
    for table in ("visits", "coverages", "claims"):
        assert watcher.entities(table) == fresh.entities(table)
        assert list(watcher.entities(table)) == list(fresh.entities(table))
