"""Keeping one session's in-memory copy in step with the snapshot and its journal.

The store on disk is a JSON snapshot (``<store>``) plus the journal of commits made since
(``<store>.journal``). A session reads both once, then follows only the journal's new
bytes: other sessions' commits cost it the size of those commits, not of the store.

When a checkpoint has folded the journal into a new snapshot, the new journal's header
names that snapshot (inode, size, mtime) and the commit it holds; a session that had read
the old journal to its end just switches to the new one. Anything else (a restore, a
damaged or hand-edited snapshot, a missed checkpoint) is a full reload, which also finds
damage. Both files are held open, so a replaced file's inode cannot be reused and mistaken
for the one we read.
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from pathlib import Path
from typing import Any

import orjson

from otq.errors import StoreCorruptError, StoreMissingError
from otq.store import journal
from otq.store.journal import JournalDamaged, Scan
from otq.store.snapshot import _without_gc, load_snapshot, share_strings
from otq.store.storage import Signature, file_signature, install, write_error, write_temp

SCHEMA_VERSION = 1
META = "_meta"
TABLES = (
    "practices", "providers", "payers", "patients", "coverages", "authorizations",
    "visits", "claims", "denials", "remits", "workitems", "batches", "appointments",
    "verifications", "appeals", "documents", "unmatched_remits",
)


#: how many recent commits ``changed_since`` can answer for
RECENT_COMMITS = 1000


def _sig(st: os.stat_result) -> Signature:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class SyncedMemory:
    """The in-memory store state and the open files it matches. Subclassed by ``Store``."""

    path: Path
    journal_path: Path
    backup_path: Path

    def _init_sync(self) -> None:
        self._snap_fd: int | None = None
        self._snap_sig: Signature | None = None
        self._jfd: int | None = None  # the journal we follow (None: there is none yet)
        self._jino: int | None = None
        self._joff = 0  # how far into it we have applied
        self._jseen: tuple[int, int] | None = None  # its (size, mtime_ns) when we last read
        self._jstart = 0  # where its first commit record starts (after the header)
        self._generation = ""
        self._last: dict[str, Any] | None = None  # the last commit record applied
        # (seq, [(table, id), ...]) of the commits applied lately, oldest first, contiguous
        self._recent: deque[tuple[int, list[tuple[str, str]]]] = deque(maxlen=RECENT_COMMITS)

    # ----------------------------------------------------------- memory access
    @property
    def _memory(self) -> dict[str, Any]:
        raise NotImplementedError

    def _set_memory(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    @property
    def _seq(self) -> int:
        return self._memory[META]["meta"].get("seq", 0)

    def _apply(self, record: dict[str, Any]) -> None:
        """Apply one commit record (already checked) to memory."""
        memory = self._memory
        for change in record["changes"]:
            table = memory[change["table"]]
            if change["after"] is None:
                table.pop(change["id"], None)
            else:
                table[change["id"]] = change["after"]
        meta = dict(memory[META]["meta"])
        meta["seq"] = record["seq"]
        if record.get("counters"):
            meta["counters"] = {**meta.get("counters", {}), **record["counters"]}
        memory[META] = {"meta": meta}
        self._last = record
        self._recent.append((record["seq"], [(c["table"], c["id"]) for c in record["changes"]]))

    def changed_since(self, seq: int) -> dict[str, set[str]] | None:
        """The records (table -> ids) that commits after ``seq`` changed, so a caller can
        update what it derived from the store instead of rebuilding it all.

        None when this session cannot tell (``seq`` is too old, or the session re-read
        the whole store since): then treat everything as changed.
        """
        if seq == self._seq:
            return {}
        if not self._recent or not self._recent[0][0] <= seq + 1 <= self._recent[-1][0]:
            return None
        changed: dict[str, set[str]] = {}
        for at, keys in self._recent:
            if at > seq:
                for table, rid in keys:
                    changed.setdefault(table, set()).add(rid)
        return changed

    # ---------------------------------------------------------------- messages
    def _hint(self) -> str:
        return f" The last good copy is {self.backup_path}." if self.backup_path.exists() else ""

    def _damaged_journal(self, reason: str) -> StoreCorruptError:
        return StoreCorruptError(f"{self.journal_path} is damaged ({reason}). It was not "
                                 f"changed; run `otq check-store`.{self._hint()}")

    def _parse(self, raw: bytes) -> dict[str, Any]:
        hint = self._hint()
        memo: dict[str, str] = {}
        data = load_snapshot(raw, memo)
        if data is None:  # an older or damaged snapshot: parse it whole
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise StoreCorruptError(
                    f"{self.path} is damaged ({len(raw)} bytes; {exc}). It was not "
                    f"changed.{hint}") from None
            if isinstance(data, dict):
                share_strings(data, memo)
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

    # ------------------------------------------------------------ file handles
    def _open(self, path: Path) -> int | None:
        try:
            return os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreCorruptError(f"cannot read {path}: {exc.strerror}.") from None

    def _follow(self, snap_fd: int | None, snap_sig: Signature | None, jfd: int | None,
                jstart: int) -> None:
        """Hold these files (closing the ones held before) and follow ``jfd`` from its start."""
        for old, new in ((self._snap_fd, snap_fd), (self._jfd, jfd)):
            if old is not None and old != new:
                os.close(old)
        self._snap_fd, self._snap_sig = snap_fd, snap_sig
        self._jfd, self._jino = jfd, (os.fstat(jfd).st_ino if jfd is not None else None)
        self._joff = self._jstart = jstart
        self._jseen = None

    def close(self) -> None:
        """Let go of the open files. The store still reads from memory; a commit re-reads."""
        self._follow(None, None, None, 0)

    # ------------------------------------------------------------------ reading
    def _reload(self, locked: bool) -> None:
        """Read the snapshot and replay its journal. Without the lock, retry a checkpoint race."""
        for attempt in range(1 if locked else 5):
            fd = self._open(self.path)
            if fd is None:
                raise StoreMissingError(f"the store {self.path} has disappeared.")
            try:
                st = os.fstat(fd)
                with open(fd, "rb", closefd=False) as fh:
                    data = _without_gc(self._parse, fh.read())
                jfd = self._open(self.journal_path)
            except BaseException:
                os.close(fd)
                raise
            meta = data[META]["meta"]
            try:
                head = journal.read_header(jfd) if jfd is not None else None
            except JournalDamaged as exc:
                os.close(fd)
                os.close(jfd)
                raise self._damaged_journal(str(exc)) from None
            belongs = (head is not None and head[0].get("generation") == meta.get("generation", "")
                       and head[0].get("base_seq") == meta.get("seq", 0))
            if not belongs and not locked and attempt < 4 and file_signature(self.path) != _sig(st):
                os.close(fd)  # a checkpoint replaced the snapshot while we read it: again
                if jfd is not None:
                    os.close(jfd)
                continue
            self._set_memory(data)
            self._generation = meta.get("generation", "")
            self._last = None
            self._recent.clear()
            if not belongs:
                # No journal yet (a new or older store, a backup), or one left over from an
                # interrupted checkpoint or restore: every commit it holds is in the snapshot
                # or was meant to be discarded. A writer replaces it before appending.
                if jfd is not None:
                    os.close(jfd)
                self._follow(fd, _sig(st), None, 0)
                return
            self._follow(fd, _sig(st), jfd, head[1])
            self._read_tail(locked)
            return

    def _read_tail(self, locked: bool) -> bool:
        """Apply the journal's new whole records. Under the lock, cut off a torn tail."""
        if self._jfd is None:
            return False
        st = os.fstat(self._jfd)
        if self._jseen is not None and self._jseen[0] == st.st_size \
                and self._jseen[1] != st.st_mtime_ns:
            # Same size, yet written since we read it: not an append but an edit in place
            # (only appends are legitimate). A full reload checks every record again.
            self._reload(locked)
            return True
        try:
            found, size = journal.read_from(self._jfd, self._joff, st.st_size)
        except JournalDamaged as exc:
            raise self._damaged_journal(str(exc)) from None
        if size < self._joff:
            raise self._damaged_journal(f"it is shorter ({size} bytes) than it was")
        self._jseen = (size, st.st_mtime_ns)
        self._apply_all(found)
        if found.torn and locked:
            self._cut_torn_tail()
        return bool(found.records)

    def _apply_all(self, found: Scan) -> None:
        tables = set(TABLES)
        seq = self._seq
        for record in found.records:
            seq += 1
            problem = journal.check_record(record, seq, tables)
            if problem:
                raise self._damaged_journal(problem)
        for record in found.records:
            self._apply(record)
        self._joff += found.end

    def _cut_torn_tail(self) -> None:
        """Drop a record a killed writer left half-written (it was never acknowledged)."""
        try:
            fd = os.open(self.journal_path, os.O_WRONLY)
            try:
                if os.fstat(fd).st_ino == self._jino:
                    os.ftruncate(fd, self._joff)
                    os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise write_error(self.journal_path, exc) from None

    def _catch_up(self, locked: bool) -> bool:
        """Bring memory up to date with the files. Returns True when anything changed."""
        if self._snap_sig is None:
            self._reload(locked)
            return True
        changed = self._read_tail(locked)
        snap = file_signature(self.path)
        try:
            jino = os.stat(self.journal_path).st_ino
        except FileNotFoundError:
            jino = None
        if snap == self._snap_sig and jino == self._jino:
            return changed
        if not locked and snap is not None and jino is not None and jino == self._jino:
            # A new snapshot beside the journal we follow: a checkpoint between its two
            # renames (its new journal comes next), so look again next time rather than
            # re-read the whole store now. (Had someone damaged the snapshot instead, the
            # next commit, under the lock, re-reads it and refuses to write.)
            return changed
        if snap is None:
            raise StoreMissingError(f"the store {self.path} has disappeared.")
        if not self._switch(snap, locked):
            self._reload(locked)
        return True

    def _switch(self, snap: Signature, locked: bool) -> bool:
        """Follow a checkpoint without reading the snapshot, if we had read all it folded."""
        jfd = self._open(self.journal_path)
        if jfd is None:
            return False
        try:
            try:
                head = journal.read_header(jfd)
            except JournalDamaged:
                head = None  # the full reload says what is wrong
            self._read_tail(False)  # commits that landed just before the checkpoint
            snap_fd = self._open(self.path) if head is not None else None
            if (head is None or snap_fd is None or head[0].get("base_seq") != self._seq
                    or tuple(head[0].get("snapshot", ())) != snap
                    or _sig(os.fstat(snap_fd)) != snap):
                if snap_fd is not None:
                    os.close(snap_fd)
                os.close(jfd)
                return False
        except BaseException:
            os.close(jfd)
            raise
        meta = dict(self._memory[META]["meta"])
        meta["generation"] = self._generation = head[0].get("generation", "")
        self._memory[META] = {"meta": meta}
        self._follow(snap_fd, snap, jfd, head[1])
        self._read_tail(locked)
        return True

    # ------------------------------------------------------------------ writing
    def _journal_like(self) -> os.stat_result:
        """The mode and group a new journal gets: the snapshot's (both hold PHI)."""
        return os.fstat(self._snap_fd) if self._snap_fd is not None else os.stat(self.path)

    def _fresh_journal(self) -> None:
        """Under the lock: start an empty journal for the snapshot we hold."""
        assert self._snap_sig is not None
        head = journal.frame(journal.header(self._generation, self._seq, self._snap_sig))
        tmp = None
        try:
            tmp, _ = write_temp(self.journal_path, head, self._journal_like())
            install(tmp, self.journal_path)
            tmp = None
            jfd = os.open(self.journal_path, os.O_RDONLY)
        except OSError as exc:
            raise write_error(self.journal_path, exc) from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        self._follow(self._snap_fd, self._snap_sig, jfd, len(head))
        self._last = None
