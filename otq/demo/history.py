"""Billing history for the demo: submitted batches, denials with real CARCs, next week's schedule.

Claims are made by the real services (``promote_clean_visits``) from the visits that scrub
clean; this module then ages them the way a billing office would: most claims older than a
few days went out in a daily batch, and some of those came back denied.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import pendulum

from otq.demo import ids as I
from otq.demo.practice import CarePlan, weekdays
from otq.domain import (
    Claim,
    ClaimStatus,
    Coverage,
    Denial,
    DenialStatus,
    VerificationStatus,
    Visit,
    VisitStatus,
)


@dataclass(frozen=True)
class DenialKind:
    """A denial as payers send it: group, CARC, RARCs, line- or claim-level, what to do."""

    group: str
    carc: str
    rarcs: tuple[str, ...]
    line_level: bool
    next_action: str
    payers: tuple[str, ...] = ("medicare", "medicaid", "commercial")
    weight: int = 1


#: facts §8.2/§8.3. PR-2 coinsurance is a payment adjustment, not a denial, so it is absent.
DENIALS = (
    DenialKind("CO", "16", ("MA130", "N286"), False,
               "referring NPI missing or invalid: correct it and submit a new claim", weight=3),
    DenialKind("CO", "16", ("M76",), False,
               "diagnosis missing or invalid: fix the diagnosis and submit a new claim", weight=2),
    DenialKind("CO", "50", ("N115",), False,
               "not medically necessary: appeal with the plan of care and progress notes",
               weight=2),
    DenialKind("CO", "97", ("M15",), True,
               "bundled: if a separate time block is documented add 59 and correct; "
               "otherwise write off", weight=2),
    DenialKind("CO", "236", ("N20",), True,
               "NCCI pair: add 59/XU to the column-2 line if distinct, else write off", weight=2),
    DenialKind("CO", "197", ("N54",), False,
               "no authorization on file: request a retro-authorization, add REF*G1 and resubmit",
               payers=("commercial", "medicaid"), weight=2),
    DenialKind("CO", "29", (), False,
               "timely filing: send proof of timely submission (clearinghouse acceptance report)",
               payers=("commercial",)),
    DenialKind("PR", "204", ("N130",), False,
               "not covered under the current plan: bill the patient or the secondary payer",
               payers=("commercial", "medicaid")),
)


def age_claims(rng: random.Random, ids: I.Ids, claims: list[Claim], today: pendulum.Date,
               appeal_days: dict[str, int]) -> tuple[list[Claim], list[Denial]]:
    """Mark older claims submitted in daily batches, and deny about 8% of those submitted
    more than two weeks ago. Returns the changed claims and the new denials."""
    changed, denials = [], []
    for claim in sorted(claims, key=lambda c: c.patient_control_number):
        age = (today - claim.date_of_service).days
        if age < 4 or rng.random() < 0.06:  # recent, or held back by the biller
            continue
        sent = claim.date_of_service.add(days=rng.randint(2, min(age - 1, 5)))
        while sent.isoweekday() > 5:
            sent = sent.subtract(days=1)
        stamp = pendulum.datetime(sent.year, sent.month, sent.day, 16, rng.randint(0, 59),
                                  tz="UTC").isoformat()
        claim = replace(claim, status=ClaimStatus.SUBMITTED, submitted_at=stamp,
                        batch_id=f"B{sent.format('YYYYMMDD')}-01")
        if (today - sent).days > 16 and rng.random() < 0.08:
            kinds = [k for k in DENIALS if claim.payer_id in k.payers]
            kind = rng.choices(kinds, [k.weight for k in kinds])[0]
            denial = _deny(rng, ids, claim, kind, sent, today, appeal_days)
            denials.append(denial)
            claim = replace(claim, status=ClaimStatus.DENIED,
                            original_icn=denial.payer_claim_control_number)
        changed.append(claim)
    return changed, denials


def _deny(rng: random.Random, ids: I.Ids, claim: Claim, kind: DenialKind, sent: pendulum.Date,
          today: pendulum.Date, appeal_days: dict[str, int]) -> Denial:
    denied_on = min(sent.add(days=rng.randint(12, 24)), today.subtract(days=1))
    line = rng.choice(claim.lines) if kind.line_level else None
    if claim.payer_id == "medicare":  # a Medicare ICN: region, year, julian date, serial
        icn = f"{rng.randint(1, 2)}{denied_on.format('YY')}{denied_on.day_of_year:03d}" \
              f"{rng.randint(10000000, 99999999)}"
    else:
        icn = f"{denied_on.format('YYMMDD')}{rng.randint(100000, 999999)}{rng.choice('ABCDEF')}"
    return Denial(
        id=ids.new(), claim_id=claim.id, payer_id=claim.payer_id, group_code=kind.group,
        carc=kind.carc, amount=line.charge if line else claim.total_charge, denied_on=denied_on,
        line_control_number=line.control_number if line else "", rarcs=kind.rarcs,
        payer_claim_control_number=icn, next_action=kind.next_action,
        deadline=denied_on.add(days=appeal_days.get(claim.payer_id, 90)),
        status=DenialStatus.OPEN)


def schedule_next_week(rng: random.Random, ids: I.Ids, plans: list[CarePlan],
                       today: pendulum.Date) -> tuple[list[Visit], list[CarePlan]]:
    """Appointments for today+1 .. today+7 of patients still in their plan of care.

    Returns the scheduled visits and the plans whose coverage needs re-verifying (about
    one in ten, e.g. a new month on a commercial plan)."""
    days = weekdays(today.add(days=1), today.add(days=7))
    visits, reverify = [], []
    for plan in plans:
        open_days = [d for d in days if d <= plan.poc_end]
        if not open_days or plan.dates[-1] < today.subtract(days=10) or rng.random() < 0.5:
            continue
        picks = sorted(rng.sample(open_days, min(len(open_days), plan.frequency)))
        for d in picks:
            visits.append(scheduled_visit(ids, plan, d))
        if rng.random() < 0.12:
            reverify.append(plan)
    return visits, reverify


def scheduled_visit(ids: I.Ids, plan: CarePlan, day: pendulum.Date, *,
                    evaluation: bool = False) -> Visit:
    """An upcoming appointment: no lines yet, nothing to bill."""
    return Visit(id=ids.new(), external_id="", patient_id=plan.patient.id,
                 coverage_id=plan.coverage.id,
                 provider_id=(plan.evaluator if evaluation else plan.therapists[0]).id,
                 practice_id=plan.practice.id, date_of_service=day, diagnoses=plan.diagnoses,
                 poc_start=None if evaluation else plan.poc_start,
                 poc_end=None if evaluation else plan.poc_end,
                 referring_npi=plan.referring_npi, referring_name=plan.referring_name,
                 status=VisitStatus.SCHEDULED)


def unverified(cov: Coverage) -> Coverage:
    """A coverage nobody has checked yet (new referral) or that needs checking again."""
    return replace(cov, status=VerificationStatus.UNVERIFIED, verified_on=None, verified_by="")
