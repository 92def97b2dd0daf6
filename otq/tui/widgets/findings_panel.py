"""The live findings panel: errors first, then warnings, each wrapped to the panel width.

A Line-API scroll view: the wrapped lines are computed once per change (or width) and
only the visible ones are drawn. The selected finding is marked with ``>`` as well as by
style, so it stays visible without colour (otq-mono) and when the panel is not focused.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection, Sequence

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from otq.domain import Finding
from otq.text import safe_text
from otq.tui.widgets.queue_table import fit_cell

INDENT = 2  # continuation lines of a finding
MARK = 2  # the '>' column


def finding_order(findings: Sequence[Finding]) -> list[Finding]:
    """Errors before warnings, each group in the scrubber's order."""
    return [f for f in findings if f.is_error] + [f for f in findings if not f.is_error]


class FindingsPanel(ScrollView, can_focus=True):
    """Findings grouped by severity, with a selection the screen's F and W keys act on."""

    COMPONENT_CLASSES = {"findings--heading", "findings--error", "findings--warning",
                         "findings--selected", "findings--clean", "findings--accepted"}
    BINDINGS = [
        Binding("j,down", "select(1)", "Next finding", show=False, id="findings.down"),
        Binding("k,up", "select(-1)", "Previous finding", show=False, id="findings.up"),
    ]

    class Selected(Message):
        """The selection moved to another finding (None when there are none)."""

        def __init__(self, finding: Finding | None) -> None:
            self.finding = finding
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.findings: list[Finding] = []
        self.accepted: frozenset[str] = frozenset()
        self.selected = 0
        self._lines: list[tuple[str, str, int]] = []  # text, component class, finding index
        self._width = -1

    @property
    def current(self) -> Finding | None:
        """The selected finding."""
        return self.findings[self.selected] if self.findings else None

    def set_findings(self, findings: Sequence[Finding], accepted: Collection[str] = ()) -> None:
        """Show new findings, keeping the selection on the same rule when it is still there."""
        old = self.current
        self.findings = finding_order(findings)
        self.accepted = frozenset(accepted)
        index = min(self.selected, max(len(self.findings) - 1, 0))
        if old is not None:
            index = next((i for i, f in enumerate(self.findings)
                          if (f.rule_id, f.field) == (old.rule_id, old.field)), index)
        self.selected = index
        self._relayout(force=True)
        if self.current is not old:
            self.post_message(self.Selected(self.current))

    # --------------------------------------------------------------- layout
    def _relayout(self, force: bool = False) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or (width == self._width and not force):
            return
        self._width = width
        lines: list[tuple[str, str, int]] = []
        errors = sum(1 for f in self.findings if f.is_error)
        warnings = len(self.findings) - errors
        if not self.findings:
            lines.append(("No findings: this visit is clean. ctrl+s saves it as coded.",
                          "findings--clean", -1))
        for i, f in enumerate(self.findings):
            if i == 0 and errors:
                lines.append((f"Errors ({errors}) block the claim", "findings--heading", -1))
            if i == errors and warnings:
                lines.append((f"Warnings ({warnings}) do not block; W accepts one",
                              "findings--heading", -1))
            kind = "findings--error" if f.is_error else "findings--warning"
            if not f.is_error and f.rule_id in self.accepted:
                kind = "findings--accepted"
            tail = f"  [fix: {f.fix.name}]" if f.fix is not None else ""
            if kind == "findings--accepted":
                tail += "  [accepted]"
            body = f"{safe_text(f.rule_id)}  {safe_text(f.message, limit=1000)}{tail}"
            wrapped = textwrap.wrap(body, max(width - MARK, 10),
                                    subsequent_indent=" " * INDENT) or [""]
            lines.extend((part, kind, i) for part in wrapped)
        self._lines = lines
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        """Re-wrap at the new width."""
        self._relayout()
        self._scroll_to_selected()

    def notify_style_update(self) -> None:
        """A theme change repaints the lines."""
        super().notify_style_update()
        self.refresh()

    # ------------------------------------------------------------ selection
    def action_select(self, step: int) -> None:
        """Select the next or previous finding."""
        if not self.findings:
            return
        index = max(0, min(self.selected + step, len(self.findings) - 1))
        if index != self.selected:
            self.selected = index
            self.refresh()
            self._scroll_to_selected()
            self.post_message(self.Selected(self.current))

    def select_rule(self, rule_id: str) -> None:
        """Select the first finding of ``rule_id`` (if any)."""
        for i, f in enumerate(self.findings):
            if f.rule_id == rule_id:
                self.action_select(i - self.selected)
                return

    def _scroll_to_selected(self) -> None:
        rows = [y for y, (_, _, i) in enumerate(self._lines) if i == self.selected]
        if rows:
            top = rows[0] - (1 if rows[0] and self._lines[rows[0] - 1][2] == -1 else 0)
            self.scroll_to_region(Region(0, top, 1, rows[-1] - top + 1), animate=False,
                                  immediate=True)

    # ------------------------------------------------------------ rendering
    def render_line(self, y: int) -> Strip:
        """One wrapped line; the selected finding is marked with '>' and styled."""
        width = self.scrollable_content_region.width
        base = self.rich_style
        index = self.scroll_offset.y + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        text, kind, owner = self._lines[index]
        style = base + self.get_component_rich_style(kind)
        if owner >= 0:
            first = index == 0 or self._lines[index - 1][2] != owner
            marker = " >" if owner == self.selected and first else "  "
            if owner == self.selected:
                style += self.get_component_rich_style("findings--selected")
            text = marker + text
        return Strip([Segment(fit_cell(text, width), style)], width)
