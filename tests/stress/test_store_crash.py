"""SIGKILL a writer at random points of its commits; nothing acknowledged is ever lost.

Issue 9 "Crash". CI kills the writer ~60 times; ``OTQ_STRESS=1`` kills it 500 times.
After every kill: the store opens, ``check_store`` finds nothing wrong (including the audit
chain and that the log holds the last commit), every acknowledged commit is present, no
temp file is left once the store is opened again, and the file's mode and group are kept.
"""

from __future__ import annotations

import grp
import multiprocessing
import os
import random
import signal
import uuid

import pytest
from crash_writer import write_forever
from store_workers import stress_size

from otq.store import Put, Store
from otq.store.check import check_store

pytestmark = pytest.mark.slow


def _acked(ack_path) -> list[str]:
    try:
        text = ack_path.read_text()
    except FileNotFoundError:
        return []
    return [line for line in text.split("\n")[:-1] if line]  # only whole lines count


def _temp_files(path) -> list[str]:
    """Anything in the store's folder that is not the store, its lock, log or backup."""
    keep = {path.name + s for s in ("", ".lock", ".audit.jsonl", ".bak", ".journal",
                                    ".bak.journal")}
    keep |= {"acked.txt", "errors.txt"}
    return sorted(p.name for p in path.parent.iterdir() if p.name not in keep)


def _shared_group() -> int:
    """A group other than the user's own, as a shared billing folder would have. Only root
    may give a file any group; anyone else, one of the groups they are in (a newcomer
    running the tests may be in none but their own: then that one)."""
    if os.geteuid() != 0:
        others = [g for g in os.getgroups() if g != os.getegid()]
        return others[0] if others else os.getegid()
    for name in ("users", "staff", "nogroup", "daemon"):
        try:
            return grp.getgrnam(name).gr_gid
        except KeyError:
            continue
    return os.getgid()


def test_crash__sigkill_at_random_points_loses_no_acknowledged_commit(tmp_path):
    path, ack, err = tmp_path / "store.json", tmp_path / "acked.txt", tmp_path / "errors.txt"
    store = Store.open(path, create=True)
    counter = str(uuid.uuid4())
    store.commit([Put("workitems", {"id": counter, "count": 0})], action="test.setup")
    gid = _shared_group()
    os.chown(path, -1, gid)
    os.chmod(path, 0o640)
    store.close()

    kills = stress_size(ci=60, full=500)
    rng = random.Random(20260509)
    ctx = multiprocessing.get_context("fork")  # a forked writer starts in ~ms, not ~0.3 s
    left_temp = interrupted = gap = 0
    for k in range(kills):
        writer = ctx.Process(target=write_forever, args=(str(path), str(ack), str(err), counter))
        writer.start()
        writer.join(timeout=rng.uniform(0.01, 0.08))  # returns early only if it died
        assert writer.is_alive(), err.read_text() if err.exists() else "writer exited"
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        left_temp += bool(_temp_files(path))

        after = Store.open(path)  # must open; clears temp files, logs an unlogged commit
        problems = check_store(path)
        assert problems == [], f"after kill {k + 1}: {problems}"
        acked = _acked(ack)
        missing = [rid for rid in acked if after.get("visits", rid) is None]
        assert missing == [], f"after kill {k + 1}: acknowledged commits lost: {missing[:3]}"
        count = after.get("workitems", counter)["count"]
        assert len(acked) <= count <= len(acked) + k + 1  # at most one unacked commit a kill
        interrupted += count - len(acked) > gap  # this kill landed after a replace
        gap = count - len(acked)
        assert _temp_files(path) == [], f"after kill {k + 1}: temp files left"
        st = os.stat(path)
        assert (st.st_mode & 0o7777, st.st_gid) == (0o640, gid), f"after kill {k + 1}"
        after.close()

    assert not err.exists(), err.read_text()
    assert len(_acked(ack)) > kills  # the writers did real work between kills
    recovered = sum(e.get("action") == "audit.recovered" for e in store.audit.entries())
    print(f"\n{kills} kills survived; {len(_acked(ack))} acknowledged commits all present; "
          f"{left_temp} kills left a temp file; {interrupted} landed after a replace but "
          f"before the acknowledgement; {recovered} audit entries recovered after a kill")
