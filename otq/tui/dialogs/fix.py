"""``FixModal``: the auto-fixes on offer, each with a preview; one key applies the chosen one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from otq.text import safe_text


@dataclass(frozen=True)
class FixOption:
    """One choice in the fix dialog: a label, what it would change, and any caution."""

    label: str
    preview: Sequence[str] = field(default_factory=tuple)
    caution: str = ""


class FixModal(ModalScreen[int | None]):
    """Pick a fix with j/k; Enter (or F again) applies it and returns its index; Esc: None."""

    BINDINGS = [
        Binding("enter,F", "apply", "Apply", key_display="\u23ce/F", id="fix.apply",
                tooltip="Apply the highlighted fix"),
        Binding("escape,q", "cancel", "Cancel", key_display="esc", id="fix.cancel",
                tooltip="Close without changing anything"),
        Binding("j,down", "move(1)", "Down", show=False, id="fix.down", tooltip="Next fix"),
        Binding("k,up", "move(-1)", "Up", show=False, id="fix.up", tooltip="Previous fix"),
    ]

    def __init__(self, title: str, options: Sequence[FixOption], *, start: int = 0) -> None:
        super().__init__(name="fix")
        self.title_text = title
        self.options = list(options)
        self.start = start

    def compose(self) -> ComposeResult:
        """Title, the fixes, the preview of the highlighted one, and the keys."""
        with Vertical(classes="dialog dialog--tall"):
            yield Static(Text(safe_text(self.title_text)), classes="dialog--title")
            yield OptionList(*[Option(Text(safe_text(o.label), no_wrap=True,
                                           overflow="ellipsis", end=""))
                               for o in self.options], id="fix-list", compact=True)
            yield Static(id="fix-preview", classes="dialog--body")
            yield Static(Text("enter/F: apply   j/k: choose   esc: cancel"),
                         classes="dialog--hint")

    def on_mount(self) -> None:
        """Highlight the starting option and show its preview."""
        options = self.query_one(OptionList)
        options.focus()
        if self.options:
            options.highlighted = min(self.start, len(self.options) - 1)
        self._show_preview()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_preview()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_index)

    def _show_preview(self) -> None:
        index = self.query_one(OptionList).highlighted
        text = Text()
        if index is None or not self.options:
            text.append("No fix is on offer.")
        else:
            option = self.options[index]
            text.append("Will change:\n", self.get_component_rich_style("fix--heading",
                                                                         partial=True))
            for line in option.preview or ["nothing (already applied)"]:
                text.append(f"  {safe_text(line)}\n")
            if option.caution:
                text.append(safe_text(option.caution, limit=1000),
                            self.get_component_rich_style("fix--caution", partial=True))
        self.query_one("#fix-preview", Static).update(text)

    COMPONENT_CLASSES = {"fix--heading", "fix--caution"}

    def action_move(self, step: int) -> None:
        """Highlight the next or previous fix."""
        options = self.query_one(OptionList)
        if self.options:
            options.highlighted = max(0, min((options.highlighted or 0) + step,
                                             len(self.options) - 1))

    def action_apply(self) -> None:
        """Apply the highlighted fix (the caller does the change)."""
        index = self.query_one(OptionList).highlighted
        self.dismiss(index if self.options else None)

    def action_cancel(self) -> None:
        """Close without applying anything."""
        self.dismiss(None)
