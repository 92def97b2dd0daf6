"""Checkpoints: folding the journal into a new snapshot, atomically and crash-safely.

A checkpoint runs under the store lock, with memory caught up. It writes the whole store
as a new snapshot with a new ``generation`` and a fresh journal whose header names that
snapshot, both as fsync'd temp files, then:

1. hard-links the current snapshot and journal as ``<store>.bak`` and
   ``<store>.bak.journal`` (together: the store as it was, a backup at no copy cost; the
   snapshot first, so a crash between the two leaves an older but consistent pair);
2. renames the new snapshot into place and fsyncs the folder;
3. renames the new journal into place and fsyncs the folder.

A crash between 2 and 3 leaves the new snapshot beside the old journal. The old journal's
header names the old generation, so it is ignored: every commit in it is in the new
snapshot (which records the last commit it folded as ``seq``). The next writer replaces it
with a fresh journal. The renames never happen the other way round, so a journal is never
ahead of the snapshot it continues.

When: a commit checkpoints first when the journal's commits exceed a quarter of the
snapshot's size (capped at 64 MB). Rewriting the snapshot then costs about four bytes
per journal byte written, whatever the store's size, and a session that opens the store
replays at most that much journal.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Any

from otq.errors import StoreWriteError
from otq.store import journal
from otq.store.snapshot import dump_snapshot
from otq.store.storage import (
    ensure_writable,
    install,
    link_over,
    remove_stale_temp_files,
    write_error,
    write_temp,
)
from otq.store.sync import META, SyncedMemory, _sig

#: checkpoint when the journal's commits exceed this share of the snapshot's size...
CHECKPOINT_RATIO = 0.25
#: ...or this many bytes, whichever is smaller
CHECKPOINT_MAX_BYTES = 64 * 1024 * 1024


class Checkpointing(SyncedMemory):
    """Folding the journal into the snapshot. Mixed into ``Store``."""

    lock: Any  # StoreLock, audit: AuditLog and _repair_audit() come from Store
    audit: Any
    checkpoint_ratio = CHECKPOINT_RATIO
    checkpoint_max_bytes = CHECKPOINT_MAX_BYTES

    def checkpoint(self, *, lock_held: bool = False) -> bool:
        """Fold the journal into a new snapshot now. Returns False when it was empty.

        Takes the store lock unless the caller already holds it (``lock_held=True``, as the
        backup does so that no commit lands between the checkpoint and its copy).
        """
        if not lock_held:
            with self.lock.hold():
                return self.checkpoint(lock_held=True)
        remove_stale_temp_files(self.path, older_than=0)
        self._catch_up(locked=True)
        for path in (self.path, self.journal_path):
            ensure_writable(path)
        self._repair_audit()
        if self._jfd is not None and self._joff == self._jstart:
            return False
        self._checkpoint_locked()
        return True

    def journal_bytes(self) -> int:
        """How many bytes of commits the journal holds beyond the snapshot."""
        return self._joff - self._jstart if self._jfd is not None else 0

    def _checkpoint_if_due(self) -> None:
        """Under the lock, before a commit: checkpoint if the journal has grown enough."""
        assert self._snap_sig is not None
        limit = min(self.checkpoint_max_bytes, self._snap_sig[1] * self.checkpoint_ratio)
        if self.journal_bytes() <= limit:
            return
        last = self.audit.tip()
        if last is not None and last.get("store_seq") != self._seq:
            return  # keep the record the audit repair needs until it has been logged
        with contextlib.suppress(StoreWriteError):
            # Disk full or similar: the commit may still fit in the journal; a later commit
            # tries again. If only the snapshot got in place, memory already follows it and
            # the commit starts a fresh journal.
            self._checkpoint_locked()

    def folded(self, generation: str | None = None) -> bytes:
        """The whole store as one snapshot (journal folded in), for backups and restores."""
        meta = dict(self._memory[META]["meta"])
        meta["generation"] = generation or uuid.uuid4().hex
        return dump_snapshot({**self._memory, META: {"meta": meta}})

    def _checkpoint_locked(self) -> None:
        """Write the new snapshot and journal and put them in place (see the module doc)."""
        generation = uuid.uuid4().hex
        payload = self.folded(generation)
        like = self._journal_like()
        tmp_snap = tmp_journal = None
        try:
            tmp_snap, st = write_temp(self.path, payload, like)
            head = journal.frame(journal.header(generation, self._seq, _sig(st)))
            tmp_journal, _ = write_temp(self.journal_path, head, like)
            link_over(self.path, self.backup_path)
            if self._jfd is not None:
                link_over(self.journal_path,
                          self.backup_path.with_name(self.backup_path.name + ".journal"))
            install(tmp_snap, self.path)
            tmp_snap = None
            # From here the snapshot on disk is the new one: memory must follow it.
            meta = dict(self._memory[META]["meta"], generation=generation)
            self._memory[META] = {"meta": meta}
            self._generation = generation
            snap_fd = os.open(self.path, os.O_RDONLY)
            self._follow(snap_fd, _sig(os.fstat(snap_fd)), None, 0)
            install(tmp_journal, self.journal_path)
            tmp_journal = None
            jfd = os.open(self.journal_path, os.O_RDONLY)
            self._follow(snap_fd, self._snap_sig, jfd, len(head))
            self._last = None
        except OSError as exc:
            raise write_error(self.path, exc) from None
        finally:
            for tmp in (tmp_snap, tmp_journal):
                if tmp is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
