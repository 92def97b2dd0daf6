"""otq archive / otq search: closed work leaves the store, stays findable, and is audited."""

from __future__ import annotations

import json
import os

import pendulum
import pytest

from otq.cli import main
from otq.demo.generator import generate_store
from otq.errors import ConflictError
from otq.services.archive import archive_closed, search
from otq.services.session import Session
from otq.store import Put
from otq.store.archive import archive_files, archive_path, merge_into_archive, read_archive

TODAY = pendulum.date(2026, 3, 16)


@pytest.fixture
def store(tmp_path):
    """A demo store where the first 40 submitted claims (by number) were paid."""
    path = tmp_path / "s.json"
    session = generate_store(path, visits=400, seed=5, today=TODAY)
    os.chmod(path, 0o640)
    submitted = sorted((c for c in session.store.all("claims") if c["status"] == "submitted"),
                       key=lambda c: c["patient_control_number"])[:40]
    session.store.commit([Put("claims", {**c, "status": "paid", "paid_amount": "10.00"},
                              c["version"]) for c in submitted], action="test.pay")
    session.store.close()
    return path


def _session(path):
    return Session.open(path, today=TODAY)


def test_archive__paid_claims_and_their_visits_leave_the_store(store):
    session = _session(store)
    paid = {c["id"]: c for c in session.store.all("claims") if c["status"] == "paid"}
    visit_ids = {vid for c in paid.values() for vid in c["visit_ids"]}
    open_before = session.store.count("claims") - len(paid)
    result = archive_closed(session, older_than_days=0)
    assert result.moved["claims"] == 40 and result.moved["visits"] == len(visit_ids)
    assert not any(session.store.get("claims", cid) for cid in paid)
    assert not any(session.store.get("visits", vid) for vid in visit_ids)
    assert session.store.count("claims") == open_before  # open work stays
    archived = {e.id: e for p in archive_files(store).values() for e in read_archive(p)}
    assert set(paid) | visit_ids == set(archived)
    assert all(archived[cid].record == paid[cid] for cid in paid)  # the record as it was
    for path in archive_files(store).values():
        assert os.stat(path).st_mode & 0o777 == 0o640  # as private as the store


def test_archive__the_move_is_in_the_audit_log_with_the_records(store):
    session = _session(store)
    archive_closed(session, older_than_days=0)
    lines = [json.loads(x) for x in store.with_name(store.name + ".audit.jsonl").read_text()
             .splitlines()]
    move = [e for e in lines if e.get("action") == "archive.move"]
    assert len(move) == 1
    claims = [c for c in move[0]["changes"] if c["table"] == "claims"]
    assert len(claims) == 40 and all(c["before"]["status"] == "paid" and c["after"] is None
                                     for c in claims)


def test_archive__younger_work_and_a_dry_run_stay(store):
    session = _session(store)
    assert archive_closed(session, older_than_days=5000).total == 0
    dry = archive_closed(session, older_than_days=0, dry_run=True)
    assert dry.moved["claims"] == 40 and not archive_files(store)
    assert sum(c["status"] == "paid" for c in session.store.all("claims")) == 40


def test_archive__a_record_changed_between_the_steps_is_a_conflict_and_stays(store,
                                                                            monkeypatch):
    session = _session(store)
    victim = next(c for c in session.store.all("claims") if c["status"] == "paid")
    real = session.store.commit

    def someone_edits_first(changes, **kw):
        # Between writing the archive and deleting from the store, the lock is free.
        other = _session(store)
        rec = other.store.get("claims", victim["id"])
        other.store.commit([Put("claims", {**rec, "paid_amount": "11.00"}, rec["version"])],
                           action="test.edit")
        return real(changes, **kw)

    monkeypatch.setattr(session.store, "commit", someone_edits_first)
    with pytest.raises(ConflictError):
        archive_closed(session, older_than_days=0)
    session.refresh()
    assert session.store.get("claims", victim["id"])["paid_amount"] == "11.00"
    hits = [h for h in search(session, victim["patient_control_number"]) if h.id == victim["id"]]
    assert [h.where for h in hits] == ["store"]  # shown once, the store's copy


def test_search__finds_archived_work_by_number_visit_name_and_member_id(store):
    session = _session(store)
    claim = next(c for c in session.store.all("claims") if c["status"] == "paid")
    visit = session.store.get("visits", claim["visit_ids"][0])
    patient = session.store.get("patients", claim["patient_id"])
    member = session.store.get("coverages", claim["coverage_id"])["member_id"]
    archive_closed(session, older_than_days=0)
    year = f"archive {claim['date_of_service'][:4]}"
    by_pcn = search(session, claim["patient_control_number"].lower())
    assert [(h.table, h.id, h.where) for h in by_pcn] == [("claims", claim["id"], year)]
    assert ("visits", visit["id"], year) in {(h.table, h.id, h.where)
                                              for h in search(session, visit["external_id"])}
    for text in (patient["last_name"], member):
        found = {(h.id, h.where) for h in search(session, text)}
        assert (claim["id"], year) in found
        assert any(w == "store" for _, w in found)  # the patient's open work too


def test_search_cli__json_and_exit_code(store, capsys):
    session = _session(store)
    claim = next(c for c in session.store.all("claims") if c["status"] == "paid")
    session.store.close()
    assert main(["archive", "--store", str(store), "--older-than", "0",
                 "--today", TODAY.isoformat()]) == 0
    assert "moved" in capsys.readouterr().out
    assert main(["search", claim["patient_control_number"], "--json", "--store", str(store)]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits[0]["id"] == claim["id"] and hits[0]["where"].startswith("archive ")
    assert main(["search", "ZZNOBODY99", "--store", str(store)]) == 1


def test_archive__merging_replaces_a_record_by_id(tmp_path):
    path = archive_path(tmp_path / "s.json", 2024)
    from otq.store.archive import ArchiveEntry

    merge_into_archive(path, 2024, [ArchiveEntry("claims", "a", "p", {"id": "a", "v": 1}),
                                    ArchiveEntry("claims", "b", "p", {"id": "b", "v": 1})])
    merge_into_archive(path, 2024, [ArchiveEntry("claims", "a", "p", {"id": "a", "v": 2})])
    got = {e.id: e.record["v"] for e in read_archive(path)}
    assert got == {"a": 2, "b": 1}
