"""Correcting a claim the payer has adjudicated: replacement (frequency 7) and void (8).

Both are new claims queued as ready-to-submit. They keep the original's patient control
number (the payer's 835 for a replacement echoes the original CLM01, X12 RFI 1945) and
carry the payer's claim control number (835 CLP07) as REF*F8. A replacement is rebuilt
from the visits as they are now (after the coder fixed them); a void repeats the
original's lines and charges. Payers whose profile says ``accepts_frequency_7 = false``
(Medicare Part B by default) are refused: they take corrections as a reopening.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

from otq.domain import Claim, ClaimStatus, Visit
from otq.errors import NotFoundError, OtqError
from otq.services.claims import build_claims
from otq.services.session import Session
from otq.store import Put, encode


def _claim(session: Session, claim_id: str) -> Claim:
    claim = session.entity("claims", claim_id)
    if claim is None:
        raise NotFoundError(f"no claim {claim_id}")
    return claim


def check_correctable(session: Session, claim: Claim, icn: str, what: str) -> None:
    payer = session.entity("payers", claim.payer_id)
    profile = session.profile_for(payer) if payer else None
    if profile is not None and not profile.accepts_frequency_7:
        raise OtqError(f"{profile.name} does not take {what} claims (accepts_frequency_7 = "
                       "false in payer_profiles.toml): ask the payer for a reopening instead")
    if not icn:
        raise OtqError(f"claim {claim.patient_control_number} has no payer claim control "
                       "number (835 CLP07) yet, so it cannot be replaced or voided; wait for "
                       "the remittance")
    if claim.status in (ClaimStatus.READY, ClaimStatus.SUBMITTED) and claim.frequency == "1":
        raise OtqError(f"claim {claim.patient_control_number} has not been adjudicated yet")
    pending = [c for c in session.entities("claims").values()
               if c.replaces_claim_id == claim.id and c.status is ClaimStatus.READY]
    if pending:
        raise OtqError(f"a frequency-{pending[0].frequency} claim for "
                       f"{claim.patient_control_number} is already waiting to be sent")


def _suffix(session: Session, claim: Claim) -> int:
    """How many corrections this claim number has had, plus one (for line numbers)."""
    return 1 + sum(1 for c in session.entities("claims").values()
                   if c.patient_control_number == claim.patient_control_number
                   and c.frequency in ("7", "8"))


def replacement_claim(session: Session, claim: Claim, icn: str) -> Claim:
    """The frequency-7 claim that replaces ``claim``, rebuilt from its visits as they are."""
    visits: list[Visit] = [v for v in (session.entity("visits", vid) for vid in claim.visit_ids)
                           if v is not None]
    if not visits:
        raise OtqError(f"claim {claim.patient_control_number}: its visits are gone")
    built = build_claims(session, visits, 0)
    if len(built) != 1:
        raise OtqError(f"claim {claim.patient_control_number}: its visits no longer make one "
                       "claim (patient, payer or date changed); send a new claim instead")
    new = built[0]
    k = _suffix(session, claim)
    base = claim.patient_control_number[-10:]
    lines = tuple(replace(ln, control_number=f"{base}R{k}L{n:02d}")
                  for n, ln in enumerate(new.lines, start=1))
    return replace(new, id=str(uuid.uuid4()), patient_control_number=claim.patient_control_number,
                   lines=lines, frequency="7", original_icn=icn, replaces_claim_id=claim.id,
                   status=ClaimStatus.READY)


def new_original_claim(session: Session, claim: Claim) -> tuple[Claim, int]:
    """A fresh frequency-1 claim from the visits (for rejections such as MA130/CO-16),
    with a new claim number, and the claim counter value it was read at."""
    visits = [v for v in (session.entity("visits", vid) for vid in claim.visit_ids) if v]
    seen = session.store.meta.get("counters", {}).get("claim", 0)
    built = build_claims(session, visits, seen + 1)
    if len(built) != 1:
        raise OtqError(f"claim {claim.patient_control_number}: its visits no longer make one "
                       "claim")
    return replace(built[0], replaces_claim_id=claim.id), seen


def queue_replacement(session: Session, claim_id: str, *, icn: str = "",
                      extra: list | None = None, action: str = "claim.replace") -> Claim:
    """Queue a frequency-7 replacement for an adjudicated claim (one commit)."""
    session.refresh()
    claim = _claim(session, claim_id)
    icn = icn or claim.original_icn
    check_correctable(session, claim, icn, "replacement (frequency 7)")
    new = replacement_claim(session, claim, icn)
    session.store.commit([Put("claims", encode(new)), *(extra or [])], action=action)
    return new


def void_claim(session: Session, claim_id: str, *, action: str = "claim.void") -> Claim:
    """Queue a frequency-8 void of an adjudicated claim: the original lines and charges."""
    session.refresh()
    claim = _claim(session, claim_id)
    check_correctable(session, claim, claim.original_icn, "void (frequency 8)")
    k = _suffix(session, claim)
    lines = tuple(replace(ln, control_number=f"{claim.patient_control_number[-10:]}V{k}L{n:02d}")
                  for n, ln in enumerate(claim.lines, start=1))
    void = replace(claim, id=str(uuid.uuid4()), lines=lines, frequency="8",
                   replaces_claim_id=claim.id, status=ClaimStatus.READY, batch_id="",
                   submitted_at="", paid_amount=Decimal(0),
                   patient_responsibility=Decimal(0))
    session.store.commit([Put("claims", encode(void))], action=action)
    return void


__all__ = ["check_correctable", "new_original_claim", "queue_replacement", "replacement_claim", "void_claim"]
