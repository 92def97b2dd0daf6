"""Snapshots for issue #8: every theme on the same screen, ASCII mode, 200x50.

Each theme shows the uncoded queue at 80x24 with the cursor on the second row, so the
files can be compared side by side. Review any changed SVG by eye before accepting it
with ``--snapshot-update``.
"""

from __future__ import annotations

import pytest

from otq.tui.theming import load_themes

THEMES = [t.name for t in load_themes()]


@pytest.mark.parametrize("theme", THEMES)
def test_theme__uncoded_queue_in_each_theme(snap_compare, make_app, theme):
    """Same screen, same cursor, one theme each (mono here is chosen, not NO_COLOR)."""
    assert snap_compare(make_app(theme=theme), terminal_size=(80, 24), press=["2", "j"])


def test_ascii__uncoded_queue_without_non_ascii_glyphs(snap_compare, make_app):
    """ASCII mode: '|' between tabs, '...' in cut cells, 'enter' in the footer."""
    assert snap_compare(make_app(ascii=True), terminal_size=(80, 24), press=["2", "j"])


def test_ascii__detail_without_non_ascii_glyphs(snap_compare, make_app):
    """ASCII mode on a ready claim's detail, with its scrollbar."""
    assert snap_compare(make_app(ascii=True), terminal_size=(80, 24), press=["3", "enter"])


def test_wide__uncoded_queue_at_200x50_shows_more_columns(snap_compare, make_app):
    """200x50: every column, full tab titles."""
    assert snap_compare(make_app(), terminal_size=(200, 50), press=["2", "j"])


def test_wide__detail_at_200x50(snap_compare, make_app):
    """A ready claim's detail at 200x50."""
    assert snap_compare(make_app(), terminal_size=(200, 50), press=["3", "enter"])


def test_low_bandwidth__uncoded_queue_in_sixteen_colours(snap_compare, make_app):
    """Low-bandwidth: otq-ansi theme and a quiet footer."""
    assert snap_compare(make_app(low_bandwidth=True), terminal_size=(80, 24),
                        press=["2", "j"])
