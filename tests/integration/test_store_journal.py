"""The snapshot + journal store: commits append, sessions follow, checkpoints fold (issue 7)."""

from __future__ import annotations

import grp
import os
import uuid

import pytest

from otq.errors import StoreCorruptError, StoreWriteError
from otq.store import Put, Store, journal
from otq.store import checkpoint as checkpoint_mod
from otq.store.audit import AuditLog
from otq.store.check import check_store


def _visit(n: int) -> dict:
    return {"id": str(uuid.uuid4()), "n": n, "note": "evaluation, 97165" * 4}


def _seeded(path, n=200) -> Store:
    """A store whose snapshot is big enough that a few commits do not trigger a checkpoint."""
    store = Store.open(path, create=True, user="ann")
    store.commit([Put("visits", _visit(i)) for i in range(n)], action="test.setup")
    store.checkpoint()
    return store


def _records(path) -> list[dict]:
    return journal.scan((path.parent / (path.name + ".journal")).read_bytes()).records


def test_commit__appends_one_journal_record_and_leaves_the_snapshot_alone(tmp_path):
    store = _seeded(tmp_path / "store.json")
    snap = os.stat(store.path)
    before = store.path.read_bytes()

    for i in range(3):
        store.commit([Put("visits", _visit(1000 + i))], action="visit.add")

    assert store.path.read_bytes() == before
    assert os.stat(store.path).st_ino == snap.st_ino
    head, *commits = _records(store.path)
    assert head["base_seq"] == 1 and [c["seq"] for c in commits] == [2, 3, 4]
    assert [c["action"] for c in commits] == ["visit.add"] * 3
    assert Store.open(store.path).count("visits") == 203
    assert check_store(store.path) == []


def test_refresh__applies_only_new_journal_records_without_rereading_the_snapshot(
        tmp_path, monkeypatch):
    ann = _seeded(tmp_path / "store.json")
    bob = Store.open(ann.path, user="bob")
    rid = ann.all("visits")[0]["id"]
    current = ann.get("visits", rid)
    ann.commit([Put("visits", {**current, "note": "ann's"}, current["version"])],
               action="visit.edit")
    reads = []
    monkeypatch.setattr(Store, "_parse", lambda self, raw: reads.append(len(raw)))

    assert bob.refresh() is True
    assert bob.get("visits", rid)["note"] == "ann's" and bob.meta["seq"] == 2
    assert bob.refresh() is False
    assert reads == []  # the snapshot was not read again


def test_refresh__follows_a_checkpoint_without_rereading_the_snapshot(tmp_path, monkeypatch):
    ann = _seeded(tmp_path / "store.json")
    bob = Store.open(ann.path, user="bob")
    ann.commit([Put("visits", _visit(7))], action="visit.add")
    assert bob.refresh()
    ann.commit([Put("visits", _visit(8))], action="visit.add")
    ann.checkpoint()
    ann.commit([Put("visits", _visit(9))], action="visit.add")
    reads = []
    real = Store._parse
    monkeypatch.setattr(Store, "_parse", lambda self, raw: reads.append(1) or real(self, raw))

    assert bob.refresh()

    assert reads == [] and bob.count("visits") == 203 and bob.meta["seq"] == 4
    bob.commit([Put("visits", _visit(10))], action="visit.add")  # and writes on after it
    assert Store.open(ann.path).count("visits") == 204


def test_checkpoint__folds_the_journal_and_keeps_the_previous_state_as_bak(tmp_path):
    store = _seeded(tmp_path / "store.json")
    store.commit([Put("visits", _visit(1))], action="visit.add")

    assert store.checkpoint() is True
    assert store.checkpoint() is False  # nothing left to fold

    assert [r.get("otq_journal") for r in _records(store.path)] == [1]  # header only
    assert Store.open(store.path).count("visits") == 201
    assert Store.open(store.backup_path).count("visits") == 201  # .bak + .bak.journal
    assert check_store(store.path) == []


def test_checkpoint__due_when_the_journal_outgrows_a_quarter_of_the_snapshot(tmp_path):
    store = _seeded(tmp_path / "store.json", n=20)
    generations = {store.meta["generation"]}
    for i in range(40):
        store.commit([Put("visits", _visit(i))], action="visit.add")
        assert store.journal_bytes() <= os.stat(store.path).st_size * 0.25 + 2000
        generations.add(store.meta["generation"])

    assert 3 <= len(generations) <= 20  # some checkpoints, not one per commit
    assert Store.open(store.path).count("visits") == 60 and check_store(store.path) == []


def test_checkpoint__killed_between_snapshot_and_journal_rename_loses_nothing(
        tmp_path, monkeypatch):
    store = _seeded(tmp_path / "store.json")
    for i in range(3):
        store.commit([Put("visits", _visit(i))], action="visit.add")
    reader = Store.open(store.path, user="cy")  # follows along without the lock
    real, calls = checkpoint_mod.install, []

    def crash_on_journal(tmp, path):
        calls.append(path)
        if path.name.endswith(".journal"):
            raise OSError(5, "simulated crash")
        real(tmp, path)

    monkeypatch.setattr(checkpoint_mod, "install", crash_on_journal)
    with pytest.raises(StoreWriteError):
        store.checkpoint()
    monkeypatch.undo()

    # new snapshot, old journal: the journal names the old generation and is ignored
    assert check_store(store.path) == []
    parsed = []
    real_parse = Store._parse
    monkeypatch.setattr(Store, "_parse", lambda self, raw: parsed.append(1) or
                        real_parse(self, raw))
    assert reader.refresh() is False and parsed == []  # waits for the new journal
    monkeypatch.undo()
    fresh = Store.open(store.path, user="bob")
    assert fresh.count("visits") == 203 and fresh.meta["seq"] == 4
    fresh.commit([Put("visits", _visit(99))], action="visit.add")
    assert _records(store.path)[0]["base_seq"] == 4  # the writer started a fresh journal
    assert Store.open(store.path).count("visits") == 204 and check_store(store.path) == []
    assert store.refresh() and store.count("visits") == 204
    monkeypatch.setattr(Store, "_parse", lambda self, raw: parsed.append(1) or
                        real_parse(self, raw))
    assert reader.refresh() and reader.count("visits") == 204 and parsed == []


def test_torn_last_record__ignored_reported_and_cut_off_on_open(tmp_path):
    store = _seeded(tmp_path / "store.json")
    store.commit([Put("visits", _visit(1))], action="visit.add")
    whole = store.journal_path.read_bytes()
    half = journal.frame({"seq": 4, "changes": []})[:25]
    store.journal_path.write_bytes(whole + half)

    assert any("torn" in p for p in check_store(store.path))
    reader = Store.open(store.path)

    assert reader.meta["seq"] == 2 and reader.count("visits") == 201
    assert store.journal_path.read_bytes() == whole  # cut off under the lock
    assert check_store(store.path) == []
    reader.commit([Put("visits", _visit(2))], action="visit.add")
    assert Store.open(store.path).count("visits") == 202


@pytest.mark.parametrize("damage", ["checksum", "frame", "gap"])
def test_damaged_journal_record__refused_with_a_clear_error_and_bytes_untouched(tmp_path, damage):
    store = _seeded(tmp_path / "store.json")
    for i in range(3):
        store.commit([Put("visits", _visit(i))], action="visit.add")
    raw = bytearray(store.journal_path.read_bytes())
    lines = raw.split(b"\n")
    if damage == "checksum":
        lines[2] = lines[2].replace(b"evaluation", b"Evaluation", 1)
    elif damage == "frame":
        lines[2] = b"zz" + lines[2][2:]
    else:
        del lines[2]  # commit 4 missing: 3 is followed by 5
    bad = b"\n".join(lines)
    store.journal_path.write_bytes(bad)

    with pytest.raises(StoreCorruptError) as err:
        Store.open(store.path)
    assert "store.json.journal is damaged" in str(err.value)
    with pytest.raises(StoreCorruptError):
        store.commit([Put("visits", _visit(9))], action="visit.add")
    assert store.journal_path.read_bytes() == bad
    problems = check_store(store.path)
    assert problems and "journal" in problems[0]


def test_journal__created_with_the_snapshot_mode_and_group_and_kept_across_checkpoints(tmp_path):
    store = _seeded(tmp_path / "store.json")
    gid = os.getgid()
    if os.geteuid() == 0:  # root can hand the files to a shared billing group
        names = {g.gr_name: g.gr_gid for g in grp.getgrall()}
        gid = next((names[n] for n in ("users", "staff", "daemon") if n in names), gid)
    for p in (store.path, store.journal_path):
        os.chown(p, -1, gid)
        os.chmod(p, 0o640)

    store.commit([Put("visits", _visit(1))], action="visit.add")
    store.checkpoint()
    store.commit([Put("visits", _visit(2))], action="visit.add")

    for p in (store.path, store.journal_path):
        st = os.stat(p)
        assert (st.st_mode & 0o7777, st.st_gid) == (0o640, gid), p.name


def test_store_without_journal__opens_and_its_first_commit_starts_one(tmp_path):
    store = _seeded(tmp_path / "store.json")
    store.journal_path.unlink()  # as a store written before the journal, or a backup
    older = Store.open(store.path)
    assert older.count("visits") == 200 and check_store(store.path) == []

    older.commit([Put("visits", _visit(1))], action="visit.add")

    assert store.journal_path.exists() and Store.open(store.path).count("visits") == 201
    assert check_store(store.path) == []


def test_commit_whose_audit_append_failed__logged_from_its_journal_record_on_next_open(
        tmp_path, monkeypatch):
    store = _seeded(tmp_path / "store.json")
    real = AuditLog.append

    def full(self, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(AuditLog, "append", full)
    with pytest.raises(StoreWriteError, match="saved, but the audit log"):
        store.commit([Put("visits", _visit(1))], action="visit.code")
    monkeypatch.setattr(AuditLog, "append", real)
    assert any("log ends at store commit 1" in p for p in check_store(store.path))

    Store.open(store.path, user="bob")

    last = store.audit.last()
    assert (last["action"], last["user"], last["recovered_by"], last["store_seq"]) == \
        ("visit.code", "ann", "bob", 2)
    assert last["changes"][0]["after"]["n"] == 1
    assert check_store(store.path) == [] and store.audit.verify()[0]


def test_changed_since__names_the_records_later_commits_changed_or_none_when_unknown(tmp_path):
    ann = _seeded(tmp_path / "store.json")
    bob = Store.open(ann.path, user="bob")
    seen = bob.meta["seq"]
    first, second = ann.all("visits")[:2]
    new = _visit(5)
    ann.commit([Put("visits", {**first, "note": "x"}, first["version"])], action="visit.edit")
    ann.commit([Put("visits", {**second, "note": "y"}, second["version"]), Put("visits", new)],
               action="visit.edit")
    bob.refresh()

    assert bob.changed_since(seen) == {"visits": {first["id"], second["id"], new["id"]}}
    assert bob.changed_since(seen + 1) == {"visits": {second["id"], new["id"]}}
    assert bob.changed_since(bob.meta["seq"]) == {}
    assert bob.changed_since(0) is None  # before this session's memory: rebuild everything
    ann.checkpoint()
    bob.close()
    bob.refresh()  # a full re-read of a snapshot that already holds those commits
    assert bob.changed_since(seen) is None and bob.changed_since(bob.meta["seq"]) == {}
