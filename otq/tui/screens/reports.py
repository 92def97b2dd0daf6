"""The ``r`` reports menu and one screen per report: the table, a chart, drill-down.

The rows come from ``otq.services.reports`` (the same numbers the CLI prints). The A/R
aging table has one cell per payer and bucket; Enter on a cell opens those claims as a
queue list (``ReportDrillScreen``), where the queue keys work as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option

from otq.services.reports import REPORTS, Report, run_report
from otq.services.reports.aging import BUCKETS
from otq.services.reports.render import cell_text
from otq.tui.widgets.chart import ReportChart

if TYPE_CHECKING:
    from otq.tui.app import OtqApp

NUMERIC = ("int", "money", "pct", "number")
AGING_WIDTH = 9
AGING_COLUMNS = [(bid, title) for bid, title, *_ in BUCKETS] + [("total", "Total")]

CSS = """
.report-title { height: 1; background: $surface; text-style: bold; padding: 0 1; }
.report-notes { height: auto; max-height: 2; color: $text-muted; padding: 0 1; }
ReportScreen DataTable { height: auto; max-height: 50%; }
ReportScreen.no-chart DataTable, ReportScreen.chart-hidden DataTable { max-height: 100%; height: 1fr; }
ReportScreen.chart-hidden ReportChart { display: none; }
ReportsMenu OptionList { height: 1fr; border: none; }
"""


def plain_charts(app: OtqApp) -> bool:
    """True when charts must be tables: ASCII mode, or NO_COLOR (series told apart by colour)."""
    return bool(getattr(app, "ascii_mode", False) or getattr(app, "no_color", False))


class ReportsMenu(Screen):
    """Every report, one per line; Enter opens it."""

    DEFAULT_CSS = CSS
    help_title = "reports"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", key_display="esc", id="reports.back",
                tooltip="Back to the queues"),
        Binding("j", "cursor('down')", "Down", show=False, id="reports.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="reports.up"),
    ]

    def compose(self) -> ComposeResult:
        """Title, the list of reports, footer."""
        yield Static("Reports", classes="report-title")
        yield OptionList(*[Option(Text(f"{d.title}\n  {d.description}"), id=d.name)
                           for d in REPORTS.values()], id="report-list")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """The list has the keyboard."""
        self.query_one(OptionList).focus()

    def action_cursor(self, direction: str) -> None:
        """j/k move like the arrow keys."""
        options = self.query_one(OptionList)
        options.action_cursor_down() if direction == "down" else options.action_cursor_up()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Open the chosen report."""
        self.app.push_screen(ReportScreen(str(event.option.id)))


class ReportScreen(Screen):
    """One report: its table (a cell per aging bucket), chart and notes."""

    DEFAULT_CSS = CSS
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", key_display="esc", id="report.back",
                tooltip="Back to the list of reports"),
        Binding("c", "toggle_chart", "Chart", id="report.toggle-chart",
                tooltip="Show or hide the chart (more rows without it)"),
        Binding("enter", "drill", "Open claims", id="report.drill",
                tooltip="Open the claims behind the aging cell under the cursor"),
        Binding("j", "move(1)", "Down", show=False, id="report.down"),
        Binding("k", "move(-1)", "Up", show=False, id="report.up"),
        Binding("h", "side(-1)", "Left", show=False, id="report.left"),
        Binding("l", "side(1)", "Right", show=False, id="report.right"),
    ]

    app: OtqApp

    def __init__(self, name: str) -> None:
        super().__init__(name=f"report:{name}")
        self.report_name = name
        self.report: Report = Report(name, REPORTS[name].title, (), [])
        self.help_title = REPORTS[name].title

    def compose(self) -> ComposeResult:
        """Title, table, chart (when the report has one), notes, footer."""
        session = self.app.session
        self.report = run_report(session, self.report_name)
        yield Static(f"{self.report.title} \u00b7 as of {session.today.isoformat()}",
                     classes="report-title", id="report-title")
        yield DataTable(id="report-table", zebra_stripes=False)
        if self.has_chart:
            yield ReportChart(self.report.chart, plain=plain_charts(self.app), id="report-chart")
        yield Static(Text("  ".join(self.report.notes)), classes="report-notes")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def has_chart(self) -> bool:
        """A chart to show: drawn, or as a plain table unless the report's own table
        already holds its numbers (ASCII mode and NO_COLOR would only repeat them)."""
        chart = self.report.chart
        return chart is not None and not (chart.in_table and plain_charts(self.app))

    @property
    def is_aging(self) -> bool:
        """The aging report, whose cells drill down to claims."""
        return self.report_name == "aging"

    def on_mount(self) -> None:
        """Fill the table; the aging table moves by cell, the others by row."""
        self.set_class(not self.has_chart, "no-chart")
        table = self.query_one(DataTable)
        if self.is_aging:
            self._fill_aging(table)
        else:
            self._fill(table)
        table.focus()

    def _fill_aging(self, table: DataTable) -> None:
        table.cursor_type = "cell"
        table.add_column("Payer", key="payer")
        # The table does not honour a cell's justify, so numbers are padded to the width.
        for bid, title in AGING_COLUMNS:
            table.add_column(Text(title.rjust(AGING_WIDTH)), key=bid, width=AGING_WIDTH)
        rows = [*self.report.rows, {**self.report.totals, "payer": "Total"}]
        for i, row in enumerate(rows):
            cells = [Text(str(row["payer"])[:10])]
            for bid, _title in AGING_COLUMNS:
                amount, count = row.get(f"{bid}_amount"), row.get(f"{bid}_count", 0)
                cells.append(Text(f"{amount:,.0f}".rjust(AGING_WIDTH) + "\n"
                                  + f"({count})".rjust(AGING_WIDTH)))
            table.add_row(*cells, height=2, key=str(i))
        table.move_cursor(row=0, column=1)

    def _fill(self, table: DataTable) -> None:
        table.cursor_type = "row"
        cols = [c for c in self.report.columns if c.short != "-"]
        rows = [*self.report.rows, *([self.report.totals] if self.report.totals else [])]
        cells = [[cell_text(row.get(c.id), c.kind) if c.id in row else "" for c in cols]
                 for row in rows]
        widths = [max([len(c.short or c.title)] + [len(r[i]) for r in cells])
                  for i, c in enumerate(cols)]
        # At 80 columns a long description (a CARC's text) would push the numbers off to
        # the right: cut the widest text column so the row fits; the CLI prints it whole.
        over = sum(w + 2 for w in widths) - (self.app.size.width - 2)
        texts = [i for i, c in enumerate(cols) if c.kind not in NUMERIC]
        if over > 0 and texts:
            widest = max(texts, key=lambda i: widths[i])
            widths[widest] = max(12, widths[widest] - over)
            for r in cells:
                r[widest] = r[widest][:widths[widest]]
        # The table does not honour a cell's justify, so numbers are padded to the width.
        for i, c in enumerate(cols):
            title = c.short or c.title
            width = widths[i]
            table.add_column(Text(title.rjust(width) if c.kind in NUMERIC else title), key=c.id)
            if c.kind in NUMERIC:
                for r in cells:
                    r[i] = r[i].rjust(width)
        for r in cells:
            table.add_row(*[Text(v) for v in r])

    # ------------------------------------------------------------- actions
    def action_move(self, step: int) -> None:
        """j/k: down/up a row."""
        table = self.query_one(DataTable)
        table.action_cursor_down() if step > 0 else table.action_cursor_up()

    def action_side(self, step: int) -> None:
        """h/l: left/right a cell (aging)."""
        table = self.query_one(DataTable)
        table.action_cursor_right() if step > 0 else table.action_cursor_left()

    def action_toggle_chart(self) -> None:
        """Hide the chart to give the table the whole screen, or show it again."""
        self.toggle_class("chart-hidden")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter drills only in aging; c only where there is a chart."""
        if action == "drill":
            return self.is_aging
        if action == "toggle_chart":
            return self.has_chart
        return True

    def drill_ids(self, row: int, column: int) -> tuple[str, tuple[str, ...]]:
        """(what the cell is, the claim ids behind it) for an aging table cell."""
        if column < 1 or column > len(AGING_COLUMNS):
            return "", ()
        bid, title = AGING_COLUMNS[column - 1]
        if row < len(self.report.rows):
            payer = self.report.rows[row]["payer"]
            return f"{payer} {title}", self.report.drill.get((row, bid), ())
        ids = tuple(cid for i in range(len(self.report.rows))
                    for cid in self.report.drill.get((i, bid), ()))
        return f"all payers {title}", ids

    def action_drill(self) -> None:
        """Open the claims of the aging cell under the cursor as a queue list."""
        from otq.tui.screens.reports_drill import ReportDrillScreen

        table = self.query_one(DataTable)
        what, ids = self.drill_ids(table.cursor_row, table.cursor_column)
        if not ids:
            self.notify("No claims in this cell." if what else "Pick a bucket (h/l).",
                        severity="warning")
            return
        self.app.push_screen(ReportDrillScreen(f"A/R aging: {what}", ids))

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        """Enter (or a click) on an aging cell drills down."""
        if self.is_aging:
            event.stop()
            self.action_drill()
