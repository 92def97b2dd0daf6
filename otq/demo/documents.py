"""The demo practice's document records: most paperwork on file, a realistic few outstanding.

A real office files the referral before the evaluation, scans the insurance card at the
first visit, has the authorization letter before treatment starts, and gets the signed
plan of care back from the physician within a few weeks (Medicare wants it within 30
days of the first treatment day; facts §7). So the demo records all of those as
received, except:

- plans of care for recent episodes whose physician has not signed yet (sent by fax the
  day after the evaluation, and chased after two weeks);
- a small share of referrals, insurance cards and authorization letters that slipped
  through, each with a request already on record.

Treatment notes, progress reports and recertifications are left to the EHR fields the
visits carry (``note_signed``, ``last_progress_report``, ``poc_recertified``): their
absence is one of the planted mistakes the scrubber must find, so no record hides it.
Plans of care are only filed for visits that carry plan dates, for the same reason.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pendulum

from otq.domain import Visit
from otq.domain.document import Document, DocumentKind, DocumentNeed, DocumentRequest
from otq.services.documents import document_needs
from otq.services.session import Session
from otq.store import Put, encode

#: share of needs of each kind still missing for no particular reason (a slip)
SLIP_RATE = {DocumentKind.REFERRAL: 0.02, DocumentKind.INSURANCE_CARD: 0.03,
             DocumentKind.AUTHORIZATION: 0.04}
#: how a request for each kind goes out, and to whom
ASKED = {DocumentKind.REFERRAL: ("referring physician", "fax"),
         DocumentKind.PLAN_OF_CARE: ("referring physician", "fax"),
         DocumentKind.INSURANCE_CARD: ("patient", "in person"),
         DocumentKind.AUTHORIZATION: ("payer", "portal")}
POC_SIGNED_DAYS = (4, 28)  # days from the start of care to the physician's signature
CLERK = "intake"


def demo_documents(rng: random.Random, needs: list[DocumentNeed], visits: dict[str, Visit],
                   today: pendulum.Date) -> list[Document]:
    """Document records for the demo's ``needs`` (sorted by id for a stable draw)."""
    out = []
    for need in sorted(needs, key=lambda n: n.id):
        if need.kind not in ASKED:
            continue  # notes, progress reports, recertifications: the EHR fields decide
        if need.kind is DocumentKind.PLAN_OF_CARE and \
                not all(visits[v].poc_start for v in need.visit_ids if v in visits):
            continue  # no plan dates in the EHR: the missing plan is a planted mistake
        doc = _record(rng, need, today)
        if doc is not None:
            out.append(doc)
    return out


def _record(rng: random.Random, need: DocumentNeed, today: pendulum.Date) -> Document | None:
    start = need.period_start or need.needed_since
    base = Document(id=need.id, patient_id=need.patient_id, kind=need.kind, key=need.key,
                    period_start=need.period_start, period_end=need.period_end,
                    visit_id=need.visit_ids[0] if len(need.visit_ids) == 1 else "")
    to_whom, how = ASKED[need.kind]
    if need.kind is DocumentKind.PLAN_OF_CARE:
        signed = start.add(days=rng.randint(*POC_SIGNED_DAYS))
        if signed <= today:
            return _received(rng, base, signed)
        sent = min(start.add(days=1), today)
        asks = [DocumentRequest(sent, to_whom, how, CLERK)]
        if (today - sent).days >= 14:
            asks.append(DocumentRequest(sent.add(days=14), to_whom, "phone", CLERK))
        return replace(base, requests=tuple(asks))
    if rng.random() < SLIP_RATE[need.kind]:
        asked = min(need.needed_since.add(days=rng.randint(1, 7)), today)
        return replace(base, requests=(DocumentRequest(asked, to_whom, how, CLERK),))
    if need.kind is DocumentKind.REFERRAL:
        return _received(rng, base, start.subtract(days=rng.randint(2, 14)))
    if need.kind is DocumentKind.AUTHORIZATION:
        return _received(rng, base, need.needed_since.subtract(days=rng.randint(1, 10)))
    return _received(rng, base, min(need.needed_since, today))  # card: scanned at intake


def _received(rng: random.Random, base: Document, on: pendulum.Date) -> Document:
    reference = "scanned at intake" if base.kind is DocumentKind.INSURANCE_CARD \
        else f"fax {rng.randint(1000, 9999)}"
    return replace(base, received_on=on, received_by=CLERK, reference=reference)


def file_demo_documents(session: Session, rng: random.Random) -> None:
    """Commit the demo's document records (one commit, ``demo.documents``)."""
    visits = session.entities("visits")
    docs = demo_documents(rng, list(document_needs(session).values()), visits, session.today)
    if docs:
        session.store.commit([Put("documents", encode(d)) for d in docs],
                             action="demo.documents")
