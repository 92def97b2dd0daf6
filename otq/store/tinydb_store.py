"""The otq store: TinyDB as the in-memory query engine, the file protocol for durability.

TinyDB's own JSONStorage rewrites the file in place and its ids come from a per-process
counter, both unsafe for several billers on one file. Here TinyDB runs on an in-memory
storage that we load from the file, keyed by UUID strings; every change goes through
``commit``: lock, reload if another session wrote, compare-and-set on record versions,
atomic replace, audit entry, unlock. A commit is all-or-nothing.
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

from otq.errors import (
    ConflictError,
    OtqError,
    StoreCorruptError,
    StoreMissingError,
    StoreWriteError,
)
from otq.store.audit import AuditLog, diff_tables
from otq.store.changes import Change, Put, check_version, now_iso
from otq.store.storage import (
    Signature,
    StoreLock,
    atomic_write,
    ensure_writable,
    file_signature,
    remove_stale_temp_files,
)

SCHEMA_VERSION = 1
META = "_meta"
TABLES = (
    "practices", "providers", "payers", "patients", "coverages", "authorizations",
    "visits", "claims", "denials", "remits", "workitems", "batches", "appointments",
    "verifications", "appeals", "documents", "unmatched_remits",
)


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
    """In-memory TinyDB storage we fill from the file ourselves."""

    def replace(self, data: dict[str, Any]) -> None:
        self.memory = data


class Store:
    """A shared otq store file. Reads are lock-free; ``commit`` is the only way to write."""

    def __init__(self, path: Path, *, user: str | None = None, lock_timeout: float = 30.0,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.user = user or current_user()
        self.lock = StoreLock(self.path.with_name(self.path.name + ".lock"), self.user,
                              lock_timeout, on_wait)
        self.audit = AuditLog(self.path.with_name(self.path.name + ".audit.jsonl"))
        self.backup_path = self.path.with_name(self.path.name + ".bak")
        self._db = TinyDB(storage=_Memory)
        self._db.table_class = _UuidTable
        self._signature: Signature | None = None
        # An open descriptor on the file we last read or wrote. While it is open the file's
        # inode cannot be freed, so a replaced file can never come back with our inode number
        # (ext4 reuses freed inodes at once) and fool the stat check into skipping a reload.
        self._fd: int | None = None

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
        store._load()
        store._tidy()
        return store

    def close(self) -> None:
        """Let go of the open file. The store still reads from memory; a commit reopens it."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._signature = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def _tidy(self) -> None:
        """Remove temp files a killed writer left, if nobody is writing right now."""
        with contextlib.suppress(OtqError), self.lock.hold_if_free() as held:
            if held:
                remove_stale_temp_files(self.path, older_than=0)
                if file_signature(self.path) != self._signature:
                    self._load()
                self._repair_audit()

    def _repair_audit(self) -> None:
        """Under the lock: log the commit a killed writer saved but never wrote to the audit.

        The data replace and the audit append are two writes; a kill between them leaves the
        store one commit ahead of the log. ``<store>.bak`` is the state just before that
        commit (linked under the same lock), so the missing entry's changes are the
        difference between the two, and the chain stays complete.
        """
        last = self.audit.last()
        seq = self._db.storage.memory[META]["meta"].get("seq", 0)
        if last is None or last.get("store_seq") is None or last["store_seq"] + 1 != seq:
            return
        try:
            before = orjson.loads(self.backup_path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            before = None
        changes: list[dict[str, Any]] = []
        if isinstance(before, dict) and before.get(META, {}).get("meta", {}).get("seq") == seq - 1:
            changes = diff_tables(before, self._db.storage.memory)
        with contextlib.suppress(OSError):  # the next commit tries again
            self.audit.append(at=now_iso(), user=self.user, action="audit.recovered",
                              changes=changes, store_seq=seq)

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock.hold():
            if self.path.exists():  # another process created it first: just use it
                return
            meta = {"meta": {"id": "meta", "schema": SCHEMA_VERSION, "seq": 0,
                             "created_at": now_iso(), "created_by": self.user}}
            data = {META: meta, **{t: {} for t in TABLES}}
            atomic_write(self.path, orjson.dumps(data))
            self.audit.append(at=now_iso(), user=self.user, action="store.create", changes=[],
                              store_seq=0)

    def _read_file(self) -> tuple[int, Signature, dict[str, Any]]:
        """Open, stat and parse the file: (open descriptor, its signature, the data)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            raise StoreMissingError(f"the store {self.path} has disappeared.") from None
        except OSError as exc:
            raise StoreCorruptError(f"cannot read {self.path}: {exc.strerror}.") from None
        try:
            st = os.fstat(fd)
            with open(fd, "rb", closefd=False) as fh:
                raw = fh.read()
            return fd, (st.st_ino, st.st_size, st.st_mtime_ns), self._parse(raw)
        except BaseException:
            os.close(fd)
            raise

    def _parse(self, raw: bytes) -> dict[str, Any]:
        hint = f" The last good copy is {self.backup_path}." if self.backup_path.exists() else ""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise StoreCorruptError(
                f"{self.path} is damaged ({len(raw)} bytes; {exc}). It was not changed.{hint}"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get(META), dict):
            raise StoreCorruptError(f"{self.path} is not an otq store (no _meta table).{hint}")
        schema = data[META].get("meta", {}).get("schema")
        if schema != SCHEMA_VERSION:
            raise StoreCorruptError(
                f"{self.path} has schema version {schema!r}; this otq reads version "
                f"{SCHEMA_VERSION}.{hint}"
            )
        for table in TABLES:
            if not isinstance(data.get(table), dict):
                raise StoreCorruptError(f"{self.path} is missing the {table!r} table.{hint}")
        return data

    def _load(self) -> None:
        fd, sig, data = self._read_file()
        self._db.storage.replace(data)
        self._hold(fd, sig)

    def _hold(self, fd: int, sig: Signature) -> None:
        """Keep ``fd`` (the file our memory matches) open instead of the previous one."""
        if self._fd is not None:
            os.close(self._fd)
        self._fd, self._signature = fd, sig

    def refresh(self) -> bool:
        """Re-read the file if another session changed it. Returns True when it did."""
        sig = file_signature(self.path)
        if sig == self._signature:
            return False
        self._load()
        return True

    # ------------------------------------------------------------------- reads
    def _table(self, name: str) -> Table:
        return self._db.table(name, cache_size=0)

    def get(self, table: str, record_id: str) -> dict[str, Any] | None:
        """One record by id, or None."""
        doc = self._db.storage.memory.get(table, {}).get(record_id)
        return dict(doc) if doc is not None else None

    def all(self, table: str) -> list[dict[str, Any]]:
        """Every record of a table."""
        return [dict(d) for d in self._db.storage.memory.get(table, {}).values()]

    def find(self, table: str, **equals: Any) -> list[dict[str, Any]]:
        """Records whose fields equal the given values (a TinyDB query)."""
        if not equals:
            return self.all(table)
        q = Query()
        cond = None
        for key, value in equals.items():
            part = q[key] == value
            cond = part if cond is None else cond & part
        return [dict(d) for d in self._table(table).search(cond)]

    def count(self, table: str) -> int:
        """How many records a table holds."""
        return len(self._db.storage.memory.get(table, {}))

    @property
    def meta(self) -> dict[str, Any]:
        """The store's bookkeeping record (schema, commit sequence, counters)."""
        return dict(self._db.storage.memory[META]["meta"])

    # ------------------------------------------------------------------ writes
    def commit(self, changes: Sequence[Change], *, action: str,
               counters: Mapping[str, tuple[int, int]] | None = None) -> dict[str, int]:
        """Apply ``changes`` all-or-nothing under the store lock.

        Refuses the whole commit with ``ConflictError`` if any record's version moved on
        since the caller read it. ``counters`` maps a store-wide counter (control numbers)
        to ``(value the caller read, increment)``; a counter that moved on is a conflict
        too, so two sessions never issue the same number. The new values are returned.
        """
        with self.lock.hold():
            remove_stale_temp_files(self.path, older_than=0)
            if file_signature(self.path) != self._signature:
                self._load()
            ensure_writable(self.path)
            ensure_writable(self.audit.path)
            self._repair_audit()
            memory = self._db.storage.memory
            new_tables: dict[str, dict[str, Any]] = {}
            audit_changes = []
            now = now_iso()
            for change in changes:
                # Copy a table once per commit (not once per change: a bulk commit of n
                # changes would otherwise copy it n times).
                if change.table not in new_tables:
                    new_tables[change.table] = dict(memory[change.table])
                table = new_tables[change.table]
                rid = change.record["id"] if isinstance(change, Put) else change.id
                current = table.get(rid)
                expected = change.expected_version
                check_version(change.table, rid, current, expected)
                if isinstance(change, Put):
                    # A deep copy through JSON: memory then holds exactly what the file
                    # holds (lists, not tuples), and the caller's later edits to its dicts
                    # cannot reach into the store behind a commit's back.
                    after = orjson.loads(orjson.dumps(change.record))
                    after["version"] = (current["version"] + 1) if current else 1
                    after["changed_by"] = self.user
                    after["changed_at"] = now
                    table[rid] = after
                else:
                    after = None
                    del table[rid]
                audit_changes.append({"table": change.table, "id": rid,
                                      "before": current, "after": after})
            meta = dict(memory[META]["meta"])
            meta["seq"] = meta.get("seq", 0) + 1
            issued = {}
            meta["counters"] = dict(meta.get("counters", {}))
            for name, (seen, step) in (counters or {}).items():
                now_at = meta["counters"].get(name, 0)
                if now_at != seen:
                    raise ConflictError(f"the {name} number was issued by another session; "
                                        "nothing was saved. Try again.", table=META,
                                        record_id=name)
                meta["counters"][name] = now_at + step
                issued[name] = now_at + step
            new_data = {**memory, **new_tables, META: {"meta": meta}}
            payload = orjson.dumps(new_data)
            self._keep_backup()
            atomic_write(self.path, payload)
            self._db.storage.replace(new_data)
            self._hold_written()
            try:
                self.audit.append(at=now, user=self.user, action=action, changes=audit_changes,
                                  store_seq=meta["seq"])
            except OSError as exc:
                # The data is saved; say loudly that the audit trail missed it.
                raise StoreWriteError(
                    f"saved, but the audit log {self.audit.path} could not be written: "
                    f"{exc.strerror}. Tell your administrator."
                ) from None
            return issued

    def _hold_written(self) -> None:
        """Hold the file we just wrote; nobody else can replace it while we hold the lock."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            self.close()  # no signature: the next commit or refresh simply re-reads
            return
        st = os.fstat(fd)
        self._hold(fd, (st.st_ino, st.st_size, st.st_mtime_ns))

    def _keep_backup(self) -> None:
        """Hard-link the current file as ``<store>.bak``: the last good state, at no copy cost."""
        # Named like the data temp files, so a writer killed mid-link leaves nothing the
        # stale temp clean-up does not find.
        tmp = self.path.with_name(f".{self.path.name}.bak.{os.getpid()}.tmp")
        try:
            os.link(self.path, tmp)
            os.replace(tmp, self.backup_path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
