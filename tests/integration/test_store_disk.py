"""A full disk or a read-only store refuses a commit cleanly (issue 9 "Disk full and read-only").

Each case checks the same promise: ``StoreWriteError`` with a reason a biller can pass on,
the file's bytes and the session's in-memory state unchanged, no temp file left, and the
store still usable once the cause is fixed. The tmpfs and read-only bind cases need root
(to mount); the non-root case needs root to switch to ``nobody``. Otherwise they skip.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from otq.errors import StoreWriteError
from otq.store import Put, Store

IS_ROOT = os.geteuid() == 0


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def tmpfs(tmp_path):
    """A 256 KiB tmpfs, unmounted afterwards."""
    if not IS_ROOT:
        pytest.skip("mounting a small tmpfs needs root")
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _seed(path: Path, n: int = 20) -> Store:
    store = Store.open(path, create=True, user="ann")
    store.commit([Put("visits", {"id": str(uuid.uuid4()), "note": "n" * 200})
                  for _ in range(n)], action="test.setup")
    return store


def _state(store: Store) -> tuple:
    files = tuple(p.read_bytes() for p in (store.path, store.audit.path))
    memory = (store.meta, sorted(map(str, store.all("visits"))))
    return files, memory


def _strays(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _fill(folder: Path) -> Path:
    """Write a filler file until the file system refuses even one more byte."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (b"\0" * 4096, b"\0"):
            while True:
                try:
                    if os.write(fd, chunk) < len(chunk):
                        continue
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return filler


def _big_change() -> list[Put]:
    return [Put("visits", {"id": str(uuid.uuid4()), "note": "z" * 20_000})]


def test_disk_full__commit_refused_with_reason_and_nothing_changes(tmpfs):
    store = _seed(tmpfs / "store.json")
    before = _state(store)
    filler = _fill(tmpfs)

    with pytest.raises(StoreWriteError, match="the disk is full") as err:
        store.commit(_big_change(), action="visit.add")

    assert "Nothing was changed" in str(err.value)
    assert _state(store) == before
    assert _strays(tmpfs) == []
    filler.unlink()
    store.commit(_big_change(), action="visit.add")  # works again once there is room
    assert Store.open(store.path).count("visits") == 21
    assert store.audit.verify()[0]


def test_disk_full__audit_append_that_does_not_fit_leaves_no_half_line(tmpfs):
    store = _seed(tmpfs / "store.json")
    log_before = store.audit.path.read_bytes()
    filler = _fill(tmpfs)
    change = {"table": "visits", "id": "x", "before": None, "after": {"note": "y" * 50_000}}

    with pytest.raises(OSError):
        store.audit.append(at="2026-01-02T00:00:00+00:00", user="ann", action="visit.add",
                           changes=[change])

    assert store.audit.path.read_bytes() == log_before  # cut back to the last whole entry
    filler.unlink()
    store.commit(_big_change(), action="visit.add")
    assert store.audit.verify() == (True, "3 entries, chain intact")


def test_read_only_file_system__commit_refused_and_store_still_opens(tmpfs):
    store = _seed(tmpfs / "store.json")
    before = _state(store)
    _mount("-o", "remount,ro", str(tmpfs))
    try:
        with pytest.raises(StoreWriteError, match="read-only"):
            store.commit(_big_change(), action="visit.add")
        assert _state(store) == before
        assert Store.open(store.path).count("visits") == 20  # reading still works
    finally:
        _mount("-o", "remount,rw", str(tmpfs))
    assert _strays(tmpfs) == []


def test_read_only_bind_mount_of_store_folder__commit_refused(tmp_path):
    if not IS_ROOT:
        pytest.skip("a read-only bind mount needs root")
    real, view = tmp_path / "real", tmp_path / "view"
    real.mkdir()
    view.mkdir()
    _seed(real / "store.json")
    try:
        _mount("--bind", str(real), str(view))
        _mount("-o", "remount,bind,ro", str(view))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"cannot make a read-only bind mount here: {exc}")
    try:
        store = Store.open(view / "store.json", user="ann")
        before = _state(store)
        with pytest.raises(StoreWriteError, match="read-only"):
            store.commit(_big_change(), action="visit.add")
        assert _state(store) == before
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
    assert _strays(real) == []


def test_chmod_444_store__commit_refused_even_for_root(tmp_path):
    store = _seed(tmp_path / "store.json")
    before = _state(store)
    os.chmod(store.path, 0o444)

    with pytest.raises(StoreWriteError, match="read-only for you"):
        store.commit(_big_change(), action="visit.add")

    assert _state(store) == before
    assert _strays(tmp_path) == []
    assert os.stat(store.path).st_mode & 0o777 == 0o444


def _commit_as_nobody(path: str, out) -> None:
    """In a forked child: become ``nobody`` and try one commit (the venv's python lives
    under root's home, so a fresh interpreter could not start as nobody)."""
    pw = pwd.getpwnam("nobody")
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    try:
        Store.open(path).commit([Put("visits", {"id": str(uuid.uuid4())})], action="visit.add")
        out.put("saved")
    except StoreWriteError as exc:
        out.put(f"refused: {exc}")


def test_store_not_writable_by_user__commit_refused_although_folder_is_writable():
    """The folder allows a replace, but the file's own permissions say no: honour them."""
    if not IS_ROOT:
        pytest.skip("switching to another user needs root")
    folder = Path(tempfile.mkdtemp(prefix="otq-perm-"))
    try:
        os.chmod(folder, 0o777)
        store = _seed(folder / "store.json")
        for p in folder.iterdir():
            os.chmod(p, 0o666 if p.name.endswith(".lock") else 0o644)  # owner root
        before = store.path.read_bytes()
        ctx = multiprocessing.get_context("fork")
        out = ctx.Queue()
        child = ctx.Process(target=_commit_as_nobody, args=(str(store.path), out))
        child.start()
        answer = out.get(timeout=30)
        child.join()
        assert answer.startswith("refused:") and "read-only for you" in answer, answer
        assert store.path.read_bytes() == before
        assert os.stat(store.path).st_uid == 0  # not taken over by the replace
        assert _strays(folder) == []
    finally:
        shutil.rmtree(folder)
