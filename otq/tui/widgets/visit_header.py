"""The coding screen's header: who, which payer, when, where, and the plan of care.

Three plain-text lines (no markup from data): the title line names the visit, patient,
payer and therapist; the second the date, place of service, telehealth and plan-of-care
status; the third the diagnoses with their ICD-10-CM descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from otq.domain import Visit
from otq.reference.icd import icd_table
from otq.reference.modifiers import modifier_table
from otq.services.masking import mask_value
from otq.services.session import Session
from otq.text import safe_text


@dataclass(frozen=True)
class HeaderInfo:
    """What the header shows, as plain strings."""

    title: str
    facts: list[tuple[str, str]]  # (label, value) on the second line
    diagnoses: list[tuple[str, str]]  # (pointer and code, description)


def plan_of_care_status(visit: Visit) -> str:
    """The plan of care around the date of service: dates and active/EXPIRED/not started."""
    if visit.poc_start is None or visit.poc_end is None:
        return "none on file"
    dos = visit.date_of_service
    state = ("active" if visit.poc_start <= dos <= visit.poc_end
             else "EXPIRED" if dos > visit.poc_end else "not started")
    return f"{visit.poc_start} to {visit.poc_end} {state}"


def header_info(session: Session, visit: Visit, *, masked: bool = False) -> HeaderInfo:
    """The header of ``visit`` (an unsaved draft shows its own place of service and dx);
    ``masked`` (the ``M`` key) shows the patient's initials only."""
    patient = session.entity("patients", visit.patient_id)
    coverage = session.entity("coverages", visit.coverage_id)
    payer = session.entity("payers", coverage.payer_id) if coverage else None
    provider = session.entity("providers", visit.provider_id)
    parts = [f"Visit {visit.external_id}",
             (mask_value("name", patient.display_name) if masked else patient.display_name)
             if patient else "patient missing",
             payer.name if payer else (coverage.payer_id if coverage else "no coverage"),
             provider.display_name if provider else "therapist missing"]
    pos = modifier_table().places_of_service.get(visit.place_of_service)
    facts = [("DOS", str(visit.date_of_service)),
             ("POS", f"{visit.place_of_service} {pos.meaning.split(' (')[0] if pos else '?'}"),
             ("", "telehealth" if visit.telehealth else "in person"),
             ("POC", plan_of_care_status(visit))]
    icd = icd_table()
    dx = [(f"{n} {code}", icd.description(code) or "not an ICD-10-CM code")
          for n, code in enumerate(visit.diagnoses, 1)]
    return HeaderInfo(" \u00b7 ".join(safe_text(p) for p in parts), facts, dx)


class VisitHeader(Widget):
    """Two lines of facts under the screen title (the title is the screen's own line)."""

    COMPONENT_CLASSES = {"visit-header--label", "visit-header--alert"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info: HeaderInfo | None = None

    def show(self, info: HeaderInfo) -> None:
        """Show new facts."""
        if info != self.info:
            self.info = info
            self.refresh()

    def render(self) -> Text:
        """Facts on line one, diagnoses on line two, each cut to the width."""
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if self.info is None:
            return text
        label = self.get_component_rich_style("visit-header--label", partial=True)
        alert = self.get_component_rich_style("visit-header--alert", partial=True)
        for n, (name, value) in enumerate(self.info.facts):
            if n:
                text.append(" \u00b7 ")
            if name:
                text.append(f"{name} ", label)
            text.append(safe_text(value), alert if "EXPIRED" in value or value.startswith("none")
                        else "")
        text.append("\n")
        text.append("Dx ", label)
        if not self.info.diagnoses:
            text.append("none: press d to add one", alert)
        for n, (code, description) in enumerate(self.info.diagnoses):
            if n:
                text.append(" \u00b7 ")
            text.append(safe_text(code) + " ", label if n else label)
            text.append(safe_text(description))
        return text
