"""Worker functions the store stress tests run in separate processes.

They live in their own module (not in a test file) so they can be imported by a child
process whatever the multiprocessing start method. Each worker opens its own ``Store`` on
the shared file, as a separate biller's session would, and reports what it saw happen.

Retrying after a ``ConflictError`` is the client's job (the store never silently
overwrites), so the read-modify-write retry loop lives here, in ``increment``.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from otq.errors import ConflictError
from otq.store import Put, Store

#: how long a stress worker waits for the lock before giving up (generous: 16 processes queue)
LOCK_TIMEOUT = 120.0


def stress_size(ci: int, full: int) -> int:
    """The reduced size in CI, the full size when ``OTQ_STRESS=1``."""
    return full if os.environ.get("OTQ_STRESS") == "1" else ci


def _pause(rng: random.Random, paced: bool) -> None:
    if paced:
        time.sleep(rng.uniform(0, 0.003))


def increment(store: Store, table: str, rid: str, field: str, *,
              rng: random.Random | None = None, paced: bool = False) -> int:
    """Add one to ``record[field]``, retrying on conflict. Returns how many conflicts it met."""
    conflicts = 0
    while True:
        record = store.get(table, rid)
        assert record is not None, f"{table} {rid} vanished"
        if rng is not None:
            _pause(rng, paced)  # widen the window between read and write
        updated = {**record, field: record[field] + 1}
        try:
            store.commit([Put(table, updated, record["version"])], action="stress.increment")
            return conflicts
        except ConflictError:
            conflicts += 1  # the failed commit re-read the file under the lock; try again


def rmw_worker(path: str, rid: str, ops: int, paced: bool, seed: int) -> dict[str, int]:
    """``ops`` read-modify-write increments of one shared counter record."""
    rng = random.Random(seed)
    store = Store.open(path, lock_timeout=LOCK_TIMEOUT)
    conflicts = 0
    for _ in range(ops):
        conflicts += increment(store, "workitems", rid, "count", rng=rng, paced=paced)
        _pause(rng, paced)
    return {"done": ops, "conflicts": conflicts}


def insert_worker(path: str, worker: int, count: int, seed: int) -> list[tuple[str, int]]:
    """Insert ``count`` visits one commit each, each taking the next control number.

    Returns (id, control number) for every acknowledged insert.
    """
    rng = random.Random(seed)
    store = Store.open(path, lock_timeout=LOCK_TIMEOUT)
    done = []
    for i in range(count):
        rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        while True:
            seen = store.meta.get("counters", {}).get("control_number", 0)
            record = {"id": rid, "worker": worker, "n": i, "status": "new"}
            try:
                issued = store.commit([Put("visits", record)], action="stress.insert",
                                      counters={"control_number": (seen, 1)})
                done.append((rid, issued["control_number"]))
                break
            except ConflictError:
                continue  # someone took that number; our reload under the lock saw it
    return done


def claim_worker(path: str, user: str, seed: int) -> dict[str, list[str]]:
    """Try to claim every unassigned work item with compare-and-set, in a random order.

    Every attempt is based on the version read before the race began, so each one is a real
    race with the other processes: it either wins or must get ``ConflictError``.
    """
    rng = random.Random(seed)
    store = Store.open(path, user=user, lock_timeout=LOCK_TIMEOUT)
    snapshot = store.all("workitems")
    rng.shuffle(snapshot)
    won, lost, wrong = [], [], []
    for record in snapshot:
        if record.get("assignee"):  # a faster process claimed it before we even opened
            lost.append(record["id"])
            continue
        try:
            store.commit([Put("workitems", {**record, "assignee": user}, record["version"])],
                         action="workitem.claim")
            won.append(record["id"])
        except ConflictError as exc:
            lost.append(record["id"])
            if exc.record_id != record["id"] or not exc.changed_by:
                wrong.append(record["id"])  # a conflict must name the record and who won
    return {"won": won, "lost": lost, "bad_conflict": wrong}


def mixed_worker(path: str, worker: int, ops: int, counter_id: str, seed: int) -> dict[str, Any]:
    """Alternate inserts, updates of own records and increments of one shared counter."""
    rng = random.Random(seed)
    store = Store.open(path, lock_timeout=LOCK_TIMEOUT)
    mine: list[str] = []
    increments = 0
    for i in range(ops):
        kind = i % 3
        if kind == 0 or not mine:
            rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            store.commit([Put("claims", {"id": rid, "worker": worker, "edits": 0})],
                         action="stress.insert")
            mine.append(rid)
        elif kind == 1:
            increment(store, "claims", rng.choice(mine), "edits")
        else:
            increment(store, "workitems", counter_id, "count")
            increments += 1
    return {"ids": mine, "increments": increments}


def _run_one(fn: Callable[..., Any], args: tuple, index: int, go: Any, results: Any) -> None:
    go.wait()
    try:
        results.put((index, "ok", fn(*args)))
    except BaseException:  # noqa: BLE001 - report any failure to the parent test
        results.put((index, "error", traceback.format_exc()))


def run_parallel(fn: Callable[..., Any], arg_list: Sequence[tuple], timeout: float = 300.0
                 ) -> list[Any]:
    """Run ``fn(*args)`` for each args in its own process, all released at once.

    Returns the results in order; raises AssertionError with the child's traceback if any
    child failed, and if a child does not finish within ``timeout`` seconds.
    """
    ctx = multiprocessing.get_context()
    go = ctx.Event()
    results = ctx.Queue()
    procs = [ctx.Process(target=_run_one, args=(fn, args, i, go, results))
             for i, args in enumerate(arg_list)]
    for p in procs:
        p.start()
    go.set()
    out: dict[int, Any] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(out) < len(procs):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"workers did not finish in {timeout} s"
            index, status, value = results.get(timeout=remaining)
            assert status == "ok", f"worker {index} failed:\n{value}"
            out[index] = value
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join()
    return [out[i] for i in range(len(procs))]


def new_store(path: Path) -> Store:
    """An empty store file for a test."""
    return Store.open(path, create=True)
