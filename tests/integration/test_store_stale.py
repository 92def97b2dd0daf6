"""Stale writers never overwrite newer data (issue 9 "Stale writers")."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from otq.errors import ConflictError
from otq.store import Put, Store


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "store.json"
    Store.open(path, create=True, user="setup")
    return path


def _visit(store: Store, **fields) -> dict:
    record = {"id": str(uuid.uuid4()), "status": "new", **fields}
    store.commit([Put("visits", record)], action="test.setup")
    return store.get("visits", record["id"])


def _bump(store: Store, rid: str, **fields) -> dict:
    current = store.get("visits", rid)
    store.commit([Put("visits", {**current, **fields}, current["version"])], action="test.edit")
    return store.get("visits", rid)


def test_stale_writer__version_3_cannot_overwrite_version_4_and_conflict_names_who_and_when(
        store_path):
    ann = Store.open(store_path, user="ann")
    rid = _visit(ann, note="a")["id"]
    _bump(ann, rid, note="b")
    _bump(ann, rid, note="c")
    bob = Store.open(store_path, user="bob")
    seen = bob.get("visits", rid)
    assert seen["version"] == 3
    after_ann = _bump(ann, rid, note="ann's fix")
    assert after_ann["version"] == 4

    with pytest.raises(ConflictError) as err:
        bob.commit([Put("visits", {**seen, "note": "bob's fix"}, 3)], action="test.edit")

    assert err.value.changed_by == "ann"
    assert err.value.changed_at == after_ann["changed_at"]
    assert "ann" in str(err.value) and err.value.record_id == rid
    fresh = Store.open(store_path)
    assert fresh.get("visits", rid)["note"] == "ann's fix"
    assert fresh.get("visits", rid)["version"] == 4


def test_old_store_object__commits_correctly_after_another_process_replaced_the_file(store_path):
    old = Store.open(store_path, user="ann")
    mine = _visit(old, note="ann")["id"]
    script = (
        "import sys, uuid; from otq.store import Store, Put\n"
        "s = Store.open(sys.argv[1], user='bob')\n"
        "s.commit([Put('visits', {'id': sys.argv[2], 'note': 'bob'})], action='test')\n"
    )
    theirs = str(uuid.uuid4())
    subprocess.run([sys.executable, "-c", script, str(store_path), theirs], check=True,
                   env={**os.environ})

    _bump(old, mine, note="ann again")  # old's memory predates bob's file: reload under lock

    fresh = Store.open(store_path)
    assert fresh.get("visits", theirs)["note"] == "bob"
    assert fresh.get("visits", mine)["note"] == "ann again"
    assert old.get("visits", theirs)["note"] == "bob"


def test_stale_writer__detected_even_when_replaced_file_reuses_inode_size_and_mtime(store_path):
    """On ext4 a freed inode number comes straight back, and on coarse-clock file systems
    (1-2 s mtime on FAT, HFS+, ext3, many NFS servers) two commits share an mtime. A store
    must not mistake a replaced file for the one it read just because (inode, size, mtime)
    match. We set the mtime back by hand to stand in for a coarse clock."""
    ann = Store.open(store_path, user="ann")
    rid = _visit(ann, count=1)["id"]
    bob = Store.open(store_path, user="bob")
    bob_view = bob.get("visits", rid)
    before = os.stat(store_path)

    for n in (2, 3):  # two same-sized commits: ext4 hands the first inode back
        _bump(ann, rid, count=n)
    # Where the file system does hand the inode back (ext4 did, before the store kept its
    # file open) this stages a full (inode, size, mtime) match; elsewhere it is a plain check.
    os.utime(store_path, ns=(before.st_atime_ns, before.st_mtime_ns))

    with pytest.raises(ConflictError):
        bob.commit([Put("visits", {**bob_view, "count": 99}, bob_view["version"])],
                   action="test.edit")
    assert Store.open(store_path).get("visits", rid)["count"] == 3
