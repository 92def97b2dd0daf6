"""Which patients commits touched: the key to patching derived state patient by patient."""

from __future__ import annotations

import pendulum
import pytest

from otq.demo.generator import generate_store
from otq.services import patient_changes
from otq.services.patient_changes import records_of, touched
from otq.services.session import Session
from otq.store import Delete, Put

TODAY = pendulum.date(2026, 3, 16)


@pytest.fixture
def sessions(tmp_path):
    path = tmp_path / "p.json"
    generate_store(path, visits=120, seed=3, today=TODAY).store.close()
    watcher = Session.open(path, today=TODAY)
    touched(watcher, 0)  # the index, as of now
    return watcher, Session.open(path, today=TODAY)


def _seq(s):
    return s.store.meta.get("seq", 0)


def _put(s, table, rec, **changes):
    s.store.commit([Put(table, {**rec, **changes}, expected_version=rec["version"])],
                   action="test.put")


def test_coding_a_visit__touches_its_patient_only(sessions):
    watcher, biller = sessions
    at = _seq(watcher)
    visit = biller.store.all("visits")[0]
    _put(biller, "visits", visit, notes="seen")
    watcher.refresh()
    assert touched(watcher, at) == {visit["patient_id"]}
    assert touched(watcher, _seq(watcher)) == set()


def test_a_visit_moved_to_another_patient__touches_both_and_moves_in_the_index(sessions):
    watcher, biller = sessions
    at = _seq(watcher)
    visits = biller.store.all("visits")
    visit = visits[0]
    other = next(v["patient_id"] for v in visits if v["patient_id"] != visit["patient_id"])
    _put(biller, "visits", visit, patient_id=other)
    watcher.refresh()
    assert touched(watcher, at) == {visit["patient_id"], other}
    assert visit["id"] in records_of(watcher, "visits", other)
    assert visit["id"] not in records_of(watcher, "visits", visit["patient_id"])


def test_a_deleted_record__touches_the_patient_it_was(sessions):
    watcher, biller = sessions
    at = _seq(watcher)
    auth = biller.store.all("authorizations")[0]
    biller.store.commit([Delete("authorizations", auth["id"], expected_version=auth["version"])],
                        action="test.delete")
    watcher.refresh()
    assert touched(watcher, at) == {auth["patient_id"]}
    assert auth["id"] not in records_of(watcher, "authorizations", auth["patient_id"])


def test_shared_tables_and_old_points__cannot_be_told(sessions, monkeypatch):
    watcher, biller = sessions
    at = _seq(watcher)
    payer = biller.store.all("payers")[0]
    _put(biller, "payers", payer, name=payer["name"] + " ")
    watcher.refresh()
    assert touched(watcher, at) is None
    assert touched(watcher, at, tables={"visits"}) == set()
    assert touched(watcher, at - 1) is None  # before the index began
    # a short history: the oldest steps fall away
    monkeypatch.setattr(patient_changes, "HISTORY", 2)
    fresh = Session.open(watcher.store.path, today=TODAY)
    touched(fresh, 0)
    start = _seq(fresh)
    for note in ("a", "b", "c"):
        visit = biller.store.all("visits")[0]
        _put(biller, "visits", visit, notes=note)
        fresh.refresh()
        touched(fresh, start)
    assert touched(fresh, start) is None
    assert touched(fresh, _seq(fresh) - 1) == {visit["patient_id"]}
