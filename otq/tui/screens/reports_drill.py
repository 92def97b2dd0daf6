"""The claims behind a report cell, as a queue list where the queue keys work.

A ``QueueScreen`` over every claim, narrowed to the ids the report put in the cell, so
Enter, the ``/`` filter and the team keys (claim, assign, note, snooze, tags) act on
them exactly as in a queue. Esc goes back to the report once nothing is left to clear.
"""

from __future__ import annotations

from textual.widgets import Static

from otq.queue_defs import ColumnSpec, QueueSpec
from otq.tui.screens.queue import QueueScreen

#: Every claim, with the columns a supervisor needs to act on aged A/R.
DRILL_SPEC = QueueSpec(
    id="report-claims", title="Claims", key="", order=999, entity="claim", filters=(),
    sort=("dos", "patient"),
    columns=(ColumnSpec("dos", "DOS", 10), ColumnSpec("patient", "Patient", 18),
             ColumnSpec("payer", "Payer", 10), ColumnSpec("pcn", "Claim #", 10, 2),
             ColumnSpec("charge", "Charge", 9, 1, "right"),
             ColumnSpec("age", "Age", 4, 1, "right"), ColumnSpec("assignee", "Owner", 8)),
    actions=("open", "claim", "assign", "note", "snooze"),
    description="claims opened from a report")


class ReportDrillScreen(QueueScreen):
    """The claims ``ids`` from a report cell titled ``title``."""

    def __init__(self, title: str, ids: tuple[str, ...]) -> None:
        super().__init__(DRILL_SPEC)
        self.drill_title = title
        self.help_title = title
        self.ids = frozenset(ids)

    def on_mount(self) -> None:
        """Replace the queue tabs with what this list is (the tabs name other queues)."""
        self.query_one("#tabs").display = False
        title = Static(f"{self.drill_title} ({len(self.ids)} claims)", id="drill-title")
        title.styles.width = "1fr"  # leaves the row counter its place on the right
        self.query_one("#tabs-line").mount(title, before=0)

    def reload(self) -> None:
        """The queue's reload, then only the claims of the cell."""
        super().reload()
        self.all_rows = [r for r in self.all_rows if r.subject_id in self.ids]
        self._show_rows()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No queue switching from here; Esc always works (it goes back when idle)."""
        if action in ("switch_key", "previous_queue", "next_queue"):
            return False
        if action == "clear_filter":
            return True
        return super().check_action(action, parameters)

    def action_clear_filter(self) -> None:
        """Esc: clear the filter (or tags) first; with nothing to clear, back to the report."""
        busy = (self.filter_text or self.query_one("#filter-line").display
                or getattr(self, "bulk_armed", False) or getattr(self, "tags", None))
        if busy:
            super().action_clear_filter()
        else:
            self.app.pop_screen()
