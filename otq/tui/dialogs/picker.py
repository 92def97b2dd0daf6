"""``PickerModal``: choose one or several (value, description) items by typing.

The list narrows as you type: a value that starts with the query comes first, then any
item whose description holds every word of the query. A picker can also take a search
function instead of a list (the ICD-10-CM table has ~74,000 codes, searched on demand).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from otq.text import safe_text

LIMIT = 60  # rows in the list; type more to narrow


@dataclass(frozen=True)
class PickerItem:
    """One choice: the value returned, its description, and a short tag (e.g. "timed")."""

    value: str
    description: str
    tag: str = ""


Source = Sequence[PickerItem] | Callable[[str], Sequence[PickerItem]]


def filter_items(items: Sequence[PickerItem], query: str, limit: int = LIMIT) -> list[PickerItem]:
    """Items whose value starts with ``query``, then those whose description has every word."""
    q = query.strip().lower()
    if not q:
        return list(items[:limit])
    by_value = [it for it in items if it.value.lower().startswith(q)]
    words = q.split()
    by_words = [it for it in items if it not in by_value
                and all(w in f"{it.description} {it.tag}".lower() for w in words)]
    return (by_value + by_words)[:limit]


class PickerModal(ModalScreen[str | tuple[str, ...] | None]):
    """Type to narrow, arrows to move, Enter to choose; Esc returns None.

    With ``multi`` the answer is a tuple of values: space ticks or unticks the highlighted
    item, and Enter returns the ticked values (ticking the highlighted one first when you
    typed a query for it, so ``m`` ``9`` ``5`` Enter adds modifier 95 in four keys).
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", key_display="esc", id="picker.cancel",
                tooltip="Close without choosing"),
        Binding("down", "move(1)", "Down", show=False, id="picker.down", tooltip="Next item"),
        Binding("up", "move(-1)", "Up", show=False, id="picker.up", tooltip="Previous item"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="picker.page-down",
                tooltip="Ten items down"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="picker.page-up",
                tooltip="Ten items up"),
    ]

    def __init__(self, title: str, source: Source, *, query: str = "", multi: bool = False,
                 selected: Sequence[str] = (), hint: str = "",
                 placeholder: str = "code or words") -> None:
        super().__init__(name="picker")
        self.title_text = title
        self.source = source
        self.query_text = query
        self.multi = multi
        self.selected: list[str] = list(selected)
        self.hint = hint or ("space: tick   enter: done   esc: cancel" if multi
                             else "type to narrow   enter: choose   esc: cancel")
        self.placeholder = placeholder
        self.shown: list[PickerItem] = []

    def compose(self) -> ComposeResult:
        """Title, query line, list and hint."""
        with Vertical(classes="dialog dialog--tall"):
            yield Static(Text(safe_text(self.title_text)), classes="dialog--title")
            yield Input(value=self.query_text, compact=True, id="picker-query",
                        placeholder=self.placeholder)
            yield OptionList(id="picker-list", compact=True)
            yield Static(Text(safe_text(self.hint)), classes="dialog--hint", id="picker-hint")

    def on_mount(self) -> None:
        """Fill the list for the starting query and give the query line the keyboard."""
        self.query_one(OptionList).can_focus = False
        field = self.query_one(Input)
        field.cursor_blink = False
        field.focus()
        self.refill(self.query_text)

    # ----------------------------------------------------------------- data
    def items_for(self, query: str) -> list[PickerItem]:
        """What the list shows for ``query``."""
        if callable(self.source):
            return list(self.source(query))[:LIMIT]
        return filter_items(self.source, query)

    def _prompt(self, item: PickerItem) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if self.multi:
            text.append("[x] " if item.value in self.selected else "[ ] ")
        text.append(f"{safe_text(item.value):<8} ", "bold")
        if item.tag:
            text.append(f"{safe_text(item.tag):<7} ", "italic")
        text.append(safe_text(item.description))
        return text

    def refill(self, query: str) -> None:
        """Show the items for ``query``, highlighting the first."""
        self.shown = self.items_for(query)
        options = self.query_one(OptionList)
        options.set_options([Option(self._prompt(it)) for it in self.shown])
        if self.shown:
            options.highlighted = 0
        else:
            options.set_options([Option(Text("nothing matches; keep typing or Esc"),
                                        disabled=True)])

    @property
    def current(self) -> PickerItem | None:
        """The highlighted item."""
        index = self.query_one(OptionList).highlighted
        return self.shown[index] if index is not None and index < len(self.shown) else None

    # --------------------------------------------------------------- events
    @on(Input.Changed)
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.multi and " " in event.value:
            # The query line takes every printable key, so a space typed into it is the
            # "tick" key of a multiple-choice picker (its values never hold spaces).
            event.input.value = event.value.replace(" ", "")
            self.action_toggle()
            return
        self.query_text = event.value
        self.refill(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        item = self.current
        if not self.multi:
            if item is not None:
                self.dismiss(item.value)
            return
        if item is not None and self.query_text.strip() and item.value not in self.selected:
            self.selected.append(item.value)
        self.dismiss(tuple(self.selected))

    def action_move(self, step: int) -> None:
        """Move the highlight."""
        options = self.query_one(OptionList)
        if self.shown:
            index = (options.highlighted or 0) + step
            options.highlighted = max(0, min(index, len(self.shown) - 1))

    def action_toggle(self) -> None:
        """Tick or untick the highlighted item."""
        item = self.current
        if item is None:
            return
        if item.value in self.selected:
            self.selected.remove(item.value)
        else:
            self.selected.append(item.value)
        index = self.query_one(OptionList).highlighted or 0
        self.query_one(OptionList).replace_option_prompt_at_index(index, self._prompt(item))

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
