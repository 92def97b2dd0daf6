"""A small, realistic practice for the TUI tests, built with domain objects and Store.commit.

Ids are deterministic (uuid5) so row order, claim numbers and snapshots never change
between runs. ``TODAY`` is the session's date; the clock in the status line is frozen
by the tests separately.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pendulum

from otq.domain import (
    Address,
    Claim,
    ClaimLine,
    ClaimStatus,
    Coverage,
    Credential,
    Denial,
    HistoryEntry,
    Note,
    Patient,
    Practice,
    Provider,
    ServiceLine,
    VerificationStatus,
    Visit,
    VisitStatus,
    WorkItem,
)
from otq.reference import load_reference
from otq.services.session import Session
from otq.store import Put, Store, encode

TODAY = pendulum.date(2026, 3, 2)
CLOCK = datetime(2026, 3, 2, 9, 41)
USER = "ann"
_NS = uuid.UUID("6f0c1a52-0000-4000-8000-00000000a001")


def uid(name: str) -> str:
    """A stable uuid for a test record."""
    return str(uuid.uuid5(_NS, name))


PATIENTS = [  # key, last, first, dob, payer
    ("p1", "ALVAREZ", "Rosa", "1948-05-14", "medicare"),
    ("p2", "BAKER", "Thomas", "1956-11-02", "medicare"),
    ("p3", "CHEN", "Li", "1990-03-27", "commercial"),
    ("p4", "DUBOIS", "Marie", "1971-08-09", "medicaid"),
    ("p5", "EDWARDS", "Jamal", "1984-01-30", "commercial"),
    ("p6", "FITZGERALD", "Siobhan", "1939-12-12", "medicare"),
    ("p7", "O'NEIL", "[bold]Pat[/bold]", "1962-06-18", "medicaid"),  # markup must stay text
]
UNVERIFIED = {"p5", "p7"}
MEMBER_IDS = {"p1": "1EG4TE5MK73", "p2": "2QH6WR8KN19", "p3": "KCH48213370",
              "p4": "MA00417722", "p5": "KCH51900412", "p6": "7TA2XM4PP56", "p7": "MA00950031"}


def _d(iso: str) -> pendulum.Date:
    return pendulum.parse(iso).date()


def _line(n: str, cpt: str, minutes: int, units: int | None, dx: tuple[int, ...],
          charge: str) -> ServiceLine:
    return ServiceLine(id=uid(n), cpt=cpt, modifiers=("GO",), minutes=minutes, units=units,
                       dx_pointers=dx, charge=Decimal(charge))


def practice_records() -> list[Put]:
    """Every record of the test practice, as store changes."""
    ref = load_reference()
    out = [Put("payers", encode(p)) for p in ref.seed_payers.values()]
    practice = Practice(id=uid("practice"), name="Riverside Hand & OT", npi="1234567893",
                        tin="251234567", address=Address("12 Mill St", "Lancaster", "PA", "17601"))
    lopez = Provider(id=uid("lopez"), npi="1245319599", last_name="Lopez", first_name="Maria",
                     credential=Credential.OT, practice_id=practice.id)
    tran = Provider(id=uid("tran"), npi="1679576722", last_name="Tran", first_name="Kevin",
                    credential=Credential.OTA, practice_id=practice.id)
    out += [Put("practices", encode(practice)), Put("providers", encode(lopez)),
            Put("providers", encode(tran))]
    for key, last, first, dob, payer in PATIENTS:
        out.append(Put("patients", encode(Patient(
            id=uid(key), external_id=f"MRN{key[1:].zfill(5)}", last_name=last, first_name=first,
            dob=_d(dob), sex="F" if first in ("Rosa", "Li", "Marie", "Siobhan") else "M"))))
        status = VerificationStatus.UNVERIFIED if key in UNVERIFIED else VerificationStatus.ACTIVE
        out.append(Put("coverages", encode(Coverage(
            id=uid(f"cov-{key}"), patient_id=uid(key), payer_id=payer,
            member_id=MEMBER_IDS[key],
            effective_from=pendulum.date(2025, 1, 1), status=status,
            verified_on=None if key in UNVERIFIED else pendulum.date(2026, 2, 10)))))

    def visit(n: str, key: str, days_ago: int, lines: tuple[ServiceLine, ...],
              status: VisitStatus = VisitStatus.UNCODED, who: Provider = lopez) -> Visit:
        return Visit(id=uid(n), external_id=n.upper(), patient_id=uid(key),
                     coverage_id=uid(f"cov-{key}"), provider_id=who.id, practice_id=practice.id,
                     date_of_service=TODAY.subtract(days=days_ago), lines=lines,
                     diagnoses=("M19.041", "M62.81"), note_signed=True,
                     poc_start=pendulum.date(2026, 1, 5), poc_end=pendulum.date(2026, 4, 4),
                     referring_npi="1003000126", status=status)

    visits = [  # uncoded: units or diagnosis missing
        visit("v-101", "p1", 3, (_line("l1", "97530", 38, None, (1,), "150.00"),
                                 _line("l2", "97110", 15, 1, (1, 2), "60.00"))),
        visit("v-102", "p2", 5, (_line("l3", "97535", 30, 2, (), "120.00"),), who=tran),
        visit("v-103", "p4", 9, (_line("l4", "97140", 23, None, (), "90.00"),)),
        visit("v-104", "p6", 12, (_line("l5", "97165", 45, 1, (1,), "210.00"),
                                  _line("l6", "97530", 8, None, (2,), "40.00"))),
        # upcoming appointments for the eligibility queue (two inside the 7-day window)
        visit("v-201", "p5", -2, (), VisitStatus.SCHEDULED),
        visit("v-202", "p7", -6, (), VisitStatus.SCHEDULED),
        visit("v-203", "p3", -20, (), VisitStatus.SCHEDULED),
    ]
    out += [Put("visits", encode(v)) for v in visits]

    def claim(n: int, key: str, payer: str, days_ago: int, lines: list[tuple[str, int, str]],
              status: ClaimStatus = ClaimStatus.READY) -> Claim:
        dos = TODAY.subtract(days=days_ago)
        return Claim(
            id=uid(f"claim-{n}"), patient_control_number=f"OTQ{n:07d}", patient_id=uid(key),
            payer_id=payer, coverage_id=uid(f"cov-{key}"), practice_id=practice.id,
            provider_id=lopez.id, visit_ids=(), date_of_service=dos,
            lines=tuple(ClaimLine(control_number=f"{n:07d}L{i:02d}", cpt=cpt, modifiers=("GO",),
                                  units=u, charge=Decimal(c), dx_pointers=(1,), date_of_service=dos)
                        for i, (cpt, u, c) in enumerate(lines, 1)),
            diagnoses=("M19.041",), status=status)

    claims = [
        claim(1, "p3", "commercial", 4, [("97530", 2, "150.00"), ("97110", 1, "60.00")]),
        claim(2, "p1", "medicare", 8, [("97535", 2, "120.00")]),
        claim(3, "p5", "commercial", 15, [("97165", 1, "210.00")]),
        claim(4, "p2", "medicare", 40, [("97140", 2, "90.00")], ClaimStatus.DENIED),
    ]
    out += [Put("claims", encode(c)) for c in claims]
    out.append(Put("denials", encode(Denial(
        id=uid("denial-1"), claim_id=uid("claim-4"), payer_id="medicare", group_code="CO",
        carc="97", amount=Decimal("90.00"), denied_on=TODAY.subtract(days=12),
        rarcs=("M15",), payer_claim_control_number="26012345678", next_action="correct_resubmit",
        deadline=TODAY.add(days=108)))))
    out.append(Put("workitems", encode(WorkItem(
        id=uid("wi-1"), subject_type="visit", subject_id=uid("v-102"), assignee=USER,
        notes=(Note(at="2026-02-27T10:15:00", by=USER, text="Asked Kevin for the dx codes"),),
        history=(HistoryEntry(at="2026-02-27T10:14:00", by=USER, what="claimed"),)))))
    return out


def build_store(path: Path) -> Path:
    """Create the test practice at ``path`` and return the path."""
    store = Store.open(path, create=True, user=USER)
    store.commit(practice_records(), action="test.seed")
    return path


def open_session(path: Path) -> Session:
    """A session on ``path`` as user ann, with the fixed test date."""
    return Session(store=Store.open(path, user=USER), today=TODAY)
