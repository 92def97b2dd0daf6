"""The tabs line: every queue with its key and live count, the current one marked."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from otq.queue_defs import QueueSpec
from otq.text import safe_text


def tab_labels(specs: Sequence[QueueSpec], counts: dict[str, int], width: int) -> list[str]:
    """One label per queue that fits ``width`` cells together with the separators.

    Tries the full titles first, then the short titles, then just key and count,
    so at 80 columns every queue and its count stays visible.
    """
    def count(spec: QueueSpec) -> str:
        n = counts.get(spec.id)
        return "?" if n is None else str(n)

    styles = (
        (lambda s: f"{s.key} {safe_text(s.title)} {count(s)}", " "),
        (lambda s: f"{s.key} {safe_text(s.short)} {count(s)}", " "),
        (lambda s: f"{s.key} {safe_text(s.short)} {count(s)}", ""),  # no right padding
        (lambda s: f"{s.key}:{count(s)}", " "),
    )
    labels: list[str] = []
    for make, pad in styles:
        labels = [f" {make(s)}{pad}" for s in specs]
        if sum(cell_len(x) for x in labels) + len(labels) - 1 <= width:
            break
    return labels


class QueueSwitcher(Widget):
    """One line of queue tabs (``1 Uncoded 12``), the current queue in the active style."""

    COMPONENT_CLASSES = {"queue-switcher--active"}

    def __init__(self, specs: Sequence[QueueSpec], current: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.specs = list(specs)
        self.current = current
        self.counts: dict[str, int] = {}

    def update_counts(self, counts: dict[str, int]) -> None:
        """Show new counts (repaints only when they changed)."""
        if counts != self.counts:
            self.counts = dict(counts)
            self.refresh()

    def render(self) -> Text:
        """The tabs as plain text with the current queue in the active style."""
        labels = tab_labels(self.specs, self.counts, self.size.width)
        text = Text(no_wrap=True, overflow="ellipsis")
        active = self.get_component_rich_style("queue-switcher--active", partial=True)
        for i, (spec, label) in enumerate(zip(self.specs, labels, strict=True)):
            if i:
                text.append("\u2502" if self.app.console.encoding.lower().startswith("utf") else "|")
            text.append(label, active if spec.id == self.current else None)
        return text


class RowPosition(Widget):
    """Where the cursor is (``12/340``). Its own small widget, so moving the cursor
    repaints a dozen cells instead of the whole tabs line."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.position = ""

    def set_position(self, text: str) -> None:
        """Show ``text``, e.g. ``12/340`` (repaints only when it changed)."""
        if text != self.position:
            self.position = text
            self.refresh()

    def render(self) -> Text:
        """The position, right-aligned with one space after it.

        Padded here rather than with CSS padding and text-align, so the whole cell
        range is one style run on the wire (one colour code instead of three).
        """
        width = self.size.width
        return Text(f"{self.position} ".rjust(width)[-width:] if width else "",
                    no_wrap=True, end="")
