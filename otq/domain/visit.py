"""Treated visits and their service lines: what the coder works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import pendulum

from otq.domain.practice import Credential


class VisitStatus(StrEnum):
    """A visit's place in the billing flow."""

    SCHEDULED = "scheduled"  # an upcoming appointment, not yet treated
    UNCODED = "uncoded"  # treated, still being coded or has errors
    CODED = "coded"  # clean and turned into a claim
    VOID = "void"  # entered in error


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """One procedure on a visit. ``units`` None means 'not yet computed'."""

    id: str
    cpt: str
    modifiers: tuple[str, ...] = ()
    minutes: int | None = None
    units: int | None = None
    dx_pointers: tuple[int, ...] = ()  # 1-based indexes into Visit.diagnoses
    charge: Decimal | None = None
    furnished_by: Credential = Credential.OT
    units_manual: bool = False  # units set by hand rather than from the minutes


@dataclass(frozen=True, slots=True)
class Visit:
    """A date of service for one patient with one rendering therapist."""

    id: str
    external_id: str  # the EHR's visit_id, the import key
    patient_id: str
    coverage_id: str
    provider_id: str
    practice_id: str
    date_of_service: pendulum.Date
    place_of_service: str = "11"
    telehealth: bool = False
    lines: tuple[ServiceLine, ...] = ()
    diagnoses: tuple[str, ...] = ()  # ICD-10-CM with the dot, as clinicians write them
    note_signed: bool = False
    poc_start: pendulum.Date | None = None
    poc_end: pendulum.Date | None = None
    poc_recertified: pendulum.Date | None = None
    last_progress_report: pendulum.Date | None = None
    referring_npi: str = ""
    referring_name: str = ""  # "LAST, FIRST" of the referring/certifying physician
    auth_number: str = ""
    status: VisitStatus = VisitStatus.UNCODED
    acknowledged: tuple[str, ...] = field(default=())  # warning rule ids accepted by a coder

    @property
    def total_charge(self) -> Decimal:
        """The sum of the line charges (missing charges count as zero)."""
        return sum((ln.charge or Decimal(0) for ln in self.lines), Decimal(0))

    def line_diagnoses(self, line: ServiceLine) -> list[str]:
        """The diagnosis codes a line points at (pointers outside the list are skipped)."""
        return [self.diagnoses[p - 1] for p in line.dx_pointers if 1 <= p <= len(self.diagnoses)]
