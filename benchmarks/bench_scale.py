"""Scale benchmark: the TUI on 100,000 open items and on 50,000 open + 500,000 closed.

``python benchmarks/bench_scale.py [--dir /tmp/otq-scale] [--old 3b144f0] [--runs 3]``

Generates (once) ``100k.json`` and ``50k500k.json`` with ``otq generate --size``, then
measures, each in a fresh process so nothing is shared between runs:

* ``first paint (pty)``: ``otq tui`` started in a 120x40 pseudo-terminal until the first
  queue's rows are on the screen (its row counter ``1/N``), with the queue view an
  earlier session saved; also ``no saved view`` (rows come once the store has loaded)
  and ``view out of date`` (after another process's commit). ``key while the store
  loads``: ``j`` every 0.3 s after the first paint until the store has opened behind it;
* ``app start``: the same from ``OtqApp(session)`` with the store already open (Pilot);
* ``open 100k queue``: ``2`` pressed until the 100,000 coding rows are on screen;
* ``cursor down`` / ``page down``: one key until its repaint has been composed and
  encoded (the app's ``_display`` is wrapped, as in bench_coding_keys.py), keys 34 ms
  apart like a held key's auto-repeat;
* ``filter key``: one character of ``smith`` then of ``payer:medicare`` typed after ``/``
  until a frame painted after the table got the narrowed rows;
  ``filter (service)``: ``apply_filter`` alone on the 100,000 rows;
* ``peak RSS``: the TUI process's maximum resident set after opening every queue of the
  50k+500k store.

With ``--old REV`` the same measures run on that commit (a git worktree in /tmp) against
the same records, exported to its single whole-file JSON (it reads no journal and no
archives: on 50k+500k it loads the 50,000 open items only, which flatters it), and the
ratio old/new is printed. Figures are median and p95 in ms
(RSS in MB).
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-20"
SHAPES = {"100k.json": "100k", "50k500k.json": "50k+500k"}


# ------------------------------------------------------------------ the worker
WORKER = r'''
import asyncio, json, resource, sys, time
from datetime import datetime
import pendulum
from textual import events
from otq.services.session import Session
from otq.tui.app import OtqApp
from otq.services.queue_filter import apply_filter

path, n_keys = sys.argv[1], int(sys.argv[2])
# Keys come 34 ms apart, a held key's auto-repeat (30/s). Back to back, every key would
# also wait for Textual's next 60 fps frame slot (16.7 ms) and measure that instead.
GAP = 0.034
out = {}
t = time.perf_counter()
session = Session.open(path, today=pendulum.parse(sys.argv[3]).date())
out["store open"] = [(time.perf_counter() - t) * 1000]
shown = []

async def key(app, name, char, done, limit=15):
    start = time.perf_counter()
    ev = events.Key(name, char)
    ev.set_sender(app)
    app._driver.send_message(ev)
    deadline = start + limit
    while time.perf_counter() < deadline:
        await asyncio.sleep(0)
        screen = app.screen  # the screen shown now (a queue switch changes it)
        if (done() and shown and shown[-1] > start and not screen._dirty_widgets
                and not screen._layout_required and not screen._repaint_required):
            return (shown[-1] - start) * 1000
    raise SystemExit(f"key {name} showed nothing")

async def main():
    t0 = time.perf_counter()
    app = OtqApp(session, clock=lambda: datetime(2026, 11, 20, 9, 41))
    display = app._display
    def timed(screen, renderable):
        display(screen, renderable)
        if renderable is not None:
            renderable.render_segments(app.console)
            shown.append(time.perf_counter())
    app._display = timed
    async with app.run_test(size=(120, 40)) as pilot:
        while not shown:
            await asyncio.sleep(0)
        out["app start"] = [(shown[0] - t0) * 1000]
        await pilot.pause()
        try:  # what `otq tui`'s loading thread does once the store is open (new design)
            from otq.services import warm
            warm.before_first_commit(session)
        except ImportError:  # the old design has no such module
            pass
        big = "uncoded"  # the coding queue: 100,000 visits with errors
        spec = next(s for s in app.specs if s.id == big)
        out["rows"] = app.counts[big]

        def opened():
            try:
                return (getattr(app.screen, "spec", None) is spec
                        and len(app.screen.table.rows) > 0)
            except Exception:
                return False

        out["open 100k queue"] = [await key(app, spec.key, spec.key, opened, limit=600)]
        await pilot.pause()
        table = app.screen.table
        downs = []
        for i in range(n_keys):
            await asyncio.sleep(GAP)
            want = table.cursor + 1
            downs.append(await key(app, "j", "j", lambda w=want: table.cursor == w))
        out["cursor down"] = downs
        pages = []
        for i in range(n_keys // 4):
            await asyncio.sleep(GAP)
            want = table.cursor + table.page_height
            pages.append(await key(app, "pagedown", None, lambda w=want: table.cursor == w))
        out["page down"] = pages
        rows = app.screen.all_rows
        svc = []
        for text in ("payer:medicare", "age:>30", "rule:doc", "smith", "mine"):
            for _ in range(3):
                s = time.perf_counter()
                apply_filter(rows, text, session.user)
                svc.append((time.perf_counter() - s) * 1000)
        out["filter (service)"] = svc
        await pilot.press("slash")
        await pilot.pause()
        typed = []
        # Done only with a frame painted after the table got its new rows (the frame
        # that echoes the typed character can come first).
        set_at = [0.0]
        set_rows = table.set_rows
        def timed_set_rows(*a, **k):
            set_rows(*a, **k)
            set_at[0] = time.perf_counter()
        table.set_rows = timed_set_rows
        for text in ("smith", "payer:medicare"):
            for ch in text:
                await asyncio.sleep(GAP)
                before = table.rows
                typed.append(await key(app, ch, ch, lambda b=before: table.rows is not b
                                       and shown[-1] > set_at[0]))
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("slash")
            await pilot.pause()
        out["filter key"] = typed
        await pilot.press("escape")
        for s in app.specs:  # every queue once, for the memory figure
            app.switch_queue(s.id)
            await pilot.pause()
    out["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

asyncio.run(main())
print("RESULT " + json.dumps(out))
'''


def run_worker(repo: Path, store: Path, n_keys: int) -> dict:
    """The Pilot measures in a fresh interpreter importing otq from ``repo``."""
    env = {**os.environ, "PYTHONPATH": str(repo), "XDG_CONFIG_HOME": "/tmp/otq-bench-cfg",
           "XDG_STATE_HOME": "/tmp/otq-bench-state"}
    proc = subprocess.run([sys.executable, "-c", WORKER, str(store), str(n_keys), TODAY],
                          cwd=repo, env=env, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"worker failed in {repo}:\n{proc.stderr[-3000:]}")


ROWS = re.compile(rb"\b1/[1-9][0-9]*")  # the row counter: rows are on the screen
LOADED = b"store opened"


def first_paint_pty(repo: Path, store: Path, *, legacy: bool = False, keys: bool = False,
                    wait_loaded: bool = False) -> tuple[float, list[float]]:
    """Milliseconds from exec of ``otq tui`` in a 120x40 pty to the first queue's rows.

    ``legacy`` (the old design, which paints once everything is loaded) waits for the
    column headers instead. With ``keys``, ``j`` is then pressed every 0.3 s until the
    store has opened behind the screen, and each key's time to a new row counter is
    returned too; ``wait_loaded`` waits for the store to open (which saves the view).
    """
    env = {**os.environ, "PYTHONPATH": str(repo), "TERM": "xterm-256color",
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "XDG_CONFIG_HOME": "/tmp/otq-bench-cfg",
           "XDG_STATE_HOME": "/tmp/otq-bench-state"}
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        os.chdir(repo)
        os.execvpe(sys.executable, [sys.executable, "-m", "otq", "tui", "--store", str(store),
                                    "--today", TODAY], env)
    seen, took, lat = b"", None, []

    def read(until, limit: float) -> bool:
        nonlocal seen
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(fd, 1 << 16)
                except OSError:
                    return False
                if until():
                    return True
        return False

    try:
        painted = ((lambda: b"Why" in seen and b"Patient" in seen) if legacy
                   else (lambda: ROWS.search(seen) is not None))
        if read(painted, 900):
            took = (time.perf_counter() - start) * 1000
        row = 1
        while keys and took is not None and LOADED not in seen and row < 50:
            time.sleep(0.3)
            mark, row = len(seen), row + 1
            sent = time.perf_counter()
            os.write(fd, b"j")
            want = re.compile(rb"\b%d/[0-9]+" % row)
            if read(lambda m=mark, w=want: w.search(seen, m) is not None, 30):
                lat.append((time.perf_counter() - sent) * 1000)
        if wait_loaded:
            read(lambda: LOADED in seen, 900)
        time.sleep(0.5)
        os.write(fd, b"q")
        time.sleep(1.0)
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    if took is None:
        raise SystemExit(f"otq tui in {repo} painted no queue")
    return took, lat


COMMIT = r"""
import sys, pendulum, uuid
from otq.domain import WorkItem
from otq.services.session import Session
from otq.store import Put, encode
s = Session.open(sys.argv[1], today=pendulum.parse(sys.argv[2]).date())
visit = next(iter(s.store.all("visits")))["id"]
s.store.commit([Put("workitems", encode(WorkItem(id=uuid.uuid4().hex, subject_type="visit",
               subject_id=visit, assignee="bench")))], action="bench.assign")
"""


def another_session_commits(repo: Path, store: Path) -> None:
    """One real commit by another process, so the saved view is out of date."""
    subprocess.run([sys.executable, "-c", COMMIT, str(store), TODAY], cwd=repo,
                   env={**os.environ, "PYTHONPATH": str(repo)}, check=True)


def summary(samples: list[float]) -> tuple[float, float]:
    """Median and p95 of ``samples``."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(len(ordered) * 0.95)) - 1)]
    return statistics.median(ordered), p95


def ensure_stores(folder: Path) -> dict[str, float]:
    """Generate the two stores with this repo's ``otq generate --size`` (seconds taken)."""
    folder.mkdir(parents=True, exist_ok=True)
    took = {}
    for name, size in SHAPES.items():
        path = folder / name
        if path.exists():
            continue
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "otq", "generate", "--store", str(path), "--size",
                        size, "--seed", "1", "--today", TODAY], cwd=ROOT, check=True)
        took[f"generate {size}"] = time.perf_counter() - start
    return took


EXPORT = r'''
import sys, orjson
from otq.store import Store
src, dst, tables = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
store = Store.open(src)
data = {"_meta": {"meta": store.meta}}
for t in tables:
    data[t] = {r["id"]: r for r in store.all(t)}
open(dst, "wb").write(orjson.dumps(data))
'''


def old_format_stores(folder: Path, old_repo: Path) -> Path:
    """The stores as the old design's single whole-file JSON (it cannot read a journal)."""
    out = folder / f"old-{old_repo.name}"
    out.mkdir(exist_ok=True)
    tables = subprocess.run(
        [sys.executable, "-c", "from otq.store.tinydb_store import TABLES; print(','.join(TABLES))"],
        cwd=old_repo, env={**os.environ, "PYTHONPATH": str(old_repo)}, capture_output=True,
        text=True, check=True).stdout.strip()
    for name in SHAPES:
        if not (out / name).exists():
            subprocess.run([sys.executable, "-c", EXPORT, str(folder / name), str(out / name),
                            tables], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                           check=True)
    return out


def ensure_old(rev: str) -> Path:
    """A worktree of ``rev`` in /tmp (made once)."""
    path = Path(f"/tmp/otq-old-{rev}")
    if not path.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev],
                       check=True, capture_output=True)
    return path


def measure(repo: Path, folder: Path, runs: int, n_keys: int,
            legacy: bool = False) -> dict[str, list[float]]:
    """Every measure on ``repo``: pty first paint and Pilot runs on 100k, RSS on 50k+500k."""
    # A scrub cache or queue view from an earlier design run must not help this one.
    for cache in [*folder.glob("*.scrub-cache"), *folder.glob("*.needs-cache"),
                  *folder.glob("*.queue-view")]:
        cache.unlink()
    res: dict[str, list[float]] = {}
    big = folder / "100k.json"
    first = run_worker(repo, big, n_keys)  # warms the scrub cache (if any)
    res["cold start: app start (no scrub cache)"] = first["app start"]
    if legacy:
        for _ in range(runs):
            res.setdefault("first paint (pty)", []).append(
                first_paint_pty(repo, big, legacy=True)[0])
    else:
        # No saved view yet (a store nobody has opened with this otq): rows come once
        # the store has loaded. Waiting for that saves the view for the runs after.
        res["first paint, no saved view (pty)"] = [
            first_paint_pty(repo, big, wait_loaded=True)[0]]
        for i in range(runs):
            took, lat = first_paint_pty(repo, big, keys=i == 0)
            res.setdefault("first paint (pty)", []).append(took)
            if lat:
                res["key while the store loads (pty)"] = lat
        another_session_commits(repo, big)
        res["first paint, view out of date (pty)"] = [
            first_paint_pty(repo, big, wait_loaded=True)[0]]
    for i in range(runs):
        r = first if i == 0 and runs == 1 else run_worker(repo, big, n_keys)
        for k, v in r.items():
            if isinstance(v, list):
                res.setdefault(k, []).extend(v)
    big = run_worker(repo, folder / "50k500k.json", max(8, n_keys // 4))
    res["peak RSS MB (50k+500k)"] = [big["peak RSS MB"]]
    res["store open (50k+500k)"] = big["store open"]
    print(f"{repo}: {json.dumps(res)}", flush=True)
    return res


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/otq-scale"))
    parser.add_argument("--old", default="3b144f0", help="commit of the old design ('' to skip)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keys", type=int, default=120, help="cursor keys per run")
    parser.add_argument("--new-results", type=Path,
                        help="JSON of an earlier run's new-design figures (measure the old only)")
    args = parser.parse_args()
    for name, secs in ensure_stores(args.dir).items():
        print(f"{name}: {secs:.1f} s")
    new = json.loads(args.new_results.read_text()) if args.new_results else measure(
        ROOT, args.dir, args.runs, args.keys)
    if args.old:
        old_repo = ensure_old(args.old)
        old = measure(old_repo, old_format_stores(args.dir, old_repo), 1, args.keys,
                      legacy=True)
    else:
        old = {}
    print(f"\n{'measure':42} {'new median':>11} {'new p95':>9} {'old median':>11} "
          f"{'old p95':>9} {'old/new':>8}")
    for name, samples in new.items():
        med, p95 = summary(samples)
        line = f"{name:42} {med:11.1f} {p95:9.1f}"
        if name in old:
            omed, op95 = summary(old[name])
            line += f" {omed:11.1f} {op95:9.1f} {omed / med if med else 0:8.1f}"
        print(line)
    print("\n(ms unless named; RSS in MB; rows =", end=" ")
    print(f"100k store queue of {args.dir / '100k.json'})")


if __name__ == "__main__":
    main()
