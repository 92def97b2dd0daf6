"""The queue table: a Line API widget that renders only the rows on screen.

Textual's ``DataTable`` builds every row up front and repaints the whole table on each
scroll (seconds for 10,000 rows, kilobytes per keystroke). ``QueueTable`` keeps the rows
as plain data and draws just the visible lines in ``render_line``. The cursor moves
inside a page and repaints only the two rows it leaves and enters; when it leaves the
page the view jumps a whole page, mutt-style, so paging redraws once and never scrolls
smoothly. Each row is a single segment in one style, which keeps the bytes on the wire
low. Cells are plain strings turned into segments, never parsed as markup.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.signal import Signal
from textual.strip import Strip

from otq.queue_defs import ColumnSpec
from otq.services.queues import QueueRow
from otq.text import safe_text

GAP = 1  # spaces between columns
TAG_MARK = "*"  # a tagged row (ASCII, so it shows in every mode)
#: Low-bandwidth mode: cursor moves closer together than this are a held key.
HELD_KEY_SECONDS = 0.05


def fit_columns(columns: Sequence[ColumnSpec], width: int) -> list[tuple[int, int]]:
    """Which columns to show at ``width`` cells, as (column index, width) pairs.

    Columns with the highest ``priority`` number drop first (the rightmost among equals),
    but priority-1 columns are never dropped; if they still don't fit, the last ones are
    narrowed. Space left over widens the name-like columns (left-aligned, 12+ wide).
    """
    keep = list(range(len(columns)))

    def need(ix: list[int]) -> int:
        return sum(columns[i].width for i in ix) + GAP * max(len(ix) - 1, 0)

    while need(keep) > width:
        droppable = [i for i in keep if columns[i].priority > 1]
        if not droppable:
            break
        keep.remove(max(droppable, key=lambda i: (columns[i].priority, i)))
    widths = {i: columns[i].width for i in keep}
    spare = width - need(keep)
    if spare > 0:
        flexible = [i for i in keep if columns[i].align == "left" and columns[i].width >= 12]
        for n, i in enumerate(flexible):
            widths[i] += spare // len(flexible) + (1 if n < spare % len(flexible) else 0)
    out, used = [], 0
    for i in keep:
        room = width - used - (GAP if out else 0)
        if room < 1:
            break
        w = min(widths[i], room)
        out.append((i, w))
        used += w + (GAP if len(out) > 1 else 0)
    return out


def fit_cell(text: str, width: int, align: str = "left", ellipsis: str = "\u2026") -> str:
    """``text`` cut (with an ellipsis) or padded to exactly ``width`` cells, never wrapped.

    ASCII mode passes ``ellipsis="..."``; the ellipsis is dropped when the cell is too
    narrow to hold it and a character.
    """
    if cell_len(text) > width:
        mark = ellipsis if width > cell_len(ellipsis) else ""
        text = set_cell_size(text, width - cell_len(mark)) + mark
    pad = " " * (width - cell_len(text))
    return pad + text if align == "right" else text + pad


class QueueTable(ScrollView, can_focus=True, inherit_bindings=False):
    """The rows of one queue, with a cursor row. Only the visible lines are rendered."""

    COMPONENT_CLASSES = {"queue-table--header", "queue-table--cursor", "queue-table--empty"}

    BINDINGS = [
        Binding("j,down", "cursor_down", "Next row", show=False, id="table.cursor-down"),
        Binding("k,up", "cursor_up", "Previous row", show=False, id="table.cursor-up"),
        Binding("g,home", "cursor_top", "First row", show=False, id="table.first-row"),
        Binding("G,end", "cursor_bottom", "Last row", show=False, id="table.last-row"),
        Binding("pagedown", "page_down", "Next page", show=False, id="table.page-down"),
        Binding("pageup", "page_up", "Previous page", show=False, id="table.page-up"),
        Binding("enter", "select", "Open", key_display="\u23ce", id="table.open"),
    ]

    class RowHighlighted(Message):
        """The cursor moved to another row (``row`` is None when the table is empty)."""

        def __init__(self, table: QueueTable, index: int, row: QueueRow | None) -> None:
            self.table = table
            self.index = index
            self.row = row
            super().__init__()

        @property
        def control(self) -> QueueTable:
            """The table that sent the message."""
            return self.table

    class RowSelected(Message):
        """The user opened the row under the cursor (Enter or a second click)."""

        def __init__(self, table: QueueTable, index: int, row: QueueRow) -> None:
            self.table = table
            self.index = index
            self.row = row
            super().__init__()

        @property
        def control(self) -> QueueTable:
            """The table that sent the message."""
            return self.table

    def __init__(self, columns: Sequence[ColumnSpec], *, empty_message: str = "Nothing to do here.",
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = tuple(columns)
        self.empty_message = empty_message
        self.rows: list[QueueRow] = []
        self.cursor = 0
        #: Subject ids of tagged rows: a ``*`` shows in the gap after the first column.
        self.marked: set[str] = set()
        self._layout: list[tuple[int, int]] = []
        self._layout_width = -1
        self._strips: LRUCache[tuple[int, bool, bool], Strip] = LRUCache(512)
        #: Published with the cursor index on every move, synchronously, so a listener
        #: (the row counter) repaints in the same frame as the rows, not one frame later.
        self.cursor_moved: Signal[int] = Signal(self, "cursor-moved")
        #: Low-bandwidth mode: moves closer together than this many seconds (a held
        #: key) repaint once when the keys stop, not once per key. 0 paints every move.
        self.coalesce_seconds = 0.0
        self._last_move = 0.0
        self._pending: set[int] | None = None  # rows to repaint when a held key stops
        self._flush_timer = None

    # ----------------------------------------------------------------- data
    @property
    def current_row(self) -> QueueRow | None:
        """The row under the cursor, or None when the table is empty."""
        return self.rows[self.cursor] if self.rows else None

    def set_rows(self, rows: list[QueueRow], *, keep_subject: str | None = None,
                 marked: set[str] | None = None) -> None:
        """Show new rows, keeping the cursor on ``keep_subject`` if it is still listed;
        ``marked`` rows (tagged for a bulk action) show a ``*``."""
        old = self.current_row
        self.rows = rows
        self.marked = set(marked or ())
        index = min(self.cursor, max(len(rows) - 1, 0))
        if keep_subject is not None:
            index = next((i for i, r in enumerate(rows) if r.subject_id == keep_subject), index)
        self.cursor = index
        self._strips.clear()
        self._update_virtual_size()
        self._scroll_to_cursor_page()
        self.refresh()
        if self.current_row is not old:
            self.post_message(self.RowHighlighted(self, self.cursor, self.current_row))

    # --------------------------------------------------------------- paging
    @property
    def page_height(self) -> int:
        """Rows per page: the widget's height less the header line."""
        return max(self.scrollable_content_region.height - 1, 1)

    def _page_top(self, index: int) -> int:
        return (index // self.page_height) * self.page_height

    def _update_virtual_size(self) -> None:
        # Pad to whole pages so every page top is a reachable scroll position.
        pages = max(-(-len(self.rows) // self.page_height), 1)
        self.virtual_size = Size(self.scrollable_content_region.width, pages * self.page_height + 1)

    def _scroll_to_cursor_page(self) -> None:
        top = self._page_top(self.cursor)
        if top != self.scroll_offset.y:
            self.scroll_to(y=top, animate=False, force=True, immediate=True)

    def move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped), repainting as little as possible."""
        if not self.rows:
            return
        index = max(0, min(index, len(self.rows) - 1))
        if index == self.cursor:
            return
        old, self.cursor = self.cursor, index
        if self.coalesce_seconds and self._held(old):
            return
        self._repaint_move(old, index)

    def _held(self, old: int) -> bool:
        """In low-bandwidth mode, defer the repaint while moves come faster than a frame."""
        now = time.monotonic()
        held, self._last_move = now - self._last_move < self.coalesce_seconds, now
        if self._pending is None and not held:
            return False
        if self._pending is None:
            self._pending = {old}
        if self._flush_timer is not None:
            self._flush_timer.stop()
        self._flush_timer = self.set_timer(self.coalesce_seconds, self._flush_held)
        return True

    def _flush_held(self) -> None:
        """The held key stopped: repaint once, from the first row left to the cursor."""
        pending, self._pending, self._flush_timer = self._pending, None, None
        if pending:
            self._repaint_move(min(pending), self.cursor)

    def _repaint_move(self, old: int, index: int) -> None:
        top = self._page_top(index)
        if top != self.scroll_offset.y:
            self.scroll_to(y=top, animate=False, force=True, immediate=True)
            self.refresh()
        else:
            width = self.scrollable_content_region.width
            for i in (old, index):
                if top <= i < top + self.page_height:
                    self.refresh(Region(0, i - top + 1, width, 1))
        self.cursor_moved.publish(index)
        self.post_message(self.RowHighlighted(self, index, self.rows[index]))

    def action_cursor_down(self) -> None:
        """Move to the next row."""
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        """Move to the previous row."""
        self.move_to(self.cursor - 1)

    def action_cursor_top(self) -> None:
        """Move to the first row."""
        self.move_to(0)

    def action_cursor_bottom(self) -> None:
        """Move to the last row."""
        self.move_to(len(self.rows) - 1)

    def action_page_down(self) -> None:
        """Move one page down."""
        self.move_to(self.cursor + self.page_height)

    def action_page_up(self) -> None:
        """Move one page up."""
        self.move_to(self.cursor - self.page_height)

    def action_select(self) -> None:
        """Open the row under the cursor."""
        if self.rows:
            self.post_message(self.RowSelected(self, self.cursor, self.rows[self.cursor]))

    # ---------------------------------------------------------------- mouse
    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor; a click on the cursor row opens it."""
        if event.y < 1:
            return
        index = self.scroll_offset.y + event.y - 1
        if index >= len(self.rows):
            return
        if index == self.cursor:
            self.action_select()
        else:
            self.move_to(index)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """The wheel moves the cursor (the view follows by pages)."""
        event.stop()
        self.move_to(self.cursor + 3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """The wheel moves the cursor (the view follows by pages)."""
        event.stop()
        self.move_to(self.cursor - 3)

    def on_mount(self) -> None:
        """In low-bandwidth mode a held key repaints once when it stops, not per key."""
        if getattr(self.app, "low_bandwidth", False):
            self.coalesce_seconds = HELD_KEY_SECONDS

    # ------------------------------------------------------------ rendering
    def on_resize(self, event: events.Resize) -> None:
        """Refit the columns and keep the cursor's page in view."""
        self._strips.clear()
        self._update_virtual_size()
        self._scroll_to_cursor_page()

    def notify_style_update(self) -> None:
        """A theme or CSS change: drop the cached lines."""
        super().notify_style_update()
        self._strips.clear()

    def _fitted(self, width: int) -> list[tuple[int, int]]:
        if width != self._layout_width:
            self._layout = fit_columns(self.columns, width)
            self._layout_width = width
        return self._layout

    def _line(self, cells: Sequence[str], width: int) -> str:
        parts = []
        ellipsis = "..." if getattr(self.app, "ascii_mode", False) else "\u2026"
        for i, w in self._fitted(width):
            text = safe_text(cells[i]) if i < len(cells) else ""
            parts.append(fit_cell(text, w, self.columns[i].align, ellipsis))
        return (" " * GAP).join(parts)

    def render_line(self, y: int) -> Strip:
        """One screen line: the header on line 0, then the rows of the current page."""
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("queue-table--header")
            titles = [c.title for c in self.columns]
            return Strip([Segment(fit_cell(self._line(titles, width), width), style)], width)
        index = self.scroll_offset.y + y - 1
        if not self.rows and y == 1:
            style = base + self.get_component_rich_style("queue-table--empty")
            return Strip([Segment(fit_cell(safe_text(self.empty_message), width), style)], width)
        if index >= len(self.rows):
            return Strip([Segment(" " * width, base)], width)
        is_cursor = index == self.cursor
        row = self.rows[index]
        is_marked = row.subject_id in self.marked
        key = (index, is_cursor, is_marked)
        strip = self._strips.get(key)
        if strip is None or strip.cell_length != width:
            style: Style = base
            if is_cursor:
                style = base + self.get_component_rich_style("queue-table--cursor")
            text = fit_cell(self._line(row.cells, width), width)
            layout = self._fitted(width)
            if is_marked and layout and layout[0][1] < width:
                # The gap after the first column carries the tag, so no cell is cut.
                at = layout[0][1]
                text = text[:at] + TAG_MARK + text[at + 1:]
            strip = Strip([Segment(text, style)], width)
            self._strips[key] = strip
        return strip
