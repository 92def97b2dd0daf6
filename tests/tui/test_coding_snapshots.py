"""Snapshots of the coding screen with findings, at 80x24 and 120x36, plus mono and dialogs.

Review any changed SVG by eye before accepting it with ``--snapshot-update``.
"""

from __future__ import annotations

import pytest
from test_coding import add_coding_visits

SIZES = [(80, 24), (120, 36)]


def _opener(visit_id: str, *keys: str):
    async def run_before(pilot) -> None:
        await pilot.press("2")
        pilot.app.open_item("visit", visit_id)
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
            await pilot.pause()
    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_coding_screen_with_findings(snap_compare, make_app, store_path, size):
    """The demo visit: no GO, wrong units on line 1, a category as diagnosis 1."""
    visits = add_coding_visits(store_path)
    assert snap_compare(make_app(), terminal_size=size, run_before=_opener(visits["go"]))


def test_coding_screen_fix_preview(snap_compare, make_app, store_path):
    """F: all safe fixes with their preview."""
    visits = add_coding_visits(store_path)
    assert snap_compare(make_app(), terminal_size=(80, 24),
                        run_before=_opener(visits["go"], "F"))


def test_coding_screen_diagnosis_picker(snap_compare, make_app, store_path):
    """d after the fixes: the billable codes under M24.54."""
    visits = add_coding_visits(store_path)
    assert snap_compare(make_app(), terminal_size=(80, 24),
                        run_before=_opener(visits["go"], "F", "enter", "d"))


def test_coding_screen_mono(snap_compare, make_app, store_path, monkeypatch):
    """NO_COLOR: severity, selection and cursor carried by text style alone."""
    monkeypatch.setenv("NO_COLOR", "1")
    visits = add_coding_visits(store_path)
    app = make_app()
    assert app.theme == "otq-mono"
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=_opener(visits["warn"], "tab"))


def test_coding_screen_cell_editor(snap_compare, make_app, store_path):
    """A digit typed on the minutes cell opens the editor in the cell."""
    visits = add_coding_visits(store_path)
    assert snap_compare(make_app(), terminal_size=(80, 24),
                        run_before=_opener(visits["go"], "j", "4"))
