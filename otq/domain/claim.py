"""Claims: what leaves for the payer in an 837P."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import pendulum


class ClaimStatus(StrEnum):
    """A claim's life: ready, then submitted, then settled by a remittance."""

    READY = "ready"
    SUBMITTED = "submitted"
    PAID = "paid"
    DENIED = "denied"
    PARTIAL = "partial"
    VOID = "void"


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """A claim line; ``control_number`` travels as REF*6R and comes back in the 835."""

    control_number: str
    cpt: str
    modifiers: tuple[str, ...]
    units: int
    charge: Decimal
    dx_pointers: tuple[int, ...]
    date_of_service: pendulum.Date


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim per patient, payer and date of service."""

    id: str
    patient_control_number: str  # CLM01, at most 20 characters
    patient_id: str
    payer_id: str
    coverage_id: str
    practice_id: str
    provider_id: str
    visit_ids: tuple[str, ...]
    date_of_service: pendulum.Date
    lines: tuple[ClaimLine, ...]
    diagnoses: tuple[str, ...]
    place_of_service: str = "11"
    referring_npi: str = ""
    referring_name: str = ""  # "LAST, FIRST" of the referring/certifying physician (NM1*DN)
    auth_number: str = ""
    status: ClaimStatus = ClaimStatus.READY
    frequency: str = "1"  # 1 original, 7 replacement, 8 void
    original_icn: str = ""  # payer claim control number, for REF*F8
    batch_id: str = ""
    submitted_at: str = ""
    paid_amount: Decimal = Decimal("0")
    patient_responsibility: Decimal = Decimal("0")  # CLP05 of the latest remittance
    replaces_claim_id: str = ""  # the claim a frequency 7/8 claim corrects or voids

    @property
    def total_charge(self) -> Decimal:
        """CLM02: the sum of the line charges."""
        return sum((ln.charge for ln in self.lines), Decimal(0))
