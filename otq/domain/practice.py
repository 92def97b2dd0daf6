"""The billing practice and the therapists who treat."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Credential(StrEnum):
    """Who furnished a service: an occupational therapist or an OT assistant (CO modifier)."""

    OT = "OT"
    OTA = "OTA"


@dataclass(frozen=True)
class Address:
    """A US postal address as X12 N3/N4 carries it."""

    line1: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""


@dataclass(frozen=True)
class Practice:
    """A billing provider (the 837P 2010AA loop): the practice that is paid."""

    id: str
    name: str
    npi: str
    tin: str
    taxonomy: str = "225X00000X"
    address: Address = Address()


@dataclass(frozen=True)
class Provider:
    """A rendering therapist."""

    id: str
    npi: str
    last_name: str
    first_name: str
    credential: Credential = Credential.OT
    practice_id: str = ""

    @property
    def display_name(self) -> str:
        """'Last, First (OT)' as billers write it."""
        return f"{self.last_name}, {self.first_name} ({self.credential})"
