"""The demo practices, therapists, referring physicians and patients with their coverage.

Each patient comes with a ``CarePlan``: the condition treated, the therapists, the plan of
care dates and which payer pays. The visit builder turns plans into visits.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import pendulum

from otq.demo import ids as I
from otq.demo.clinical import Condition, pick_condition, pick_diagnoses
from otq.demo.names import FEMALE_FIRST, LAST, MALE_FIRST, PRACTICES, STREETS, TOWNS
from otq.domain import (
    Address,
    Authorization,
    Coverage,
    Credential,
    Patient,
    Practice,
    Provider,
    VerificationStatus,
)

#: payer id -> share of the caseload (outpatient OT skews to Medicare)
PAYER_MIX = (("medicare", 45), ("medicaid", 20), ("commercial", 35))
#: therapists per practice in the base (2,000-visit) demo: (OTs, OTAs)
STAFFING = ((2, 2), (1, 1))


@dataclass
class CarePlan:
    """One patient's episode of care as the generator plans it."""

    patient: Patient
    coverage: Coverage
    condition: Condition
    diagnoses: tuple[str, ...]
    practice: Practice
    evaluator: Provider  # an OT: assistants do not evaluate
    therapists: list[Provider]  # who treats; the first is the primary therapist
    referring_npi: str
    poc_start: pendulum.Date
    poc_end: pendulum.Date
    new: bool  # evaluated inside the 8 weeks (else an established patient)
    frequency: int  # visits a week
    authorization: Authorization | None = None
    dates: list[pendulum.Date] = field(default_factory=list)
    referring_name: str = ""  # "LAST, FIRST" of the certifying physician

    @property
    def payer_id(self) -> str:
        """The payer billed."""
        return self.coverage.payer_id


@dataclass
class Staff:
    """The practices and who works there."""

    practices: list[Practice]
    providers: list[Provider]
    by_practice: dict[str, list[Provider]]
    referrers: list[str]  # NPIs of the physicians who refer and certify plans
    referrer_names: dict[str, str] = field(default_factory=dict)  # NPI -> "LAST, FIRST"


def make_staff(rng: random.Random, ids: I.Ids, scale: int) -> Staff:
    """Two practices; 6 therapists (times ``scale`` for very large demos); 12 referrers."""
    practices, providers, by_practice = [], [], {}
    for (name, street, city, state, zip_), (ots, otas) in zip(PRACTICES, STAFFING, strict=True):
        p = Practice(id=ids.new(), name=name, npi=I.make_npi(rng, 2), tin=I.make_tin(rng),
                     address=Address(street, city, state, zip_))
        practices.append(p)
        staff = []
        for cred, n in ((Credential.OT, ots * scale), (Credential.OTA, otas * scale)):
            for _ in range(n):
                first = rng.choice(FEMALE_FIRST if rng.random() < 0.8 else MALE_FIRST)
                staff.append(Provider(id=ids.new(), npi=I.make_npi(rng), last_name=rng.choice(LAST),
                                      first_name=first, credential=cred, practice_id=p.id))
        providers += staff
        by_practice[p.id] = staff
    referrers = [I.make_npi(rng) for _ in range(12 * scale)]
    return Staff(practices, providers, by_practice, referrers, referrer_names(referrers))


def referrer_names(npis: list[str]) -> dict[str, str]:
    """A physician's name for each referring NPI, as "LAST, FIRST".

    Drawn from a generator seeded by the NPI rather than the demo's own, so naming the
    referrers leaves every other generated value exactly as before.
    """
    out = {}
    for npi in npis:
        own = random.Random(int(npi))
        first = own.choice(FEMALE_FIRST if own.random() < 0.5 else MALE_FIRST)
        out[npi] = f"{own.choice(LAST).upper()}, {first.upper()}"
    return out


def _payer(rng: random.Random) -> str:
    return rng.choices([p for p, _ in PAYER_MIX], [w for _, w in PAYER_MIX])[0]


def _age(rng: random.Random, payer: str, cond: Condition) -> int:
    lo, hi = cond.ages
    if payer == "medicare":
        return rng.randint(max(lo, 66), max(hi, 70))
    if cond.name == "pediatric":
        return rng.randint(lo, hi)
    lo = min(max(lo, 19), 58)  # under 65 and not on Medicare: younger than the usual age
    return rng.randint(lo, max(lo, min(hi, 64)))


def _member_id(rng: random.Random, payer: str) -> str:
    if payer == "medicare":
        return I.make_mbi(rng)
    if payer == "medicaid":
        return I.make_medicaid_id(rng)
    return I.make_commercial_id(rng, "KCH")


def make_patient(rng: random.Random, ids: I.Ids, number: int, today: pendulum.Date,
                 payer: str, cond: Condition) -> Patient:
    """A patient of a plausible age for the payer and condition."""
    sex = rng.choice("FM") if cond.name != "pediatric" else rng.choice("FMM")
    first = rng.choice(FEMALE_FIRST if sex == "F" else MALE_FIRST)
    age = _age(rng, payer, cond)
    dob = today.subtract(years=age, days=rng.randint(0, 364))
    city, state, zip_ = rng.choice(TOWNS)
    street = f"{rng.randint(2, 2999)} {rng.choice(STREETS)}"
    return Patient(id=ids.new(), external_id=f"P{number:06d}", last_name=rng.choice(LAST),
                   first_name=first, dob=dob, sex=sex, address=Address(street, city, state, zip_))


def make_plans(rng: random.Random, ids: I.Ids, staff: Staff, n_patients: int,
               today: pendulum.Date, window_start: pendulum.Date, *,
               first_number: int = 10001) -> list[CarePlan]:
    """Patients in care during the 8 weeks: new ones evaluated in the window, and
    established ones whose plan of care began up to five weeks before it."""
    plans = []
    last_eval = today.subtract(days=3)
    span = max(0, (last_eval - window_start).days)
    for n in range(n_patients):
        payer = _payer(rng)
        cond = pick_condition(rng, pediatric_ok=payer != "medicare")
        patient = make_patient(rng, ids, first_number + n, today, payer, cond)
        hand = cond.name in ("wrist fracture", "hand")
        practice = staff.practices[1 if rng.random() < (0.7 if hand else 0.2) else 0]
        team = staff.by_practice[practice.id]
        ots = [p for p in team if p.credential is Credential.OT]
        primary = rng.choice(team)
        others = [p for p in team if p is not primary]
        new = rng.random() < 0.45
        if new:
            start = window_start.add(days=rng.randint(0, span))
            while start.isoweekday() > 5:
                start = start.add(days=1)
            end = start.add(days=rng.choice((59, 89)))
        else:
            start = window_start.subtract(days=rng.randint(5, 35))
            end = start.add(days=89)
        verified = start.subtract(days=rng.randint(1, 6))
        # Billing offices re-check coverage about monthly; a few checks run late, and
        # those patients are what the eligibility queue is for.
        recheck = today.subtract(days=rng.randint(1, 27) if rng.random() < 0.9
                                 else rng.randint(31, 60))
        verified = max(verified, recheck) if recheck <= today else verified
        coverage = Coverage(id=ids.new(), patient_id=patient.id, payer_id=payer,
                            member_id=_member_id(rng, payer), effective_from=verified.replace(
                                month=1, day=1), status=VerificationStatus.ACTIVE,
                            verified_on=verified, verified_by="intake")
        plans.append(CarePlan(
            patient=patient, coverage=coverage, condition=cond,
            diagnoses=pick_diagnoses(rng, cond), practice=practice,
            evaluator=rng.choice(ots), therapists=[primary, *rng.sample(others, 1)],
            referring_npi=(ref := rng.choice(staff.referrers)),
            referring_name=staff.referrer_names.get(ref, ""), poc_start=start, poc_end=end,
            new=new, frequency=rng.choices((1, 2, 3), (2, 5, 3))[0]))
    return plans


def add_authorization(rng: random.Random, ids: I.Ids, plan: CarePlan, extra: int) -> None:
    """Commercial plans usually authorise a number of visits for the plan of care."""
    if plan.payer_id != "commercial" or rng.random() > 0.7:
        return
    plan.authorization = Authorization(
        id=ids.new(), patient_id=plan.patient.id, payer_id=plan.payer_id,
        number=I.auth_number(rng), visits_authorized=len(plan.dates) + extra,
        start=plan.poc_start, end=plan.poc_end)


def weekdays(start: pendulum.Date, end: pendulum.Date) -> list[pendulum.Date]:
    """Mondays to Fridays from ``start`` to ``end`` inclusive."""
    days = []
    d = start
    while d <= end:
        if d.isoweekday() <= 5:
            days.append(d)
        d = d.add(days=1)
    return days


def allocate(rng: random.Random, plans: list[CarePlan], total: int,
             window_start: pendulum.Date, last_day: pendulum.Date) -> None:
    """Give the plans exactly ``total`` treated visit dates, spread over their plan of care."""
    open_days = [weekdays(max(window_start, p.poc_start), min(last_day, p.poc_end)) for p in plans]
    want = [p.frequency * len(d) / 5 for p, d in zip(plans, open_days, strict=True)]
    factor = total / max(sum(want), 1e-9)
    counts = [max(1, min(len(d), round(w * factor))) for w, d in zip(want, open_days, strict=True)]
    order = list(range(len(plans)))
    while sum(counts) != total:
        rng.shuffle(order)
        step = 1 if sum(counts) < total else -1
        moved = False
        for i in order:
            if sum(counts) == total:
                break
            if (step > 0 and counts[i] < len(open_days[i])) or (step < 0 and counts[i] > 1):
                counts[i] += step
                moved = True
        if not moved:
            raise ValueError("more visits asked for than the patients' plans can hold")
    for plan, days, k in zip(plans, open_days, counts, strict=True):
        width = len(days) / k
        picks = {min(len(days) - 1, int(i * width + rng.random() * width)) for i in range(k)}
        if plan.new:
            picks.discard(min(picks))
            picks.add(0)  # the evaluation opens the episode
        while len(picks) < k:  # rounding collisions: fill from the free days
            picks.add(rng.choice([j for j in range(len(days)) if j not in picks]))
        plan.dates = [days[j] for j in sorted(picks)]


def scale_for(visits: int) -> int:
    """How many times the base staff a demo of ``visits`` needs (6 therapists to 3,000)."""
    return max(1, math.ceil(visits / 3000))
