"""The ``V`` form: record an eligibility check made by phone, portal or fax.

The common path is short: the method defaults to phone and the date to today, so a biller
types the call reference, Tab, the representative's name, and ``ctrl+s``. Everything the
271 would carry (plan, copay, coinsurance, deductible, visit limits, authorization) can be
filled in too. The service decides what is valid; refused fields are listed in the form.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pendulum
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from otq.errors import OtqError, ValidationError
from otq.text import safe_text

# (field id, label, default) in the order Tab visits them.
FIELDS = (
    ("reference", "Reference #", ""),
    ("representative", "Spoke with", ""),
    ("method", "Method", "phone"),
    ("active", "Active Y/N", "Y"),
    ("verified_on", "Verified on", ""),
    ("plan_name", "Plan", ""),
    ("copay", "Copay $", ""),
    ("coinsurance", "Coins. 0.20", ""),
    ("deductible_remaining", "Deduct. left", ""),
    ("visits_allowed", "OT visits", ""),
    ("visits_used", "Visits used", ""),
    ("auth_required", "Auth req Y/N", ""),
)


def _money(name: str, text: str, problems: list[str]) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return Decimal(text.strip().lstrip("$").replace(",", ""))
    except InvalidOperation:
        problems.append(f"{name}: not an amount")
        return None


def _whole(name: str, text: str, problems: list[str]) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        problems.append(f"{name}: not a whole number")
        return None
    return int(text.strip())


def _yes_no(name: str, text: str, problems: list[str]) -> bool | None:
    t = text.strip().upper()
    if not t:
        return None
    if t not in ("Y", "N", "YES", "NO"):
        problems.append(f"{name}: answer Y or N")
        return None
    return t.startswith("Y")


def read_form(values: dict[str, str], today: pendulum.Date) -> tuple[dict, list[str]]:
    """The service keywords from the form's text, and the problems found reading it."""
    problems: list[str] = []
    when = values["verified_on"].strip()
    verified_on = today
    if when:
        try:
            parsed = pendulum.parse(when, exact=True)
            verified_on = parsed if not isinstance(parsed, pendulum.DateTime) else parsed.date()
        except Exception:  # noqa: BLE001 - pendulum raises several parser errors
            problems.append("verified_on: use YYYY-MM-DD")
    active = _yes_no("active", values["active"], problems)
    if active is None and not problems:
        problems.append("active: answer Y or N")
    kwargs = dict(
        method=values["method"].strip().lower(), reference=values["reference"].strip(),
        representative=values["representative"].strip(), verified_on=verified_on,
        active=bool(active), plan_name=values["plan_name"].strip(),
        copay=_money("copay", values["copay"], problems),
        coinsurance=_money("coinsurance", values["coinsurance"], problems),
        deductible_remaining=_money("deductible_remaining", values["deductible_remaining"],
                                    problems),
        visits_allowed=_whole("visits_allowed", values["visits_allowed"], problems),
        visits_used=_whole("visits_used", values["visits_used"], problems),
        auth_required=_yes_no("auth_required", values["auth_required"], problems),
    )
    return kwargs, problems


class VerifyModal(ModalScreen[str | None]):
    """Record a manual verification of one coverage; returns a message when saved."""

    DEFAULT_CSS = """
    VerifyModal { align: center middle; }
    VerifyModal > Vertical { width: 64; height: auto; max-height: 22; border: round $primary;
        background: $surface; padding: 0 1; }
    VerifyModal Grid { grid-size: 2; grid-columns: 14 1fr; grid-rows: 1; height: auto; }
    VerifyModal Input, VerifyModal Input:focus { border: none; height: 1; padding: 0; }
    VerifyModal Input:focus { text-style: reverse; }
    VerifyModal #verify-problems { color: $error; height: auto; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="verify.save", tooltip="Record the verification"),
        Binding("escape", "cancel", "Cancel", key_display="esc", id="verify.cancel",
                tooltip="Close without recording anything"),
        Binding("tab,enter", "next_field", "Next", show=False, priority=True,
                id="verify.next-field", tooltip="Go to the next field"),
        Binding("shift+tab", "previous_field", "Previous", show=False, priority=True,
                id="verify.previous-field", tooltip="Go to the previous field"),
    ]

    def __init__(self, coverage_id: str) -> None:
        super().__init__(name="verify")
        self.coverage_id = coverage_id

    def compose(self) -> ComposeResult:
        session = self.app.session
        cov = session.entity("coverages", self.coverage_id)
        patient = session.entity("patients", cov.patient_id) if cov else None
        payer = session.entity("payers", cov.payer_id) if cov else None
        self.expected_version = session.version("coverages", self.coverage_id)
        shown = self.app.shown
        title = Text(f"Verify {safe_text(shown('name', patient.display_name)) if patient else '?'}"
                     f" - {safe_text(payer.name) if payer else '?'} "
                     f"{safe_text(shown('member_id', cov.member_id)) if cov else ''}")
        with Vertical():
            yield Static(title)
            with Grid():
                for fid, label, default in FIELDS:
                    yield Label(label)
                    value = session.today.isoformat() if fid == "verified_on" else default
                    yield Input(value=value, id=f"verify-{fid}")
            yield Static("", id="verify-problems")
            yield Static(Text("tab/enter next field  ctrl+s save  esc cancel"))

    def _values(self) -> dict[str, str]:
        return {fid: self.query_one(f"#verify-{fid}", Input).value for fid, _, _ in FIELDS}

    def action_save(self) -> None:
        """Validate, record through the eligibility service, close on success."""
        from otq.services.eligibility import verify_manually

        session = self.app.session
        kwargs, problems = read_form(self._values(), session.today)
        box = self.query_one("#verify-problems", Static)
        if problems:
            box.update(Text("\n".join(problems)))
            return
        try:
            verify_manually(session, self.coverage_id, expected_version=self.expected_version,
                            **kwargs)
        except ValidationError as exc:
            box.update(Text("\n".join(exc.problems) or exc.message))
            return
        except OtqError as exc:
            box.update(Text(str(exc)))
            return
        state = "active" if kwargs["active"] else "inactive"
        self.dismiss(f"verified {state} by {kwargs['method']} (ref {kwargs['reference']})")

    def action_next_field(self) -> None:
        """Tab or Enter: the next field (wrapping round)."""
        self.focus_next(Input)

    def action_previous_field(self) -> None:
        """Shift+Tab: the previous field."""
        self.focus_previous(Input)

    def action_cancel(self) -> None:
        """Close without recording."""
        self.dismiss(None)
