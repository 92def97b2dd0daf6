"""``B``: the supervisor board, one row per biller; Enter jumps to that biller's items.

Columns: open items per queue (headed by the queue's key), the oldest item's age in
days, the dollars at risk they hold, items closed today and this week, and the time
since their last action (from the audit log). It reloads when any session commits, and
every 30 seconds for the idle column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from otq.errors import OtqError
from otq.services.board import BoardRow, board, format_idle
from otq.text import safe_text
from otq.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from otq.tui.app import OtqApp


class SupervisorScreen(Screen, inherit_bindings=False):
    """Load, money held and pace per biller. ``origin`` is the queue we came from."""

    app: OtqApp
    help_title = "supervisor board"
    BINDINGS = [
        Binding("enter", "jump", "Their items", key_display="\u23ce", id="board.jump",
                tooltip="Show this biller's items in a queue (filter owner:NAME)"),
        Binding("escape", "back", "Back", key_display="esc", id="board.back",
                tooltip="Back to the queue"),
        Binding("j", "cursor(1)", "Down", show=False, id="board.down", tooltip="Next biller"),
        Binding("k", "cursor(-1)", "Up", show=False, id="board.up", tooltip="Previous biller"),
    ]

    def __init__(self, origin: str) -> None:
        super().__init__(name="board")
        self.origin = origin
        self.rows: list[BoardRow] = []

    def compose(self) -> ComposeResult:
        """Title, the board, status line and footer."""
        app = self.app
        yield Static(Text(" Supervisor board"), id="board-title")
        yield DataTable(id="board", cursor_type="row", zebra_stripes=False)
        yield StatusBar(app.session.user, app.session.store.path, app.clock, id="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Columns, rows, focus, and a timer so the idle column keeps counting."""
        table = self.query_one(DataTable)
        heads = ["Biller", "Role", *[(s.key or s.id[:3]) for s in self.app.specs],
                 "Oldest", "Held $", "Today", "Week", "Idle"]
        for head in heads:
            table.add_column(head, key=head)
        self.reload()
        table.focus()
        self.set_interval(30, self.reload)

    def reload(self) -> None:
        """Recompute the board (another session committed, or time passed)."""
        table = self.query_one(DataTable)
        try:
            self.rows = board(self.app.session, self.app.specs)
        except OtqError as exc:
            self.query_one(StatusBar).set_message(str(exc), error=True)
            return
        keep = table.cursor_row
        table.clear()
        for r in self.rows:
            cells = [safe_text(r.user), r.role, *[str(r.open_by_queue.get(s.id, 0) or "-")
                                                  for s in self.app.specs],
                     "-" if r.oldest_days is None else str(r.oldest_days), f"{r.dollars:,.2f}",
                     str(r.closed_today), str(r.closed_week), format_idle(r.idle_minutes)]
            table.add_row(*[Text(c, justify="left" if i < 2 else "right")
                            for i, c in enumerate(cells)], key=r.user)
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        held = sum(r.total_open for r in self.rows)
        self.query_one(StatusBar).set_message(f"{len(self.rows)} people, {held} items held; "
                                              "enter: their items")

    def describe_binding(self, binding: Binding) -> str:
        """The help text for a binding."""
        return binding.tooltip or binding.description

    def action_cursor(self, step: int) -> None:
        """Move between billers."""
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, table.cursor_row + step))

    def action_back(self) -> None:
        """Back to the queue."""
        self.dismiss()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_jump()

    def action_jump(self) -> None:
        """Open the queue holding most of this biller's items, filtered to ``owner:NAME``
        (the queue we came from when they hold items there)."""
        if not self.rows:
            return
        row = self.rows[self.query_one(DataTable).cursor_row]
        counts = row.open_by_queue
        target = self.origin if counts.get(self.origin) else max(
            counts, key=lambda q: counts[q], default=self.origin)
        if not counts.get(target):
            target = self.origin
        app = self.app
        self.dismiss()
        app.switch_queue(target)
        app.call_after_refresh(lambda: getattr(app.screen, "show_owner", lambda _n: None)(
            row.user))
