"""A stopped lock holder makes others wait visibly and time out; the lock is never broken.

Issue 9 "Lock holder stopped".
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import time
import uuid

import pytest

from otq.errors import LockTimeoutError
from otq.store import Put, Store


def _hold_lock(path: str, ready, release) -> None:
    """Hold the store lock as ``ann`` until told to let go (as a commit in progress would).

    ``release`` is a pipe, not an Event: a process killed inside ``Event.wait`` leaves the
    Event's condition waiting for it forever, which would hang the test's clean-up.
    """
    store = Store.open(path, user="ann")
    with store.lock.hold():
        ready.set()
        release.poll(60)


@pytest.fixture
def holder(tmp_path):
    path = tmp_path / "store.json"
    Store.open(path, create=True, user="ann")
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    theirs, ours = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_hold_lock, args=(str(path), ready, theirs))
    proc.start()
    assert ready.wait(10)
    yield path, proc, ours
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGCONT)
    with contextlib.suppress(OSError):
        ours.send(True)
    proc.join(10)
    if proc.is_alive():
        proc.kill()


def _insert(store: Store) -> str:
    rid = str(uuid.uuid4())
    store.commit([Put("workitems", {"id": rid, "assignee": "bob"})], action="workitem.claim")
    return rid


def test_stopped_lock_holder__waiter_says_who_and_times_out_without_breaking_lock(holder):
    path, proc, release = holder
    os.kill(proc.pid, signal.SIGSTOP)
    before = path.read_bytes()
    waits: list[str] = []
    bob = Store.open(path, user="bob", lock_timeout=0.4, on_wait=waits.append)

    started = time.monotonic()
    with pytest.raises(LockTimeoutError) as err:
        _insert(bob)

    assert 0.4 <= time.monotonic() - started < 5
    assert waits == [f"waiting for ann (pid {proc.pid} on {socket.gethostname()})"]
    assert "ann" in str(err.value) and "Nothing was changed" in str(err.value)
    assert path.read_bytes() == before and bob.count("workitems") == 0
    with bob.lock.hold_if_free() as got:
        assert not got  # still ann's: a stopped holder's lock is never broken
    assert proc.is_alive()

    os.kill(proc.pid, signal.SIGCONT)
    release.send(True)
    bob.lock.timeout = 10
    rid = _insert(bob)  # carries on once ann lets go
    assert Store.open(path).get("workitems", rid)["assignee"] == "bob"


def test_killed_lock_holder__lock_is_free_at_once(holder):
    path, proc, _ = holder
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(5)
    waits: list[str] = []
    bob = Store.open(path, user="bob", lock_timeout=2, on_wait=waits.append)

    rid = _insert(bob)

    assert waits == []
    assert Store.open(path).get("workitems", rid) is not None
