"""The item detail view: facts, findings, notes and history of one queue item."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from otq.errors import OtqError
from otq.services.audit_view import patient_of, record_access
from otq.services.details import ItemDetail, item_detail
from otq.services.masking import mask_detail
from otq.text import safe_text
from otq.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from otq.tui.app import OtqApp

LABEL_WIDTH = 17


class DetailBody(VerticalScroll, inherit_bindings=False):
    """The scrolling body of a detail view. Scrolls by line or page, never animated."""

    COMPONENT_CLASSES = {"detail--section", "detail--label", "detail--error", "detail--warning",
                         "detail--muted"}
    BINDINGS = [
        Binding("j,down", "line(1)", "Scroll down", show=False, id="detail.scroll-down"),
        Binding("k,up", "line(-1)", "Scroll up", show=False, id="detail.scroll-up"),
        Binding("pagedown", "page(1)", "Next page", show=False, id="detail.page-down"),
        Binding("pageup", "page(-1)", "Previous page", show=False, id="detail.page-up"),
        Binding("g,home", "edge(0)", "Top", show=False, id="detail.top"),
        Binding("G,end", "edge(1)", "Bottom", show=False, id="detail.bottom"),
    ]

    def action_line(self, step: int) -> None:
        """Scroll by one line."""
        self.scroll_to(y=self.scroll_y + step, animate=False)

    def action_page(self, step: int) -> None:
        """Scroll by one page."""
        self.scroll_to(y=self.scroll_y + step * max(self.size.height - 1, 1), animate=False)

    def action_edge(self, end: int) -> None:
        """Scroll to the top (0) or the bottom (1)."""
        self.scroll_to(y=self.max_scroll_y if end else 0, animate=False)

    def build(self, detail: ItemDetail | None) -> Text:
        """The detail as plain ``Text``: data is appended as text, never parsed as markup."""
        style = self.get_component_rich_style
        text = Text(no_wrap=False)
        if detail is None:
            text.append("This item is no longer in the store (another session removed it).",
                        style("detail--error"))
            return text
        if detail.findings:  # what needs fixing comes first, above the fold at 80x24
            text.append("Findings\n", style("detail--section"))
            for f in detail.findings:
                kind = "detail--error" if f.is_error else "detail--warning"
                text.append(f"  {f.severity.value.upper():<8}", style(kind))
                text.append(f"{safe_text(f.rule_id)}  {safe_text(f.message)}\n")
            text.append("\n")
        for title, rows in detail.sections:
            text.append(f"{title}\n", style("detail--section"))
            for label, value in rows:
                text.append(f"  {safe_text(label):<{LABEL_WIDTH}}", style("detail--label"))
                text.append(f"{safe_text(value)}\n")
            text.append("\n")
        for title, entries in (("Notes", detail.notes), ("History", detail.history)):
            text.append(f"{title}\n", style("detail--section"))
            if not entries:
                text.append("  none\n", style("detail--muted"))
            for at, by, what in entries:
                text.append(f"  {safe_text(at)[:16].replace('T', ' ')}  {safe_text(by)}: ",
                            style("detail--label"))
                text.append(f"{safe_text(what)}\n")
        return text


class DetailScreen(Screen, inherit_bindings=False):
    """One queue item in full. Esc goes back to the queue, on the same row."""

    app: OtqApp

    BINDINGS = [
        Binding("escape", "back", "Back", key_display="esc", id="detail.back",
                tooltip="Back to the queue"),
    ]

    def __init__(self, entity: str, subject_id: str) -> None:
        super().__init__(name="detail")
        self.entity = entity
        self.subject_id = subject_id

    def compose(self) -> ComposeResult:
        """Title line, scrolling body, status line and footer."""
        app = self.app
        yield Static(id="detail-title")
        with DetailBody(id="detail-body"):
            yield Static(id="detail-text")
        yield StatusBar(app.session.user, app.session.store.path, app.clock, id="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Log the access (HIPAA: every open of a patient's record), then show the item."""
        try:
            record_access(self.app.session, self.entity, self.subject_id,
                          patient_of(self.app.session, self.entity, self.subject_id))
        except OtqError as exc:  # not logged, not shown
            self.query_one("#detail-title", Static).update(Text(f" {safe_text(exc)}"))
            return
        self.reload()
        self.query_one(DetailBody).focus()

    def reload(self) -> None:
        """Re-read the item (after another session changed the store)."""
        detail = item_detail(self.app.session, self.entity, self.subject_id)
        if detail is not None and getattr(self.app, "masked", False):
            detail = mask_detail(detail)  # M: names to initials, DOB to year, ids to last 4
        title = detail.title if detail else "Item removed"
        self.query_one("#detail-title", Static).update(Text(f" {safe_text(title)}"))
        body = self.query_one(DetailBody)
        self.query_one("#detail-text", Static).update(body.build(detail))
        self.query_one(StatusBar).tick()

    def describe_binding(self, binding: Binding) -> str:
        """The help text for a binding."""
        return binding.tooltip or binding.description

    def action_back(self) -> None:
        """Back to the queue."""
        self.dismiss()
