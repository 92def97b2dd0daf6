"""Small hand-computed practices for the report tests, built with domain objects.

Every date is relative to ``TODAY`` (2026-06-30) and every id is a stable uuid5, so the
expected numbers written in the tests never drift.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pendulum

from otq.domain import (
    Claim,
    ClaimLine,
    ClaimStatus,
    Coverage,
    Credential,
    Denial,
    DenialStatus,
    Patient,
    Practice,
    Provider,
    ServiceLine,
    Visit,
    VisitStatus,
)
from otq.reference import load_reference
from otq.services.session import Session
from otq.store import Put, Store, encode

TODAY = pendulum.date(2026, 6, 30)
_NS = uuid.UUID("4d1b8e0a-0000-4000-8000-0000000000f1")


def uid(name: str) -> str:
    """A stable uuid for a test record."""
    return str(uuid.uuid5(_NS, name))


def d(iso: str) -> pendulum.Date:
    """A date from ISO text."""
    return pendulum.parse(iso).date()


def base_records(patients: dict[str, str], providers: tuple[str, ...] = ("A", "B")) -> list[Put]:
    """Payers, a practice, providers and one patient + coverage per ``patients`` key."""
    ref = load_reference()
    out = [Put("payers", encode(p)) for p in ref.seed_payers.values()]
    out.append(Put("practices", encode(Practice(id=uid("practice"), name="Test OT",
                                                npi="1234567893", tin="251234567"))))
    for n, name in enumerate(providers):
        out.append(Put("providers", encode(Provider(
            id=uid(f"prov-{name}"), npi=f"10000000{n:02d}", last_name=f"Therapist{name}",
            first_name="Pat", credential=Credential.OT, practice_id=uid("practice")))))
    for key, payer in patients.items():
        out.append(Put("patients", encode(Patient(id=uid(key), external_id=key.upper(),
                                                  last_name=key.upper(), first_name="Test",
                                                  dob=d("1950-01-01")))))
        out.append(Put("coverages", encode(Coverage(id=uid(f"cov-{key}"), patient_id=uid(key),
                                                    payer_id=payer, member_id=f"M{key}"))))
    return out


def claim(name: str, patient: str, payer: str, dos: str, charge: str,
          status: ClaimStatus = ClaimStatus.SUBMITTED, *, provider: str = "A", paid: str = "0",
          submitted: str = "", frequency: str = "1", replaces: str = "") -> Claim:
    """A one-line claim."""
    day = d(dos)
    return Claim(
        id=uid(name), patient_control_number=name.upper(), patient_id=uid(patient),
        payer_id=payer, coverage_id=uid(f"cov-{patient}"), practice_id=uid("practice"),
        provider_id=uid(f"prov-{provider}"), visit_ids=(), date_of_service=day,
        lines=(ClaimLine(control_number=f"{name}L1", cpt="97110", modifiers=("GO",), units=1,
                         charge=Decimal(charge), dx_pointers=(1,), date_of_service=day),),
        diagnoses=("M62.81",), status=status, paid_amount=Decimal(paid),
        submitted_at=f"{submitted}T16:00:00+00:00" if submitted else "", frequency=frequency,
        replaces_claim_id=uid(replaces) if replaces else "")


def denial(name: str, claim_name: str, payer: str, carc: str, amount: str, on: str, *,
           appeal_level: int = 0, status: DenialStatus = DenialStatus.OPEN,
           resolution: str = "") -> Denial:
    """A denial of one claim."""
    return Denial(id=uid(name), claim_id=uid(claim_name), payer_id=payer, group_code="CO",
                  carc=carc, amount=Decimal(amount), denied_on=d(on), appeal_level=appeal_level,
                  appealed_on=d(on).add(days=5) if appeal_level else None, status=status,
                  resolution=resolution)


def visit(name: str, patient: str, dos: str, lines: list[tuple[str, int, str]], *,
          provider: str = "A", status: VisitStatus = VisitStatus.CODED,
          modifiers: tuple[str, ...] = ("GO",), **kw) -> Visit:
    """A visit with (cpt, units, charge) lines."""
    return Visit(id=uid(name), external_id=name.upper(), patient_id=uid(patient),
                 coverage_id=uid(f"cov-{patient}"), provider_id=uid(f"prov-{provider}"),
                 practice_id=uid("practice"), date_of_service=d(dos),
                 lines=tuple(ServiceLine(id=uid(f"{name}-{i}"), cpt=cpt, modifiers=modifiers,
                                         units=u, charge=Decimal(c), minutes=15 * u)
                             for i, (cpt, u, c) in enumerate(lines)),
                 diagnoses=("M62.81",), status=status, **{"note_signed": True, **kw})


def make_session(tmp_path: Path, records: list[Put], user: str = "ann") -> Session:
    """A store at ``tmp_path/otq.json`` holding ``records``, opened at TODAY."""
    path = tmp_path / "otq.json"
    store = Store.open(path, create=True, user=user)
    store.commit(records, action="test.seed")
    return Session(store=Store.open(path, user=user), today=TODAY)


def put(table: str, *objs) -> list[Put]:
    """Store changes for domain objects."""
    return [Put(table, encode(o)) for o in objs]


def money_records() -> list:
    """The practice of the money-report tests (see test_money_reports.py for the numbers)."""
    claims = [
        claim("c1", "p1", "medicare", "2026-06-20", "100", submitted="2026-06-22"),
        claim("c2", "p1", "medicare", "2026-05-01", "200", submitted="2026-05-04"),
        claim("c3", "p2", "medicare", "2026-03-15", "150", ClaimStatus.DENIED, submitted="2026-03-18"),
        claim("c4", "p2", "medicare", "2026-03-02", "300", ClaimStatus.PARTIAL, paid="120",
              submitted="2026-03-04", provider="B"),
        claim("c5", "p2", "medicare", "2026-01-01", "50", submitted="2026-01-05"),
        claim("c6", "p3", "commercial", "2026-04-15", "80", submitted="2026-04-17"),
        claim("c7", "p3", "commercial", "2026-06-20", "90", ClaimStatus.PAID, paid="90",
              submitted="2026-06-23"),
        claim("c8", "p3", "commercial", "2026-04-10", "70", ClaimStatus.READY),
        claim("c9", "p3", "commercial", "2026-05-31", "40", submitted="2026-06-02"),
        claim("c11", "p3", "commercial", "2026-05-31", "40", ClaimStatus.VOID, submitted="2026-06-05",
              frequency="8", replaces="c9"),
    ]
    denials = [
        denial("d1", "c3", "medicare", "50", "150", "2026-04-10", appeal_level=1,
               status=DenialStatus.CLOSED, resolution="paid"),
        denial("d2", "c4", "medicare", "50", "60", "2026-04-01", appeal_level=1,
               status=DenialStatus.APPEALED),
        denial("d3", "c6", "commercial", "197", "80", "2026-05-20"),
    ]
    visits = [  # uncoded visits for timely filing (commercial: 90 days)
        visit("u1", "p3", "2026-04-20", [("97110", 2, "110")], status=VisitStatus.UNCODED),
        visit("u2", "p3", "2026-03-20", [("97110", 1, "55")], status=VisitStatus.UNCODED),
        visit("u3", "p3", "2026-06-01", [("97110", 1, "60")], status=VisitStatus.UNCODED),
    ]
    records = base_records({"p1": "medicare", "p2": "medicare", "p3": "commercial"})
    return records + put("claims", *claims) + put("denials", *denials) + put("visits", *visits)
