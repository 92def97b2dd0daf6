"""Several processes on one store file lose nothing (issue 2 part 3, issue 9 "Concurrency").

Reduced sizes by default; ``OTQ_STRESS=1`` runs the full sizes from issue 9.
"""

from __future__ import annotations

import uuid

import orjson
import pytest
from store_workers import (
    claim_worker,
    insert_worker,
    mixed_worker,
    new_store,
    rmw_worker,
    run_parallel,
    stress_size,
)

from otq.store import Put, Store

pytestmark = pytest.mark.slow


def _assert_file_sound(path) -> Store:
    data = orjson.loads(path.read_bytes())  # parseable JSON, not just loadable by us
    assert data["_meta"]["meta"]["schema"] == 1
    store = Store.open(path)
    ok, message = store.audit.verify()
    assert ok, message
    return store


def _counter_store(path) -> str:
    store = new_store(path)
    rid = str(uuid.uuid4())
    store.commit([Put("workitems", {"id": rid, "count": 0})], action="test.setup")
    return rid


def test_mixed__eight_processes_inserting_and_updating_lose_nothing(tmp_path):
    path = tmp_path / "store.json"
    counter = _counter_store(path)
    ops = 100
    results = run_parallel(mixed_worker, [(str(path), w, ops, counter, 100 + w) for w in range(8)])

    store = _assert_file_sound(path)
    inserted = [rid for r in results for rid in r["ids"]]
    assert len(set(inserted)) == len(inserted)
    assert {r["id"] for r in store.all("claims")} == set(inserted)
    assert store.get("workitems", counter)["count"] == sum(r["increments"] for r in results)
    # every update of a worker's own records is there too: versions count the edits
    for rec in store.all("claims"):
        assert rec["version"] == rec["edits"] + 1


@pytest.mark.parametrize("paced", [False, True], ids=["unpaced", "random-sleeps"])
@pytest.mark.parametrize("procs", [2, 8, 16])
def test_read_modify_write__final_counter_equals_sum_of_increments(tmp_path, procs, paced):
    path = tmp_path / "store.json"
    rid = _counter_store(path)
    ops = stress_size(ci=max(10, 120 // procs) if paced else 50, full=500)
    results = run_parallel(rmw_worker, [(str(path), rid, ops, paced, s) for s in range(procs)],
                           timeout=600)

    store = _assert_file_sound(path)
    record = store.get("workitems", rid)
    assert record["count"] == procs * ops == sum(r["done"] for r in results)
    assert record["version"] == procs * ops + 1


def test_concurrent_inserts__no_duplicate_or_lost_ids_or_control_numbers(tmp_path):
    path = tmp_path / "store.json"
    new_store(path)
    procs, each = 8, stress_size(ci=40, full=500)
    results = run_parallel(insert_worker, [(str(path), w, each, 7 + w) for w in range(procs)])

    store = _assert_file_sound(path)
    acked = [item for r in results for item in r]
    ids = [rid for rid, _ in acked]
    numbers = sorted(n for _, n in acked)
    assert len(ids) == len(set(ids)) == procs * each
    assert {r["id"] for r in store.all("visits")} == set(ids)
    assert numbers == list(range(1, procs * each + 1))  # each number issued exactly once
    assert store.meta["counters"]["control_number"] == procs * each


def test_claim_race__each_item_has_one_owner_and_every_loser_got_a_conflict(tmp_path):
    path = tmp_path / "store.json"
    store = new_store(path)
    items, procs = stress_size(ci=150, full=1000), stress_size(ci=6, full=10)
    ids = [str(uuid.uuid4()) for _ in range(items)]
    store.commit([Put("workitems", {"id": i, "assignee": "", "queue": "uncoded"}) for i in ids],
                 action="test.setup")
    users = [f"biller{p}" for p in range(procs)]
    results = run_parallel(claim_worker, [(str(path), u, 50 + n) for n, u in enumerate(users)])

    store = _assert_file_sound(path)
    for user, r in zip(users, results, strict=True):
        assert sorted(r["won"] + r["lost"]) == sorted(ids)  # every attempt had an outcome
        assert r["bad_conflict"] == []
        for rid in r["won"]:
            assert store.get("workitems", rid)["assignee"] == user  # no false success
    winners = [rid for r in results for rid in r["won"]]
    assert sorted(winners) == sorted(ids)  # exactly one owner per item
    for rec in store.all("workitems"):
        assert rec["version"] == 2
