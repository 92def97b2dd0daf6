"""One needed document: what it is, who waits on it, requests so far; ``Q`` and ``D``.

Opened with Enter from the missing-documents queue. ``Q`` records a request (of whom,
how, when: today unless a date follows the method), ``D`` records the document as
received: the date it came in (today unless changed), a reference and optionally the
path of a scanned copy, which is copied beside the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pendulum
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from otq.domain.document import DocumentNeed
from otq.errors import OtqError, ValidationError
from otq.services.document_rules import load_requirements
from otq.services.documents import HOW, document_needs, receive_document, request_document
from otq.services.reports import patient_name
from otq.text import safe_text
from otq.tui.dialogs.prompt import PromptModal

if TYPE_CHECKING:
    from otq.tui.app import OtqApp


def parse_how(text: str, today: pendulum.Date) -> tuple[str, pendulum.Date] | str:
    """'fax' or 'fax 2026-06-20' -> (how, date); a message string when it can't be read."""
    words = text.strip().lower().split()
    when = today
    if words and len(words[-1]) == 10 and words[-1][4] == "-":
        try:
            when = pendulum.parse(words.pop(), exact=True)
        except (ValueError, pendulum.parsing.exceptions.ParserError):
            return "the date must be YYYY-MM-DD"
    how = " ".join(words)
    if how not in HOW:
        return f"how: one of {', '.join(HOW)} (then an optional YYYY-MM-DD)"
    return how, when


def parse_day(text: str, today: pendulum.Date) -> pendulum.Date | str:
    """'2026-06-20' -> that date (empty: today); a message when it can't be, or is future."""
    text = text.strip()
    if not text:
        return today
    try:
        day = pendulum.parse(text, exact=True)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return "the date must be YYYY-MM-DD"
    if not isinstance(day, pendulum.Date) or isinstance(day, pendulum.DateTime):
        return "the date must be YYYY-MM-DD"
    if day > today:
        return f"{day} is after today ({today})"
    return day


class DocumentScreen(Screen):
    """The detail of one needed document with the request/receive keys."""

    DEFAULT_CSS = """
    DocumentScreen #doc-title { height: 1; background: $surface; text-style: bold; padding: 0 1; }
    DocumentScreen VerticalScroll { padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", key_display="esc", id="document.back",
                tooltip="Back to the queue"),
        Binding("Q", "request", "Request", id="document.request",
                tooltip="Record a request: of whom, how and when"),
        Binding("D", "receive", "Received", id="document.receive",
                tooltip="Record the document as received (reference, scanned file)"),
    ]

    app: OtqApp

    def __init__(self, document_id: str) -> None:
        super().__init__(name="document")
        self.document_id = document_id
        self.help_title = "missing document"

    @property
    def need(self) -> DocumentNeed | None:
        """The need as the store says now (None once the visits no longer call for it)."""
        return document_needs(self.app.session).get(self.document_id)

    def compose(self) -> ComposeResult:
        """Title, body, footer."""
        yield Static("Document", id="doc-title")
        with VerticalScroll():
            yield Static(id="doc-body")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Show the document."""
        self.show()

    def show(self, message: str = "") -> None:
        """Repaint the body from the store."""
        need = self.need
        body = self.query_one("#doc-body", Static)
        if need is None:
            body.update(Text("This document is no longer needed (the visits changed)."))
            return
        rule = load_requirements().kinds[need.kind]
        session = self.app.session
        self.query_one("#doc-title", Static).update(Text(f"{rule.title} \u00b7 "
                                                         f"{self.app.shown('name', patient_name(session, need.patient_id))}"))
        text = Text()
        period = f"{need.period_start or '-'} to {need.period_end or 'open'}"
        status = "on file (EHR)" if need.on_file_in_ehr else (
            "received" if need.document and need.document.received else "MISSING")
        for label, value in (("Status", status), ("Payer", need.payer_id),
                             ("Needed since", need.needed_since.isoformat()),
                             ("Covers", period), ("Visits waiting", str(len(need.visit_ids))),
                             ("Usually from", need.ask)):
            text.append(f"{label:<16}", "bold")
            text.append(safe_text(value) + "\n")
        doc = need.document
        text.append("\nRequests\n", "bold underline")
        for r in (doc.requests if doc else ()):
            text.append(safe_text(f"  {r.on}  {r.to_whom} by {r.how} ({r.by})") + "\n")
        if not doc or not doc.requests:
            text.append("  none yet: press Q after asking\n")
        if doc and doc.received:
            text.append("\nReceived\n", "bold underline")
            text.append(safe_text(f"  {doc.received_on} by {doc.received_by}, reference "
                                  f"{doc.reference or '-'}") + "\n")
            if doc.file_name:
                text.append(safe_text(f"  scanned copy: documents/{doc.file_name}") + "\n")
        if message:
            text.append("\n" + safe_text(message) + "\n", "bold")
        body.update(text)

    def _attempt(self, fn, done: str) -> None:
        try:
            fn()
        except ValidationError as exc:
            self.show("; ".join(exc.problems) or str(exc))
            return
        except OtqError as exc:
            self.show(str(exc))
            return
        self.show(done)

    def action_request(self) -> None:
        """Q: ask whom, then how (and optionally when)."""
        need = self.need
        if need is None:
            return
        today = self.app.session.today

        def got_whom(whom: str | None) -> None:
            if not whom:
                return

            def got_how(text: str | None) -> None:
                if not text:
                    return
                how, when = parse_how(text, today)
                self._attempt(lambda: request_document(self.app.session, need.id, to_whom=whom,
                                                       how=how, when=when),
                              f"request recorded: {whom} by {how} on {when}")

            self.app.push_screen(PromptModal(
                "How was it requested?", value="fax",
                hint=f"{', '.join(HOW)}; add YYYY-MM-DD if not today",
                check=lambda t: r if isinstance(r := parse_how(t, today), str) else None),
                got_how)

        self.app.push_screen(PromptModal("Requested from", value=need.ask), got_whom)

    def action_receive(self) -> None:
        """D: the date it came in (today unless changed), the reference, then an optional
        scanned file path."""
        need = self.need
        if need is None:
            return
        today = self.app.session.today

        def got_date(text: str | None) -> None:
            if text is None:
                return
            received_on = parse_day(text, today)
            if isinstance(received_on, str):  # the prompt's check already refused it
                return

            def got_ref(ref: str | None) -> None:
                if ref is None:
                    return

                def got_file(path: str | None) -> None:
                    if path is None:
                        return
                    self._attempt(lambda: receive_document(
                        self.app.session, need.id, received_on=received_on, reference=ref,
                        file_path=path or None), f"document recorded as received on {received_on}")

                self.app.push_screen(PromptModal("Scanned copy (path, or empty for none)",
                                                 placeholder="/scans/poc.pdf"), got_file)

            self.app.push_screen(PromptModal("Reference (fax id, letter number...)"), got_ref)

        self.app.push_screen(PromptModal(
            "Received on", value=today.isoformat(), hint="YYYY-MM-DD, not after today",
            check=lambda t: r if isinstance(r := parse_day(t, today), str) else None), got_date)
