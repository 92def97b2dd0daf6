"""Needed documents worked out patient by patient equal the whole-store computation."""

from __future__ import annotations

import pendulum

from otq.demo.generator import generate_store
from otq.services import document_cache, documents
from otq.services.session import Session
from otq.store import Put

TODAY = pendulum.date(2026, 3, 16)


def _whole(path) -> dict:
    return documents.document_needs(Session.open(path, today=TODAY))  # the original build


def test_document_needs__by_patient_equal_the_whole_store_before_and_after_an_edit(tmp_path):
    path = tmp_path / "demo.json"
    generate_store(path, visits=400, seed=5, today=TODAY).store.close()
    session = Session.open(path, today=TODAY)
    before = document_cache.document_needs(session)
    assert before and before == _whole(path)
    need = next(n for n in before.values() if len(n.visit_ids) == 1)
    visit = session.store.get("visits", need.visit_ids[0])
    session.store.commit([Put("visits", {**visit, "status": "void"}, visit["version"])],
                         action="test.void")
    after = document_cache.document_needs(session)
    assert after == _whole(path)
    assert need.id not in after
    untouched = [nid for nid, n in before.items()
                 if n.patient_id != need.patient_id and n.document is None]
    assert untouched and all(after[nid] is before[nid] for nid in untouched)
    # The documents screens read the same answer for this store state.
    assert documents.document_needs(session) is after


def test_document_needs__a_new_session_reads_them_from_the_cache_file(tmp_path, monkeypatch):
    path = tmp_path / "demo.json"
    generate_store(path, visits=400, seed=5, today=TODAY).store.close()
    expected = document_cache.document_needs(Session.open(path, today=TODAY))
    assert document_cache.cache_path(Session.open(path, today=TODAY)).exists()

    def refuse(*_a, **_k):
        raise AssertionError("worked out needs the cache file holds")

    monkeypatch.setattr(document_cache, "compute_needs", refuse)
    assert document_cache.document_needs(Session.open(path, today=TODAY)) == expected
