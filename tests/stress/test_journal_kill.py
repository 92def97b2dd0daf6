"""SIGKILL writers in the middle of journal appends and checkpoints; nothing acknowledged is lost.

Issue 7 "a kill -9 loop during commits". Each round starts two writers on one store (one of
them checkpoints every few commits, so kills land in appends, audit appends, checkpoints
and the renames between), kills both at a random moment, and checks: the store opens,
``check_store`` finds nothing wrong (journal framing and sequence, audit chain, the log
holding the last commit), every acknowledged commit is present, a session that stayed
open through all the kills sees them too by refreshing, no temp file is left once the
store has been opened, and the snapshot and journal keep their mode and group.
CI kills ~40 rounds; ``OTQ_STRESS=1`` kills 200.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import uuid

import pytest
from crash_writer import write_forever
from store_workers import stress_size
from test_store_crash import _acked, _shared_group, _temp_files

from otq.store import Put, Store
from otq.store.check import check_store

pytestmark = pytest.mark.slow


def test_journal_kill__sigkill_during_commits_and_checkpoints_loses_no_acknowledged_commit(
        tmp_path):
    path, ack, err = tmp_path / "store.json", tmp_path / "acked.txt", tmp_path / "errors.txt"
    store = Store.open(path, create=True)
    counter = str(uuid.uuid4())
    store.commit([Put("workitems", {"id": counter, "count": 0})], action="test.setup")
    gid = _shared_group()
    for p in (path, store.journal_path):
        os.chown(p, -1, gid)
        os.chmod(p, 0o640)
    watcher = Store.open(path, user="watcher")  # stays open through every kill

    rounds = stress_size(ci=40, full=200)
    rng = random.Random(20261128)
    ctx = multiprocessing.get_context("fork")
    kills = generations = 0
    seen_generation = store.meta.get("generation")
    for k in range(rounds):
        writers = [ctx.Process(target=write_forever,
                               args=(str(path), str(ack), str(err), counter, every))
                   for every in (0, rng.choice((3, 5, 7)))]
        for w in writers:
            w.start()
        writers[0].join(timeout=rng.uniform(0.02, 0.12))  # returns early only if it died
        for w in writers:
            assert w.is_alive(), err.read_text() if err.exists() else "writer exited"
            os.kill(w.pid, signal.SIGKILL)
            kills += 1
        for w in writers:
            w.join()

        after = Store.open(path)  # must open; cuts a torn tail, logs an unlogged commit
        problems = check_store(path)
        assert problems == [], f"after round {k + 1}: {problems}"
        acked = _acked(ack)
        missing = [rid for rid in acked if after.get("visits", rid) is None]
        assert missing == [], f"after round {k + 1}: acknowledged commits lost: {missing[:3]}"
        count = after.get("workitems", counter)["count"]
        assert len(acked) <= count <= len(acked) + kills  # at most one unacked commit a kill
        assert _temp_files(path) == [], f"after round {k + 1}: temp files left"
        for p in (path, after.journal_path):
            if p.exists():
                st = os.stat(p)
                assert (st.st_mode & 0o7777, st.st_gid) == (0o640, gid), f"{p.name}, {k + 1}"
        watcher.refresh()
        assert watcher.meta["seq"] == after.meta["seq"], f"after round {k + 1}"
        assert watcher.get("workitems", counter)["count"] == count
        generations += after.meta.get("generation") != seen_generation
        seen_generation = after.meta.get("generation")
        after.close()

    assert not err.exists(), err.read_text()
    assert len(_acked(ack)) > rounds  # the writers did real work between kills
    assert generations > rounds // 4  # checkpoints happened between kills
    recovered = sum("recovered_by" in e for e in store.audit.entries())
    print(f"\n{kills} kills survived ({rounds} rounds); {len(_acked(ack))} acknowledged "
          f"commits all present; {generations} rounds saw a checkpoint; {recovered} audit "
          "entries written from the journal after a kill")
