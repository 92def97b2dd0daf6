"""The scale generator: exact open-item counts in the hot store, closed work only in archives."""

from __future__ import annotations

import os
from collections import Counter

import pendulum
import pytest

from otq.demo.scale import generate_scale
from otq.domain import VisitStatus
from otq.queue_defs import load_queue_specs
from otq.services.queues import queue_rows
from otq.store.archive import archive_files, read_archive

TODAY = pendulum.date(2026, 11, 20)


@pytest.fixture(scope="module")
def scale(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "scale.json"
    session, report = generate_scale(path, size="", seed=1, today=TODAY, shape=(3400, 90))
    return session, report


def test_scale__every_open_visit_is_an_item_of_the_coding_queue(scale):
    session, report = scale
    uncoded = [r for r in session.store.all("visits") if r["status"] == VisitStatus.UNCODED.value]
    assert len(uncoded) == report.open_visits == 3400
    spec = next(s for s in load_queue_specs() if s.id == "uncoded")
    assert len(queue_rows(session, spec)) == 3400


def test_scale__copied_patients_have_their_own_ids_and_chart_numbers(scale):
    session, _ = scale
    patients = session.store.all("patients")
    assert len({p["id"] for p in patients}) == len(patients)
    assert len({p["external_id"] for p in patients}) == len(patients)
    visits = session.store.all("visits")
    assert len({v["external_id"] for v in visits}) == len(visits)
    line_ids = [ln["id"] for v in visits for ln in v["lines"]]
    assert len(set(line_ids)) == len(line_ids)
    ids = {p["id"] for p in patients}
    assert all(v["patient_id"] in ids for v in visits)


def test_scale__closed_work_is_in_yearly_archives_and_not_in_the_store(scale):
    session, report = scale
    assert session.store.count("claims") == 0 and session.store.count("denials") == 0
    files = archive_files(session.store.path)
    assert sorted(files) == [TODAY.year - 3, TODAY.year - 2, TODAY.year - 1]
    entries = [e for path in files.values() for e in read_archive(path)]
    tables = Counter(e.table for e in entries)
    assert tables["claims"] == 90 and tables["visits"] >= 90
    claims = [e.record for e in entries if e.table == "claims"]
    denials = [e.record for e in entries if e.table == "denials"]
    assert {c["status"] for c in claims} <= {"paid", "denied"}
    assert len(denials) == sum(c["status"] == "denied" for c in claims)
    assert all(d["status"] == "written_off" for d in denials)
    hot_patients = {r["id"] for r in session.store.all("patients")}
    assert all(e.patient_id in hot_patients for e in entries)
    for year, path in files.items():
        assert all(str(e.record.get("date_of_service", e.record.get("denied_on")))[:4]
                   == str(year) for e in read_archive(path))
    # Claim numbers used in the archives are never issued again.
    assert session.store.meta["counters"]["claim"] >= 90


def test_scale__archives_take_the_store_files_mode(scale):
    session, _ = scale
    mode = os.stat(session.store.path).st_mode & 0o777
    for path in archive_files(session.store.path).values():
        assert os.stat(path).st_mode & 0o777 == mode


def test_scale__the_store_is_left_checkpointed_so_opening_it_replays_no_journal(scale):
    session, _ = scale
    store = session.store
    assert store.journal_bytes() == 0
    assert store.path.stat().st_size > 1_000_000  # the records are in the snapshot
    reopened = type(store).open(store.path)
    assert reopened.journal_bytes() == 0 and reopened.count("visits") == store.count("visits")
    assert reopened.audit.verify()[0] and reopened.audit.tip()["store_seq"] == reopened.meta["seq"]
