"""The otq store: TinyDB as the in-memory query engine, a snapshot plus journal on disk.

TinyDB's own JSONStorage rewrites the file in place and its ids come from a per-process
counter, both unsafe for several billers on one file. Here TinyDB runs on an in-memory
storage that we fill from the files, keyed by UUID strings. On disk a store is a JSON
snapshot (``<store>``) plus an append-only journal of the commits since
(``<store>.journal``, see ``journal.py``), so a commit costs the size of the change, not
of the store. Every change goes through ``commit``: lock, catch up with other sessions'
commits, compare-and-set on record versions, append one fsync'd journal record, audit
entry, unlock. A commit is all-or-nothing. Now and then a checkpoint folds the journal
into a new snapshot (``checkpoint.py``).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import pwd
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Table

from otq.errors import ConflictError, OtqError, StoreMissingError, StoreWriteError
from otq.store import journal
from otq.store.audit import AuditLog
from otq.store.changes import Change, Put, check_version, now_iso
from otq.store.checkpoint import Checkpointing
from otq.store.storage import (
    StoreLock,
    atomic_write,
    ensure_writable,
    remove_stale_temp_files,
    write_error,
)
from otq.store.sync import META, SCHEMA_VERSION, TABLES

__all__ = ["META", "SCHEMA_VERSION", "TABLES", "Store", "current_user"]


def current_user() -> str:
    """The OS account of the real uid. Never ``$USER``, which anyone can set."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid{os.getuid()}" if os.getuid() else getpass.getuser()


class _UuidTable(Table):
    """A TinyDB table whose document ids are our UUID strings, not a per-process counter."""

    document_id_class = str


class _Memory(MemoryStorage):
    """In-memory TinyDB storage we fill from the files ourselves."""

    def replace(self, data: dict[str, Any]) -> None:
        self.memory = data


class Store(Checkpointing):
    """A shared otq store. Reads are lock-free and from memory; ``commit`` is the only write."""

    def __init__(self, path: Path, *, user: str | None = None, lock_timeout: float = 30.0,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.user = user or current_user()
        self.lock = StoreLock(self.path.with_name(self.path.name + ".lock"), self.user,
                              lock_timeout, on_wait)
        self.audit = AuditLog(self.path.with_name(self.path.name + ".audit.jsonl"))
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self.backup_path = self.path.with_name(self.path.name + ".bak")
        self._db = TinyDB(storage=_Memory)
        self._db.table_class = _UuidTable
        self._init_sync()

    @property
    def _memory(self) -> dict[str, Any]:
        return self._db.storage.memory

    def _set_memory(self, data: dict[str, Any]) -> None:
        self._db.storage.replace(data)

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: Path | str, *, create: bool = False, **kwargs: Any) -> Store:
        """Open an existing store; with ``create=True`` make an empty one if it is missing."""
        store = cls(Path(path), **kwargs)
        if not store.path.exists():
            if not create:
                raise StoreMissingError(
                    f"no otq store at {store.path}. Create one with `otq init --store "
                    f"{store.path}` or try the demo with `otq demo`."
                )
            store._create()
        store._reload(locked=False)
        store._tidy()
        return store

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def _tidy(self) -> None:
        """If nobody is writing right now: remove temp files and a torn journal tail a
        killed writer left, and log the commit it saved but never wrote to the audit."""
        with contextlib.suppress(OtqError), self.lock.hold_if_free() as held:
            if held:
                remove_stale_temp_files(self.path, older_than=0)
                self._catch_up(locked=True)
                self._repair_audit()

    def _repair_audit(self) -> None:
        """Under the lock: log the commit a killed writer saved but never wrote to the audit.

        The journal append and the audit append are two writes; a kill between them leaves
        the store one commit ahead of the log. The journal record holds exactly what the
        audit entry would have (who, when, action, before and after), so the entry is
        written from it, marked with who recovered it, and the chain stays complete.
        """
        last = self.audit.tip()
        seq = self._seq
        if last is None or last.get("store_seq") is None or last["store_seq"] + 1 != seq:
            return
        record = self._last if self._last is not None and self._last["seq"] == seq else None
        with contextlib.suppress(OSError):  # the next commit tries again
            if record is None:
                self.audit.append(at=now_iso(), user=self.user, action="audit.recovered",
                                  changes=[], store_seq=seq)
            else:
                self.audit.append(at=record["at"], user=record["user"], action=record["action"],
                                  changes=record["changes"], store_seq=seq,
                                  recovered_by=self.user)

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock.hold():
            if self.path.exists():  # another process created it first: just use it
                return
            meta = {"meta": {"id": "meta", "schema": SCHEMA_VERSION, "seq": 0,
                             "generation": os.urandom(8).hex(),
                             "created_at": now_iso(), "created_by": self.user}}
            data = {META: meta, **{t: {} for t in TABLES}}
            atomic_write(self.path, orjson.dumps(data))
            self._reload(locked=True)
            self._fresh_journal()
            self.audit.append(at=now_iso(), user=self.user, action="store.create", changes=[],
                              store_seq=0)

    def refresh(self) -> bool:
        """Apply other sessions' commits (only the journal's new bytes). True if any."""
        return self._catch_up(locked=False)

    # ------------------------------------------------------------------- reads
    def get(self, table: str, record_id: str) -> dict[str, Any] | None:
        """One record by id, or None."""
        doc = self._memory.get(table, {}).get(record_id)
        return dict(doc) if doc is not None else None

    def all(self, table: str) -> list[dict[str, Any]]:
        """Every record of a table."""
        # list() first: a snapshot of the values taken in one step, so a refresh applying
        # commits in between cannot change the table under our feet.
        return [dict(d) for d in list(self._memory.get(table, {}).values())]

    def records(self, table: str) -> dict[str, dict[str, Any]]:
        """Every record of a table by id: a new dict of the stored records themselves, not
        copies of them, so NEVER edit one (``get`` and ``all`` give copies to edit).

        For read-only scans of big tables: copying every record as ``all`` does costs as
        much memory again as the table (66 MB for 50,000 visits). Sharing is safe because
        memory never edits a record in place: a commit puts a new dict in its slot. The
        table is copied in one step, so a refresh in between cannot change it under a scan.
        """
        return dict(self._memory.get(table, {}))

    def find(self, table: str, **equals: Any) -> list[dict[str, Any]]:
        """Records whose fields equal the given values (a TinyDB query)."""
        if not equals:
            return self.all(table)
        q = Query()
        cond = None
        for key, value in equals.items():
            part = q[key] == value
            cond = part if cond is None else cond & part
        return [dict(d) for d in list(self._memory.get(table, {}).values()) if cond(d)]

    def count(self, table: str) -> int:
        """How many records a table holds."""
        return len(self._memory.get(table, {}))

    @property
    def meta(self) -> dict[str, Any]:
        """The store's bookkeeping record (schema, commit sequence, counters)."""
        return dict(self._memory[META]["meta"])

    # ------------------------------------------------------------------ writes
    def commit(self, changes: Sequence[Change], *, action: str,
               counters: Mapping[str, tuple[int, int]] | None = None) -> dict[str, int]:
        """Apply ``changes`` all-or-nothing under the store lock; durable when it returns.

        Refuses the whole commit with ``ConflictError`` if any record's version moved on
        since the caller read it. ``counters`` maps a store-wide counter (control numbers)
        to ``(value the caller read, increment)``; a counter that moved on is a conflict
        too, so two sessions never issue the same number. The new values are returned.
        """
        with self.lock.hold():
            remove_stale_temp_files(self.path, older_than=0)
            self._catch_up(locked=True)
            for path in (self.path, self.journal_path, self.audit.path):
                ensure_writable(path)
            self._repair_audit()
            if self._jfd is not None:
                self._checkpoint_if_due()
            if self._jfd is None:
                self._fresh_journal()  # an older store, or a journal a crash left stale
            record, issued = self._prepare(changes, action, counters or {})
            data = journal.frame(record)
            try:
                fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND)
                try:
                    journal.append(fd, data, self._joff)
                    st = os.fstat(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise write_error(self.path, exc) from None
            self._joff += len(data)
            self._jseen = (st.st_size, st.st_mtime_ns)
            self._apply(record)
            try:
                self.audit.append(at=record["at"], user=self.user, action=action,
                                  changes=record["changes"], store_seq=record["seq"])
            except OSError as exc:
                # The data is saved; say loudly that the audit trail missed it.
                raise StoreWriteError(
                    f"saved, but the audit log {self.audit.path} could not be written: "
                    f"{exc.strerror}. Tell your administrator."
                ) from None
            return issued

    def _prepare(self, changes: Sequence[Change], action: str,
                 counters: Mapping[str, tuple[int, int]]
                 ) -> tuple[dict[str, Any], dict[str, int]]:
        """Check every change and build the commit's journal record. Changes nothing."""
        memory = self._memory
        staged: dict[tuple[str, str], Any] = {}  # (table, id) -> record after, None if deleted
        audit_changes = []
        now = now_iso()
        for change in changes:
            if change.table not in memory or change.table == META:
                raise StoreWriteError(f"there is no {change.table!r} table in {self.path}. "
                                      "Nothing was changed.")
            rid = change.record["id"] if isinstance(change, Put) else change.id
            key = (change.table, rid)
            current = staged[key] if key in staged else memory[change.table].get(rid)
            check_version(change.table, rid, current, change.expected_version)
            if isinstance(change, Put):
                # A deep copy through JSON: memory then holds exactly what the files hold
                # (lists, not tuples), and the caller's later edits to its dicts cannot
                # reach into the store behind a commit's back.
                after = orjson.loads(orjson.dumps(change.record))
                after["version"] = (current["version"] + 1) if current else 1
                after["changed_by"] = self.user
                after["changed_at"] = now
            else:
                after = None
            staged[key] = after
            audit_changes.append({"table": change.table, "id": rid,
                                  "before": current, "after": after})
        held = memory[META]["meta"].get("counters", {})
        issued = {}
        for name, (seen, step) in counters.items():
            if held.get(name, 0) != seen:
                raise ConflictError(f"the {name} number was issued by another session; "
                                    "nothing was saved. Try again.", table=META,
                                    record_id=name)
            issued[name] = held.get(name, 0) + step
        record = {"seq": self._seq + 1, "at": now, "user": self.user, "action": action,
                  "changes": audit_changes, "counters": issued}
        return record, issued
