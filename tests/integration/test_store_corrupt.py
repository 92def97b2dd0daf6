"""A damaged store is refused on open, named with its backup, and never written over.

Issue 9 "Corrupt store".
"""

from __future__ import annotations

import uuid

import orjson
import pytest

from otq.errors import StoreCorruptError
from otq.store import Put, Store
from otq.store.check import check_store


def _truncated(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def _zero_length(raw: bytes) -> bytes:
    return b""


def _trailing_garbage(raw: bytes) -> bytes:
    return raw + b'\n{"half": "a second'


def _wrong_schema(raw: bytes) -> bytes:
    data = orjson.loads(raw)
    data["_meta"]["meta"]["schema"] = 99
    return orjson.dumps(data)


def _missing_table(raw: bytes) -> bytes:
    data = orjson.loads(raw)
    del data["visits"]
    return orjson.dumps(data)


def _not_a_store(raw: bytes) -> bytes:
    return b'["an", "array"]'


DAMAGE = {
    "truncated": (_truncated, "damaged"),
    "zero-length": (_zero_length, "damaged"),
    "trailing-garbage": (_trailing_garbage, "damaged"),
    "wrong-schema": (_wrong_schema, "schema version 99"),
    "missing-table": (_missing_table, "missing the 'visits' table"),
    "not-a-store": (_not_a_store, "not an otq store"),
}


def _store_with_backup(path):
    store = Store.open(path, create=True, user="ann")
    for n in range(3):  # more than one commit, so <store>.bak exists
        store.commit([Put("visits", {"id": str(uuid.uuid4()), "n": n})], action="test.setup")
    assert store.backup_path.exists()
    return store


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_corrupt_store__refused_on_open_naming_backup_and_bytes_untouched(tmp_path, damage):
    spoil, says = DAMAGE[damage]
    path = tmp_path / "store.json"
    already_open = _store_with_backup(path)
    bad = spoil(path.read_bytes())
    path.write_bytes(bad)
    backup = already_open.backup_path.read_bytes()

    with pytest.raises(StoreCorruptError) as err:
        Store.open(path)
    assert says in str(err.value)
    assert f"The last good copy is {already_open.backup_path}" in str(err.value)

    # a session that was open before the damage must not write over it either
    with pytest.raises(StoreCorruptError):
        already_open.commit([Put("visits", {"id": str(uuid.uuid4())})], action="visit.add")
    assert path.read_bytes() == bad
    assert already_open.backup_path.read_bytes() == backup
    assert check_store(path) != []
    assert Store.open(already_open.backup_path).count("visits") == 2  # the backup opens


def test_corrupt_store__without_backup_says_so_plainly(tmp_path):
    path = tmp_path / "store.json"
    Store.open(path, create=True)
    path.write_bytes(b"")

    with pytest.raises(StoreCorruptError) as err:
        Store.open(path)

    assert "0 bytes" in str(err.value) and "last good copy" not in str(err.value)
    assert path.read_bytes() == b""


def test_check_store__reports_bad_records_and_finds_a_sound_store_clean(tmp_path):
    path = tmp_path / "store.json"
    _store_with_backup(path)
    assert check_store(path) == []
    data = orjson.loads(path.read_bytes())
    rid = next(iter(data["visits"]))
    data["visits"][rid]["version"] = 0
    data["visits"]["not-its-id"] = {"id": rid, "version": 1}
    path.write_bytes(orjson.dumps(data))

    problems = check_store(path)

    assert any(f"visits {rid}: version 0" in p for p in problems)
    assert any("visits not-its-id: its id field does not match" in p for p in problems)
    assert not any("log ends at store commit" in p for p in problems)
