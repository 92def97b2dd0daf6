"""One denial on the workbench: what the payer said, what to do, by when, and the actions.

R fixes and resubmits (the coding screen on the claim's visit, then the corrected claim
is queued; payers that take no frequency 7 get a reopening recorded instead), P appeals,
W writes off, B bills the secondary payer or the patient, N adds a note. Every action
goes through ``otq.services.denials`` and lands in the denial's history.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from otq.errors import OtqError
from otq.services import denials as D
from otq.text import safe_text
from otq.tui.dialogs import ConfirmModal, PickerItem, PickerModal, PromptModal
from otq.tui.screens.detail import LABEL_WIDTH, DetailBody
from otq.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from otq.tui.app import OtqApp


def _b(key: str, action: str, text: str, bid: str, tip: str, show: bool = True,
       display: str | None = None) -> Binding:
    return Binding(key, action, text, show=show, key_display=display, id=f"denial.{bid}",
                   tooltip=tip)


class DenialScreen(Screen, inherit_bindings=False):
    """The denial ``denial_id`` in full, with its actions. Esc goes back to the queue."""

    app: OtqApp
    help_title = "a denial"
    CSS_PATH = Path(__file__).parents[1] / "styles" / "denial.tcss"

    BINDINGS = [
        _b("R", "resubmit", "Resubmit", "resubmit",
           "Fix and resubmit: code the visit, then queue the corrected claim (frequency 7)"),
        _b("P", "appeal", "Appeal", "appeal",
           "Appeal: record date, level and deadline and write a letter draft"),
        _b("W", "write_off", "Write off", "write-off",
           "Write off with a reason code (over the limit: a supervisor)"),
        _b("B", "bill", "Bill", "bill", "Bill the secondary payer or the patient"),
        _b("N", "note", "Note", "note", "Add a note to the denial's history"),
        _b("escape", "back", "Back", "back", "Back to the queue", display="esc"),
    ]

    def __init__(self, denial_id: str) -> None:
        super().__init__(name="denial")
        self.denial_id = denial_id

    def compose(self) -> ComposeResult:
        """Title, scrolling body, status line and footer."""
        app = self.app
        yield Static(id="denial-title")
        with DetailBody(id="denial-body"):
            yield Static(id="denial-text")
        yield StatusBar(app.session.user, app.session.store.path, app.clock, id="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Show the denial and give the body the keyboard."""
        self.reload()
        self.query_one(DetailBody).focus()

    def reload(self) -> None:
        """Re-read the denial (after any action or another session's change)."""
        body = self.query_one(DetailBody)
        try:
            view = D.denial_view(self.app.session, self.denial_id)
        except OtqError:
            self.query_one("#denial-title", Static).update(Text(" Denial removed"))
            self.query_one("#denial-text", Static).update(Text("This denial is gone."))
            return
        d = view.denial
        title = (f" {d.group_code}-{d.carc}  {view.payer_name}  "
                 f"{view.claim.patient_control_number if view.claim else '?'}  {d.status.value}")
        self.query_one("#denial-title", Static).update(Text(safe_text(title)))
        self.query_one("#denial-text", Static).update(self.build(view, body))
        self.query_one(StatusBar).tick()

    @staticmethod
    def build(view: D.DenialView, body: DetailBody) -> Text:
        """The denial as plain text (data is never parsed as markup)."""
        style = body.get_component_rich_style
        d = view.denial
        text = Text(no_wrap=False)

        def section(name: str, rows: list[tuple[str, str]]) -> None:
            text.append(f"{name}\n", style("detail--section"))
            for label, value in rows:
                text.append(f"  {label:<{LABEL_WIDTH}}", style("detail--label"))
                text.append(f"{safe_text(value)}\n")
            text.append("\n")

        section("Next action", [
            ("Do", view.action_label), ("By", d.deadline.isoformat() if d.deadline else "-"),
            ("Why", d.why or "-"), ("Age", f"{view.age_days} days ({view.bucket})")])
        section("Payer said", [
            ("Reason", f"{d.group_code}-{d.carc}: {view.carc_text}"),
            ("Group", view.group_text),
            *[(f"Remark {code}", meaning) for code, meaning in view.rarcs],
            ("Amount", f"{d.amount:,.2f}"), ("Denied on", d.denied_on.isoformat()),
            ("Payer claim #", d.payer_claim_control_number or "-")])
        c = view.claim
        section("Claim", [
            ("Patient", body.app.shown("name", view.patient_name)), ("Payer", view.payer_name),
            ("Claim #", c.patient_control_number if c else "?"),
            ("Service date", c.date_of_service.isoformat() if c else "?"),
            ("Line", f"{d.cpt} ({d.line_control_number})" if d.line_control_number else
             "whole claim"),
            ("Charge", f"{c.total_charge:,.2f}" if c else "?"),
            ("Paid", f"{c.paid_amount:,.2f}" if c else "?")])
        text.append("History\n", style("detail--section"))
        for h in d.history or ():
            text.append(f"  {safe_text(h.at)[:16].replace('T', ' ')}  {safe_text(h.by)}: ",
                        style("detail--label"))
            text.append(f"{safe_text(h.what)}\n")
        if not d.history:
            text.append("  none\n", style("detail--muted"))
        return text

    # ------------------------------------------------------------ helpers
    def _status(self, message: str, *, error: bool = False) -> None:
        self.query_one(StatusBar).set_message(message, error=error)

    def _run(self, work, done: str | None = None) -> None:
        """Run one service call; show its result or its error on the status line."""
        try:
            result = work()
        except OtqError as exc:
            self._status(str(exc).splitlines()[0], error=True)
            return
        self.reload()
        self._status(done(result) if callable(done) else (done or "saved"))

    def describe_binding(self, binding: Binding) -> str:
        """The help text for a binding."""
        return binding.tooltip or binding.description

    # ------------------------------------------------------------ actions
    def action_back(self) -> None:
        """Back to the queue."""
        self.dismiss(None)

    def action_note(self) -> None:
        """Ask for a note and add it."""
        self.app.push_screen(PromptModal("Note on this denial", placeholder="what you did"),
                             lambda text: text and self._run(
                                 lambda: D.add_note(self.app.session, self.denial_id, text),
                                 "note added"))

    def action_appeal(self) -> None:
        """Confirm, then record the appeal and write its letter draft."""
        d = self.app.session.entity("denials", self.denial_id)
        if d is None:
            return
        level = d.appeal_level + 1
        self.app.push_screen(ConfirmModal(
            f"Record a level {level} appeal today and write a letter draft?",
            f"Deadline: {d.deadline.isoformat() if d.deadline else '-'}"),
            lambda yes: yes and self._run(
                lambda: D.appeal(self.app.session, self.denial_id),
                lambda r: f"appeal level {r.level} recorded; letter draft: {r.letter}"))

    def action_write_off(self) -> None:
        """Pick a reason code, confirm, write off."""
        items = [PickerItem(k, v) for k, v in D.WRITE_OFF_REASONS.items()]

        def picked(reason) -> None:
            if not reason:
                return
            d = self.app.session.entity("denials", self.denial_id)
            self.app.push_screen(ConfirmModal(
                f"Write off {d.amount:,.2f}?", D.WRITE_OFF_REASONS[reason]),
                lambda yes: yes and self._run(
                    lambda: D.write_off(self.app.session, self.denial_id, reason=reason,
                                        confirm=True), "written off"))

        self.app.push_screen(PickerModal("Write-off reason", items), picked)

    def action_bill(self) -> None:
        """Bill the secondary payer or the patient."""
        items = [PickerItem("secondary", "Bill the secondary payer"),
                 PickerItem("patient", "Bill the patient (closes the denial)")]
        self.app.push_screen(PickerModal("Bill whom?", items), lambda to: to and self._run(
            lambda: D.bill(self.app.session, self.denial_id, to=to), f"billed the {to}"))

    def action_resubmit(self) -> None:
        """Fix the claim on the coding screen, then queue the corrected claim."""
        from otq.tui.screens.coding import CodingScreen

        session = self.app.session
        d = session.entity("denials", self.denial_id)
        claim = session.entity("claims", d.claim_id) if d else None
        if d is None or claim is None:
            return
        if d.next_action == "reopening":
            self.app.push_screen(PromptModal(
                "This payer takes corrections as a reopening: reference of your call/portal "
                "request", placeholder="reference number"),
                lambda ref: ref and self._run(
                    lambda: D.record_reopening(session, self.denial_id, reference=ref),
                    "reopening recorded"))
            return

        def after_coding(_message) -> None:
            self.app.push_screen(ConfirmModal(
                "Queue the corrected claim now?",
                "It goes to Ready to submit and leaves in the next 837P batch."),
                lambda yes: yes and self._run(
                    lambda: D.resubmit(session, self.denial_id),
                    lambda c: f"claim {c.patient_control_number} (frequency {c.frequency}) "
                              "is ready to submit"))

        if not claim.visit_ids:
            self._status("this claim has no visits to code; correct it with "
                         "`otq claims replace`", error=True)
            return
        self.app.push_screen(CodingScreen(claim.visit_ids[0]), after_coding)
