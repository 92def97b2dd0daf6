"""Team keys of the queue screens: claim, next, views, assign, note, snooze, tags and bulk.

A mixin for ``QueueScreen``, so the generic queue screen stays about showing a queue.
Every change goes through ``otq.services`` (which also refuses what the user's role may
not do); this module only asks, previews and reports. ``;`` arms a bulk action: the
next ``A``/``C``/``N``/``S`` applies to every tagged row, after a preview, in one commit
that ``u`` undoes in one step.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from otq.errors import ConflictError, OtqError
from otq.services import workitems
from otq.services.assignment import (
    bulk_assign,
    bulk_claim,
    bulk_note,
    bulk_snooze,
    check_assignee,
    next_item,
    open_items,
    preview_assign,
)
from otq.services.masking import mask_rows
from otq.services.queue_filter import parse_filter
from otq.services.queues import QueueRow, queue_counts
from otq.services.roles import can, workers
from otq.tui.dialogs import ConfirmModal, PickerItem, PickerModal, PromptModal
from otq.tui.screens.team_tags import TagsAndBulk
from otq.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from otq.tui.app import OtqApp

VIEWS = ("all", "mine", "unassigned")
UNASSIGN = "-"

#: Shown in the footer on stores with a roles file (greyed out when the role may not).
FOOTER_IDS = {"queue.claim", "queue.next-item", "queue.assign", "queue.view"}

TEAM_BINDINGS = [
    Binding("C", "claim", "Claim", id="queue.claim", show=False,
            tooltip="Claim the item for me (C again releases it)"),
    Binding("n", "next_item", "Next", id="queue.next-item", show=False,
            tooltip="Claim and open the most urgent unclaimed item"),
    Binding("v", "cycle_view", "View", id="queue.view", show=False,
            tooltip="Show all items, mine, or unassigned ones"),
    Binding("A", "assign", "Assign", id="queue.assign", show=False,
            tooltip="Assign or reassign the item to a biller"),
    Binding("N", "note", "Note", id="queue.note", show=False, tooltip="Add a note to the item"),
    Binding("S", "snooze", "Snooze", id="queue.snooze", show=False,
            tooltip="Hide the item until a date (3d, 2w, 2026-04-01)"),
    Binding("space", "tag", "Tag", id="queue.tag", show=False,
            tooltip="Tag or untag the row (for ; bulk actions)"),
    Binding("T", "tag_filtered", "Tag shown", id="queue.tag-shown", show=False,
            tooltip="Tag every row the filter shows (again: untag them)"),
    Binding("semicolon", "arm_bulk", "Bulk", key_display=";", id="queue.bulk", show=False,
            tooltip="Apply the next action (A, C, N, S) to every tagged row"),
    Binding("u", "undo", "Undo", id="queue.undo", show=False,
            tooltip="Undo the last bulk change or rebalance"),
    Binding("at", "audit", "Audit", key_display="@", id="queue.audit", show=False,
            tooltip="The audit log"),
    Binding("B", "board", "Board", id="queue.board", show=False,
            tooltip="The supervisor board: load per biller"),
    Binding("colon", "command_line", "Command", key_display=":", id="queue.command-line",
            show=False, tooltip="Command line: rebalance [--dry-run], assign USER, view mine ..."),
]

#: action -> (what the role needs, the queue action the queue file must allow or None)
_NEEDS = {"claim": ("claim", "claim"), "next_item": ("claim", "claim"),
          "assign": ("assign", "assign"), "note": ("note", "note"),
          "snooze": ("snooze", "snooze"), "board": ("board", None), "undo": ("view", None)}


class TeamActions(TagsAndBulk):
    """Team keys for a screen with ``spec``, ``table``, ``all_rows`` and ``reload``."""

    app: OtqApp
    view: str = "all"

    # ---------------------------------------------------------------- setup
    def init_team(self) -> None:
        """Per-screen state, and the team keys in the footer when a roles file exists."""
        self.tags: set[str] = set()
        self.view = "all"
        self.bulk_armed = False
        self.last_change = None
        if self.app.role_label:
            for key, bindings in self._bindings.key_to_bindings.items():
                self._bindings.key_to_bindings[key] = [
                    replace(b, show=True) if b.id in FOOTER_IDS else b for b in bindings]

    def team_filter(self, text: str) -> str:
        """The filter text with the current view's term in front."""
        return f"{self.view} {text}" if self.view != "all" else text

    def decorate(self, rows: list[QueueRow]) -> list[QueueRow]:
        """Rows as shown: PHI masked when ``M`` is on (the table marks tagged rows)."""
        if not self.app.masked:
            return rows
        # The same masked list for the same rows: the filter reuses its earlier answers
        # only for a list it has seen, and masking 100,000 rows per key costs too.
        cached = getattr(self, "_masked", None)
        if cached is None or cached[0] is not rows:
            cached = self._masked = (rows, mask_rows(rows, [c.id for c in self.spec.columns]))
        return cached[1]

    def show_owner(self, name: str) -> None:
        """Show ``name``'s items: the filter line set to ``owner:NAME`` (the board's Enter)."""
        from textual.widgets import Input

        self.view = "all"
        self.query_one("#filter-line").display = True
        box = self.query_one("#filter", Input)
        box.value = f"owner:{name}"
        self.filter_text = box.value
        self._show_rows()
        self.table.focus()
        self.refresh_bindings()

    def check_team_action(self, action: str) -> bool | None:
        """False hides a key the queue does not offer; None greys out one the role may not
        use; True enables it."""
        if action not in _NEEDS:
            if action in ("arm_bulk", "tag", "tag_filtered"):
                return "assign" in self.spec.actions or "note" in self.spec.actions
            return True
        permission, queue_action = _NEEDS[action]
        if queue_action and queue_action not in self.spec.actions:
            return False
        if action in ("claim", "next_item") and self.spec.entity not in workitems.SUBJECT_TABLES:
            return False
        if action == "undo" and self.last_change is None:
            return False
        return True if can(self.app.session, permission) else None

    # -------------------------------------------------------------- helpers
    def _status(self, message: str, *, error: bool = False) -> None:
        self.query_one(StatusBar).set_message(message, error=error)

    def _changed(self, message: str) -> None:
        app = self.app
        app.counts = queue_counts(app.session, app.specs)
        self.reload()
        self._status(message)
        self.refresh_bindings()

    def _attempt(self, fn, message, *, reapply: str = "") -> Any:
        """Run a service call; show what went wrong instead of failing. A conflict reloads
        the view, so the user sees the other person's change at once; when both changes
        can be kept (``reapply`` names what, e.g. "note"), it offers to make ours again on
        the fresh copy."""
        try:
            result = fn()
        except ConflictError as exc:
            self.app.session.refresh()
            self.app.counts = queue_counts(self.app.session, self.app.specs)
            self.reload()
            self._status(str(exc), error=True)
            if reapply:
                def again(yes: bool | None) -> None:
                    if yes:
                        self._attempt(fn, message)

                self.app.push_screen(ConfirmModal(
                    f"Not saved: {exc}", f"Both can be kept. Add your {reapply} to the "
                    "fresh copy?", yes=f"add my {reapply}", no="drop it"), again)
            return None
        except OtqError as exc:
            self._status(str(exc), error=True)
            return None
        self._changed(message(result) if callable(message) else message)
        return result

    def _row(self) -> QueueRow | None:
        row = self.table.current_row
        if row is None:
            self._status("no item here", error=True)
        return row

    # -------------------------------------------------------------- actions
    def action_claim(self) -> None:
        """``C``: claim for me, or release; with ``;``: claim every tagged row."""
        if (picked := self._bulk_or_row()) is None:
            return
        bulk, row = picked
        if bulk:
            targets = self._targets()
            self._bulk_done(self._attempt(lambda: bulk_claim(self.app.session, targets), ""),
                            "claimed")
        else:
            self._attempt(lambda: workitems.claim(self.app.session, row.subject_type,
                                                  row.subject_id),
                          lambda item: "claimed for you" if item.assignee else "released")

    def action_next_item(self) -> None:
        """``n``: claim the most urgent unclaimed item (within the filter) and open it."""
        session = self.app.session
        session.refresh()
        parsed = parse_filter(self.team_filter(self.filter_text), session.user)
        row = self._attempt(lambda: next_item(session, self.spec, parsed.matches),
                            lambda r: "" if r else "nothing unclaimed is left here")
        if row is not None:
            self.app.open_item(row.subject_type, row.subject_id)

    def action_cycle_view(self) -> None:
        """``v``: all items -> mine -> unassigned -> all."""
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self._show_rows()
        # No row count here: the message stays up while other sessions' commits change
        # the rows (the position counter at the top right keeps the count).
        self._status(f"view: {self.view}")

    def worker_items(self) -> list[PickerItem]:
        """The picker's list: each biller with their current load and payer skills."""
        session = self.app.session
        load = Counter(r.assignee for r in open_items(session, self.app.specs) if r.assignee)
        people = workers(session)
        names = [w.name for w in people] or sorted(load)
        skills = {w.name: (w.role.label, ", ".join(w.payers) or "any payer") for w in people}
        items = [PickerItem(n, f"{load.get(n, 0):>4} open  " + (
            f"{skills[n][0]}, {skills[n][1]}" if n in skills else ""), "") for n in names]
        return [*items, PickerItem(UNASSIGN, "nobody (unassign)")]

    def action_assign(self) -> None:
        """``A``: assign the row (or, after ``;``, every tagged row) to a biller."""
        if (picked := self._bulk_or_row()) is None:
            return
        bulk, row = picked
        title = f"Assign {len(self.tags)} tagged items to" if bulk else "Assign to"

        def chosen(name: str | None) -> None:
            if name is None:
                return
            to = "" if name == UNASSIGN else name
            if bulk:
                self._preview_bulk_assign(to)
            else:
                self._attempt(lambda: workitems.assign(
                    self.app.session, row.subject_type, row.subject_id,
                    check_assignee(self.app.session, to)),
                    f"assigned to {to}" if to else "unassigned")

        self.app.push_screen(PickerModal(title, self.worker_items(), placeholder="biller"),
                             chosen)

    def _preview_bulk_assign(self, to: str) -> None:
        targets = self._targets()
        try:
            lines = preview_assign(self.app.session, targets, to, self._labels())
        except OtqError as exc:
            self._status(str(exc), error=True)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._bulk_done(self._attempt(
                    lambda: bulk_assign(self.app.session, targets, to), ""), "reassigned")

        self.app.push_screen(ConfirmModal(
            f"Assign {len(targets)} items to {to or 'nobody'}?", "\n".join(lines),
            yes="assign all (one step)", no="cancel"), answer)

    def action_note(self) -> None:
        """``N``: add a note to the row (or every tagged row)."""
        if (picked := self._bulk_or_row()) is None:
            return
        bulk, row = picked
        targets = self._targets() if bulk else []

        def done(text: str | None) -> None:
            if not text:
                return
            if bulk:
                self._bulk_done(self._attempt(
                    lambda: bulk_note(self.app.session, targets, text), ""), "noted")
            else:
                self._attempt(lambda: workitems.add_note(self.app.session, row.subject_type,
                                                         row.subject_id, text), "note added",
                              reapply="note")

        title = f"Note on {len(targets)} tagged items" if bulk else "Note"
        self.app.push_screen(PromptModal(title, placeholder="what you did or found"), done)

    def action_snooze(self) -> None:
        """``S``: snooze the row (or every tagged row) until a date."""
        if (picked := self._bulk_or_row()) is None:
            return
        bulk, row = picked
        targets = self._targets() if bulk else []
        session = self.app.session

        def check(text: str) -> str | None:
            try:
                workitems.parse_snooze(text, session.today)
            except OtqError as exc:
                return str(exc)
            return None

        def done(text: str | None) -> None:
            if not text:
                return
            until = workitems.parse_snooze(text, session.today)
            if bulk:
                self._bulk_done(self._attempt(
                    lambda: bulk_snooze(session, targets, until), ""), "snoozed")
            else:
                self._attempt(lambda: workitems.snooze(session, row.subject_type,
                                                       row.subject_id, until),
                              f"snoozed until {until.isoformat()}")

        self.app.push_screen(PromptModal("Snooze until", placeholder="3d, 2w, tomorrow or "
                                         "2026-04-01", check=check), done)

    def action_audit(self) -> None:
        """``@``: the audit log screen."""
        from otq.tui.screens.audit import AuditScreen

        self.app.push_screen(AuditScreen())

    def action_board(self) -> None:
        """``B``: the supervisor board."""
        from otq.tui.screens.supervisor import SupervisorScreen

        self.app.push_screen(SupervisorScreen(self.spec.id))

    def action_command_line(self) -> None:
        """``:``: a command (``rebalance --dry-run``, ``assign ann``, ``view mine``...)."""
        from otq.tui.screens.team_commands import run_command

        self.app.push_screen(PromptModal(":", placeholder="rebalance [--dry-run] | assign USER "
                                         "| claim | note TEXT | view mine | board | audit"),
                             lambda text: text and run_command(self, text))
