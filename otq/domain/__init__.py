"""Pure, frozen dataclasses and enums for OT billing. No I/O, no clock, no framework."""

from otq.domain.claim import Claim, ClaimLine, ClaimStatus
from otq.domain.finding import Finding, Fix, Severity
from otq.domain.patient import Authorization, Coverage, Patient, VerificationStatus
from otq.domain.payer import Payer, PayerProfile
from otq.domain.practice import Address, Credential, Practice, Provider
from otq.domain.remittance import Denial, DenialStatus
from otq.domain.visit import ServiceLine, Visit, VisitStatus
from otq.domain.workitem import HistoryEntry, Note, WorkItem

__all__ = [
    "Address", "Authorization", "Claim", "ClaimLine", "ClaimStatus", "Coverage", "Credential",
    "Denial", "DenialStatus", "Finding", "Fix", "HistoryEntry", "Note", "Patient", "Payer",
    "PayerProfile", "Practice", "Provider", "ServiceLine", "Severity", "VerificationStatus",
    "Visit", "VisitStatus", "WorkItem",
]
