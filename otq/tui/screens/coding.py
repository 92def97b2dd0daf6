"""The coding workstation: one uncoded visit, its lines, the 8-minute working and live findings.

Opened with Enter on a visit in the uncoded queue. Every edit goes to a ``VisitDraft``
(otq.services.coding) and the findings are re-scrubbed at once. ``ctrl+s`` saves with
compare-and-set: a clean visit becomes coded, gets its claim and leaves the queue.
Editing keys live in ``coding_edits.py``; note, snooze and history in ``coding_items.py``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from otq.errors import ConflictError, OtqError
from otq.services.coding import open_draft, revert_last_save, save_draft
from otq.services.queues import queue_counts
from otq.text import safe_text
from otq.tui.commands import Command, _ListProvider
from otq.tui.dialogs import ConfirmModal, PromptModal
from otq.tui.screens.coding_edits import CodingEdits
from otq.tui.screens.coding_items import CodingItemActions
from otq.tui.widgets.findings_panel import FindingsPanel
from otq.tui.widgets.service_lines import MANUAL_MARK, ServiceLinesTable
from otq.tui.widgets.status_bar import StatusBar
from otq.tui.widgets.visit_header import VisitHeader, header_info

if TYPE_CHECKING:
    from otq.tui.app import OtqApp


class CodingCommands(_ListProvider):
    """The palette on the coding screen: every key of the screen, by name."""

    def commands(self) -> list[Command]:
        """One entry per coding binding (the same words as the ? help)."""
        screen = self.screen
        return [(f"Coding: {b.tooltip}", partial(screen.run_action, b.action), f"key {b.key}")
                for b in CodingScreen.BINDINGS if b.action not in ("back", "quit")]


def _b(key: str, action: str, text: str, name: str, tip: str, show: bool = False,
       display: str | None = None) -> Binding:
    return Binding(key, action, text, show=show, key_display=display, id=f"coding.{name}",
                   tooltip=tip)


class CodingScreen(CodingEdits, CodingItemActions, Screen, inherit_bindings=False):
    """Code one visit by keyboard. ``?`` lists every key."""

    app: OtqApp
    help_title = "coding a visit"

    BINDINGS = [
        _b("ctrl+s", "save", "Save", "save", "Save; a clean visit becomes a claim", True, "^s"),
        _b("F", "fix", "Fix", "fix", "Auto-fixes: preview, then apply with one key", True),
        _b("e", "edit", "Edit", "edit", "Edit the cell under the cursor (or type a number)", True),
        _b("u", "undo", "Undo", "undo", "Undo the last change (after a save: undo the save)", True),
        _b("d", "diagnosis", "Dx", "diagnosis",
           "Pick a billable diagnosis for the one that needs it (or add one)", True),
        _b("escape", "back", "Back", "back", "Back to the queue (asks if unsaved)", True, "esc"),
        _b("c", "change_code", "Code", "change-code", "Change the line's code (CPT picker)"),
        _b("m", "modifiers", "Mods", "modifiers", "Tick the line's modifiers"),
        _b("a,plus", "add_line", "Add", "add-line", "Add a service line", display="a"),
        _b("x", "remove_line", "Remove", "remove-line", "Remove the line (u undoes it)"),
        _b("D", "edit_diagnoses", "Dx list", "edit-diagnoses",
           "Edit the whole diagnosis list as text"),
        _b("p", "place_of_service", "POS", "place-of-service", "Change the place of service"),
        _b("W", "accept_warning", "Accept", "accept-warning",
           "Accept the selected warning (recorded with your name)"),
        _b("N", "note", "Note", "note", "Add a note to the visit's history"),
        _b("S", "snooze", "Snooze", "snooze", "Snooze the visit until a date (3d, 2026-12-01)"),
        _b("h", "history", "History", "history", "Who changed this visit, when and what"),
        _b("i", "details", "Details", "details", "Patient, coverage and visit details"),
        _b("ctrl+r", "reload", "Reload", "reload", "Reload the visit as stored now", False,
           "^r"),
        _b("tab", "switch_panel", "Panel", "switch-panel",
           "Switch between the lines and the findings"),
        _b("q", "quit", "Quit", "quit", "Quit otq (asks if there are unsaved changes)"),
    ]
    COMMANDS = {CodingCommands}

    def __init__(self, visit_id: str) -> None:
        super().__init__(name="coding")
        self.visit_id = visit_id
        self.draft = None  # type: ignore[assignment]  # opened in on_mount
        self.last_message = ""

    def compose(self) -> ComposeResult:
        """Title, header, lines, working, findings, line editor, status and footer."""
        app = self.app
        with Horizontal(id="coding-title-line"):
            yield Static(id="coding-title")
            yield Static(id="coding-state")
        yield VisitHeader(id="visit-header")
        yield ServiceLinesTable(id="service-lines")
        yield Static(id="working")
        yield FindingsPanel(id="findings")
        yield StatusBar(app.session.user, app.session.store.path, app.clock, id="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Open the draft and give the lines the keyboard."""
        self.draft = open_draft(self.app.session, self.visit_id)
        self.changed("")
        self.query_one(ServiceLinesTable).focus()

    # ------------------------------------------------------------ showing
    def say(self, message: str, *, error: bool = False) -> None:
        """A message in the status line."""
        self.last_message = message
        self.query_one(StatusBar).set_message(message, error=error)

    def changed(self, what: str) -> None:
        """Re-scrub and repaint after a change (``what`` goes to the status line)."""
        draft = self.draft
        session = self.app.session
        visit = draft.visit
        info = header_info(session, visit, masked=getattr(self.app, "masked", False))
        self.query_one("#coding-title", Static).update(Text(f" {info.title}", no_wrap=True,
                                                            overflow="ellipsis"))
        pending = len(draft.undo_stack) + len(draft.acknowledged - set(visit.acknowledged))
        state = f"{pending} unsaved " if draft.dirty or pending else "saved "
        self.query_one("#coding-state", Static).update(Text(state))
        self.query_one(VisitHeader).show(info)
        self.query_one(ServiceLinesTable).set_lines(visit.lines, session.reference.codes)
        working = draft.working()
        if any(ln.units_manual for ln in visit.lines):
            working += f"   {MANUAL_MARK} units set by hand"
        self.query_one("#working", Static).update(Text(f" {safe_text(working)}", no_wrap=True,
                                                       overflow="ellipsis"))
        self.query_one(FindingsPanel).set_findings(draft.findings(), draft.acknowledged)
        if what:
            self.say(what)

    def reload(self) -> None:
        """Another session committed: keep the draft, re-scrub, warn if this visit changed."""
        self.changed("")
        self.query_one(StatusBar).tick()
        record = self.app.session.store.get("visits", self.visit_id)
        if record is None:
            self.say("this visit was removed by another session", error=True)
        elif record["version"] != self.draft.version:
            who = record.get("changed_by", "someone")
            when = str(record.get("changed_at", ""))[:16].replace("T", " ")
            self.say(f"{who} changed this visit at {when}; ctrl+r reloads it", error=True)

    def describe_binding(self, binding: Binding) -> str:
        """The help text for a binding."""
        return binding.tooltip or binding.description

    # ------------------------------------------------------------- events
    @on(ServiceLinesTable.EditRequested)
    def _edit_requested(self, event: ServiceLinesTable.EditRequested) -> None:
        self.open_editor(event.row, event.column, event.text)

    @on(ServiceLinesTable.EditDone)
    def _edit_done(self, event: ServiceLinesTable.EditDone) -> None:
        if event.text is None:
            self.close_editor()
            self.say("edit cancelled")
        else:
            self.commit_editor(event.text)

    # ------------------------------------------------------------ actions

    def action_edit(self) -> None:
        """Edit the cell under the cursor."""
        table = self.query_one(ServiceLinesTable)
        table.focus()
        table.action_edit()

    def action_switch_panel(self) -> None:
        """Move the keyboard between the lines and the findings."""
        panel = self.query_one(FindingsPanel)
        if panel.has_focus:
            self.query_one(ServiceLinesTable).focus()
        else:
            panel.focus()

    def action_save(self) -> None:
        """Save with compare-and-set; a clean visit becomes coded and leaves the queue."""
        if self.editing is not None:
            self.commit_editor(self.query_one(ServiceLinesTable).edit_text or "")
            if self.editing is not None:
                return
        try:
            result = save_draft(self.draft)
        except ConflictError as exc:
            self._conflict(exc)
            return
        except OtqError as exc:
            self.say(str(exc), error=True)
            return
        app = self.app
        app.counts = queue_counts(app.session, app.specs)
        if result.coded:
            message = f"claim {result.claim_number} ready to submit"
            self.dismiss(message)
            return
        self.changed(f"saved with {result.errors} error{'s' if result.errors != 1 else ''}; "
                     "it stays in the uncoded queue")

    def _conflict(self, exc: ConflictError) -> None:
        self.say(f"not saved: {exc}", error=True)

        def answer(reload: bool | None) -> None:
            if reload:
                self._reopen("reloaded the visit as stored now")

        self.app.push_screen(ConfirmModal(
            "Not saved: someone else changed this visit", f"{exc}\n\nNothing was overwritten. "
            "Reload it as stored now (your unsaved changes are dropped)?",
            yes="reload", no="keep my draft on screen"), answer)

    def _reopen(self, message: str) -> None:
        try:
            self.draft = open_draft(self.app.session, self.visit_id)
        except OtqError as exc:
            self.say(str(exc), error=True)
            return
        self.changed(message)

    def action_reload(self) -> None:
        """Reload the visit as stored (asks first when there are unsaved changes)."""
        if not self.draft.dirty:
            self._reopen("reloaded")
            return
        self.app.push_screen(ConfirmModal("Reload and drop your unsaved changes?",
                                          yes="reload", no="stay"),
                             lambda yes: yes and self._reopen("reloaded"))

    def action_undo(self) -> None:
        """Undo the last unsaved change; with none left, offer to undo the last save."""
        if self.draft.undo_stack:
            self.changed(f"undid: {self.draft.undo()}")
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                what = revert_last_save(self.app.session, self.visit_id)
            except OtqError as exc:
                self.say(str(exc), error=True)
                return
            self.app.counts = queue_counts(self.app.session, self.app.specs)
            self._reopen(what)

        self.app.push_screen(ConfirmModal(
            "Nothing unsaved to undo. Undo the last save of this visit?",
            "A new change puts the visit back as it was before that save and withdraws a claim "
            "it created (if not yet submitted). Both show in the history.",
            yes="undo the save", no="keep it"), answer)

    def _pending(self) -> bool:
        return self.draft.dirty or bool(self.draft.acknowledged - set(self.draft.visit.acknowledged))

    def action_quit(self) -> None:
        """Quit otq, asking first when there are unsaved changes."""
        if not self._pending():
            self.app.exit()
            return
        self.app.push_screen(ConfirmModal(
            "Quit without saving?", "Your unsaved changes to this visit will be lost.",
            yes="discard and quit", no="stay"), lambda yes: yes and self.app.exit())

    def action_back(self) -> None:
        """Go back to the queue (asking if there are unsaved changes)."""
        if not self._pending():
            self.dismiss(None)
            return
        self.app.push_screen(ConfirmModal(
            "Leave without saving?", f"{len(self.draft.undo_stack) or 1} unsaved change(s) "
            "will be lost. ctrl+s saves them instead.", yes="discard and leave", no="stay"),
            lambda yes: yes and self.dismiss(None))

    def action_edit_diagnoses(self) -> None:
        """Edit the diagnosis list as text ('M24.541; M25.641')."""
        def done(text: str | None) -> None:
            if text is not None:
                self._edit(lambda: self.draft.set_diagnoses(text), "diagnoses set")

        self.app.push_screen(PromptModal("Diagnoses, in pointer order",
                                         value="; ".join(self.draft.visit.diagnoses),
                                         hint="codes separated by ;   enter: ok   esc: cancel"),
                             done)
