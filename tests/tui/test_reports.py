"""Pilot tests: the r reports menu, the aging report and its drill-down, by keyboard only.

The store is the money-report practice of ``tests/unit/reports`` (today 2026-06-30): the
aging table has commercial and medicare rows; medicare's 91-120 bucket holds claims c4
(DOS 03-02) and c3 (DOS 03-15).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.widgets import DataTable, OptionList

from otq.tui.app import OtqApp
from otq.tui.screens.queue import QueueScreen
from otq.tui.screens.reports import ReportScreen, ReportsMenu
from otq.tui.screens.reports_drill import ReportDrillScreen
from otq.tui.widgets.chart import ReportChart, chart_table
from otq.tui.widgets.queue_table import QueueTable
from tests.unit.reports.builders import make_session, money_records, uid

CLOCK = datetime(2026, 6, 30, 9, 41)


@pytest.fixture
def report_app(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    folder = tmp_path / "practice"
    folder.mkdir()

    def make(**kwargs) -> OtqApp:
        session = make_session(folder, money_records())
        return OtqApp(session, clock=lambda: CLOCK, **kwargs)

    return make


async def test_aging__r_enter_opens_it_and_enter_on_a_bucket_lists_its_claims(report_app):
    app = report_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        assert isinstance(app.screen, ReportsMenu)
        assert app.screen.query_one(OptionList).option_count == 9
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ReportScreen) and screen.report_name == "aging"
        table = screen.query_one(DataTable)
        assert table.row_count == 3  # commercial, medicare, total
        assert table.cursor_coordinate == (0, 1)  # commercial, 0-30
        await pilot.press("j", "l", "l", "l")  # medicare, 91-120
        assert table.cursor_coordinate == (1, 4)
        assert str(table.get_cell_at(table.cursor_coordinate)) == "      330\n      (2)"
        await pilot.press("enter")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, ReportDrillScreen)
        rows = drill.query_one(QueueTable).rows
        assert [r.subject_id for r in rows] == [uid("c4"), uid("c3")]
        assert [r.cells[0] for r in rows] == ["2026-03-02", "2026-03-15"]
        assert "medicare 91-120 (2 claims)" in str(drill.query_one("#drill-title").render())
        # the queue keys apply: / narrows, Esc clears the filter, then Esc goes back
        await pilot.press("slash", *"03-15", "enter")
        assert [r.subject_id for r in drill.query_one(QueueTable).rows] == [uid("c3")]
        await pilot.press("escape")
        assert len(drill.query_one(QueueTable).rows) == 2 and app.screen is drill
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, QueueScreen)


async def test_aging__enter_on_the_total_row_opens_every_payers_claims_of_the_bucket(report_app):
    app = report_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "enter", "j", "j", "l", "l", "l", "l", "l")  # Total, Total
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReportDrillScreen)
        assert len(app.screen.query_one(QueueTable).rows) == 7


async def test_aging__enter_on_an_empty_bucket_stays_and_says_so(report_app):
    app = report_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "enter", "j", "l", "l")  # medicare 61-90: empty
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)


async def test_drill__a_claims_enter_opens_it_as_in_a_queue(report_app):
    app = report_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "enter", "j", "l", "l", "l", "enter")
        await pilot.pause()
        drill = app.screen
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is not drill and "Detail" in type(app.screen).__name__
        await pilot.press("escape")
        assert app.screen is drill


async def test_reports__every_report_opens_from_the_menu(report_app):
    app = report_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        for i in range(9):
            await pilot.press(*(["j"] * i), "enter")
            await pilot.pause()
            assert isinstance(app.screen, ReportScreen)
            assert app.screen.query_one(DataTable).row_count >= 1
            await pilot.press("escape")
            app.screen.query_one(OptionList).highlighted = 0


@pytest.mark.parametrize("mode", ["ascii", "no_color"])
async def test_chart__falls_back_to_a_plain_table_in_ascii_mode_and_no_color(report_app, mode,
                                                                               monkeypatch):
    if mode == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    app = report_app(ascii=mode == "ascii")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "j", "j", "enter")  # denials: weekly counts only the chart has
        chart = app.screen.query_one(ReportChart)
        assert chart.plain
        text = str(chart.query_one(".chart-plain").render())
        assert text == chart_table(app.screen.report.chart)
        assert text.splitlines()[1:] == ["count  denials", "03-30        1", "04-06        1",
                                         "05-18        1"]


@pytest.mark.parametrize("mode", ["ascii", "no_color"])
async def test_chart__plain_mode_leaves_out_a_chart_that_would_repeat_the_table(report_app, mode,
                                                                                monkeypatch):
    if mode == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    app = report_app(ascii=mode == "ascii")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "enter")  # aging: the chart is the table's dollars again
        assert not app.screen.query(ReportChart)
        assert app.screen.has_class("no-chart")
        assert app.screen.query_one(DataTable).region.height >= 7


async def test_chart__draws_with_plotext_in_colour(report_app):
    from textual_plotext import PlotextPlot

    app = report_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "enter")
        assert app.screen.query_one(ReportChart).query(PlotextPlot)
        await pilot.press("c")  # hide the chart, the table takes the screen
        assert app.screen.has_class("chart-hidden")


def _team(report_app, tmp_path):
    """The report app on a store with a roles file: ann (the session user) supervises."""
    app = report_app()
    roles = app.session.store.path.with_name(app.session.store.path.name + ".roles.toml")
    roles.write_text('idle_lock_minutes = 0\n[users]\nann = "supervisor"\nbob = "biller"\n'
                     'cy = "biller"\n')
    return app


def _owners(session) -> dict[str, str]:
    session.refresh()
    return {r["subject_id"]: r.get("assignee", "") for r in session.store.all("workitems")}


async def test_aging__drill_tag_and_reassign_a_payers_91_120_claims_by_keyboard(report_app,
                                                                                tmp_path):
    """The issue's supervisor path at 80x24: r, aging, medicare 91-120, tag both, ;A bob."""
    app = _team(report_app, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "enter", "j", "l", "l", "l", "enter")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, ReportDrillScreen)
        # typed key by key: the filter runs on "age:" and "age:>" on the way (no crash)
        await pilot.press("slash", *"age:>110", "enter")
        assert [r.subject_id for r in drill.query_one(QueueTable).rows] == [uid("c4")]
        await pilot.press("escape")
        await pilot.press("space", "space")  # tag c4 and c3
        assert drill.tags == {uid("c4"), uid("c3")}
        await pilot.press("semicolon", "A")
        await pilot.pause()
        await pilot.press(*"bob", "enter")  # type-ahead picker
        await pilot.pause()
        assert "Assign 2 items to bob?" in str(app.screen.query("Static").first().render())
        await pilot.press("y")  # the preview, then one commit
        await pilot.pause()
        assert app.screen is drill
        assert _owners(app.session) == {uid("c4"): "bob", uid("c3"): "bob"}
        owner = [c.id for c in drill.spec.columns].index("assignee")
        assert [r.cells[owner] for r in drill.query_one(QueueTable).rows] == ["bob", "bob"]
        # one claim on to cy with the single-row A; the list stays the cell's claims
        await pilot.press("g", "A")
        await pilot.pause()
        await pilot.press(*"cy", "enter")
        await pilot.pause()
        assert _owners(app.session)[uid("c4")] == "cy"
        assert [r.subject_id for r in drill.query_one(QueueTable).rows] == [uid("c4"), uid("c3")]
        await pilot.press("escape")
        assert isinstance(app.screen, ReportScreen)


async def test_drill__a_biller_may_not_reassign_and_is_told_so(report_app, tmp_path):
    app = _team(report_app, tmp_path)
    roles = app.session.store.path.with_name(app.session.store.path.name + ".roles.toml")
    roles.write_text('idle_lock_minutes = 0\n[users]\nann = "biller"\nbob = "biller"\n')
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "enter", "j", "l", "l", "l", "enter")
        await pilot.pause()
        await pilot.press("space", "semicolon", "A")
        await pilot.pause()
        assert isinstance(app.screen, ReportDrillScreen)  # A is greyed out: nothing opens
        assert _owners(app.session) == {}


@pytest.mark.parametrize("name", ["aging", "aging-trend", "denials", "queue-size"])
async def test_chart__the_look_at_reports_have_a_chart_with_a_legend_line(report_app, name):
    from otq.services.reports import REPORTS

    app = report_app()
    index = list(REPORTS).index(name)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", *(["j"] * index), "enter")
        await pilot.pause()
        chart = app.screen.query_one(ReportChart)
        legend = str(chart.query_one(".chart-legend").render())
        assert legend.startswith(app.screen.report.chart.title)
        assert all(f"\u25a0 {s}" in legend for s in app.screen.report.chart.series)
        table = app.screen.query_one(DataTable)
        assert table.region.height >= 4 and chart.region.height >= 8  # both fit at 80x24
