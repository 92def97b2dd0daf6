"""What a session keeps in memory after loading a store: one copy of each thing.

Issue 7 (peak memory on 50,000 open + 500,000 closed items): the store's records are not
copied for read-only scans, equal strings of a parsed snapshot or cache file are one
object, and the scrub results keep only their decoded form. None of it may change what
any reader sees, and the cache files written afterwards must say what a fresh scrub says.
"""

from __future__ import annotations

import pendulum
import pytest

from otq.demo.generator import generate_store
from otq.domain import Finding, VisitStatus
from otq.scrubber import scrub_visit
from otq.services import document_cache, scrubbing
from otq.services.documents import document_needs as fresh_needs
from otq.services.scrub_cache import cache_path, load, save, to_raw
from otq.services.scrubbing import all_findings, scrub_context
from otq.services.session import Session
from otq.store import Put, Store
from otq.store.snapshot import dump_snapshot, load_snapshot, share_strings

TODAY = pendulum.date(2026, 3, 16)


@pytest.fixture
def demo(tmp_path):
    path = tmp_path / "demo.json"
    generate_store(path, visits=300, seed=7, today=TODAY).store.close()
    return path


def test_store_records__are_the_stored_dicts_and_a_later_commit_leaves_them(demo):
    store = Store.open(demo)
    before = store.records("visits")
    vid, rec = next(iter(before.items()))
    assert store.records("visits")[vid] is rec  # not a copy
    assert store.all("visits")[0] is not store.records("visits")[store.all("visits")[0]["id"]]
    snapshot = dict(rec)
    store.commit([Put("visits", {**store.get("visits", vid), "auth_number": "A1"},
                      rec["version"])], action="test.edit")
    assert before[vid] == snapshot and before[vid] is rec  # the old mapping is untouched
    assert store.records("visits")[vid]["auth_number"] == "A1"
    assert len(before) == len(store.records("visits"))


def test_open__equal_strings_of_the_snapshot_are_one_object(demo):
    store = Store.open(demo)
    store.checkpoint()  # everything in the snapshot, as a generated scale store is
    store = Store.open(demo)
    visits = list(store.records("visits").values())
    by_provider: dict[str, object] = {}
    for v in visits:
        assert by_provider.setdefault(v["provider_id"], v["provider_id"]) is v["provider_id"]
    assert len(by_provider) < len(visits)
    dates = [v["date_of_service"] for v in visits]
    assert len({id(d) for d in dates}) == len(set(dates))


def test_share_strings__changes_no_value():
    data = {"visits": {"a": {"id": "a", "x": "s" * 3, "l": ["m" * 2, 1, {"y": "s" * 3}]},
                       "b": {"id": "b", "x": "s" * 3, "l": ["m" * 2, None, {"y": "z"}]}}}
    copy = {"visits": {k: dict(v) for k, v in data["visits"].items()}}
    share_strings(data)
    assert data == copy
    a, b = data["visits"]["a"], data["visits"]["b"]
    assert a["x"] is b["x"] is a["l"][2]["y"] and a["l"][0] is b["l"][0]


def _fresh_raw(session: Session) -> dict[str, list]:
    ctx = scrub_context(session)
    return {v.id: to_raw(scrub_visit(v, ctx)) for v in session.entities("visits").values()
            if v.status is VisitStatus.UNCODED}


def test_scrub_cache__a_save_after_the_findings_were_read_from_the_file_writes_them_whole(
        demo, monkeypatch):
    all_findings(Session.open(demo, today=TODAY))  # scrubs everything, writes the file
    second = Session.open(demo, today=TODAY)
    found = all_findings(second)  # read from the file; only the decoded form is kept
    kept = second._lasting["scrub-findings"]  # the findings and their keys, no raw forms
    assert kept.out is found and set(kept.keys) == set(found)
    assert all(isinstance(f, Finding) for fs in found.values() for f in fs)
    texts = {id(f.message) for fs in found.values() for f in fs}
    assert len(texts) < sum(len(fs) for fs in found.values())  # equal messages shared
    assert all(f.subject_id is vid for vid, fs in found.items() for f in fs if f.subject_id == vid)
    monkeypatch.setattr(scrubbing, "SAVE_AFTER", 1)
    visit = second.entity("visits", next(iter(found)))
    patient = second.store.get("patients", visit.patient_id)
    second.store.commit([Put("patients", {**patient, "first_name": ""}, patient["version"])],
                        action="test.edit")
    after = all_findings(second)  # one patient re-scrubbed; the file is written again
    assert {vid: to_raw(fs) for vid, fs in after.items()} == _fresh_raw(second)
    third = Session.open(demo, today=TODAY)
    saved = load(cache_path(third), scrubbing.sc.store_key(third, scrubbing.sc.rules_fingerprint(
        third)))
    assert {vid: raw for vid, (_, raw) in saved.items()} == _fresh_raw(third)


def test_needs_cache__needs_read_from_the_file_use_the_stores_visit_ids(demo):
    first = Session.open(demo, today=TODAY)
    expected = document_cache.document_needs(first)
    assert document_cache.cache_path(first).exists()
    second = Session.open(demo, today=TODAY)
    got = document_cache.document_needs(second)
    assert got == expected == fresh_needs(second)
    visits = second.records("visits")
    canon = {vid: vid for vid in visits}
    ids = [vid for need in got.values() for vid in need.visit_ids]
    assert ids and all(canon[vid] is vid for vid in ids)


def test_cache_files__are_written_one_entry_a_line(demo):
    session = Session.open(demo, today=TODAY)
    all_findings(session)
    document_cache.document_needs(session)
    for path in (cache_path(session), document_cache.cache_path(session)):
        raw = path.read_bytes()
        assert raw.startswith(b'{\n"format":1,\n"key":') and load_snapshot(raw) is not None


def test_first_session__scrubs_a_batch_of_patients_at_a_time_and_says_the_same(
        demo, monkeypatch):
    monkeypatch.setattr(scrubbing, "BATCH_PATIENTS", 4)  # many batches of a small store
    session = Session.open(demo, today=TODAY)
    whole = scrub_context(session)  # the one context over every visit, built here only

    def refuse(_session):
        raise AssertionError("built the whole store's scrub context")

    monkeypatch.setattr(scrubbing, "scrub_context", refuse)
    found = all_findings(session)
    assert {vid: to_raw(fs) for vid, fs in found.items()} == {
        v.id: to_raw(scrub_visit(v, whole)) for v in session.entities("visits").values()
        if v.status is VisitStatus.UNCODED}
    messages = [f.message for fs in found.values() for f in fs]
    assert len({id(m) for m in messages}) == len(set(messages)) < len(messages)  # shared


def test_scrub_cache__is_written_as_it_is_made_in_the_snapshot_layout(tmp_path):
    entries = {"v1": ("k1", [["R", "error", "m", "f", "v1", None]]), "v2": ("k2", [])}
    for given in (entries, {}):
        path = tmp_path / "c.scrub-cache"
        assert save(path, "key", iter(given.items()), like=tmp_path)
        assert path.read_bytes() == dump_snapshot(
            {"format": 1, "key": "key", "visits": {v: list(e) for v, e in given.items()}})
        assert load(path, "key") == {v: list(e) for v, e in given.items()}
