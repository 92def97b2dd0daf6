"""The coding screen's work-item keys: note, snooze, history and the read-only detail.

They act on the visit's work item through ``otq.services.workitems`` (never on the draft),
so a note or a snooze is saved at once, whatever the draft holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from otq.errors import OtqError
from otq.services.queues import queue_counts
from otq.services.workitems import add_note, load_item, parse_snooze, snooze
from otq.text import safe_text
from otq.tui.dialogs import PromptModal, TextModal
from otq.tui.screens.detail import DetailScreen

if TYPE_CHECKING:
    from otq.services.coding import VisitDraft
    from otq.tui.app import OtqApp


class CodingItemActions:
    """Mixin for ``CodingScreen``: needs ``visit_id``, ``draft`` and ``say()``."""

    app: OtqApp
    draft: VisitDraft
    visit_id: str

    def action_note(self) -> None:
        """Add a note to the visit's history."""
        def done(text: str | None) -> None:
            if not text:
                return
            try:
                add_note(self.app.session, "visit", self.visit_id, text)
            except OtqError as exc:
                self.say(str(exc), error=True)
                return
            self.say("note added to the history")

        self.app.push_screen(PromptModal(f"Note on visit {self.draft.visit.external_id}",
                                         placeholder="what you found or asked"), done)

    def action_snooze(self) -> None:
        """Snooze the visit; it leaves the uncoded queue until then."""
        today = self.app.session.today

        def check(text: str) -> str | None:
            try:
                parse_snooze(text, today)
            except OtqError as exc:
                return str(exc)
            return None

        def done(text: str | None) -> None:
            if not text:
                return
            until = parse_snooze(text, today)
            try:
                snooze(self.app.session, "visit", self.visit_id, until)
            except OtqError as exc:
                self.say(str(exc), error=True)
                return
            self.app.counts = queue_counts(self.app.session, self.app.specs)
            message = f"snoozed until {until.isoformat()}: it leaves the queue until then"
            if self.draft.dirty:
                self.say(message + "; save or discard your changes")
            else:
                self.dismiss(message)

        self.app.push_screen(PromptModal(f"Snooze visit {self.draft.visit.external_id} until",
                                         placeholder="3d, 2w, tomorrow or 2026-12-01",
                                         check=check), done)

    def action_history(self) -> None:
        """Every recorded change of this visit: who, when, what; then the notes."""
        try:
            item, _ = load_item(self.app.session, "visit", self.visit_id)
        except OtqError as exc:
            self.say(str(exc), error=True)
            return
        text = Text()
        for title, rows in (("History", [(h.at, h.by, h.what) for h in item.history]),
                            ("Notes", [(n.at, n.by, n.text) for n in item.notes])):
            text.append(f"{title}\n", "bold underline")
            if not rows:
                text.append("  none yet\n", "italic")
            for at, by, what in rows:
                text.append(f"  {safe_text(at)[:16].replace('T', ' ')}  {safe_text(by)}: ", "bold")
                text.append(f"{safe_text(what, limit=2000)}\n")
        self.app.push_screen(TextModal(f"Visit {self.draft.visit.external_id}: history", text))

    def action_details(self) -> None:
        """The read-only detail of the visit (patient, coverage, stored lines)."""
        self.app.push_screen(DetailScreen("visit", self.visit_id))
