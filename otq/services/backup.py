"""``otq backup`` and ``otq restore``: consistent copies of a store and its audit log.

A backup is itself a store: ``<dest>`` plus ``<dest>.audit.jsonl``, so it opens, checks
(``check_store``) and restores like any other. While holding the store lock, the backup
folds the store's journal into its snapshot (a checkpoint) and reads the snapshot and the
log, so no commit can land in between: the copy is one file with every commit, and its
audit log ends exactly at the copy's last commit, even while other billers keep working.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pendulum

from otq.errors import OtqError
from otq.services.session import Session
from otq.store import Store
from otq.store.check import check_store
from otq.store.storage import atomic_write


def _audit_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".audit.jsonl")


def _journal_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".journal")


def _store_path(source: Session | Store | Path | str) -> Path:
    if isinstance(source, Session):
        return source.store.path
    if isinstance(source, Store):
        return source.path
    return Path(source)


def _write_copy(dest: Path, data: bytes, audit: bytes, mode: int, gid: int) -> None:
    """Write a store and its log with the source store's mode and group (they hold PHI)."""
    for path, content in ((dest, data), (_audit_path(dest), audit)):
        atomic_write(path, content)
        os.chmod(path, mode & 0o770)
        try:
            os.chown(path, -1, gid)
        except PermissionError:
            pass  # not in that group: the file keeps ours, and mode stays owner/group only


def backup_store(session_or_path: Session | Store | Path | str, dest: Path | str, *,
                 lock_timeout: float = 30.0) -> Path:
    """Copy the store (and its audit log) to ``dest``; returns the backup's path.

    ``dest`` may be a folder, which gets ``<store>-<UTC time>.json``. An existing backup file
    is never overwritten. The copy is checked after writing; a copy that does not check out
    is an error, so a backup that exists is a good one.
    """
    source = _store_path(session_or_path)
    dest = Path(dest)
    if dest.is_dir():
        stamp = pendulum.now("UTC").format("YYYYMMDD-HHmmss")
        dest = dest / f"{source.stem}-{stamp}{source.suffix or '.json'}"
    if dest.exists() or _audit_path(dest).exists():
        raise OtqError(f"{dest} already exists; a backup never overwrites another.")
    store = Store.open(source, lock_timeout=lock_timeout)
    with store.lock.hold():  # no commit can land between the checkpoint and the reads
        store.checkpoint(lock_held=True)  # the journal's commits into the snapshot we copy
        data = store.path.read_bytes()
        audit = store.audit.path.read_bytes() if store.audit.path.exists() else b""
        st = os.stat(store.path)
    store.close()
    dest.parent.mkdir(parents=True, exist_ok=True)
    _write_copy(dest, data, audit, st.st_mode, st.st_gid)
    problems = check_store(dest)
    if problems:
        raise OtqError(f"the backup {dest} did not check out: {problems[0]}")
    return dest


def restore_store(backup: Path | str, path: Path | str, *, force: bool = False,
                  lock_timeout: float = 30.0) -> Path | None:
    """Bring ``backup`` back as the store at ``path``; returns where the old store was kept
    (None when there was none).

    Refuses a backup that fails ``check_store``, and refuses to replace an existing store
    unless ``force``. The replaced store and its log are kept beside it as
    ``<store>.replaced-<UTC time>`` (with its journal). Runs under the store lock, replaces
    each file atomically, and appends a ``store.restore`` entry to the restored audit log.
    The restored snapshot gets a new generation, so the replaced store's journal no longer
    applies to it (and is removed). Sessions that are open see the restored store on their
    next refresh or commit.
    """
    backup, path = Path(backup), Path(path)
    problems = check_store(backup)
    if problems:
        raise OtqError(f"{backup} is not a good backup: {problems[0]}")
    if path.exists() and not force:
        raise OtqError(f"{path} exists; restoring would replace it. Use --force to do so.")
    source = Store.open(backup)  # folds a journal the backup may have (a kept store)
    data = source.folded()
    source.close()
    audit = _audit_path(backup).read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    target = Store(path, lock_timeout=lock_timeout)
    kept = path.with_name(f"{path.name}.replaced-{pendulum.now('UTC').format('YYYYMMDD-HHmmss')}")
    replaced = None
    with target.lock.hold():
        if path.exists():
            replaced = kept
            os.link(path, kept)  # the replaced store stays on disk, at no copy cost
            for mine, theirs in ((target.audit.path, _audit_path(kept)),
                                 (target.journal_path, _journal_path(kept))):
                if mine.exists():
                    os.link(mine, theirs)
        atomic_write(path, data)
        # The old journal continues the replaced snapshot's generation, so it is ignored
        # from here on even if we stop now; remove it so nobody mistakes it for current.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target.journal_path)
        atomic_write(target.audit.path, audit)
        restored = Store.open(path)
        restored.audit.append(at=pendulum.now("UTC").isoformat(), user=restored.user,
                              action="store.restore", changes=[],
                              store_seq=restored.meta.get("seq", 0))
        restored.close()
    return replaced
