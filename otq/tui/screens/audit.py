"""``@``: the audit log, newest first, filterable like ``otq audit log``.

``/`` filters with ``user:ann item:<id> since:2026-03-01 action:bulk`` (terms ANDed; a
bare word matches the description). Enter shows one entry's records. Entries are shown
without record contents, so the screen shows no PHI; ``v`` verifies the hash chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pendulum
from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static, TextArea

from otq.services.audit_view import AuditRow, audit_rows
from otq.text import safe_text
from otq.tui.dialogs import TextModal
from otq.tui.widgets.filter_line import FilterLine
from otq.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from otq.tui.app import OtqApp

SHOWN = 500  # newest entries listed; filter to reach older ones


def parse_audit_filter(text: str) -> tuple[dict[str, object], list[str], list[str]]:
    """(keyword arguments for ``audit_rows``, words to find, problems) from filter text."""
    kw: dict[str, object] = {}
    words, problems = [], []
    for term in text.split():
        key, sep, value = term.partition(":")
        if sep and key in ("user", "item", "action"):
            kw[key] = value
        elif sep and key == "since":
            try:
                kw["since"] = pendulum.parse(value, exact=True)
            except Exception:  # noqa: BLE001 - pendulum raises several parser errors
                problems.append(f"since:{value} is not a date (YYYY-MM-DD)")
        else:
            words.append(term.lower())
    return kw, words, problems


class AuditScreen(Screen, inherit_bindings=False):
    """Who did what, when. Esc goes back."""

    app: OtqApp
    help_title = "audit log"
    BINDINGS = [
        Binding("escape", "back", "Back", key_display="esc", id="audit.back",
                tooltip="Back (first clears the filter)"),
        # priority: the keys typed right after / belong to the filter (see _action_filter)
        Binding("slash", "filter", "Filter", key_display="/", id="audit.filter",
                tooltip="Filter: user:ann item:ID since:2026-03-01 action:bulk or a word",
                priority=True),
        Binding("v", "verify", "Verify", id="audit.verify", tooltip="Verify the hash chain"),
    ]

    def __init__(self) -> None:
        super().__init__(name="audit")
        self.filter_text = ""
        self.rows: list[AuditRow] = []

    def compose(self) -> ComposeResult:
        """Title, entries, filter line, status line, footer."""
        app = self.app
        yield Static(Text(" Audit log"), id="audit-title")
        yield DataTable(id="audit", cursor_type="row")
        with Horizontal(id="audit-filter-line"):
            yield Static("/", id="audit-filter-prompt")
            yield FilterLine(enter_action="screen.filter_done", escape_action="screen.back",
                             placeholder="user:ann item:ID since:2026-03-01 action:bulk",
                             id="audit-filter", compact=True)
        yield StatusBar(app.session.user, app.session.store.path, app.clock, id="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Columns, entries, focus."""
        table = self.query_one(DataTable)
        for head in ("Seq", "When", "User", "Action", "What"):
            table.add_column(head, key=head)
        self.reload()
        table.focus()

    def reload(self) -> None:
        """Re-read the log (another session committed)."""
        kw, words, problems = parse_audit_filter(self.filter_text)
        action = kw.pop("action", None)
        rows = audit_rows(self.app.session, **kw)
        if action:
            rows = [r for r in rows if r.action.startswith(str(action))]
        if words:
            rows = [r for r in rows if all(w in f"{r.action} {r.what}".lower() for w in words)]
        total = len(rows)
        self.rows = list(reversed(rows[-SHOWN:]))
        table = self.query_one(DataTable)
        table.clear()
        for r in self.rows:
            when = pendulum.parse(r.at).in_tz("local").format("YYYY-MM-DD HH:mm") if r.at else ""
            table.add_row(str(r.seq), when, safe_text(r.user), safe_text(r.action),
                          safe_text(r.what, limit=120))
        status = self.query_one(StatusBar)
        if problems:
            status.set_message("; ".join(problems), error=True)
        else:
            status.set_message(f"{total} entries" + (f" (newest {SHOWN} shown)"
                                                      if total > SHOWN else ""))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if not self.rows:
            return
        r = self.rows[event.cursor_row]
        body = Text()
        body.append(f"seq {r.seq}  {r.at}\n{safe_text(r.user)}  {safe_text(r.action)}\n\n")
        body.append(safe_text(r.what, limit=2000) + "\n\n")
        for table, rid in r.records[:200]:
            body.append(f"{table:<12} {safe_text(rid)}\n")
        if len(r.records) > 200:
            body.append(f"... and {len(r.records) - 200} more records\n")
        self.app.push_screen(TextModal(f"Audit entry {r.seq}", body))

    @on(Input.Changed, "#audit-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.reload()

    def describe_binding(self, binding: Binding) -> str:
        """The help text for a binding."""
        return binding.tooltip or binding.description

    def _action_filter(self) -> None:
        """The ``/`` key: a priority binding, so it runs as the app takes the key from the
        terminal and the keys that came with it go to the filter line, not to the entries
        (``/verify`` verified the chain on the ``v``). In the filter line ``/`` is typed."""
        if isinstance(self.focused, (Input, TextArea)):
            raise SkipAction()
        self.action_filter()

    def action_filter(self) -> None:
        """Open the filter line and give it the keyboard now (not ``Input.focus()``, which
        moves the focus only after the keys already waiting)."""
        self.query_one("#audit-filter-line").display = True
        self.set_focus(self.query_one("#audit-filter", Input))

    def _action_filter_done(self) -> None:
        """Enter in the filter line: keep the filter, give the entries the keyboard now
        (the next keys of a burst are audit keys again)."""
        self.set_focus(self.query_one(DataTable))

    def action_verify(self) -> None:
        """Walk the hash chain and say whether it is intact (or where it breaks)."""
        ok, message = self.app.session.store.audit.verify()
        self.query_one(StatusBar).set_message(message, error=not ok)

    def action_back(self) -> None:
        """Clear the filter, or go back to the queue."""
        box = self.query_one("#audit-filter", Input)
        # The box's value, not filter_text: in a burst (/abc then Esc) the box has the
        # text before its Changed messages have set filter_text.
        if box.value or self.filter_text:
            box.value = ""
            self.query_one("#audit-filter-line").display = False
            self.set_focus(self.query_one(DataTable))  # at once: the next keys are audit keys
            return
        self.dismiss()
