"""The service-line table of the coding screen: a Line-API grid with a cell cursor.

A visit has a handful of lines, but the table still draws each line on demand and
repaints only what a cursor move touches, like the queue table. Cells are plain strings
(never markup). Editing happens in the cell itself: typing a digit on a number cell
starts editing it with that digit; Enter commits, Esc cancels. The table keeps the
keyboard while editing, so no focus change (and no footer rebuild) slows a keystroke.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from otq.domain import ServiceLine
from otq.domain.codes import CodeInfo
from otq.text import safe_text
from otq.tui.widgets.queue_table import fit_cell

MANUAL_MARK = "*"  # after units set by hand


@dataclass(frozen=True)
class LineColumn:
    """One column: its key (what editing it changes), title, width and alignment."""

    key: str
    title: str
    width: int
    align: str = "left"
    editable: bool = True
    numeric: bool = False


COLUMNS = (
    LineColumn("n", "#", 2, "right", editable=False),
    LineColumn("cpt", "CPT", 6),
    LineColumn("modifiers", "Modifiers", 11),
    LineColumn("minutes", "Min", 4, "right", numeric=True),
    LineColumn("units", "Units", 5, "right", numeric=True),
    LineColumn("pointers", "Dx", 7, numeric=True),
    LineColumn("charge", "Charge", 8, "right", numeric=True),
    LineColumn("description", "Description", 0, editable=False),  # takes what is left
)
EDITABLE = tuple(i for i, c in enumerate(COLUMNS) if c.editable)


def line_cells(index: int, line: ServiceLine, codes: dict[str, CodeInfo]) -> list[str]:
    """The text of each column for one service line."""
    units = "-" if line.units is None else str(line.units)
    if line.units_manual:
        units += MANUAL_MARK
    info = codes.get(line.cpt)
    description = info.description if info else "not in the OT code catalogue"
    if info and info.timed:
        description = "timed: " + description
    if line.furnished_by.value != "OT":
        description = f"by {line.furnished_by.value}; {description}"
    return [str(index + 1), line.cpt, ":".join(line.modifiers) or "-",
            "-" if line.minutes is None else str(line.minutes), units,
            ",".join(map(str, line.dx_pointers)) or "-",
            "-" if line.charge is None else f"{line.charge:.2f}", description]


class ServiceLinesTable(Widget, can_focus=True):
    """Service lines with a (row, column) cursor. The screen does the editing."""

    COMPONENT_CLASSES = {"service-lines--header", "service-lines--cursor-row",
                         "service-lines--cursor-cell", "service-lines--empty",
                         "service-lines--editor"}
    BINDINGS = [
        Binding("j,down", "move(1, 0)", "Next line", show=False, id="lines.down"),
        Binding("k,up", "move(-1, 0)", "Previous line", show=False, id="lines.up"),
        Binding("right", "move(0, 1)", "Next cell", show=False, id="lines.right"),
        Binding("left", "move(0, -1)", "Previous cell", show=False, id="lines.left"),
        Binding("enter", "edit", "Edit", show=False, id="lines.edit"),
    ]

    class EditRequested(Message):
        """The user asked to edit the cell under the cursor (``text`` starts the edit)."""

        def __init__(self, row: int, column: str, text: str | None = None) -> None:
            self.row, self.column, self.text = row, column, text
            super().__init__()

    class EditDone(Message):
        """Enter (``text`` is the new value) or Esc (``text`` is None) in the cell editor."""

        def __init__(self, row: int, column: str, text: str | None) -> None:
            self.row, self.column, self.text = row, column, text
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[list[str]] = []
        self.row = 0
        self.col = EDITABLE[2]  # minutes: what a coder changes most
        self.edit_text: str | None = None  # the cell editor's text while editing
        self.edit_fresh = False  # the first key typed replaces the old value

    # ----------------------------------------------------------------- data
    @property
    def column(self) -> LineColumn:
        """The column under the cursor."""
        return COLUMNS[self.col]

    def set_lines(self, lines: Sequence[ServiceLine], codes: dict[str, CodeInfo]) -> None:
        """Show ``lines``; the cursor stays on the same row number (clamped)."""
        self.rows = [line_cells(i, ln, codes) for i, ln in enumerate(lines)]
        self.row = max(0, min(self.row, len(self.rows) - 1))
        self.styles.height = max(len(self.rows), 1) + 1
        self.refresh()

    # -------------------------------------------------------------- actions
    def action_move(self, rows: int, cols: int) -> None:
        """Move the cursor by rows and editable columns."""
        old = self.row
        if rows and self.rows:
            self.row = max(0, min(self.row + rows, len(self.rows) - 1))
        if cols:
            i = EDITABLE.index(self.col) + cols
            self.col = EDITABLE[max(0, min(i, len(EDITABLE) - 1))]
        width = self.size.width
        for r in {old, self.row}:
            self.refresh(Region(0, r + 1, width, 1))

    def action_edit(self) -> None:
        """Ask the screen to edit the cell under the cursor."""
        if self.rows:
            self.post_message(self.EditRequested(self.row, self.column.key))

    @property
    def editing(self) -> bool:
        """True while the cell editor is open."""
        return self.edit_text is not None

    def start_edit(self, row: int, col_key: str, text: str, *, fresh: bool) -> None:
        """Open the cell editor on (row, column) with ``text``; ``fresh``: typing replaces it."""
        self.row = row
        self.col = next(i for i, c in enumerate(COLUMNS) if c.key == col_key)
        self.edit_text, self.edit_fresh = text, fresh
        self._refresh_row()

    def stop_edit(self) -> None:
        """Close the cell editor."""
        self.edit_text = None
        self._refresh_row()

    def _refresh_row(self) -> None:
        self.refresh(Region(0, self.row + 1, self.size.width, 1))

    def on_key(self, event: events.Key) -> None:
        """Keys of the cell editor; a digit on a number cell opens it with that digit."""
        char = event.character
        if self.edit_text is None:
            if self.rows and self.column.numeric and char and (char.isdigit() or char in ".,"):
                event.stop()
                event.prevent_default()
                self.post_message(self.EditRequested(self.row, self.column.key, char))
            return
        if event.key in ("ctrl+s", "ctrl+q"):
            return  # save (which commits the edit first) and quit still work
        event.stop()
        event.prevent_default()
        if event.key == "enter":
            self.post_message(self.EditDone(self.row, self.column.key, self.edit_text))
        elif event.key == "escape":
            self.post_message(self.EditDone(self.row, self.column.key, None))
        elif event.key == "backspace":
            self.edit_text = "" if self.edit_fresh else self.edit_text[:-1]
        elif event.key == "ctrl+u":
            self.edit_text = ""
        elif char and char.isprintable():
            self.edit_text = char if self.edit_fresh else self.edit_text + char
        else:
            return
        self.edit_fresh = False
        self._refresh_row()

    def on_focus(self) -> None:
        """The cursor cell shows only while the table has the keyboard."""
        self.refresh()

    def on_blur(self) -> None:
        """Hide the cell cursor (the row stays marked)."""
        self.refresh()

    # ------------------------------------------------------------ rendering
    def _widths(self, width: int) -> list[int]:
        fixed = sum(c.width for c in COLUMNS[:-1]) + len(COLUMNS) - 1
        return [c.width for c in COLUMNS[:-1]] + [max(width - fixed, 0)]

    def render_line(self, y: int) -> Strip:
        """The header on line 0, then one service line per screen line."""
        width = self.size.width
        base = self.rich_style
        widths = self._widths(width)
        if y == 0:
            style = base + self.get_component_rich_style("service-lines--header")
            text = " ".join(fit_cell(c.title, w, c.align) for c, w in zip(COLUMNS, widths, strict=True) if w)
            return Strip([Segment(fit_cell(text, width), style)], width)
        index = y - 1
        if not self.rows:
            if index == 0:
                style = base + self.get_component_rich_style("service-lines--empty")
                return Strip([Segment(fit_cell("No service lines: press a to add one.", width),
                                      style)], width)
            return Strip.blank(width, base)
        if index >= len(self.rows):
            return Strip.blank(width, base)
        cells = self.rows[index]
        on_row = index == self.row
        row_style = base + (self.get_component_rich_style("service-lines--cursor-row")
                            if on_row else base)
        segments, used = [], 0
        for i, (column, w) in enumerate(zip(COLUMNS, widths, strict=True)):
            if not w:
                continue
            text = fit_cell(safe_text(cells[i]), w, column.align)
            style = row_style
            if on_row and i == self.col and self.edit_text is not None:
                # The editor may need more room than the column: it takes what it needs.
                shown = safe_text(self.edit_text) + "_"
                text = fit_cell(shown, max(w, cell_len(shown)))
                style = base + self.get_component_rich_style("service-lines--editor")
            elif on_row and i == self.col and self.has_focus:
                style = base + self.get_component_rich_style("service-lines--cursor-cell")
            if segments:
                segments.append(Segment(" ", row_style))
                used += 1
            segments.append(Segment(text, style))
            used += cell_len(text)
        if used < width:
            segments.append(Segment(" " * (width - used), row_style))
        return Strip(segments, width).crop(0, width)
