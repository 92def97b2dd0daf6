"""Documents a claim leans on: referrals, signed plans of care, progress reports, notes.

A ``DocumentNeed`` is derived from the visits, the payer profile and the requirements file
(``reference/document_requirements.toml``); nothing stores it. A ``Document`` is what the
billing office recorded about one need: who it was asked of, how and when, and when it
came in. Both carry the same id, derived from the need's key, so a request made today
finds the same need tomorrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pendulum


class DocumentKind(StrEnum):
    """The documents an OT claim may need on file."""

    REFERRAL = "referral"  # the referral or order from the physician/NPP
    PLAN_OF_CARE = "plan_of_care"  # the plan of care, signed by the certifying physician
    RECERTIFICATION = "recertification"  # the signed recertification of a longer plan
    PROGRESS_REPORT = "progress_report"  # at least every 10 treatment days
    TREATMENT_NOTE = "treatment_note"  # the signed note of one treatment day
    INSURANCE_CARD = "insurance_card"  # a copy of the card, front and back
    AUTHORIZATION = "authorization"  # the payer's authorization letter


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    """One time somebody asked for a document: of whom, how (fax, portal, phone...) and when."""

    on: pendulum.Date
    to_whom: str
    how: str
    by: str


@dataclass(frozen=True, slots=True)
class Document:
    """The billing office's record of one needed document (requests, then receipt).

    ``period_start``/``period_end`` say which dates of service the document covers: the
    plan's certified period for a plan of care or recertification, the visit's date for a
    treatment note. ``file_name`` is the scanned copy's name under ``<store>/documents/``.
    """

    id: str
    patient_id: str
    kind: DocumentKind
    key: str  # what the need is about: an episode start, a visit id, a coverage, an auth number
    period_start: pendulum.Date | None = None
    period_end: pendulum.Date | None = None
    visit_id: str = ""
    requests: tuple[DocumentRequest, ...] = ()
    received_on: pendulum.Date | None = None
    received_by: str = ""
    reference: str = ""  # fax number, portal message id, letter number...
    file_name: str = ""

    @property
    def received(self) -> bool:
        """True once the document is on file."""
        return self.received_on is not None

    @property
    def last_request(self) -> DocumentRequest | None:
        """The latest request, or None when nobody has asked yet."""
        return self.requests[-1] if self.requests else None

    def covers(self, day: pendulum.Date) -> bool:
        """True when the document is on file and its period includes ``day``."""
        if not self.received or self.period_start is None or day < self.period_start:
            return False
        return self.period_end is None or day <= self.period_end


@dataclass(frozen=True, slots=True)
class DocumentNeed:
    """A document the payer's rules call for, and (if any) what was recorded about it.

    ``needed_since`` is the first date of service that needs it; ``ask`` is who to ask by
    default (from the requirements file); ``visits`` counts the visits waiting on it.
    """

    id: str
    patient_id: str
    payer_id: str
    kind: DocumentKind
    key: str
    needed_since: pendulum.Date
    period_start: pendulum.Date | None
    period_end: pendulum.Date | None
    ask: str
    visit_ids: tuple[str, ...] = ()
    on_file_in_ehr: bool = False  # the EHR already says it exists (e.g. the note is signed)
    document: Document | None = None

    @property
    def missing(self) -> bool:
        """Neither received by the office nor shown as done in the EHR."""
        return not self.on_file_in_ehr and not (self.document and self.document.received)
