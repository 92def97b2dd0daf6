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
from otq.store import Put, Store
from otq.store.sync import share_strings

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
