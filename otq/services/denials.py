"""The open-denials workbench: what a denial means, and the actions that settle it.

Every action is one compare-and-set commit that also appends to the denial's history, so
the history shows the whole path: denied -> appealed / resubmitted / billed -> closed.
A denial is closed by a payment on a later 835 (``otq.services.posting``), a write-off, or
billing the patient. Write-offs over the store's limit need a supervisor.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pendulum

from otq.domain import Claim, Denial, DenialStatus, HistoryEntry
from otq.errors import NotFoundError, OtqError, ValidationError
from otq.reference.denial_playbook import Playbook, load_playbook
from otq.services.appeal_letter import LEVEL_NAMES as APPEAL_LEVELS
from otq.services.appeal_letter import write_letter
from otq.services.claim_corrections import check_correctable, new_original_claim, replacement_claim
from otq.services.session import Session
from otq.services.supervision import require_supervisor
from otq.store import Put, encode

BUCKETS = ((30, "0-30"), (60, "31-60"), (90, "61-90"), (120, "91-120"))
#: write-off reason codes a biller picks from (office categories, not CARCs)
WRITE_OFF_REASONS = {
    "timely": "Timely filing limit passed",
    "bundled": "Bundled service, not separately payable",
    "contract": "Contractual: provider may not bill the patient",
    "small": "Small balance",
    "not-appealable": "Payer decision final / not appealable",
    "other": "Other (see note)",
}
_OPEN = (DenialStatus.OPEN, DenialStatus.APPEALED, DenialStatus.RESUBMITTED)


def aging_bucket(days: int) -> str:
    """The aging bucket for a denial ``days`` old: 0-30, 31-60, 61-90, 91-120 or 120+."""
    for limit, name in BUCKETS:
        if days <= limit:
            return name
    return "120+"


@dataclass(frozen=True)
class DenialView:
    """A denial with everything the workbench shows, in words a biller reads."""

    denial: Denial
    claim: Claim | None
    payer_name: str
    patient_name: str
    group_text: str
    carc_text: str
    rarcs: tuple[tuple[str, str], ...]  # (code, meaning)
    action_label: str
    age_days: int
    bucket: str


def _get(session: Session, denial_id: str) -> tuple[Denial, int]:
    session.refresh()
    record = session.store.get("denials", denial_id)
    if record is None:
        raise NotFoundError(f"no denial {denial_id}")
    return session.entity("denials", denial_id), record["version"]


def denial_view(session: Session, denial_id: str, book: Playbook | None = None) -> DenialView:
    """Everything about one denial, with CARC, RARC and group meanings from the data files."""
    book = book or load_playbook()
    d = session.entity("denials", denial_id)
    if d is None:
        raise NotFoundError(f"no denial {denial_id}")
    claim = session.entity("claims", d.claim_id)
    payer = session.entity("payers", d.payer_id)
    patient = session.entity("patients", claim.patient_id) if claim else None
    age = (session.today - d.denied_on).days
    action = book.actions.get(d.next_action)
    return DenialView(
        d, claim, payer.name if payer else d.payer_id,
        patient.display_name if patient else "?", book.group_text(d.group_code),
        book.carc_text(d.carc), tuple((r, book.rarc_text(r)) for r in d.rarcs),
        action.label if action else d.next_action.replace("_", " "), age, aging_bucket(age))


def _entry(session: Session, what: str) -> HistoryEntry:
    return HistoryEntry(at=pendulum.now("UTC").isoformat(), by=session.user, what=what)


def _save(session: Session, d: Denial, version: int, what: str, action: str,
          extra: list | None = None, counters: dict | None = None) -> Denial:
    d = replace(d, history=d.history + (_entry(session, what),))
    session.store.commit([Put("denials", encode(d), version), *(extra or [])], action=action,
                         counters=counters)
    return d


def _require_open(d: Denial) -> None:
    if d.status not in _OPEN:
        raise OtqError(f"this denial is already {d.status.value.replace('_', ' ')}")


def add_note(session: Session, denial_id: str, text: str) -> Denial:
    """Add a note to the denial's history (the ``N`` key)."""
    text = text.strip()
    if not text:
        raise ValidationError("a note needs some text")
    d, version = _get(session, denial_id)
    return _save(session, d, version, f"note: {text[:2000]}", "denial.note")


def resubmit(session: Session, denial_id: str) -> Claim:
    """Queue the corrected claim after the coder fixed the visits (the ``R`` key).

    A frequency-7 replacement with REF*F8, or, when the playbook says the payer wants a new
    claim (CO-16/MA130 unprocessable), a new frequency-1 claim. Refused for payers that
    take corrections as a reopening (use :func:`record_reopening`).
    """
    d, version = _get(session, denial_id)
    _require_open(d)
    claim = session.entity("claims", d.claim_id)
    if claim is None:
        raise NotFoundError(f"the claim of denial {denial_id} is gone")
    counters = None
    if d.next_action == "new_claim":
        new, seen = new_original_claim(session, claim)
        counters = {"claim": (seen, 1)}
        what = f"corrected; new claim {new.patient_control_number} queued (frequency 1)"
    else:
        icn = d.payer_claim_control_number or claim.original_icn
        check_correctable(session, claim, icn, "replacement (frequency 7)")
        new = replacement_claim(session, claim, icn)
        what = (f"corrected; replacement of {claim.patient_control_number} queued "
                f"(frequency 7, REF*F8 {icn})")
    extra: list = [Put("claims", encode(new))]
    # The new claim answers every provider-side denial of the claim, not only this one.
    for other in session.entities("denials").values():
        if other.id != d.id and other.claim_id == claim.id and other.status is \
                DenialStatus.OPEN and other.group_code != "PR":
            extra.append(Put("denials", encode(replace(
                other, status=DenialStatus.RESUBMITTED, history=other.history + (
                    _entry(session, what),))), session.version("denials", other.id)))
    _save(session, replace(d, status=DenialStatus.RESUBMITTED), version, what,
          "denial.resubmit", extra, counters)
    return new


def record_reopening(session: Session, denial_id: str, *, reference: str) -> Denial:
    """Record a reopening asked of the payer by phone or portal (Medicare Part B)."""
    if not reference.strip():
        raise ValidationError("reference: the call or portal reference number is required")
    d, version = _get(session, denial_id)
    _require_open(d)
    return _save(session, replace(d, status=DenialStatus.RESUBMITTED), version,
                 f"reopening requested, reference {reference.strip()[:60]}", "denial.reopening")


@dataclass(frozen=True)
class AppealResult:
    """A recorded appeal and where its letter draft was written (None: no letter)."""

    denial: Denial
    level: int
    deadline: pendulum.Date | None
    letter: Path | None


def appeal(session: Session, denial_id: str, *, level: int | None = None,
           filed_on: pendulum.Date | None = None, letter_dir: Path | None = None) -> AppealResult:
    """Record an appeal (the ``P`` key) with its date, level and deadline, and write a
    plain-text letter draft into ``letter_dir`` (default: ``<store folder>/appeals``)."""
    d, version = _get(session, denial_id)
    _require_open(d)
    level = level or d.appeal_level + 1
    if level not in APPEAL_LEVELS:
        raise ValidationError(f"level: must be 1 to {len(APPEAL_LEVELS)}")
    filed_on = filed_on or session.today
    if d.deadline is not None and filed_on > d.deadline:
        raise OtqError(f"the appeal deadline was {d.deadline.isoformat()}; a late appeal needs "
                       "good cause: add a note and talk to your supervisor")
    folder = letter_dir or session.store.path.parent / "appeals"
    letter = write_letter(session, d, level, folder)
    record = {"id": str(uuid.uuid4()), "denial_id": d.id, "claim_id": d.claim_id,
              "level": level, "level_name": APPEAL_LEVELS[level], "filed_on": filed_on.isoformat(),
              "deadline": d.deadline.isoformat() if d.deadline else None,
              "filed_by": session.user, "letter": str(letter)}
    d = _save(session, replace(d, status=DenialStatus.APPEALED, appeal_level=level,
                               appealed_on=filed_on), version,
              f"appealed: level {level} ({APPEAL_LEVELS[level]}) on {filed_on.isoformat()}, "
              f"deadline {d.deadline.isoformat() if d.deadline else '-'}; letter {letter.name}",
              "denial.appeal", [Put("appeals", record)])
    return AppealResult(d, level, d.deadline, letter)


def write_off(session: Session, denial_id: str, *, reason: str, confirm: bool) -> Denial:
    """Write the denied amount off (the ``W`` key). Needs a reason code and a confirm;
    amounts over the store's ``write_off_limit`` need a supervisor."""
    if reason not in WRITE_OFF_REASONS:
        raise ValidationError(f"reason: must be one of {', '.join(WRITE_OFF_REASONS)}")
    if not confirm:
        raise ValidationError("a write-off must be confirmed")
    d, version = _get(session, denial_id)
    _require_open(d)
    require_supervisor(session, d.amount, "write off")
    return _save(session, replace(d, status=DenialStatus.WRITTEN_OFF, closed_on=session.today,
                                  resolution="written_off"), version,
                 f"written off {d.amount}: {WRITE_OFF_REASONS[reason]}", "denial.write_off")


def bill(session: Session, denial_id: str, *, to: str) -> Denial:
    """Bill the secondary payer or the patient (the ``B`` key). Billing the patient closes
    the denial; billing a secondary leaves it open until that payer pays."""
    d, version = _get(session, denial_id)
    _require_open(d)
    if d.group_code == "CO" and to == "patient":
        raise OtqError("a CO (contractual) adjustment may not be billed to the patient")
    claim = session.entity("claims", d.claim_id)
    if to == "patient":
        return _save(session, replace(d, status=DenialStatus.BILLED_ELSEWHERE,
                                      closed_on=session.today, resolution="billed_patient"),
                     version, f"billed the patient {d.amount}", "denial.bill")
    if to != "secondary":
        raise ValidationError("to: must be 'secondary' or 'patient'")
    second = next((c for c in session.entities("coverages").values() if claim and
                   c.patient_id == claim.patient_id and c.priority == 2), None)
    if second is None:
        raise OtqError("the patient has no secondary coverage on file; bill the patient or "
                       "add the coverage first")
    return _save(session, replace(d, status=DenialStatus.RESUBMITTED), version,
                 f"billed the secondary payer {second.payer_id} for {d.amount}", "denial.bill")


def open_denials_total(session: Session) -> tuple[int, Decimal]:
    """How many denials are open and their amount."""
    ds = [d for d in session.entities("denials").values() if d.status is DenialStatus.OPEN]
    return len(ds), sum((d.amount for d in ds), Decimal(0))
