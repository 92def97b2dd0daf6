"""``PromptModal``: one line of text (a note, a snooze date, a value), Enter or Esc."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from otq.text import safe_text


class PromptModal(ModalScreen[str | None]):
    """Ask for one line of text. Enter returns it (stripped); Esc returns None.

    ``check`` may refuse a value by returning a message; the dialog then stays open and
    shows the message under the input, so a typo never loses what was typed.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", key_display="esc", id="prompt.cancel",
                        tooltip="Close without changing anything")]

    def __init__(self, title: str, *, value: str = "", placeholder: str = "", hint: str = "",
                 check=None) -> None:
        super().__init__(name="prompt")
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.hint = hint
        self.check = check

    def compose(self) -> ComposeResult:
        """Title, input and a hint (or the refusal message)."""
        with Vertical(classes="dialog"):
            yield Static(Text(safe_text(self.title_text)), classes="dialog--title")
            yield Input(value=self.value, placeholder=self.placeholder, compact=True,
                        id="prompt-input")
            yield Static(Text(safe_text(self.hint or "enter: ok   esc: cancel")),
                         classes="dialog--hint", id="prompt-hint")

    def on_mount(self) -> None:
        """The input takes the keyboard, cursor at the end."""
        field = self.query_one(Input)
        field.cursor_blink = False
        field.focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        problem = self.check(value) if self.check else None
        if problem:
            hint = self.query_one("#prompt-hint", Static)
            hint.add_class("dialog--error")
            hint.update(Text(safe_text(problem)))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)
