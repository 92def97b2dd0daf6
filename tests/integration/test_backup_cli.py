"""``otq backup`` and ``otq restore`` on the command line (issue 9 "Backups").

The backup is taken while other processes keep committing. Each writer numbers its commits
0, 1, 2...; a consistent backup holds, for every writer, exactly its first k commits (a
prefix: nothing later without everything earlier), every commit acknowledged before the
backup started, and passes ``check_store``.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from otq.cli import main
from otq.store import Put, Store, current_user
from otq.store.check import check_store

WRITERS = 3


def _writer(path: str, worker: int, ack: str, stop) -> None:
    """Commit visits numbered 0, 1, 2... until told to stop; log each acknowledged one."""
    store = Store.open(path, user=f"writer{worker}", lock_timeout=60)
    with open(ack, "a", encoding="utf-8") as log:
        n = 0
        while not stop.is_set():
            rid = str(uuid.uuid4())
            store.commit([Put("visits", {"id": rid, "worker": worker, "n": n,
                                         "pad": "x" * (n % 211)})], action="visit.add")
            log.write(f"{worker} {n}\n")
            log.flush()
            n += 1


def _acked(ack: Path) -> set[tuple[int, int]]:
    if not ack.exists():
        return set()
    lines = ack.read_text().split("\n")[:-1]  # a half-written last line does not count
    return {(int(w), int(n)) for w, n in (line.split() for line in lines)}


def _numbers(path: Path) -> dict[int, list[int]]:
    store = Store.open(path)
    out: dict[int, list[int]] = {}
    for rec in store.all("visits"):
        out.setdefault(rec["worker"], []).append(rec["n"])
    return {w: sorted(ns) for w, ns in out.items()}


@pytest.fixture
def store_path(tmp_path) -> Path:
    path = tmp_path / "store.json"
    Store.open(path, create=True).close()
    return path


def _run(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_STATE_HOME": str(cwd / "state")}
    return subprocess.run([sys.executable, "-m", "otq", *argv], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


def test_backup_cli__copies_a_prefix_of_every_writers_commits_while_they_write(store_path,
                                                                               tmp_path):
    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    ack = tmp_path / "acked.txt"
    writers = [ctx.Process(target=_writer, args=(str(store_path), w, str(ack), stop))
               for w in range(WRITERS)]
    for w in writers:
        w.start()
    made = []
    try:
        time.sleep(0.2)
        for i in range(4):
            before = _acked(ack)
            dest = tmp_path / "backups" / f"b{i}.json"
            if i % 2:  # the real command in its own process, as cron would run it
                done = _run("backup", "--store", str(store_path), str(dest), cwd=tmp_path)
                assert done.returncode == 0, done.stderr
                assert "checks out" in done.stdout and "Traceback" not in done.stderr
            else:
                assert main(["backup", "--store", str(store_path), str(dest)]) == 0
            made.append((dest, before))
            time.sleep(0.1)
    finally:
        stop.set()
        for w in writers:
            w.join(20)
    assert [w.exitcode for w in writers] == [0] * WRITERS

    totals = []
    for dest, acked_before in made:
        assert check_store(dest) == [], dest
        numbers = _numbers(dest)
        for worker, ns in numbers.items():
            assert ns == list(range(len(ns))), f"{dest}: writer {worker} is not a prefix"
        held = {(w, n) for w, ns in numbers.items() for n in ns}
        assert acked_before <= held  # everything acknowledged before the backup is in it
        copy = Store.open(dest)
        assert copy.meta["seq"] == len(held)  # one commit per visit, no tearing
        added = [e for e in copy.audit.entries() if e["action"] == "visit.add"]
        assert len(added) == len(held)  # the log ends exactly at the copy's last commit
        totals.append(len(held))
    assert totals == sorted(totals) and totals[-1] > totals[0] > 0  # writes went on meanwhile
    final = _numbers(store_path)
    assert all(ns == list(range(len(ns))) for ns in final.values())


def test_restore_cli__refuses_without_force_then_restores_and_keeps_the_old_store(
        store_path, tmp_path, capsys):
    store = Store.open(store_path)
    store.commit([Put("visits", {"id": str(uuid.uuid4()), "worker": 0, "n": 0})], action="a")
    assert main(["backup", "--store", str(store_path), str(tmp_path / "b.json")]) == 0
    store.commit([Put("visits", {"id": str(uuid.uuid4()), "worker": 0, "n": 1})], action="a")
    newer = store_path.read_bytes()
    capsys.readouterr()

    assert main(["restore", str(tmp_path / "b.json"), "--store", str(store_path)]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "Traceback" not in err
    assert store_path.read_bytes() == newer

    assert main(["restore", str(tmp_path / "b.json"), "--store", str(store_path),
                 "--force"]) == 0
    out = capsys.readouterr().out
    assert "restored" in out and "kept as" in out
    assert _numbers(store_path) == {0: [0]}
    kept = next(tmp_path.glob("store.json.replaced-*[0-9]"))
    assert kept.read_bytes() == newer
    assert check_store(store_path) == []
    assert main(["check-store", "--store", str(store_path)]) == 0


def test_restore_cli__damaged_or_missing_backup_is_refused_and_store_untouched(store_path,
                                                                              tmp_path):
    assert main(["backup", "--store", str(store_path), str(tmp_path / "b.json")]) == 0
    before = store_path.read_bytes()
    bad = tmp_path / "b.json"
    bad.write_bytes(bad.read_bytes()[:-7])

    done = _run("restore", str(bad), "--store", str(store_path), "--force", cwd=tmp_path)
    assert done.returncode == 2 and "not a good backup" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") <= 2
    done = _run("restore", str(tmp_path / "nope.json"), "--store", str(store_path),
                cwd=tmp_path)
    assert done.returncode == 2 and "no backup file" in done.stderr
    assert store_path.read_bytes() == before
    assert not list(tmp_path.glob("store.json.replaced-*"))


def test_backup_cli__missing_store_existing_dest_and_busy_lock_are_clear_errors(
        store_path, tmp_path, capsys):
    assert main(["backup", "--store", str(tmp_path / "none.json"), str(tmp_path / "x.json")]) == 2
    assert "No store" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()

    assert main(["backup", "--store", str(store_path), str(tmp_path / "b.json")]) == 0
    first = (tmp_path / "b.json").read_bytes()
    assert main(["backup", "--store", str(store_path), str(tmp_path / "b.json")]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert (tmp_path / "b.json").read_bytes() == first

    store = Store.open(store_path)
    with store.lock.hold():
        code = main(["backup", "--store", str(store_path), str(tmp_path / "c.json"),
                     "--wait", "0.3"])
        assert code == 3 and "no backup was made" in capsys.readouterr().err
        code = main(["restore", str(tmp_path / "b.json"), "--store", str(store_path),
                     "--force", "--wait", "0.3"])
        assert code == 3 and "nothing was restored" in capsys.readouterr().err
    assert not (tmp_path / "c.json").exists()


def test_backup_cli__a_folder_dest_gets_a_dated_name_with_owner_group_only_mode(store_path,
                                                                               tmp_path, capsys):
    folder = tmp_path / "nightly"
    folder.mkdir()
    os.chmod(store_path, 0o664)
    assert main(["backup", "--store", str(store_path), str(folder)]) == 0
    (made,) = [p for p in folder.iterdir() if p.suffix == ".json"]
    assert made.name.startswith("store-") and check_store(made) == []
    assert made.stat().st_mode & 0o007 == 0  # PHI: nothing for others even if the store had it
    assert str(made) in capsys.readouterr().out


def test_restore_cli__over_a_store_with_roles_needs_an_admin(store_path, tmp_path, capsys):
    assert main(["backup", "--store", str(store_path), str(tmp_path / "b.json")]) == 0
    roles = store_path.with_name(store_path.name + ".roles.toml")
    roles.write_text(f'[users]\n{current_user()} = "supervisor"\n')
    before = store_path.read_bytes()
    assert main(["restore", str(tmp_path / "b.json"), "--store", str(store_path), "--force"]) == 2
    assert "only an admin" in capsys.readouterr().err
    assert store_path.read_bytes() == before
    roles.write_text(f'[users]\n{current_user()} = "admin"\n')
    assert main(["restore", str(tmp_path / "b.json"), "--store", str(store_path), "--force"]) == 0
