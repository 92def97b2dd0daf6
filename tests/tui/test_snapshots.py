"""Snapshot tests: one per screen state, at 80x24 and 120x36, plus the mono theme.

Review any changed SVG by eye before accepting it with ``--snapshot-update``.
"""

from __future__ import annotations

import pytest

SIZES = [(80, 24), (120, 36)]
QUEUE_KEYS = {"eligibility": "1", "uncoded": "2", "ready": "3", "denials": "4"}


class TestQueueScreens:
    """Each queue as the biller first sees it."""

    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    @pytest.mark.parametrize("queue", list(QUEUE_KEYS))
    def test_queue(self, snap_compare, make_app, queue, size):
        """The queue's table, tabs with counts, status line and footer."""
        assert snap_compare(make_app(), terminal_size=size, press=[QUEUE_KEYS[queue], "j"])


class TestDetailScreen:
    """An uncoded visit's read-only detail (Enter opens coding, i the detail)."""

    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_detail(self, snap_compare, make_app, size):
        """Visit V-102: one error, a note and a history entry."""
        assert snap_compare(make_app(), terminal_size=size, press=["2", "j", "j", "enter", "i"])


class TestHelpScreen:
    """? on a queue lists every key of that screen."""

    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_help(self, snap_compare, make_app, size):
        """The uncoded queue's keys."""
        assert snap_compare(make_app(), terminal_size=size, press=["2", "question_mark"])


class TestFilter:
    """/ opens the filter line and the rows narrow while typing."""

    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_filter_active(self, snap_compare, make_app, size):
        """'medicare' keeps three of the four uncoded visits."""
        assert snap_compare(make_app(), terminal_size=size, press=["2", "slash", *"medicare"])


class TestMonoTheme:
    """NO_COLOR: otq-mono, legible through bold, reverse and underline alone."""

    def test_mono_queue(self, snap_compare, make_app, monkeypatch):
        """The uncoded queue with the cursor on the second row."""
        monkeypatch.setenv("NO_COLOR", "1")
        app = make_app()
        assert app.theme == "otq-mono"
        assert snap_compare(app, terminal_size=(80, 24), press=["2", "j"])

    def test_mono_detail(self, snap_compare, make_app, monkeypatch):
        """An item detail: error findings in bold, section titles underlined."""
        monkeypatch.setenv("NO_COLOR", "1")
        assert snap_compare(make_app(), terminal_size=(80, 24), press=["2", "j", "enter", "i"])


class TestLightTheme:
    """otq-light on the same screen as the dark default."""

    def test_light_queue(self, snap_compare, make_app):
        """The uncoded queue in the light theme."""
        assert snap_compare(make_app(theme="otq-light"), terminal_size=(80, 24),
                            press=["2", "j"])
