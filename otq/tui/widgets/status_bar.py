"""The status line: who is working, on which store, the time, and a message area."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.widget import Widget

from otq.text import safe_text

Clock = Callable[[], datetime]


def shorten_path(path: Path | str, limit: int = 28) -> str:
    """A store path short enough for the status line: ``~`` for home, then ``…/folder/file``."""
    text = str(path)
    home = str(Path.home())
    if home != "/" and (text == home or text.startswith(home + "/")):
        text = "~" + text[len(home):]
    if len(text) > limit:
        p = Path(path)
        text = f"\u2026/{p.parent.name}/{p.name}"
        if len(text) > limit:
            text = f"\u2026/{p.name}"
    return safe_text(text)


class StatusBar(Widget):
    """``ann · ~/otq/store.json   3 rows match   14:05``. Messages come from the screens."""

    COMPONENT_CLASSES = {"status-bar--message", "status-bar--error"}

    def __init__(self, user: str, store_path: Path | str, clock: Clock, *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.user = safe_text(user)
        self.store = shorten_path(store_path)
        self.clock = clock
        self.time = clock().strftime("%H:%M")
        self.message = ""
        self.is_error = False

    def set_message(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` in the message area (empty clears it)."""
        text = safe_text(text)
        if (text, error) != (self.message, self.is_error):
            self.message, self.is_error = text, error
            self.refresh()

    def tick(self) -> None:
        """Update the clock; repaints only when the minute changed."""
        now = self.clock().strftime("%H:%M")
        if now != self.time:
            self.time = now
            self.refresh()

    def render(self) -> Text:
        """User and store on the left, the message in the middle, the time on the right."""
        width = self.size.width
        role = getattr(self.app, "role_label", "")  # team stores: "ann (biller)"
        who = f"{self.user} ({role})" if role else self.user
        left = f" {who} \u00b7 {self.store} "
        if getattr(self.app, "ascii_mode", False):  # "ann - .../otq/store.json"
            left = left.replace("\u00b7", "-").replace("\u2026", "...")
        right = f" {self.time} "
        room = width - cell_len(left) - cell_len(right)
        text = Text(no_wrap=True)
        text.append(left)
        if room > 0:
            message = set_cell_size(self.message, room) if self.message else " " * room
            kind = "status-bar--error" if self.is_error else "status-bar--message"
            text.append(message, self.get_component_rich_style(kind, partial=True))
        text.append(right)
        return text
