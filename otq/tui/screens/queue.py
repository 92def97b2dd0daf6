"""One generic screen for every queue: tabs, the table, the ``/`` filter and the status line.

Everything queue-specific (columns, rows, title) comes from the ``QueueSpec`` and the
services layer, so a new ``queues/*.toml`` file needs no code here.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea

from otq.queue_defs import QueueSpec
from otq.services.queue_filter import RowFilter
from otq.services.queues import queue_counts
from otq.tui.commands import QueueCommands
from otq.tui.screens.team_actions import TEAM_BINDINGS, TeamActions
from otq.tui.screens.team_commands import TeamCommands
from otq.tui.widgets.filter_line import FilterLine
from otq.tui.widgets.queue_switcher import QueueSwitcher, RowPosition
from otq.tui.widgets.queue_table import QueueTable
from otq.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from otq.tui.app import OtqApp

#: rows from which a freshly built queue is frozen out of the cyclic GC's passes
BIG_QUEUE = 10_000

FILTER_HINT = "filter: payer:medicare age:>30 mine cpt:97110 smith"


def _switch_bindings() -> list[Binding]:
    # Queue files choose their key; digits 1-9 are bound here and check_action hides
    # the ones no queue uses, so remapping by id still works.
    return [Binding(str(n), f"switch_key('{n}')", f"Queue {n}", show=False,
                    id=f"queue.switch-{n}") for n in range(1, 10)]


class QueueScreen(TeamActions, Screen, inherit_bindings=False):
    """The rows of one queue (``spec``); keys switch queues, filter and open items."""

    app: OtqApp

    BINDINGS = [
        *_switch_bindings(),
        Binding("left_square_bracket", "previous_queue", "Prev", key_display="[",
                id="queue.previous-queue", tooltip="Switch to the previous queue"),
        Binding("right_square_bracket", "next_queue", "Next", key_display="]",
                id="queue.next-queue", tooltip="Switch to the next queue"),
        # priority: see _action_filter (the keys typed right after / belong to the filter)
        Binding("slash", "filter", "Filter", key_display="/", id="queue.filter",
                tooltip="Filter rows (payer:medicare age:>30 mine ...)", priority=True),
        Binding("escape", "clear_filter", "Clear", key_display="esc",
                id="queue.clear-filter", tooltip="Clear the filter and show every row"),
        Binding("E", "export_claims", "Export", id="queue.export-claims", show=False,
                tooltip="Preview the ready claims as an 837P batch, then write it"),
        Binding("V", "verify", "Verify", id="queue.verify",
                tooltip="Record an eligibility check made by phone, portal or fax"),
        *TEAM_BINDINGS,
    ]
    COMMANDS = {QueueCommands, TeamCommands}

    def __init__(self, spec: QueueSpec) -> None:
        super().__init__(name=f"queue:{spec.id}")
        self.spec = spec
        self.filter_text = ""
        self.all_rows: list = []
        # Keeps the last answers and facet columns of these rows, so each key of the
        # filter searches what the previous one kept (100,000 rows: ms, not 100s of ms).
        self._row_filter = RowFilter()

    def compose(self) -> ComposeResult:
        """Tabs, table, filter line (hidden until ``/``), status line and footer."""
        app = self.app
        with Horizontal(id="tabs-line"):
            yield QueueSwitcher(app.specs, self.spec.id, id="tabs")
            yield RowPosition(id="position")
        yield QueueTable(self.spec.columns, id="table",
                         empty_message=f"No items in {self.spec.title.lower()}.")
        with Horizontal(id="filter-line"):
            yield Static("/", id="filter-prompt")
            # Enter and Esc are dealt with in the line, in order with the keys typed
            # around them (filter_line.py).
            yield FilterLine(enter_action="screen.filter_done",
                             escape_action="screen.clear_filter",
                             placeholder=FILTER_HINT, id="filter", compact=True)
        yield StatusBar(app.user, app.store_path, app.clock, id="status")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def table(self) -> QueueTable:
        """The queue table of this screen."""
        return self.query_one(QueueTable)

    def on_mount(self) -> None:
        """Fill the table and give it the keyboard."""
        self.init_team()
        self.query_one("#filter", Input).cursor_blink = False
        # The row counter follows the cursor in the same frame (one write per key, not two).
        self.table.cursor_moved.subscribe(self, lambda _index: self._update_position(),
                                          immediate=True)
        self.reload()
        self.table.focus()

    def on_screen_resume(self) -> None:
        """Coming back (from another queue or a detail): pick up any change since."""
        self.reload()

    def reload(self) -> None:
        """Recompute counts and rows, keeping the cursor on the same item if it is still here."""
        self.query_one(QueueSwitcher).update_counts(self.app.counts)
        self.query_one(StatusBar).tick()
        rows = self.app.rows_now(self.spec)
        if rows is not self.all_rows and len(rows) >= BIG_QUEUE:
            # A big queue just built: hundreds of thousands of objects the cyclic collector
            # would walk on every full pass (a 0.6 s stall every few dozen page-downs). Rows
            # hold no cycles; reference counting frees them when they are replaced.
            gc.freeze()
        self.all_rows = rows
        self._show_rows()
        if self.app.loading:
            self.query_one(StatusBar).set_message(self.app.loading_message())

    def _show_rows(self) -> None:
        table = self.table
        current = table.current_row
        # Filter what is shown: with M on, typing a real name must not find its row.
        rows, problems = self._row_filter.apply(self.decorate(self.all_rows),
                                                self.team_filter(self.filter_text),
                                                self.app.user)
        table.empty_message = (
            "No rows match the filter." if self.filter_text.strip()
            else "Opening the store..." if self.app.loading
            else f"No items in {self.spec.title.lower()}.")
        table.set_rows(rows, keep_subject=current.subject_id if current else None,
                       marked=self.tags)
        self._update_position()
        status = self.query_one(StatusBar)
        # Only the filter's own message is replaced here: a reload (another session's
        # commit, the refresh tick) must not wipe "reassigned 3 items; u undoes it".
        if problems:
            status.set_message("; ".join(problems), error=True)
            self._filter_message = True
        elif self.filter_text.strip():
            status.set_message(f"{len(rows)} of {len(self.all_rows)} rows match")
            self._filter_message = True
        elif getattr(self, "_filter_message", False):
            status.set_message("")
            self._filter_message = False

    def _update_position(self) -> None:
        table = self.table
        text = f"{table.cursor + 1}/{len(table.rows)}" if table.rows else "0/0"
        self.query_one(RowPosition).set_position(text)

    # ------------------------------------------------------------ messages
    @on(QueueTable.RowHighlighted)
    def _row_highlighted(self, event: QueueTable.RowHighlighted) -> None:
        self._update_position()

    @on(QueueTable.RowSelected)
    def _row_selected(self, event: QueueTable.RowSelected) -> None:
        self.app.open_item(self.spec.entity, event.row.subject_id)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._show_rows()

    # ------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide digit keys no queue uses, and Esc when there is no filter to clear; grey
        out keys that need the store while it is still opening."""
        if action == "filter_done":  # Enter in the filter line, never greyed out
            return True
        if not self.app.check_loading_action(action):
            return None
        if action == "switch_key":
            return any(s.key == parameters[0] for s in self.app.specs)
        if action == "export_claims":
            return "export" in self.spec.actions
        if action == "verify":
            return "verify" in self.spec.actions
        if action == "clear_filter":
            return (bool(self.filter_text) or self.query_one("#filter-line").display
                    or self.bulk_armed or bool(self.tags))
        return self.check_team_action(action)

    def describe_binding(self, binding: Binding) -> str:
        """The help text for a binding (switch keys name their queue)."""
        if binding.action.startswith("switch_key"):
            spec = next((s for s in self.app.specs if s.key == binding.key), None)
            if spec is not None:
                return f"Switch to {spec.title}"
        return binding.tooltip or binding.description

    def action_switch_key(self, key: str) -> None:
        """Switch to the queue whose key is ``key``."""
        spec = next((s for s in self.app.specs if s.key == key), None)
        if spec is not None:
            self.app.switch_queue(spec.id)

    def _step_queue(self, step: int) -> None:
        ids = [s.id for s in self.app.specs]
        self.app.switch_queue(ids[(ids.index(self.spec.id) + step) % len(ids)])

    def action_previous_queue(self) -> None:
        """Switch to the previous queue (wrapping round)."""
        self._step_queue(-1)

    def action_next_queue(self) -> None:
        """Switch to the next queue (wrapping round)."""
        self._step_queue(1)

    def _action_filter(self) -> None:
        """The ``/`` key (Textual runs ``_action_filter`` for the binding; the command
        palette calls ``action_filter`` itself).

        The binding has priority, so this runs as the app takes the key from the terminal,
        before it hands on the keys that came with it, and ``action_filter`` moves the focus
        at once: the rest of a burst (fast typing, a paste, an SSH packet) goes to the
        filter line in order. As an ordinary binding it ran only after those keys had been
        given to the table, so they ran as queue keys (``/payer`` opened the reports on
        the ``r``). In the filter line, or any other text box, ``/`` is typed.
        """
        if isinstance(self.focused, (Input, TextArea)):
            raise SkipAction()
        self.action_filter()

    def action_filter(self) -> None:
        """Open the filter line and give it the keyboard now; rows narrow as you type."""
        self.query_one("#filter-line").display = True
        # Not Input.focus(): that moves the focus only after the keys already waiting.
        # (set_focus checks visibility, not display, so the line just shown is focusable.)
        self.set_focus(self.query_one("#filter", Input))
        self.refresh_bindings()

    def _action_filter_done(self) -> None:
        """Enter in the filter line: keep the filter and give the rows the keyboard now
        (the next keys of a burst are queue keys); an empty filter line closes."""
        if not self.query_one("#filter", Input).value.strip():
            self.query_one("#filter-line").display = False
        self.set_focus(self.table)
        self.refresh_bindings()

    def action_clear_filter(self) -> None:
        """Clear and close the filter line and show every row again (first, Esc cancels
        an armed ``;``; with no filter it clears the tags)."""
        if self.bulk_armed:
            self.bulk_armed = False
            self.query_one(StatusBar).set_message("bulk action cancelled")
            return
        if not self.filter_text and not self.query_one("#filter-line").display and self.tags:
            self.tags.clear()
            self._show_rows()
            self.refresh_bindings()
            return
        box = self.query_one("#filter", Input)
        box.value = ""
        self.query_one("#filter-line").display = False
        self.filter_text = ""
        self._show_rows()
        # At once, as for Enter: the keys after Esc in a burst are queue keys.
        self.set_focus(self.table)
        self.refresh_bindings()

    def action_verify(self) -> None:
        """``V``: the manual verification form for the highlighted patient's coverage."""
        from otq.tui.screens.verify import VerifyModal

        row = self.table.current_row
        if row is None or row.subject_type != "coverage":
            return

        def done(message: str | None) -> None:
            if message:
                self.app.counts = queue_counts(self.app.session, self.app.specs)
                self.reload()
                self.query_one(StatusBar).set_message(message)

        self.app.push_screen(VerifyModal(row.subject_id), done)

    def action_export_claims(self) -> None:
        """``E``: the export preview; writing the batch refreshes the queue."""
        from otq.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(), lambda message: message and self.call_after_refresh(
            self.query_one(StatusBar).set_message, message))
