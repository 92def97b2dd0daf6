"""Snapshots of the A/R aging report screen at 80x24: colour chart and the NO_COLOR table.

Review a changed SVG by eye before accepting it with ``--snapshot-update``.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from otq.tui.app import OtqApp
from tests.unit.reports.builders import make_session, money_records


@pytest.fixture
def report_app(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    folder = tmp_path / "practice"
    folder.mkdir()
    return lambda: OtqApp(make_session(folder, money_records()),
                          clock=lambda: datetime(2026, 6, 30, 9, 41))


def test_aging_report__80x24(snap_compare, report_app):
    """Payer rows with dollars and counts per bucket, the stacked chart, notes, keys."""
    assert snap_compare(report_app(), terminal_size=(80, 24), press=["r", "enter"])


def test_denials_report__no_color_shows_the_chart_as_a_table(snap_compare, report_app,
                                                             monkeypatch):
    """NO_COLOR: the weekly denial counts as a plain table instead of coloured bars."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(report_app(), terminal_size=(80, 24), press=["r", "j", "j", "enter"])


def test_aging_trend__80x24(snap_compare, report_app):
    """Weekly A/R by age bucket: the table, a legend line and stacked bars."""
    assert snap_compare(report_app(), terminal_size=(80, 24), press=["r", "j", "enter"])


def test_aging_drill__medicare_91_120_claims_80x24(snap_compare, report_app):
    """The claims behind medicare's 91-120 cell, as a queue list titled with the cell."""
    assert snap_compare(report_app(), terminal_size=(80, 24),
                        press=["r", "enter", "j", "l", "l", "l", "enter"])
