"""Eligibility checks going out and answers coming in: 270 export, 271 import, phone checks.

The second half of ``otq.services.eligibility`` (which re-exports these names). Each call
is one store commit: a batch export takes its ISA/GS number from the store's ``isa``
counter, so two billers exporting at once never send the same control number; an import
records a verification per answered coverage and updates the coverage in the same commit.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pendulum

from otq.domain import Coverage, VerificationStatus
from otq.domain.eligibility import (
    Verification,
    VerificationOutcome,
    coverage_changes,
    summarise_benefits,
)
from otq.errors import NotFoundError, OtqError, ValidationError
from otq.services.eligibility import (
    DEFAULT_DAYS,
    DEFAULT_STALE_DAYS,
    MANUAL_METHODS,
    eligibility_codes,
    latest_verification,
    pending_eligibility,
)
from otq.services.session import Session
from otq.services.setup import default_practice_id
from otq.store import Put, encode
from otq.store.storage import atomic_write
from otq.x12.eligibility_270_271 import (
    EligibilityContext,
    EligibilityRequest,
    coverage_from_trace,
    parse_271,
    write_270,
)


# ------------------------------------------------------------------ 270 out
@dataclass(frozen=True)
class EligibilityExport:
    """A written 270 batch: how many coverages it asks about and its control number."""

    path: Path
    requests: int
    interchange_control_number: int


def eligibility_requests(session: Session, *, days: int = DEFAULT_DAYS,
                         stale_days: int = DEFAULT_STALE_DAYS) -> list[EligibilityRequest]:
    """One 270 request per pending coverage, asking about its next visit date."""
    patients, payers = session.entities("patients"), session.entities("payers")
    coverages, providers = session.entities("coverages"), session.entities("providers")
    practices = session.entities("practices")
    by_npi = {p.npi: p for p in providers.values()}
    fallback = default_practice_id(session)
    out = []
    for item in pending_eligibility(session, days=days, stale_days=stale_days):
        cov, patient = coverages[item.coverage_id], patients.get(item.patient_id)
        payer = payers.get(cov.payer_id)
        appt = session.store.get("appointments", item.appointment_id) if item.appointment_id \
            else None
        provider = by_npi.get(appt.get("provider_npi", "")) if appt else None
        practice = practices.get(provider.practice_id if provider else "") or \
            practices.get(fallback or "")
        if patient is None or payer is None or practice is None:
            raise OtqError("cannot build the 270: "
                           + ("no practice in the store; add one with `otq init`"
                              if practice is None else f"coverage {cov.id} has no patient "
                              "or payer record"))
        out.append(EligibilityRequest(
            coverage_id=cov.id, payer_name=payer.name, payer_x12_id=payer.x12_payer_id,
            receiver_name=practice.name, receiver_npi=practice.npi,
            last_name=patient.last_name.upper(), first_name=patient.first_name.upper(),
            member_id=cov.member_id, dob=patient.dob, plan_date=item.visit_date))
    return out


def export_eligibility(session: Session, out_path: Path | str, *, days: int = DEFAULT_DAYS,
                       stale_days: int = DEFAULT_STALE_DAYS, sender_id: str = "",
                       receiver_id: str = "CLEARINGHOUSE", usage: str = "P",
                       now: pendulum.DateTime | None = None) -> EligibilityExport:
    """Write a 270 for the pending-eligibility queue to ``out_path`` (atomically).

    ``sender_id`` defaults to the practice NPI. Nothing is written, and no control number
    used, when the queue is empty or any field can't travel in X12.
    """
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        raise OtqError(f"cannot write {out_path}: the folder {out_path.parent} does not exist")
    requests = eligibility_requests(session, days=days, stale_days=stale_days)
    if not requests:
        return EligibilityExport(out_path, 0, 0)
    seen = session.store.meta.get("counters", {}).get("isa", 0)
    number = seen + 1
    practice = next(p for p in session.entities("practices").values()
                    if p.npi == requests[0].receiver_npi)
    originator = f"1{practice.tin}" if re.fullmatch(r"\d{9}", practice.tin or "") \
        else f"9{practice.npi[:9]}"
    context = EligibilityContext(
        sender_isa_id=sender_id or practice.npi, receiver_isa_id=receiver_id,
        interchange_control_number=number, group_control_number=number,
        created_at=now or pendulum.now(), usage_indicator=usage, originator_id=originator)
    text = write_270(requests, context=context)  # raises before any number is used
    session.store.commit([], action="eligibility.export", counters={"isa": (seen, 1)})
    atomic_write(out_path, text.encode("ascii"))
    return EligibilityExport(out_path, len(requests), number)


# ------------------------------------------------------------------- 271 in
@dataclass(frozen=True)
class EligibilityImport:
    """What a 271 import recorded. ``notes`` are PHI-free lines for the biller."""

    active: int
    inactive: int
    rejected: int
    retry: int
    changed: tuple[str, ...]  # coverage ids whose answer changed in a way that matters
    notes: tuple[str, ...]
    dry_run: bool


def import_eligibility(session: Session, path: Path | str, *, dry_run: bool = False,
                       now: pendulum.DateTime | None = None) -> EligibilityImport:
    """Record a verification per subscriber answered in a 271 file, in one commit.

    Each response is matched to its coverage by the TRN trace number otq sent (or, failing
    that, by payer and member id when exactly one coverage fits). A malformed file, or a
    response that matches no coverage, imports nothing.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("ascii")
    except OSError as exc:
        raise ValidationError(f"{path.name}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path.name}: byte {exc.start} is not plain ASCII; this is "
                              "not an X12 271 file") from None
    parsed = parse_271(text, path.name)
    codes = eligibility_codes()
    coverages = session.entities("coverages")
    payer_by_x12 = {p.x12_payer_id: p.id for p in session.entities("payers").values()}
    stamp = (now or pendulum.now("UTC")).isoformat()
    problems, changes, notes = [], [], []
    counts = {o: 0 for o in VerificationOutcome}
    changed: list[str] = []
    updated: dict[str, Coverage] = {}
    previous: dict[str, Verification | None] = {}
    for resp in parsed.responses:
        where = f"{path.name}: segment {resp.segment_number} (HL), line {resp.line}"
        cov_id = next((c for c in map(coverage_from_trace, resp.traces) if c in coverages), None)
        if cov_id is None:
            fits = [c.id for c in coverages.values() if resp.member_id and
                    c.member_id == resp.member_id and
                    c.payer_id == payer_by_x12.get(resp.payer_x12_id)]
            cov_id = fits[0] if len(fits) == 1 else None
        if cov_id is None:
            problems.append(f"{where}: the response matches no coverage in the store (no otq "
                            "trace number, and no single coverage with that payer and member id)")
            continue
        cov = updated.get(cov_id, coverages[cov_id])
        s = summarise_benefits(resp.benefits, resp.dates, resp.rejections, codes)
        ver = Verification(
            id=str(uuid.uuid4()), coverage_id=cov.id, patient_id=cov.patient_id,
            payer_id=cov.payer_id, method="271", outcome=s.outcome, verified_on=session.today,
            verified_by=session.user, recorded_at=stamp,
            reference=resp.traces[0] if resp.traces else "", source_file=path.name,
            plan_name=s.plan_name, coverage_start=s.coverage_start, coverage_end=s.coverage_end,
            copay=s.copay, coinsurance=s.coinsurance, deductible_remaining=s.deductible_remaining,
            visits_allowed=s.visits_allowed, visits_used=s.visits_used,
            visits_remaining=s.visits_remaining, auth_required=s.auth_required,
            other_payer=s.other_payer, therapy_amount_used=s.therapy_amount_used,
            rejections=s.rejections, benefits=tuple(resp.benefits), messages=s.messages)
        prev = previous.get(cov.id, latest_verification(session, cov.id, answered_only=True))
        ver = replace(ver, change_summary=coverage_changes(prev, ver))
        if ver.answered:
            previous[cov.id] = ver
            updated[cov.id] = _answered(cov, ver)
        if ver.change_summary:
            changed.append(cov.id)
        counts[ver.outcome] += 1
        changes.append(Put("verifications", encode(ver)))
    for payer_id, rej in parsed.unattached:
        info = codes.explain(rej)
        notes.append(f"payer {payer_id or '?'}: AAA {rej.code} ({info.meaning}) at loop "
                     f"{rej.loop} names no subscriber; nothing recorded for it. {info.action}")
    if problems:
        raise ValidationError(f"{path.name} was not imported: {len(problems)} problem(s)",
                              problems)
    for cov in updated.values():
        changes.append(Put("coverages", encode(cov), session.version("coverages", cov.id)))
    if changes and not dry_run:
        session.store.commit(changes, action="eligibility.import")
    return EligibilityImport(
        counts[VerificationOutcome.ACTIVE], counts[VerificationOutcome.INACTIVE],
        counts[VerificationOutcome.REJECTED], counts[VerificationOutcome.RETRY],
        tuple(changed), tuple(notes), dry_run)


def _answered(cov: Coverage, ver: Verification) -> Coverage:
    """The coverage after an active or inactive answer."""
    status = (VerificationStatus.ACTIVE if ver.outcome is VerificationOutcome.ACTIVE
              else VerificationStatus.INACTIVE)
    return replace(cov, status=status, verified_on=ver.verified_on, verified_by=ver.verified_by,
                   effective_from=ver.coverage_start or cov.effective_from,
                   effective_to=ver.coverage_end or cov.effective_to)


# ---------------------------------------------------------- by phone / portal
def verify_manually(session: Session, coverage_id: str, *, method: str, reference: str,
                    representative: str, verified_on: pendulum.Date, active: bool,
                    plan_name: str = "", copay: Decimal | None = None,
                    coinsurance: Decimal | None = None,
                    deductible_remaining: Decimal | None = None,
                    visits_allowed: int | None = None, visits_used: int | None = None,
                    auth_required: bool | None = None,
                    coverage_start: pendulum.Date | None = None,
                    coverage_end: pendulum.Date | None = None, other_payer: str = "",
                    therapy_amount_used: Decimal | None = None,
                    expected_version: int | None = None) -> Verification:
    """Record a check made by phone, portal or fax (the ``V`` form), by ``session.user``.

    ``coinsurance`` is a fraction (0.20 for 20%). ``expected_version`` is the coverage's
    version when the form opened; a coverage changed since is a ``ConflictError``.
    Raises ``ValidationError`` listing every bad field as ``field: message``.
    """
    cov = session.entity("coverages", coverage_id)
    if cov is None:
        raise NotFoundError(f"no coverage {coverage_id}")
    problems = []
    if method not in MANUAL_METHODS:
        problems.append(f"method: must be one of {', '.join(MANUAL_METHODS)}")
    if method in ("phone", "portal") and not reference.strip():
        problems.append("reference: the call or portal reference number is required")
    if method == "phone" and not representative.strip():
        problems.append("representative: the name of the person you spoke to is required")
    if verified_on > session.today:
        problems.append("verified_on: is in the future")
    for name, value in (("copay", copay), ("deductible_remaining", deductible_remaining),
                        ("therapy_amount_used", therapy_amount_used),
                        ("visits_allowed", visits_allowed), ("visits_used", visits_used)):
        if value is not None and value < 0:
            problems.append(f"{name}: cannot be negative")
    if coinsurance is not None and not (0 <= coinsurance <= 1):
        problems.append("coinsurance: write it as a fraction, e.g. 0.20 for 20%")
    if coverage_start and coverage_end and coverage_end < coverage_start:
        problems.append("coverage_end: is before coverage_start")
    if problems:
        raise ValidationError("the verification was not saved", problems)
    remaining = (visits_allowed - visits_used
                 if visits_allowed is not None and visits_used is not None else None)
    ver = Verification(
        id=str(uuid.uuid4()), coverage_id=cov.id, patient_id=cov.patient_id,
        payer_id=cov.payer_id, method=method,
        outcome=VerificationOutcome.ACTIVE if active else VerificationOutcome.INACTIVE,
        verified_on=verified_on, verified_by=session.user,
        recorded_at=pendulum.now("UTC").isoformat(), reference=reference.strip(),
        representative=representative.strip(), plan_name=plan_name.strip(),
        coverage_start=coverage_start, coverage_end=coverage_end, copay=copay,
        coinsurance=coinsurance, deductible_remaining=deductible_remaining,
        visits_allowed=visits_allowed, visits_used=visits_used, visits_remaining=remaining,
        auth_required=auth_required, other_payer=other_payer.strip(),
        therapy_amount_used=therapy_amount_used)
    prev = latest_verification(session, cov.id, answered_only=True)
    ver = replace(ver, change_summary=coverage_changes(prev, ver))
    version = expected_version if expected_version is not None \
        else session.version("coverages", cov.id)
    session.store.commit([Put("verifications", encode(ver)),
                          Put("coverages", encode(_answered(cov, ver)), version)],
                         action="eligibility.verify")
    return ver


__all__ = ["EligibilityExport", "EligibilityImport", "eligibility_requests",
           "export_eligibility", "import_eligibility", "verify_manually"]
