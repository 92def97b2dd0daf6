"""Every report from the CLI on the demo store, wall-clock per run (the 2-second budget).

``python benchmarks/bench_reports.py [--store /tmp/r.json] [--visits 2000] [--runs 3]
[--today 2027-01-20]``

Generates the demo practice into ``--store`` when it is missing (``otq generate``, seed
7), then runs ``otq report NAME --format table`` for every report ``--runs`` times as a
separate process (so start-up, imports and reading the store count, as they do for a
person at a prompt) and prints the median and the worst time per report, and whether it
is under the 2-second budget. Also times ``otq documents list``. Not a unit test: timings
depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BUDGET_SECONDS = 2.0


def _otq(*args: str) -> list[str]:
    return [sys.executable, "-m", "otq", *args]


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.strip()}")
    return elapsed


def main() -> int:
    """Generate if needed, run every report, print the figures; exit 1 over budget."""
    from otq.services.reports import REPORTS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=Path("/tmp/otq-bench-reports.json"))
    ap.add_argument("--visits", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--today", default="2027-01-20", help="report date (default: a date that "
                    "puts demo claims in every aging bucket up to 91-120)")
    args = ap.parse_args()
    if not args.store.exists():
        subprocess.run(_otq("generate", "--store", str(args.store), "--visits",
                            str(args.visits), "--seed", "7"), check=True)
    size = args.store.stat().st_size / 1e6
    print(f"store {args.store} ({size:.1f} MB), {args.runs} runs each, today {args.today}")
    print(f"{'command':<28} {'median s':>9} {'worst s':>8}  budget")
    over = 0
    jobs = [(f"report {n}", _otq("report", n, "--store", str(args.store), "--today", args.today))
            for n in REPORTS]
    jobs.append(("documents list", _otq("documents", "list", "--store", str(args.store),
                                        "--today", args.today)))
    for label, cmd in jobs:
        times = [_time(cmd) for _ in range(args.runs)]
        worst = max(times)
        ok = worst < BUDGET_SECONDS
        over += not ok
        print(f"{label:<28} {statistics.median(times):>9.2f} {worst:>8.2f}  "
              f"{'ok' if ok else 'OVER'}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
