"""The file protocol every store write goes through: lock, re-read, atomic replace.

TinyDB alone is not safe for several processes (torn files after a kill, lost updates,
duplicate ids). So the data file is never written in place:

1. an exclusive ``flock`` on a separate, stable ``<store>.lock`` (the data file itself is
   replaced on every commit, so a lock on it would be a lock on a file nobody else opens);
2. the caller catches up with other sessions' commits (see ``journal.py``);
3. whole files (the snapshot at a checkpoint, a fresh journal) go to a temp file in the same
   folder, are fsync'd, ``os.replace``d into place, and the folder is fsync'd, so a crash
   leaves the old or the new file, never half;
4. the file's mode and group are carried over to the new file.

We write our own small ``flock`` wrapper instead of using ``filelock`` because waiters need
to read who holds the lock ("waiting for ann (pid 4242)"), and filelock truncates the lock
file on every acquire attempt, which would erase the holder's name.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from otq.errors import LockTimeoutError, StoreWriteError

Signature = tuple[int, int, int]  # inode, size, mtime_ns


def file_signature(path: Path) -> Signature | None:
    """The (inode, size, mtime_ns) of a file, or None when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class StoreLock:
    """An exclusive, blocking, inter-process lock on ``<store>.lock``.

    Waiting is polite and visible: ``on_wait`` is called with the holder's description once
    we start waiting, and after ``timeout`` seconds we give up with ``LockTimeoutError``.
    A live lock is never broken: ``flock`` locks die with their process, so a crashed
    holder frees the lock by itself and a stopped (SIGSTOP) one keeps it.
    """

    path: Path
    user: str
    timeout: float = 30.0
    on_wait: Callable[[str], None] | None = None

    def holder(self) -> str:
        """Who holds (or last held) the lock, as written in the lock file."""
        try:
            return self.path.read_text(encoding="utf-8").strip() or "another session"
        except OSError:
            return "another session"

    def _open(self) -> int:
        try:
            return open_shared(self.path, os.O_RDWR)
        except OSError as exc:
            raise StoreWriteError(
                f"cannot open the lock file {self.path}: {_reason(exc)}. Nothing was changed."
            ) from None

    @contextlib.contextmanager
    def hold_if_free(self) -> Iterator[bool]:
        """Hold the lock only if nobody holds it now; yields whether we got it. Never waits."""
        fd = self._open()
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            yield True
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for the duration of the ``with`` block."""
        fd = self._open()
        try:
            self._acquire(fd)
            try:
                # Tell waiters who we are. Truncate only once we own the lock.
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{self.user} (pid {os.getpid()} on {socket.gethostname()})".encode(), 0)
            except OSError:
                pass  # a read-only lock file still locks; waiters just see less detail
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _acquire(self, fd: int) -> None:
        deadline = time.monotonic() + self.timeout
        told = False
        delay = 0.002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise StoreWriteError(f"cannot lock {self.path}: {exc.strerror}") from None
            if not told and self.on_wait is not None:
                self.on_wait(f"waiting for {self.holder()}")
                told = True
            if time.monotonic() >= deadline:
                raise LockTimeoutError(
                    f"the store is locked by {self.holder()}; gave up after {self.timeout:.0f} s. "
                    "Nothing was changed. Try again, or ask that user to finish."
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


def _reason(exc: OSError) -> str:
    """An OS error in words a biller can pass on to whoever runs the shared folder."""
    return {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
    }.get(exc.errno, exc.strerror or str(exc))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_writable(path: Path) -> None:
    """Refuse to write a file its permissions mark read-only, before anything is changed.

    An atomic replace needs only the folder's permission, so without this check a biller
    could replace a store (or log) whose own permissions forbid them to write it, and an
    administrator's ``chmod 444`` to freeze a store would be ignored. Even root honours a
    file with no write bit at all: that is a deliberate "do not change".
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if not st.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise StoreWriteError(
            f"could not save {path}: the file is read-only for you (mode "
            f"{st.st_mode & 0o777:o}). Nothing was changed. Ask your administrator."
        )


def write_temp(path: Path, data: bytes, like: os.stat_result | None = None
               ) -> tuple[str, os.stat_result]:
    """Write ``data`` to a new temp file beside ``path`` and fsync it; nothing is replaced yet.

    The temp file gets ``like``'s mode and group (the file it will stand in for), or 0660.
    Returns the temp file's name and its stat (taken after the fsync, so its inode, size and
    mtime are what the file will have once it is renamed into place). On failure the temp
    file is removed and the ``OSError`` is raised.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if like is not None:
                os.fchmod(fd, like.st_mode & 0o7777)
                with contextlib.suppress(PermissionError):
                    os.fchown(fd, -1, like.st_gid)
            else:
                os.fchmod(fd, 0o660)
            os.fsync(fd)
            return tmp_name, os.fstat(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def install(tmp_name: str, path: Path) -> None:
    """Rename a fsync'd temp file over ``path`` and fsync the folder, so the rename lasts."""
    os.replace(tmp_name, path)
    _fsync_dir(path.parent)


def stat_or_none(path: Path) -> os.stat_result | None:
    """``os.stat(path)``, or None when there is no such file."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def write_error(path: Path, exc: OSError) -> StoreWriteError:
    """The error a biller sees when ``path`` could not be saved."""
    return StoreWriteError(f"could not save {path}: {_reason(exc)}. Nothing was changed.")


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new content.

    Keeps the existing file's mode and group. On any failure the temp file is removed and
    ``StoreWriteError`` says why (disk full, read-only, permission); the store is unchanged.
    """
    tmp_name = None
    try:
        tmp_name, _ = write_temp(path, data, stat_or_none(path))
        install(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise write_error(path, exc) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def link_over(src: Path, dest: Path) -> None:
    """Make ``dest`` a hard link to ``src`` (replacing it), ignoring failure.

    Used for ``<store>.bak``: the previous state, kept at no copy cost. The link's temp name
    matches the stale temp clean-up, so a writer killed mid-link leaves nothing behind.
    """
    tmp = src.with_name(f".{src.name}.link.{os.getpid()}.tmp")
    try:
        os.link(src, tmp)
        os.replace(tmp, dest)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def remove_stale_temp_files(path: Path, older_than: float = 60.0) -> int:
    """Delete temp files a killed writer left beside the store. Returns how many.

    Call it only while holding the store lock (or knowing nobody writes), with
    ``older_than=0``: then no live writer can own a matching file. Covers the data temp
    files (``.<store>.XXXX.tmp``) and the backup link's (``.<store>.bak.<pid>.tmp``).
    """
    removed = 0
    now = time.time()
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > older_than:
                tmp.unlink()
                removed += 1
    return removed


def open_shared(path: Path, flags: int) -> int:
    """Open ``path``, creating it readable and writable by owner and group (0660) whatever
    the umask: a team shares one store, and a lock or audit log made under a umask of 022
    would lock every other biller out. Others never get access (the files hold PHI)."""
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o660)
    except FileExistsError:
        return os.open(path, flags)
    try:
        os.fchmod(fd, 0o660)
    except OSError:
        pass  # a file system without modes: nothing more to do
    return fd
