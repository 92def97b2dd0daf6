"""Store scale: commit latency, what another session pays to see a commit, 10 concurrent billers.

``python benchmarks/bench_store_scale.py [--open 50000] [--closed 500000] [--commits 200]
[--seconds 60] [--procs 10] [--old-commits 10] [--layouts hot,archived] [--no-old]
[--dir /tmp/otq-scale]``

Builds the stores directly through ``Store.commit`` (50,000-record batches, then one
checkpoint): ``open`` work items (a claimable item with notes, ~0.8 KB) and ``closed`` claims
with three service lines (~1.2 KB). Two layouts:

* ``hot``: every record, open and closed, in the one store (the worst case);
* ``archived``: only the open records in the store; closed work lives in yearly archives
  (``otq archive``) that a commit or a refresh never reads.

For each, the journal design (this tree) and the OLD whole-file design (``otq`` as of the
commit before the journal, extracted with ``git archive`` into a temp folder and run in
subprocesses) are measured on a copy of the same snapshot:

* commit one change (claim a work item): median and p95 over ``--commits`` commits,
  fsync'd (the old design gets ``--old-commits``: each of its commits rewrites the file);
* another session seeing it: wall and CPU time of that session's ``refresh()``;
* ``--procs`` processes doing mixed operations (claim 70 %, add a note 15 %, refresh and
  read 15 %) for ``--seconds``: commits, p95 commit latency (lock wait included), and a
  check that nothing was lost (every acknowledged insert present, the edit counters sum
  to the acknowledged edits). The old design runs this on the archived layout only: ten
  processes each re-reading a 600 MB file on every commit would not fit in memory.

Not a unit test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OLD_COMMIT = "82254ab"  # the last commit with the whole-file store
BATCH = 50_000


def _open_record(n: int, rng: random.Random) -> dict:
    return {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "kind": "coding",
            "queue": "uncoded", "visit_id": str(uuid.uuid4()), "patient_id": str(uuid.uuid4()),
            "payer_id": f"payer-{n % 40}", "provider_id": f"prov-{n % 25}",
            "assignee": "", "status": "open", "priority": n % 5,
            "due": "2026-12-15", "tags": ["eval", "kx"] if n % 7 == 0 else [],
            "notes": [{"at": "2026-11-20T14:03:00+00:00", "by": "ann",
                       "text": "Called payer; auth on file through 12/31, 12 visits left."}],
            "findings": ["UNITS-TIMED", "NOTE-UNSIGNED"][: n % 3],
            "summary": "97530 x2, 97110 x1; POS 11; GP; dx M25.511, M75.101"}


def _closed_record(n: int, rng: random.Random) -> dict:
    lines = [{"line": i + 1, "code": code, "modifiers": ["GO"], "units": 2,
              "charge": "142.00", "paid": "98.34", "adjust": "43.66",
              "carc": ["45"], "dos": "2024-03-11"} for i, code in
             enumerate(("97530", "97110", "97140"))]
    return {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "status": "paid",
            "visit_id": str(uuid.uuid4()), "patient_id": str(uuid.uuid4()),
            "payer_id": f"payer-{n % 40}", "control_number": f"{n:09d}",
            "submitted_on": "2024-03-14", "paid_on": "2024-04-02", "total": "426.00",
            "paid": "295.02", "check": f"EFT{n:08d}", "lines": lines}


def build(path: Path, n_open: int, n_closed: int) -> None:
    """A store of ``n_open`` work items and ``n_closed`` closed claims, checkpointed."""
    from otq.store import Put, Store
    rng = random.Random(1)
    store = Store.open(path, create=True, user="builder")
    for table, count, make in (("workitems", n_open, _open_record),
                               ("claims", n_closed, _closed_record)):
        for start in range(0, count, BATCH):
            store.commit([Put(table, make(n, rng)) for n in range(start, min(count, start + BATCH))],
                         action="bench.build")
    store.checkpoint()


def _work_table(store) -> str:
    """The table a biller's claims land on: work items, or visits in a generated store."""
    return "workitems" if store.count("workitems") else "visits"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


# ---------------------------------------------------------------- in one process
def measure_single(path: str, commits: int, sees: int) -> dict:
    """Commit latency and another session's refresh cost (run with either ``otq``)."""
    from otq.store import Put, Store
    t0 = time.perf_counter()
    ann = Store.open(path, user="ann")
    open_s = time.perf_counter() - t0
    bob = Store.open(path, user="bob")
    table = _work_table(ann)
    ids = list(ann._db.storage.memory[table])  # noqa: SLF001 - a benchmark's shortcut
    rng = random.Random(2)
    lat, see_wall, see_cpu = [], [], []
    for i in range(commits):
        rec = ann.get(table, rng.choice(ids))
        t = time.perf_counter()
        ann.commit([Put(table, {**rec, "assignee": "ann",
                                      "bench_edits": rec.get("bench_edits", 0) + 1},
                        rec["version"])], action="workitem.claim")
        lat.append(time.perf_counter() - t)
        if i < sees:
            w, c = time.perf_counter(), time.process_time()
            assert bob.refresh()
            see_wall.append(time.perf_counter() - w)
            see_cpu.append(time.process_time() - c)
            assert bob.get(table, rec["id"])["version"] == rec["version"] + 1
    return {"open_s": open_s, "commit_ms": [x * 1000 for x in lat],
            "see_wall_ms": [x * 1000 for x in see_wall], "see_cpu_ms": [x * 1000 for x in see_cpu]}


def worker(path: str, seconds: float, seed: int) -> dict:
    """Mixed operations until the deadline (one biller's session)."""
    from otq.errors import ConflictError
    from otq.store import Put, Store
    rng = random.Random(seed)
    me = f"biller{seed}"
    store = Store.open(path, user=me, lock_timeout=300)
    table = _work_table(store)
    ids = list(store._db.storage.memory[table])  # noqa: SLF001
    lat, inserted, edits, conflicts = [], [], 0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.15:
            store.refresh()
            store.get(table, rng.choice(ids))
            continue
        if roll < 0.30:
            rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            change = Put("documents", {"id": rid, "kind": "note", "by": me, "text": "x" * 200})
        else:
            rec = store.get(table, rng.choice(ids))
            change = Put(table, {**rec, "assignee": me,
                                       "bench_edits": rec.get("bench_edits", 0) + 1},
                         rec["version"])
        t = time.perf_counter()
        try:
            store.commit([change], action="bench.mixed")
        except ConflictError:
            conflicts += 1
            continue
        lat.append((time.perf_counter() - t) * 1000)
        if change.table == "documents":
            inserted.append(change.record["id"])
        else:
            edits += 1
    return {"commit_ms": lat, "inserted": inserted, "edits": edits, "conflicts": conflicts}


def verify(path: str, results: list[dict]) -> dict:
    """Nothing lost: acknowledged inserts present, edit counters sum to acknowledged edits."""
    from otq.store import Store
    store = Store.open(path)
    docs = store._db.storage.memory["documents"]  # noqa: SLF001
    missing = sum(rid not in docs for r in results for rid in r["inserted"])
    counted = sum(r.get("bench_edits", 0)
                  for r in store._db.storage.memory[_work_table(store)].values())  # noqa: SLF001
    return {"missing_inserts": missing, "edits_in_store": counted,
            "edits_acked": sum(r["edits"] for r in results)}


# ------------------------------------------------------------------- orchestration
def _run(impl: Path | None, *args: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{impl}:{REPO}" if impl else str(REPO)
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", *args],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def concurrent(impl: Path | None, path: Path, procs: int, seconds: float) -> dict:
    """``procs`` worker processes at once; their latencies and the nothing-lost check."""
    env = dict(os.environ, PYTHONPATH=f"{impl}:{REPO}" if impl else str(REPO))
    none = path.with_name("none.json")
    none.write_text("[]")
    before = _run(None, "verify", str(path), str(none))["edits_in_store"]
    children = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child",
                                  "worker", str(path), str(seconds), str(100 + p)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for p in range(procs)]
    results = []
    for c in children:
        out, err = c.communicate()
        if c.returncode != 0:
            raise SystemExit(f"worker failed:\n{err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    lat = [x for r in results for x in r["commit_ms"]]
    acked = path.with_name("acked.json")  # too long for a command line
    acked.write_text(json.dumps(results))
    checked = _run(None, "verify", str(path), str(acked))
    checked["edits_in_store"] -= before
    return {"commits": len(lat), "p50": _pct(lat, 0.5), "p95": _pct(lat, 0.95),
            "conflicts": sum(r["conflicts"] for r in results), **checked}


def _child(argv: list[str]) -> None:
    kind, path = argv[0], argv[1]
    if kind == "single":
        print(json.dumps(measure_single(path, int(argv[2]), int(argv[3]))))
    elif kind == "worker":
        print(json.dumps(worker(path, float(argv[2]), int(argv[3]))))
    elif kind == "verify":
        print(json.dumps(verify(path, json.loads(Path(argv[2]).read_text()))))
    elif kind == "fold":
        from otq.store import Store
        Store.open(path).checkpoint()
        print("{}")


def _old_tree(folder: Path) -> Path:
    root = folder / "old-otq"
    if not root.exists():
        root.mkdir(parents=True)
        tar = subprocess.run(["git", "-C", str(REPO), "archive", OLD_COMMIT, "otq"],
                             capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=tar, check=True)
    return root


def _copy_store(src: Path, dest: Path) -> Path:
    """A copy of the snapshot alone (no journal, no audit log yet): both designs open it."""
    if dest.parent.exists():
        shutil.rmtree(dest.parent)
    dest.parent.mkdir(parents=True)
    shutil.copyfile(src, dest)
    return dest


def main() -> int:
    """Build, measure both designs, print the table."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--open", type=int, default=50_000)
    ap.add_argument("--closed", type=int, default=500_000)
    ap.add_argument("--commits", type=int, default=200)
    ap.add_argument("--old-commits", type=int, default=10)
    ap.add_argument("--sees", type=int, default=20, help="refreshes measured")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--procs", type=int, default=10)
    ap.add_argument("--layouts", default="hot,archived")
    ap.add_argument("--hot-procs", type=int, default=3,
                    help="processes for the hot layout (each holds ~4 GB at full size)")
    ap.add_argument("--generated", type=Path,
                    help="also measure a store from `otq generate --size 50k+500k` (its "
                    "journal is folded first)")
    ap.add_argument("--no-old", action="store_true")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "otq-scale")
    args = ap.parse_args()
    old = None if args.no_old else _old_tree(args.dir)
    rows: list[tuple[str, str, str, str]] = []
    layouts = args.layouts.split(",") + (["generated"] if args.generated else [])
    for layout in layouts:
        n_closed = args.closed if layout == "hot" else 0
        base = args.dir / f"base-{layout}" / "store.json"
        if layout == "generated":
            _run(None, "fold", str(args.generated))
            base = args.generated
            print(f"generated store: {base.stat().st_size / 1e6:.0f} MB")
        elif not base.exists():
            base.parent.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            _run(None, "build", str(base), str(args.open), str(n_closed))
            print(f"built {layout} store ({args.open} open + {n_closed} closed in it, "
                  f"{base.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s")
        results = {}
        for design, impl, commits in (("journal", None, args.commits),
                                      ("old", old, args.old_commits)):
            if design == "old" and old is None:
                continue
            path = _copy_store(base, args.dir / f"{layout}-{design}" / "store.json")
            single = _run(impl, "single", str(path), str(commits),
                          str(min(args.sees, commits)))
            conc = None
            if layout == "hot" and design == "journal":
                conc = concurrent(impl, path, args.hot_procs, args.seconds)
            elif layout != "hot":
                conc = concurrent(impl, path, args.procs, args.seconds)
            results[design] = (single, conc)
            print(f"{layout}/{design}: " + " | ".join(r[1 if design == "journal" else 2] for r in
                                                      _rows(layout, results, args)), flush=True)
        rows += _rows(layout, results, args)
    _print(rows)
    return 0


def _rows(layout: str, results: dict, args: argparse.Namespace) -> list[tuple[str, ...]]:
    def fig(design: str, what: str) -> str:
        if design not in results:
            return "-"
        single, conc = results[design]
        if what == "commit":
            ms = single["commit_ms"]
            return f"{statistics.median(ms):.1f} / {_pct(ms, 0.95):.1f} ms (n={len(ms)})"
        if what == "see":
            return (f"{statistics.median(single['see_wall_ms']):.2f} ms wall, "
                    f"{statistics.median(single['see_cpu_ms']):.2f} ms CPU")
        if what == "open":
            return f"{single['open_s']:.2f} s"
        if conc is None:
            return "not run (memory)"
        lost = conc["missing_inserts"] + abs(conc["edits_in_store"] - conc["edits_acked"])
        return (f"{conc['commits']} commits, p50 {conc['p50']:.1f} / p95 {conc['p95']:.1f} ms, "
                f"lost {lost}")

    def ratio(what: str) -> str:
        if "old" not in results:
            return "-"
        key = {"commit": "commit_ms", "see": "see_cpu_ms"}.get(what)
        if key is None:
            return "-"
        new, old = (statistics.median(results[d][0][key]) for d in ("journal", "old"))
        return f"{old / new:.0f}x" if new else "-"

    return [(f"{layout}: {label}", fig("journal", what), fig("old", what), ratio(what))
            for label, what in (("open a session", "open"), ("commit median / p95", "commit"),
                                ("another session sees it (median)", "see"),
                                (f"{args.hot_procs if layout == 'hot' else args.procs} procs "
                                 f"mixed {args.seconds:.0f} s", "conc"))]


def _print(rows: list[tuple[str, ...]]) -> None:
    head = ("measure", "journal (this tree)", "old whole-file design", "old/new")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    for r in [head, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child" and sys.argv[2] == "build":
        build(Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        print("{}")
        raise SystemExit(0)
    raise SystemExit(main())
