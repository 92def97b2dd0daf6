"""``ConfirmModal`` (a yes/no question) and ``TextModal`` (read-only text, e.g. history)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from otq.text import safe_text

MAX_LINES = 12  # detail lines shown; the rest are counted


class ConfirmModal(ModalScreen[bool]):
    """A question answered with ``y`` (True) or ``n``/Esc (False).

    Enter is deliberately not "yes": the questions guard discarding work or undoing a save,
    so the answer takes a deliberate key.
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Yes, go ahead"),
        Binding("n,escape", "answer(False)", "No", key_display="n/esc", id="confirm.no",
                tooltip="No, leave things as they are"),
    ]

    def __init__(self, question: str, detail: str = "", *, yes: str = "yes",
                 no: str = "no") -> None:
        super().__init__(name="confirm")
        self.question = question
        self.detail = detail
        self.yes, self.no = yes, no

    def compose(self) -> ComposeResult:
        """The question, any detail, and the two keys."""
        with Vertical(classes="dialog"):
            yield Static(Text(safe_text(self.question)), classes="dialog--title")
            if self.detail:
                # One line per item (safe_text would turn line breaks into spaces), and no
                # more than fit on an 80x24 screen above the y/n hint.
                lines = [safe_text(line) for line in self.detail.splitlines()]
                if len(lines) > MAX_LINES:
                    lines = lines[:MAX_LINES - 1] + [f"... and {len(lines) - MAX_LINES + 1} more"]
                body = "\n".join(lines)
                yield Static(Text(body), classes="dialog--body")
            yield Static(Text(f"y: {self.yes}   n/esc: {self.no}"), classes="dialog--hint")

    def action_answer(self, answer: bool) -> None:
        """Close with the answer."""
        self.dismiss(answer)


class TextModal(ModalScreen[None]):
    """Read-only text in a scrolling box (history, details). Esc, q or Enter closes it."""

    BINDINGS = [
        Binding("escape,q,enter", "close", "Close", key_display="esc", id="text.close",
                tooltip="Close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="text.down", tooltip="Scroll down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="text.up", tooltip="Scroll up"),
    ]

    def __init__(self, title: str, body: Text) -> None:
        super().__init__(name="text")
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        """Title and scrolling body."""
        with Vertical(classes="dialog dialog--tall"):
            yield Static(Text(safe_text(self.title_text)), classes="dialog--title")
            with VerticalScroll(classes="dialog--scroll"):
                yield Static(self.body, classes="dialog--body")
            yield Static(Text("j/k: scroll   esc: close"), classes="dialog--hint")

    def action_scroll(self, step: int) -> None:
        """Scroll the body by a line."""
        box = self.query_one(VerticalScroll)
        box.scroll_to(y=box.scroll_y + step, animate=False)

    def action_close(self) -> None:
        """Close the view."""
        self.dismiss(None)
