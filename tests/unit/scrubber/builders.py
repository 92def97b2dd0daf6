"""Domain objects for scrubber tests, built directly (no store): a clean Medicare visit by
default, which each test bends in exactly one way."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pendulum

from otq.domain import (
    Authorization,
    Coverage,
    Credential,
    Patient,
    Payer,
    Practice,
    Provider,
    ServiceLine,
    VerificationStatus,
    Visit,
    VisitStatus,
)
from otq.reference import load_reference
from otq.scrubber import ScrubContext, scrub_visit

TODAY = pendulum.date(2026, 3, 2)
DOS = pendulum.date(2026, 2, 20)
GOOD_NPI = "1234567893"      # CMS's worked example (facts §5.2)
GOOD_NPI_2 = "1558598797"
GOOD_MBI = "1EG4TE5MK73"     # CMS's example MBI (facts §5.1)
REF = load_reference()

PAYER_FOR = {"medicare": "pay-mcr", "medicaid": "pay-mcd", "commercial": "pay-com"}


def line(cpt: str = "97110", minutes: int | None = 23, units: int | None = 2,
         modifiers: tuple[str, ...] = ("GO",), charge: str | None = "60.00",
         dx: tuple[int, ...] = (1,), by: Credential = Credential.OT, lid: str = "") -> ServiceLine:
    """One service line (defaults: 97110, 23 min, 2 units, GO, $60, dx 1)."""
    return ServiceLine(id=lid or f"ln-{cpt}", cpt=cpt, modifiers=modifiers, minutes=minutes,
                       units=units, dx_pointers=dx,
                       charge=Decimal(charge) if charge is not None else None, furnished_by=by)


def timed(cpt: str, minutes: int, units: int, **kw: Any) -> ServiceLine:
    """A timed line with its minutes and billed units."""
    return line(cpt, minutes=minutes, units=units, **kw)


def untimed(cpt: str, units: int = 1, **kw: Any) -> ServiceLine:
    """An untimed line (no minutes)."""
    return line(cpt, minutes=None, units=units, **kw)


def visit(*lines: ServiceLine, vid: str = "v1", profile: str = "medicare", dos=DOS,
          **kw: Any) -> Visit:
    """A clean, signed visit under a current plan of care for patient p1."""
    base = dict(
        id=vid, external_id=f"EHR-{vid}", patient_id=kw.pop("patient_id", "p1"),
        coverage_id=f"cov-{profile}", provider_id="prov1", practice_id="prac1",
        date_of_service=dos, lines=lines or (timed("97110", 23, 2),),
        diagnoses=("I69.351", "M62.81"), note_signed=True,
        poc_start=dos.subtract(days=10), poc_end=dos.add(days=60),
        referring_npi=GOOD_NPI_2, status=VisitStatus.UNCODED,
    )
    base.update(kw)
    return Visit(**base)


def world(*visits: Visit, today=TODAY, patient: Patient | None = None,
          coverages: dict[str, Coverage] | None = None, provider: Provider | None = None,
          practice: Practice | None = None, authorizations: tuple[Authorization, ...] = (),
          data: dict | None = None, profiles: dict | None = None,
          verifications: dict | None = None) -> ScrubContext:
    """A context holding ``visits`` (and the patient's coverages for all three profiles)."""
    patient = patient or Patient(id="p1", external_id="P-1", last_name="Doe", first_name="Jane",
                                 dob=pendulum.date(1950, 1, 1), sex="F")
    payers = {pid: Payer(id=pid, name=prof.title(), x12_payer_id="X", filing_indicator="CI",
                         profile_id=prof) for prof, pid in PAYER_FOR.items()}
    member = {"medicare": GOOD_MBI, "medicaid": "MCD123456", "commercial": "ABC123456789"}
    covs = coverages or {f"cov-{prof}": Coverage(id=f"cov-{prof}", patient_id="p1", payer_id=pid,
                                                 member_id=member[prof],
                                                 status=VerificationStatus.ACTIVE,
                                                 verified_on=DOS.subtract(days=3))
                         for prof, pid in PAYER_FOR.items()}
    return ScrubContext.build(
        today=today, codes=REF.codes, profiles=profiles or REF.profiles,
        visits={v.id: v for v in visits}, patients={patient.id: patient}, coverages=covs,
        payers=payers,
        providers={"prov1": provider or Provider(id="prov1", npi=GOOD_NPI_2, last_name="Lee",
                                                 first_name="Anna")},
        practices={"prac1": practice or Practice(id="prac1", name="Acme OT", npi=GOOD_NPI,
                                                 tin="123456789")},
        authorizations={a.id: a for a in authorizations},
        data=REF.extra if data is None else data,
        verifications=verifications or {},
    )


def scrub(v: Visit, *others: Visit, **kw: Any):
    """Findings for ``v`` in a world that also holds ``others``."""
    return scrub_visit(v, world(v, *others, **kw))


def ids(findings) -> list[str]:
    """The rule ids of findings, in order."""
    return [f.rule_id for f in findings]


def only(findings, rule_id: str):
    """The findings of one rule."""
    return [f for f in findings if f.rule_id == rule_id]


def with_lines(v: Visit, *lines: ServiceLine) -> Visit:
    """The visit with other lines."""
    return replace(v, lines=lines)
