"""``?``: every key of the screen you came from, with what it does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from otq.text import safe_text


def binding_rows(screen: Screen) -> list[tuple[str, str]]:
    """(keys, description) for every active, non-system binding of ``screen``.

    Keys bound to the same action (``j`` and ``down``) share one row. A screen may
    describe its bindings better through ``describe_binding`` (queue keys name the queue).
    """
    app = screen.app
    describe = getattr(screen, "describe_binding", None)
    rows: dict[tuple[str, str], list[str]] = {}
    for ab in screen.active_bindings.values():
        b = ab.binding
        if b.system or not ab.enabled:
            continue
        text = describe(b) if describe else (b.tooltip or b.description)
        if not text:
            continue
        keys = rows.setdefault((b.action, text), [])
        shown = app.get_key_display(b)
        if shown not in keys:
            keys.append(shown)
    return [(", ".join(keys), text) for (_action, text), keys in rows.items()]


class HelpScreen(Screen, inherit_bindings=False):
    """The keys of one screen. Esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", key_display="esc",
                id="help.close", tooltip="Close help"),
    ]
    COMPONENT_CLASSES = {"help--heading", "help--key"}

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__(name="help")
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        """A title and the key list."""
        yield Static(Text(f" Keys: {safe_text(self.title_text)}"), id="help-title")
        with VerticalScroll(id="help-body"):
            yield Static(id="help-text")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Render the key list with the theme's styles."""
        key_style = self.get_component_rich_style("help--key")
        width = max((len(k) for k, _ in self.rows), default=4) + 2
        text = Text()
        for keys, description in self.rows:
            text.append(f"  {keys:<{width}}", key_style)
            text.append(f"{description}\n")
        self.query_one("#help-text", Static).update(text)
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        """Back to the screen the help was opened from."""
        self.dismiss()
