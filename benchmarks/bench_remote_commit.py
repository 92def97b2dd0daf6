"""What another biller's commit costs a session that is showing a big queue.

``python benchmarks/bench_remote_commit.py [--store /tmp/otq-scale/50k500k.json] [--n 20]``

A copy of the store is opened in the TUI (Pilot, 120x40) on its biggest queue, as a
biller would have it. Another store handle (another session's, in the same process so
that only the watching session's work is timed) commits; the app's one-second refresh
tick (``check_store``: read the new journal bytes, update counts and rows, repaint) is
then timed by hand. Two kinds of commit:

* owner changes (claim, assign, note, snooze: work items only), which are patched into
  the built rows;
* a coding change (a visit's minutes), after which the rows are rebuilt.

Figures: median and p95 in ms of the watcher's work per commit (CPU time of the process,
which holds nothing else while it is timed) and of the wall time it took. Seeing the change takes
at most one refresh interval (1 s) plus that work.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import pendulum

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from otq.domain import WorkItem  # noqa: E402
from otq.services import warm  # noqa: E402
from otq.services.session import Session  # noqa: E402
from otq.store import Put, Store, encode  # noqa: E402
from otq.tui.app import OtqApp  # noqa: E402

TODAY = "2026-11-20"


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(len(xs) * 0.95)) - 1)]


async def run(path: Path, n: int) -> dict[str, list[float]]:
    """Time the watcher's refresh after ``n`` owner commits and ``n // 4`` coding commits."""
    session = Session.open(path, today=pendulum.parse(TODAY).date())
    other = Store.open(path, user="bob")
    out: dict[str, list[float]] = {"owner change": [], "coding change": [],
                                   "owner change, wall": [], "coding change, wall": []}
    app = OtqApp(session, clock=lambda: datetime(2026, 11, 20, 9, 41), refresh_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        biggest = max(app.specs, key=lambda s: app.counts[s.id])
        app.switch_queue(biggest.id)
        await pilot.pause()
        rows = app.screen.table.rows
        # What `otq tui`'s loading thread does before the biller starts (Pilot's start path
        # opens the store up front and skips it).
        warm.before_first_commit(session)
        print(f"watching {biggest.id}: {len(rows)} rows", flush=True)

        async def timed(kind: str) -> None:
            # Work is the process's CPU time (refresh, patch, repaint); wall time also
            # holds Pilot's idle waits and, on a busy machine, other processes' turns.
            start, cpu = time.perf_counter(), time.process_time()
            app.check_store()
            await pilot.pause()
            out[kind].append((time.process_time() - cpu) * 1000)
            out[kind + ", wall"].append((time.perf_counter() - start) * 1000)

        for i in range(n):
            row = rows[i % len(rows)]
            item = WorkItem(id=uuid.uuid4().hex, subject_type=row.subject_type,
                            subject_id=row.subject_id, assignee="bob")
            other.commit([Put("workitems", encode(item))], action="bench.assign")
            await timed("owner change")
        visits = [r for r in other.all("visits") if r.get("lines")][: max(2, n // 4)]
        for rec in visits:
            rec = dict(rec, lines=[dict(rec["lines"][0], minutes=rec["lines"][0].get(
                "minutes", 0) + 1), *rec["lines"][1:]])
            other.commit([Put("visits", rec, expected_version=rec["version"])],
                         action="bench.code")
            await timed("coding change")
    return out


def main() -> None:
    """Copy the store, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/otq-scale/50k500k.json"))
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="otq-remote-") as tmp:
        copy = Path(tmp) / args.store.name
        for f in args.store.parent.glob(args.store.name + "*"):
            if "archive" not in f.name:
                shutil.copy2(f, Path(tmp) / f.name)
        out = asyncio.run(run(copy, args.n))
    print(f"\n{'commit by another session':28} {'median ms':>10} {'p95 ms':>8} {'n':>4}")
    for kind, xs in out.items():
        print(f"{kind:28} {statistics.median(xs):10.1f} {_p95(xs):8.1f} {len(xs):4}")


if __name__ == "__main__":
    main()
