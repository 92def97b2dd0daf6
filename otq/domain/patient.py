"""Patients, their insurance coverage and authorizations."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pendulum

from otq.domain.practice import Address


class VerificationStatus(StrEnum):
    """Where a coverage stands with eligibility checking."""

    UNVERIFIED = "unverified"
    ACTIVE = "active"
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class Patient:
    """A person treated by the practice. ``external_id`` is the EHR's patient id."""

    id: str
    external_id: str
    last_name: str
    first_name: str
    dob: pendulum.Date | None
    sex: str = "U"  # F, M or U as the 837P DMG03 carries it
    address: Address = Address()

    @property
    def display_name(self) -> str:
        """'LAST, First' as on a claim form."""
        return f"{self.last_name}, {self.first_name}"


@dataclass(frozen=True, slots=True)
class Coverage:
    """A patient's policy with one payer. ``priority`` 1 is primary."""

    id: str
    patient_id: str
    payer_id: str
    member_id: str
    relationship: str = "18"  # X12 individual relationship code; 18 = self
    priority: int = 1
    effective_from: pendulum.Date | None = None
    effective_to: pendulum.Date | None = None
    status: VerificationStatus = VerificationStatus.UNVERIFIED
    verified_on: pendulum.Date | None = None
    verified_by: str = ""


@dataclass(frozen=True, slots=True)
class Authorization:
    """A payer's prior authorization: a number of visits within a date range."""

    id: str
    patient_id: str
    payer_id: str
    number: str
    visits_authorized: int | None = None
    start: pendulum.Date | None = None
    end: pendulum.Date | None = None
