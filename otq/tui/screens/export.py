"""``E`` on the ready queue: preview the 837P batch, then write it on a deliberate ``y``.

The preview shows how many claims, their total charges and the split by payer, and every
reason the batch would be refused (naming claim and field). Nothing is written until
``y``; the file name can be changed with ``o``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pendulum
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from otq.errors import OtqError
from otq.services.claims_export import ExportPreview, export_claims, export_preview
from otq.text import safe_text
from otq.tui.dialogs import PromptModal

if TYPE_CHECKING:
    from otq.tui.app import OtqApp

MAX_PROBLEMS = 8


def default_out(store_path: Path, today: pendulum.Date) -> Path:
    """``<store folder>/claims-YYYYMMDD.837`` (a number is added if it exists)."""
    base = store_path.parent / f"claims-{today.format('YYYYMMDD')}"
    path, n = base.with_suffix(".837"), 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}").with_suffix(".837")
    return path


def preview_text(p: ExportPreview, out: Path) -> str:
    """The preview as plain lines."""
    lines = [f"{len(p.claims)} claims, {p.total_charge:,.2f} charged"]
    lines += [f"  {payer:<12} {n:>5} claims {total:>12,.2f}"
              for payer, (n, total) in p.by_payer.items()]
    lines.append(f"to {out}")
    if p.problems:
        lines.append(f"{len(p.problems)} problem(s) stop the export:")
        lines += [f"  {x}" for x in p.problems[:MAX_PROBLEMS]]
        if len(p.problems) > MAX_PROBLEMS:
            lines.append(f"  ... and {len(p.problems) - MAX_PROBLEMS} more "
                         "(`otq export claims --dry-run` lists them all)")
    return "\n".join(lines)


class ExportScreen(ModalScreen[str | None]):
    """The export preview. Returns a message for the queue's status line, or None."""

    app: OtqApp
    CSS_PATH = Path(__file__).parents[1] / "styles" / "export.tcss"
    BINDINGS = [
        Binding("y", "write", "Write batch", id="export.write",
                tooltip="Write the 837P batch and mark the claims submitted"),
        Binding("o", "change_out", "File", id="export.file", tooltip="Change the output file"),
        Binding("n,escape", "cancel", "Cancel", key_display="n/esc", id="export.cancel",
                tooltip="Close without writing"),
    ]

    def __init__(self, payer: str | None = None) -> None:
        super().__init__(name="export")
        self.payer = payer
        self.out: Path | None = None
        self.preview: ExportPreview | None = None

    def compose(self) -> ComposeResult:
        """Title, preview and the keys."""
        with Vertical(classes="dialog"):
            yield Static(Text("Export ready claims as an 837P batch"), classes="dialog--title")
            yield Static(id="export-body", classes="dialog--body")
            yield Static(Text("y: write   o: file name   n/esc: cancel"),
                         classes="dialog--hint", id="export-hint")

    def on_mount(self) -> None:
        """Compute the preview."""
        session = self.app.session
        self.out = default_out(session.store.path, session.today)
        self.refresh_preview()

    def refresh_preview(self) -> None:
        """Recompute and show the preview."""
        self.preview = export_preview(self.app.session, payer=self.payer)
        self.query_one("#export-body", Static).update(
            Text(safe_text(preview_text(self.preview, self.out), limit=4000)))

    def _hint(self, message: str) -> None:
        hint = self.query_one("#export-hint", Static)
        hint.add_class("dialog--error")
        hint.update(Text(safe_text(message)))

    def action_write(self) -> None:
        """Write the batch (refused with the first problem when there is one)."""
        if self.preview is None or not self.preview.claims:
            self._hint("no claims are ready to submit")
            return
        try:
            r = export_claims(self.app.session, self.out, payer=self.payer)
        except OtqError as exc:
            self._hint(str(exc).splitlines()[0])
            return
        self.dismiss(f"wrote {r.path.name}: batch {r.batch_id}, {r.claims} claims, "
                     f"{r.total_charge:,.2f}")

    def action_change_out(self) -> None:
        """Ask for another output file."""
        def chosen(value: str | None) -> None:
            if value:
                self.out = Path(value).expanduser()
                self.refresh_preview()

        self.app.push_screen(PromptModal("Write the batch to", value=str(self.out)), chosen)

    def action_cancel(self) -> None:
        """Close without writing."""
        self.dismiss(None)
