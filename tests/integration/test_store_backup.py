"""``backup_store`` / ``restore_store`` (issue 9 "Backups")."""

from __future__ import annotations

import multiprocessing
import time
import uuid

import orjson
import pytest

from otq.errors import LockTimeoutError, OtqError
from otq.services.backup import backup_store, restore_store
from otq.services.session import Session
from otq.store import Put, Store
from otq.store.check import check_store


def _seed(path, n=5) -> Store:
    store = Store.open(path, create=True, user="ann")
    for i in range(n):
        store.commit([Put("visits", {"id": str(uuid.uuid4()), "n": i})], action="visit.add")
    return store


def _keep_writing(path: str, stop) -> None:
    store = Store.open(path, user="bob")
    n = 0
    while not stop.is_set():
        n += 1
        store.commit([Put("visits", {"id": str(uuid.uuid4()), "n": n, "pad": "p" * (n % 97)})],
                     action="visit.add")


def test_backup__consistent_copies_while_another_process_writes(tmp_path):
    path = _seed(tmp_path / "store.json").path
    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    writer = ctx.Process(target=_keep_writing, args=(str(path), stop))
    writer.start()
    backups = []
    try:
        time.sleep(0.05)
        for i in range(6):
            backups.append(backup_store(path, tmp_path / "backups" / f"b{i}.json"))
            time.sleep(0.03)
    finally:
        stop.set()
        writer.join(10)
    assert writer.exitcode == 0

    counts = []
    for b in backups:
        assert check_store(b) == []  # log and data agree: the log ends at the copy's commit
        copy = Store.open(b)
        assert copy.meta["seq"] == copy.count("visits")  # one visit per commit: no tearing
        counts.append(copy.count("visits"))
    assert counts == sorted(counts) and counts[-1] > counts[0]  # taken while writes went on


def test_backup__takes_a_session_and_a_folder_and_never_overwrites(tmp_path):
    store = _seed(tmp_path / "store.json")
    session = Session(store=store)
    (tmp_path / "bk").mkdir()

    made = backup_store(session, tmp_path / "bk")

    assert made.parent == tmp_path / "bk" and made.name.startswith("store-")
    assert orjson.loads(made.read_bytes()) == orjson.loads(store.path.read_bytes())
    assert made.with_name(made.name + ".audit.jsonl").read_bytes() == \
        store.audit.path.read_bytes()
    assert made.stat().st_mode & 0o007 == 0  # PHI: no access for others
    with pytest.raises(OtqError, match="already exists"):
        backup_store(store.path, made)


def test_restore__refuses_existing_store_without_force_then_restores_with_force(tmp_path):
    store = _seed(tmp_path / "store.json")
    backup = backup_store(store, tmp_path / "backup.json")
    rid = str(uuid.uuid4())
    store.commit([Put("visits", {"id": rid, "n": 99})], action="visit.add")
    newer = store.path.read_bytes()
    other_session = Store.open(store.path, user="bob")

    with pytest.raises(OtqError, match="--force"):
        restore_store(backup, store.path)
    assert store.path.read_bytes() == newer

    kept = restore_store(backup, store.path, force=True)

    assert kept is not None and kept.read_bytes() == newer  # the replaced store is kept
    restored = Store.open(store.path)
    assert restored.get("visits", rid) is None and restored.count("visits") == 5
    assert check_store(store.path) == []
    assert [e["action"] for e in restored.audit.entries()][-1] == "store.restore"
    assert other_session.refresh() and other_session.get("visits", rid) is None
    store.commit([Put("visits", {"id": str(uuid.uuid4())})], action="visit.add")  # still usable
    assert check_store(store.path) == []


def test_restore__into_a_new_place_and_refuses_a_damaged_backup(tmp_path):
    store = _seed(tmp_path / "store.json")
    backup = backup_store(store, tmp_path / "backup.json")

    assert restore_store(backup, tmp_path / "elsewhere" / "store.json") is None
    assert Store.open(tmp_path / "elsewhere" / "store.json").count("visits") == 5

    backup.write_bytes(backup.read_bytes()[:-10])
    with pytest.raises(OtqError, match="not a good backup"):
        restore_store(backup, tmp_path / "third.json")
    assert not (tmp_path / "third.json").exists()


def test_restore__waits_for_the_store_lock_and_changes_nothing_on_timeout(tmp_path):
    store = _seed(tmp_path / "store.json")
    backup = backup_store(store, tmp_path / "backup.json")
    store.commit([Put("visits", {"id": str(uuid.uuid4())})], action="visit.add")
    before = store.path.read_bytes()

    with store.lock.hold(), pytest.raises(LockTimeoutError):
        restore_store(backup, store.path, force=True, lock_timeout=0.2)

    assert store.path.read_bytes() == before
