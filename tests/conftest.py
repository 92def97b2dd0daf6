"""Suite-wide test settings.

Textual's Pilot waits after every key press (twice) and every ``pause()`` until the
process looks idle: it sleeps in steps of ``SLEEP_GRANULARITY`` (20 ms) until a step in
which the process used less than 1/20 of it in CPU time. That is at least 40 ms of sleep
per key, 60 to 110 ms in practice: with thousands of key presses it was over a minute of
the suite's 5 (issue 9). The idle test stays the same here (a step with under 5% CPU);
only the step is 5 ms. What keeps a key and its effects in order is not this sleep but
Pilot's wait for every widget to handle its queued messages, which is unchanged.
Textual is pinned (pyproject.toml), so these module globals are what ``wait_for_idle``
reads; they are used by Pilot and ``run_test`` only, never by ``otq tui``.
"""

from __future__ import annotations

import textual._wait

textual._wait.SLEEP_GRANULARITY = 1 / 200
textual._wait.SLEEP_IDLE = textual._wait.SLEEP_GRANULARITY / 20
