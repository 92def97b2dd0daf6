"""Keystroke-to-result latency in the coding screen's line editor, measured with Pilot.

``python benchmarks/bench_coding_keys.py [--store /tmp/x.json] [--visits 2000] [--n 50]``

Generates a demo practice into ``--store`` when it does not exist (``otq generate``,
seed 7), opens its showcase visit (no GO, wrong units, a non-billable diagnosis) on the
coding screen at 80x24, and times ``--n`` rounds of:

* ``digit``: a minutes digit typed on the table, which opens the line editor with it;
* ``enter``: Enter committing new minutes: the draft changes, units follow, the visit is
  re-scrubbed and the table, working line and findings panel are repainted.

Each time runs from handing the key to the app (as Pilot does, through the driver) until
the screen update that shows the result has been composed and encoded for the terminal:
the app's ``_display`` is wrapped to timestamp every update (and to encode it, as a real
terminal would need). Pilot's own ``press``/``pause`` are not used for timing because
they sleep in 20 ms steps while waiting for idle. Before a time counts, the result is
checked (editor open; minutes set and findings recomputed), so a key that did nothing is
never counted as fast. Also reports the bare re-scrub of one visit. Figures: median,
p90 and max in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402

from otq.demo.generator import find_showcase_visit  # noqa: E402
from otq.services.session import Session  # noqa: E402
from otq.tui.app import OtqApp  # noqa: E402
from otq.tui.screens.coding import CodingScreen  # noqa: E402
from otq.tui.widgets.findings_panel import FindingsPanel  # noqa: E402


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return (f"median {statistics.median(ordered):6.2f} ms   p90 {p90:6.2f} ms   "
            f"max {ordered[-1]:6.2f} ms   (n={len(ordered)})")


def ensure_store(path: Path, visits: int) -> None:
    """Generate the demo store unless it is already there."""
    if path.exists():
        return
    otq = Path(sys.executable).with_name("otq")
    subprocess.run([str(otq), "generate", "--store", str(path), "--visits", str(visits),
                    "--seed", "7"], check=True)


async def timed_key(app: OtqApp, key: str, char: str | None,
                    done: Callable[[], bool], shown: list[float]) -> float:
    """Milliseconds from sending ``key`` to the screen update that shows ``done()``."""
    screen = app.screen
    start = time.perf_counter()
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)
    deadline = start + 5
    while time.perf_counter() < deadline:
        await asyncio.sleep(0)
        if (done() and shown and shown[-1] > start and not screen._dirty_widgets
                and not screen._layout_required and not screen._repaint_required):
            return (shown[-1] - start) * 1000
    raise SystemExit(f"key {key!r} showed no result within 5 s")


async def measure(path: Path, n: int) -> dict[str, list[float]]:
    """Open the showcase visit and time ``n`` digit and Enter keys in the line editor."""
    session = Session.open(path)
    visit = find_showcase_visit(session)
    if visit is None:
        raise SystemExit(f"{path}: no showcase visit (regenerate it with otq generate)")
    app = OtqApp(session, clock=lambda: datetime(2026, 3, 2, 9, 41))
    times: dict[str, list[float]] = {"digit": [], "enter": [], "rescrub": []}
    shown: list[float] = []
    display = app._display

    def timed_display(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is not None:
            renderable.render_segments(app.console)  # the encoding a terminal would get
            shown.append(time.perf_counter())

    app._display = timed_display  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        app.open_item("visit", visit.id)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        panel = screen.query_one(FindingsPanel)
        for i in range(n):
            minutes = 8 + (i % 40)  # walks across unit boundaries, so units really change
            first, rest = str(minutes)[0], str(minutes)[1:]
            times["digit"].append(await timed_key(
                app, first, first, lambda: screen.editing == (0, "minutes"), shown))
            if rest:
                await pilot.press(*rest)
            await pilot.pause()
            before = panel.findings
            times["enter"].append(await timed_key(
                app, "enter", "\r", lambda m=minutes, b=before: screen.editing is None
                and screen.draft.visit.lines[0].minutes == m and panel.findings is not b,
                shown))
            await pilot.pause()
            start = time.perf_counter()
            screen.draft.findings()
            times["rescrub"].append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/x.json"))
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    ensure_store(args.store, args.visits)
    times = asyncio.run(measure(args.store, args.n))
    print(f"store {args.store}, showcase visit on the coding screen at 80x24")
    print(f"  digit opens the line editor  {_ms(times['digit'])}")
    print(f"  Enter commits minutes        {_ms(times['enter'])}")
    print(f"  re-scrub of the visit alone  {_ms(times['rescrub'])}")


if __name__ == "__main__":
    main()
