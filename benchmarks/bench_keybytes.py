"""Bytes on the wire per keystroke: otq beside mutt and htop, in one run.

``python benchmarks/bench_keybytes.py [--store PATH] [--sizes 80x24,200x50]``

Each program runs in a pseudo-terminal (``TERM=xterm-256color``, so 256 colours) of the
given size. The benchmark waits for the first paint to finish, sends the cursor-down key
100 times, one at a time, and after each waits until the program has been silent for
``--idle-ms``. The bytes the program wrote between two keys are what an SSH server would
send for that keystroke (before SSH's own framing). Measured per program and size:

* first paint bytes (everything up to the first idle),
* bytes per key: mean, median, p95, max,
* key-to-idle latency: from writing the key to the last byte before idle (median, p95),
* a held key: 30 cursor-downs 33 ms apart (auto-repeat), total bytes.

otq is shown a queue of at least 5,000 rows (the uncoded queue of a generated practice:
``--visits 26000`` gives about 5,100 uncoded visits); the store is generated once into
``--store`` and reused. mutt gets an mbox of 5,000 mails and htop its process list;
either is skipped (and said so) when it is not installed (``apt-get install mutt htop``).

Variants of otq (``--variant NAME=ENV=VALUE,...``) measure levers such as
``lowbw=OTQ_LOW_BANDWIDTH=1``. ``--json FILE`` writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import email.utils
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARROW_DOWN = {False: b"\x1b[B", True: b"\x1bOB"}  # normal / application cursor mode
DECCKM = re.compile(rb"\x1b\[\?1([hl])")
MIN_ROWS = 5000
HTOP_PROCESSES = 250
HELD_KEYS = 30  # cursor-downs in the held-key burst
HELD_GAP_S = 1 / 30


@dataclass
class Run:
    """The figures of one program at one terminal size."""

    name: str
    size: str
    first_paint: int = 0
    startup_ms: float = 0.0
    per_key: list[int] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    held_bytes: int = 0
    note: str = ""

    def summary(self) -> dict[str, object]:
        """Mean, median, p95 and max bytes per key and the latency median and p95."""
        keys, lat = self.per_key, self.latency_ms
        return {
            "program": self.name, "size": self.size, "first_paint_bytes": self.first_paint,
            "startup_ms": round(self.startup_ms),
            "keys": len(keys),
            "mean": round(statistics.fmean(keys)) if keys else None,
            "median": statistics.median(keys) if keys else None,
            "p95": percentile(keys, 95), "max": max(keys) if keys else None,
            "latency_median_ms": round(statistics.median(lat), 1) if lat else None,
            "latency_p95_ms": round(percentile(lat, 95), 1) if lat else None,
            "held_30_keys_bytes": self.held_bytes,
            "note": self.note,
        }


def percentile(values: list[float], p: float) -> float | None:
    """The ``p``-th percentile with linear interpolation (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Pty:
    """A program running in a pseudo-terminal of a fixed size."""

    def __init__(self, argv: list[str], cols: int, rows: int, env: dict[str, str]) -> None:
        self.app_cursor = False
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal, then become the program
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            try:
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.closed = False

    def read_until_idle(self, idle_s: float, first_s: float,
                        until: bytes | None = None) -> tuple[int, float | None]:
        """Read until ``idle_s`` passes without output; returns (bytes, time of last byte).

        Waits up to ``first_s`` for the first byte (and, with ``until``, for output
        containing it: a program may pause between setting up the terminal and
        painting). Tracks the cursor-key mode (DECCKM) so arrow keys are sent the way
        a real terminal would send them.
        """
        total, last = 0, None
        seen = b""
        start = time.monotonic()
        while not self.closed:
            now = time.monotonic()
            waiting = last is None or (until is not None and until not in seen)
            deadline = (start + first_s) if waiting else (last + idle_s)
            if now >= deadline:
                break
            ready, _, _ = select.select([self.fd], [], [], deadline - now)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:
                data = b""
            if not data:
                self.closed = True
                break
            last = time.monotonic()
            total += len(data)
            if until is not None and until not in seen:
                seen = seen[-len(until):] + data
            for mode in DECCKM.findall(data):
                self.app_cursor = mode == b"h"
        return total, last

    def read_for(self, seconds: float) -> int:
        """Read whatever arrives during the next ``seconds``; returns the byte count."""
        total, end = 0, time.monotonic() + seconds
        while not self.closed and (left := end - time.monotonic()) > 0:
            if select.select([self.fd], [], [], left)[0]:
                try:
                    data = os.read(self.fd, 1 << 16)
                except OSError:
                    data = b""
                if not data:
                    self.closed = True
                total += len(data)
        return total

    def send(self, data: bytes) -> float:
        """Write ``data`` as typed keys; returns the time it was written."""
        os.write(self.fd, data)
        return time.monotonic()

    def stop(self) -> None:
        """End the program (it has had its chance to quit on its own key)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            for _ in range(20):
                if os.waitpid(self.pid, os.WNOHANG)[0]:
                    os.close(self.fd)
                    return
                time.sleep(0.05)
        try:
            os.close(self.fd)
        except OSError:
            pass


def measure(name: str, argv: list[str], size: tuple[int, int], *, env: dict[str, str],
            setup: list[bytes], quit_keys: bytes, keys: int, idle_s: float,
            settle_s: float = 0.0, ready: bytes | None = None) -> Run:
    """Run ``argv`` at ``size``, apply ``setup`` keys, then time ``keys`` cursor-downs."""
    cols, rows = size
    run = Run(name, f"{cols}x{rows}")
    t0 = time.monotonic()
    term = Pty(argv, cols, rows, env)
    try:
        run.first_paint, last = term.read_until_idle(max(idle_s, 0.5), first_s=120, until=ready)
        run.startup_ms = ((last or t0) - t0) * 1000
        for key in setup:  # not counted: e.g. switching to the 5,000-row queue
            term.send(key)
            term.read_until_idle(max(idle_s, 0.5), first_s=5)
        if settle_s:
            term.read_until_idle(settle_s, first_s=settle_s)
        for _ in range(keys):
            sent = term.send(ARROW_DOWN[term.app_cursor])
            count, last = term.read_until_idle(idle_s, first_s=1.0)
            run.per_key.append(count)
            if last is not None:
                run.latency_ms.append((last - sent) * 1000)
        # A held key: the terminal's auto-repeat sends one every ~33 ms (30 a second).
        for _ in range(HELD_KEYS):
            term.send(ARROW_DOWN[term.app_cursor])
            run.held_bytes += term.read_for(HELD_GAP_S)
        count, _last = term.read_until_idle(idle_s, first_s=1.0)
        run.held_bytes += count
        if not any(run.per_key):
            run.note = "no output for any key: the program did not start or did not respond"
        term.send(quit_keys)
        term.read_until_idle(0.2, first_s=1.0)
    finally:
        term.stop()
    return run


# ------------------------------------------------------------------ programs
def otq_store(path: Path, visits: int) -> Path:
    """A generated practice whose uncoded queue has 5,000+ rows (made once, then reused)."""
    if not path.exists():
        print(f"generating {path} ({visits} visits; once, takes a minute) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "otq", "generate", "--store", str(path),
                        "--visits", str(visits), "--seed", "7"], check=True, cwd=ROOT)
    out = subprocess.run([sys.executable, "-m", "otq", "queues", "list", "--store", str(path),
                          "--json"], check=True, capture_output=True, text=True, cwd=ROOT)
    counts = {q["id"]: q["count"] for q in json.loads(out.stdout)}
    if counts.get("uncoded", 0) < MIN_ROWS:
        raise SystemExit(f"{path}: the uncoded queue has {counts.get('uncoded')} rows; "
                         f"need {MIN_ROWS}+ (generate with more --visits)")
    return path


def mutt_mbox(folder: Path, count: int = MIN_ROWS) -> Path:
    """An mbox of ``count`` plain mails with varied senders and subjects."""
    path = folder / "bench.mbox"
    (folder / "Mail").mkdir(exist_ok=True)  # else mutt asks to create ~/Mail first
    words = ["claim", "denial", "visit", "eval", "units", "payer", "remit", "note", "plan"]
    with path.open("w", encoding="ascii") as out:
        for i in range(count):
            date = email.utils.formatdate(1_700_000_000 + i * 600, localtime=False)
            subject = " ".join(words[(i + k) % len(words)] for k in range(3 + i % 4))
            out.write(f"From biller{i % 37}@example.org Mon Jan  1 00:00:00 2024\n"
                      f"From: Biller {i % 37} <biller{i % 37}@example.org>\n"
                      f"To: queue@example.org\nSubject: {subject} #{i}\nDate: {date}\n"
                      f"Message-ID: <{i}@bench.example.org>\n\nBody {i}.\n\n")
    return path


def base_env(**extra: str) -> dict[str, str]:
    """A clean 256-colour terminal environment (no truecolor, no NO_COLOR)."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"COLORTERM", "NO_COLOR", "OTQ_LOW_BANDWIDTH", "TEXTUAL_COLOR_SYSTEM"}}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.update(extra)
    return env


def parse_variant(text: str) -> tuple[str, dict[str, str], list[str]]:
    """``name=K=V,K2=V2`` or ``name=--flag`` into (name, env, extra args)."""
    name, _, rest = text.partition("=")
    env, args = {}, []
    for part in filter(None, rest.split(",")):
        if part.startswith("--"):
            args.append(part)
        else:
            k, _, v = part.partition("=")
            env[k] = v
    return name, env, args


def main(argv: list[str] | None = None) -> int:
    """Run every program at every size and print a table (and JSON with ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=Path(tempfile.gettempdir()) / "otq-bench-26k.json")
    ap.add_argument("--visits", type=int, default=26000)
    ap.add_argument("--sizes", default="80x24,200x50")
    ap.add_argument("--keys", type=int, default=100)
    ap.add_argument("--idle-ms", type=float, default=120)
    ap.add_argument("--programs", default="otq,mutt,htop")
    ap.add_argument("--variant", action="append", default=[],
                    help="an extra otq run: NAME=ENV=VALUE,... or NAME=--flag")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    sizes = [tuple(int(n) for n in s.split("x")) for s in args.sizes.split(",")]
    programs = args.programs.split(",")
    idle = args.idle_ms / 1000
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        jobs = []
        if "otq" in programs:
            store = otq_store(args.store, args.visits)
            otq = [sys.executable, "-m", "otq", "tui", "--store", str(store)]
            for name, env, extra in [("otq", {}, []), *map(parse_variant, args.variant)]:
                label = name if name == "otq" else f"otq {name}"
                # "2" opens the uncoded queue; the settle lets the status line's first
                # store check pass so it is not counted against the first key.
                jobs.append((label, otq + extra, base_env(XDG_STATE_HOME=str(tmpdir),
                                                      XDG_CONFIG_HOME=str(tmpdir), **env),
                             [b"2"], b"q", 1.2, b"Commands"))
        if "mutt" in programs and shutil.which("mutt"):
            box = mutt_mbox(tmpdir)
            jobs.append(("mutt", ["mutt", "-n", "-F", "/dev/null", "-R", "-f", str(box)],
                         base_env(HOME=str(tmpdir)), [], b"qy", 0.0, None))
        elif "mutt" in programs:
            print("mutt is not installed (apt-get install mutt): skipped", file=sys.stderr)
        sleepers: list[subprocess.Popen] = []
        if "htop" in programs and shutil.which("htop"):
            # htop lists processes; give it more than 100 so the cursor never hits the end.
            sleepers = [subprocess.Popen(["sleep", "900"]) for _ in range(HTOP_PROCESSES)]
            jobs.append(("htop", ["htop", "--no-mouse", "-d", "600"],
                         base_env(HOME=str(tmpdir), XDG_CONFIG_HOME=str(tmpdir)), [], b"q", 0.0,
                         None))
        elif "htop" in programs:
            print("htop is not installed (apt-get install htop): skipped", file=sys.stderr)
        try:
            for size in sizes:
                for label, cmd, env, setup, quit_keys, settle, ready in jobs:
                    run = measure(label, cmd, size, env=env, setup=setup, quit_keys=quit_keys,
                                  keys=args.keys, idle_s=idle, settle_s=settle, ready=ready)
                    runs.append(run)
                    print(format_row(run.summary()), run.note, file=sys.stderr)
        finally:
            for proc in sleepers:
                proc.kill()
                proc.wait()
    rows = [r.summary() for r in runs]
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


HEADER = ("program", "size", "first paint", "mean", "median", "p95", "max", "lat med ms",
          "lat p95 ms", "held 30 keys")


def format_row(s: dict[str, object]) -> str:
    """One summary as a Markdown table row."""
    cells = [s["program"], s["size"], s["first_paint_bytes"], s["mean"], s["median"],
             s["p95"] if s["p95"] is None else round(s["p95"]), s["max"],
             s["latency_median_ms"], s["latency_p95_ms"], s["held_30_keys_bytes"]]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def table(rows: list[dict[str, object]]) -> str:
    """Every summary as a Markdown table (bytes per cursor-down)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    return "\n".join(lines + [format_row(r) for r in rows])


if __name__ == "__main__":
    raise SystemExit(main())
