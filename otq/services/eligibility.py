"""Pending eligibility: the schedule in, who needs checking, 270 out, 271 in, phone checks.

Every change lands in one store commit. A verification is a new record each time (never
edited); the coverage carries the latest answer (status, verified_on, dates). When an
answer differs from the previous one in a way that causes denials (coverage ended, another
payer primary, visit limit reached, authorization now required) the verification spells
the change out and the coverage returns to the queue until someone verifies it again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pendulum

from otq.domain import Coverage, Patient, VerificationStatus, Visit, VisitStatus
from otq.domain.eligibility import Appointment, AppointmentStatus, EligibilityCodes, Verification
from otq.importers.appointments_csv import read_appointments
from otq.paths import reference_dir
from otq.reference.catalogue import read_toml
from otq.services.decoding import fast_decode
from otq.services.patient_changes import records_of
from otq.services.session import Session
from otq.store import Put, decode, encode

DEFAULT_DAYS = 7
DEFAULT_STALE_DAYS = 30
MANUAL_METHODS = ("phone", "portal", "fax")


@lru_cache(maxsize=2)
def eligibility_codes(folder: Path | None = None) -> EligibilityCodes:
    """AAA reasons and EB code meanings from ``reference/aaa_codes.toml`` (read once)."""
    path = (folder or reference_dir()) / "aaa_codes.toml"
    return EligibilityCodes.from_mapping(read_toml(path), str(path))


# -------------------------------------------------------------- appointments
@dataclass(frozen=True)
class AppointmentImport:
    """What an appointment import did (or would do, for a dry run)."""

    created: int
    updated: int
    unchanged: int
    not_scheduled: int  # cancelled or no-show in the file: out of the queue
    patients_created: int
    coverages_created: int
    dry_run: bool


def import_appointments(session: Session, path: Path | str, *,
                        dry_run: bool = False) -> AppointmentImport:
    """Import the schedule CSV: the whole file or nothing, in one commit.

    Appointments are matched by appointment_id (a re-import updates date, time and status),
    patients by the EHR patient_id (created when new, with an unverified coverage for the
    payer and member id). A new member id for a known payer resets that coverage to
    unverified: it is a new card.
    """
    rows = read_appointments(path, known_payers=session.entities("payers").keys())
    patients = {p.external_id: p for p in session.entities("patients").values()}
    coverages: dict[tuple[str, str], Coverage] = {}
    per_patient: dict[str, int] = defaultdict(int)
    for c in sorted(session.entities("coverages").values(), key=lambda c: -c.priority):
        coverages[(c.patient_id, c.payer_id)] = c  # the highest priority wins
        per_patient[c.patient_id] += 1
    existing = {a.external_id: a for a in _appointments(session).values()}
    changes: dict[tuple[str, str], Put] = {}
    counts = dict(created=0, updated=0, unchanged=0, not_scheduled=0, patients_created=0,
                  coverages_created=0)
    for row in rows:
        patient = patients.get(row.patient_id)
        if patient is None:
            patient = Patient(id=str(uuid.uuid4()), external_id=row.patient_id,
                              last_name=row.last_name, first_name=row.first_name, dob=row.dob)
            patients[row.patient_id] = patient
            changes[("patients", patient.id)] = Put("patients", encode(patient))
            counts["patients_created"] += 1
        cov = coverages.get((patient.id, row.payer_id))
        if cov is None:
            per_patient[patient.id] += 1
            cov = Coverage(id=str(uuid.uuid4()), patient_id=patient.id, payer_id=row.payer_id,
                           member_id=row.member_id, priority=per_patient[patient.id])
            changes[("coverages", cov.id)] = Put("coverages", encode(cov))
            counts["coverages_created"] += 1
        elif cov.member_id != row.member_id and ("coverages", cov.id) not in changes:
            cov = replace(cov, member_id=row.member_id, status=VerificationStatus.UNVERIFIED,
                          verified_on=None, verified_by="")
            changes[("coverages", cov.id)] = Put("coverages", encode(cov),
                                                 session.version("coverages", cov.id))
        coverages[(patient.id, row.payer_id)] = cov
        old = existing.get(row.appointment_id)
        appt = Appointment(id=old.id if old else str(uuid.uuid4()),
                           external_id=row.appointment_id, patient_id=patient.id,
                           coverage_id=cov.id, payer_id=row.payer_id, date=row.date,
                           time=row.time, provider_npi=row.provider_npi, status=row.status)
        if row.status is not AppointmentStatus.SCHEDULED:
            counts["not_scheduled"] += 1
        if old is None:
            counts["created"] += 1
            changes[("appointments", appt.id)] = Put("appointments", encode(appt))
        elif old != appt:
            counts["updated"] += 1
            changes[("appointments", appt.id)] = Put("appointments", encode(appt),
                                                     session.version("appointments", appt.id))
        else:
            counts["unchanged"] += 1
    if changes and not dry_run:
        session.store.commit(list(changes.values()), action="appointments.import")
    return AppointmentImport(**counts, dry_run=dry_run)


def _appointments(session: Session) -> dict[str, Appointment]:
    return session.cached("eligibility:appointments", lambda: {
        r["id"]: decode(Appointment, r) for r in session.store.all("appointments")})


def _scheduled_appointment(rec: dict[str, Any]) -> tuple | None:
    if rec.get("status") != AppointmentStatus.SCHEDULED.value:
        return None
    a = decode(Appointment, rec)
    return (a.coverage_id, a.date, a.time, a.id)


def _scheduled_visit(rec: dict[str, Any]) -> tuple | None:
    if rec.get("status") != VisitStatus.SCHEDULED.value:
        return None
    v = fast_decode(Visit, rec)
    return (v.coverage_id, v.date_of_service, "", "")


def upcoming_visits(session: Session, days: int = DEFAULT_DAYS
                    ) -> dict[str, tuple[pendulum.Date, str, str]]:
    """The next scheduled visit per coverage in the next ``days`` days: (date, time,
    appointment id or ""). Counts scheduled appointments and SCHEDULED visits alike."""

    def build() -> dict[str, tuple[pendulum.Date, str, str]]:
        end = session.today.add(days=days)
        found: dict[str, tuple[pendulum.Date, str, str]] = {}
        # Only scheduled visits and appointments, kept across commits: a store holds tens of
        # thousands of treated visits, and every commit anyone makes asks for this again.
        candidates = [*session.kept("appointments", "scheduled", _scheduled_appointment).values(),
                      *session.kept("visits", "scheduled", _scheduled_visit).values()]
        for cov_id, day, time, appt_id in candidates:
            if session.today <= day <= end and (cov_id not in found
                                                or (day, time) < found[cov_id][:2]):
                found[cov_id] = (day, time, appt_id)
        return found

    return session.cached(f"eligibility:upcoming:{days}", build)


# ------------------------------------------------------------- verifications
def _verifications(session: Session) -> dict[str, list[Verification]]:
    """Every verification by coverage id, oldest first (worked out again only when a
    verification changed)."""

    def build(decoded: dict[str, Verification]) -> dict[str, list[Verification]]:
        out: dict[str, list[Verification]] = defaultdict(list)
        for v in decoded.values():
            out[v.coverage_id].append(v)
        for items in out.values():
            items.sort(key=lambda v: (v.recorded_at, v.verified_on, v.id))
        return dict(out)

    decoded = session.kept("verifications", "decoded", lambda r: decode(Verification, r))
    return session.derived("eligibility:verifications", decoded, build)


def verifications(session: Session, coverage_id: str) -> list[Verification]:
    """A coverage's verifications, oldest first (the detail pane's history)."""
    return list(_verifications(session).get(coverage_id, ()))


def latest_verification(session: Session, coverage_id: str, *,
                        answered_only: bool = False) -> Verification | None:
    """The newest verification of a coverage; with ``answered_only`` the newest that said
    active or inactive (what ELIG-INACTIVE / ELIG-UNVERIFIED / AUTH-REQUIRED look at)."""
    for v in reversed(_verifications(session).get(coverage_id, ())):
        if v.answered or not answered_only:
            return v
    return None


def latest_verifications(session: Session) -> dict[str, Verification]:
    """The newest answered verification of every coverage that has one (for the scrubber;
    worked out again only when a verification changed)."""
    def build(by_coverage: dict[str, list[Verification]]) -> dict[str, Verification]:
        out = {}
        for cid, checks in by_coverage.items():
            for v in reversed(checks):
                if v.answered:
                    out[cid] = v
                    break
        return out

    return session.derived("eligibility:latest", _verifications(session), build)


@dataclass(frozen=True)
class PendingEligibility:
    """A coverage that needs checking before its next visit, and why (plain English)."""

    coverage_id: str
    patient_id: str
    payer_id: str
    visit_date: pendulum.Date
    visit_time: str
    appointment_id: str
    reasons: tuple[str, ...]


def pending_reasons(session: Session, coverage: Coverage, visit_date: pendulum.Date, *,
                    stale_days: int = DEFAULT_STALE_DAYS) -> tuple[str, ...]:
    """Why a coverage with a visit on ``visit_date`` needs checking; empty when it doesn't."""
    latest = latest_verification(session, coverage.id)
    reasons = []
    if latest is not None and not latest.answered:
        for r in latest.rejections[:2]:
            reasons.append(f"AAA {r.code} {r.meaning.lower()}: {r.action}")
        if not latest.rejections:
            reasons.append("the payer's response had no benefit information")
    if latest is not None and latest.change_summary:
        reasons.append("changed at the last check: " + "; ".join(latest.change_summary))
    if coverage.status is VerificationStatus.UNVERIFIED and not reasons:
        reasons.append("not verified")
    elif coverage.status is VerificationStatus.INACTIVE and not _other_active(session, coverage):
        reasons.append("coverage inactive: find the patient's current insurance")
    elif coverage.status is VerificationStatus.ACTIVE:
        if coverage.verified_on is None or \
                _days(session.today, coverage.verified_on) > stale_days:
            age = _days(session.today, coverage.verified_on) if coverage.verified_on else None
            reasons.append(f"last verified {age} days ago" if age is not None
                           else "no verification date")
        if coverage.effective_to is not None and coverage.effective_to < visit_date:
            reasons.append(f"coverage ends {coverage.effective_to.isoformat()}, before the visit")
    return tuple(dict.fromkeys(reasons))


def _days(later: pendulum.Date, earlier: pendulum.Date) -> int:
    # Ordinals, not pendulum's ``-``: that builds an Interval for every coverage checked.
    return later.toordinal() - earlier.toordinal()


def _other_active(session: Session, coverage: Coverage) -> bool:
    coverages = session.entities("coverages")
    return any(cid != coverage.id and (c := coverages.get(cid)) is not None
               and c.status is VerificationStatus.ACTIVE
               for cid in records_of(session, "coverages", coverage.patient_id))


def pending_eligibility(session: Session, *, days: int = DEFAULT_DAYS,
                        stale_days: int = DEFAULT_STALE_DAYS) -> list[PendingEligibility]:
    """Coverages with a scheduled visit in the next ``days`` days that are unverified,
    verified more than ``stale_days`` ago, rejected, inactive or changed at the last check;
    ordered by visit date and time."""

    def build() -> list[PendingEligibility]:
        out = []
        coverages = session.entities("coverages")
        for cov_id, (day, time, appt_id) in upcoming_visits(session, days).items():
            cov = coverages.get(cov_id)
            if cov is None:
                continue
            reasons = pending_reasons(session, cov, day, stale_days=stale_days)
            if reasons:
                out.append(PendingEligibility(cov.id, cov.patient_id, cov.payer_id, day, time,
                                              appt_id, reasons))
        names = session.entities("patients")
        out.sort(key=lambda p: (p.visit_date, p.visit_time,
                                names[p.patient_id].display_name if p.patient_id in names
                                else ""))
        return out

    return session.cached(f"eligibility:pending:{days}:{stale_days}", build)


# The 270/271 and manual-verification half lives in eligibility_io (this module would pass
# 400 lines). Its names are served from here too, loaded on first use so neither module
# imports the other at import time.
_IO_NAMES = ("EligibilityExport", "EligibilityImport", "export_eligibility",
             "import_eligibility", "verify_manually", "eligibility_requests")


def __getattr__(name: str) -> object:
    if name in _IO_NAMES:
        from otq.services import eligibility_io
        return getattr(eligibility_io, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
