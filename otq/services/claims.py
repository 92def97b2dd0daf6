"""Turning clean visits into claims."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import replace

from otq.domain import Claim, ClaimLine, Visit, VisitStatus
from otq.scrubber import scrub_visit
from otq.services.scrubbing import has_errors, scrub_context
from otq.services.session import Session
from otq.store import Put, encode


def claim_key(visit: Visit, payer_id: str) -> tuple[str, str, str]:
    """One claim per patient, payer and date of service."""
    return (visit.patient_id, payer_id, visit.date_of_service.isoformat())


def build_claims(session: Session, visits: list[Visit], first_number: int) -> list[Claim]:
    """Claims for clean visits, grouping visits of one patient, payer and date.

    ``first_number`` seeds the patient control numbers (CLM01), which come from a store
    counter so they are unique per store.
    """
    coverages = session.entities("coverages")
    groups: dict[tuple[str, str, str], list[Visit]] = defaultdict(list)
    for v in visits:
        cov = coverages.get(v.coverage_id)
        if cov is not None:
            groups[claim_key(v, cov.payer_id)].append(v)
    claims = []
    number = first_number
    for (_patient, payer_id, _dos), group in sorted(groups.items()):
        first = group[0]
        diagnoses: list[str] = []
        lines = []
        for v in group:
            for ln in v.lines:
                pointers = []
                for dx in v.line_diagnoses(ln):
                    if dx not in diagnoses:
                        diagnoses.append(dx)
                    pointers.append(diagnoses.index(dx) + 1)
                lines.append(ClaimLine(
                    control_number=f"{number:07d}L{len(lines) + 1:02d}",
                    cpt=ln.cpt, modifiers=ln.modifiers, units=ln.units or 0,
                    charge=ln.charge or 0, dx_pointers=tuple(pointers[:4]),
                    date_of_service=v.date_of_service,
                ))
        claims.append(Claim(
            id=str(uuid.uuid4()), patient_control_number=f"OTQ{number:07d}",
            patient_id=first.patient_id, payer_id=payer_id, coverage_id=first.coverage_id,
            practice_id=first.practice_id, provider_id=first.provider_id,
            visit_ids=tuple(v.id for v in group), date_of_service=first.date_of_service,
            lines=tuple(lines), diagnoses=tuple(diagnoses[:12]),
            place_of_service=first.place_of_service, referring_npi=first.referring_npi,
            referring_name=first.referring_name, auth_number=first.auth_number,
        ))
        number += 1
    return claims


def promote_clean_visits(session: Session, *, action: str = "visits.promote") -> int:
    """Mark every uncoded visit without errors as coded and create its claim, in one commit.

    Returns how many claims were created. Visits that share a patient, payer and date are
    only promoted together, when all of them are clean.
    """
    ctx = scrub_context(session)
    uncoded = [v for v in session.entities("visits").values() if v.status is VisitStatus.UNCODED]
    clean = [v for v in uncoded if v.lines and not has_errors(scrub_visit(v, ctx))]
    clean_ids = {v.id for v in clean}  # a set: `v not in clean` was quadratic at 20k visits
    blocked = {claim_key(v, ctx.coverages[v.coverage_id].payer_id)
               for v in uncoded if v.id not in clean_ids and v.coverage_id in ctx.coverages}
    clean = [v for v in clean if v.coverage_id in ctx.coverages
             and claim_key(v, ctx.coverages[v.coverage_id].payer_id) not in blocked]
    if not clean:
        return 0
    seen = session.store.meta.get("counters", {}).get("claim", 0)
    claims = build_claims(session, clean, seen + 1)
    changes = [Put("claims", encode(c)) for c in claims]
    for v in clean:
        changes.append(Put("visits", encode(replace(v, status=VisitStatus.CODED)),
                           session.version("visits", v.id)))
    # The counter check makes a concurrent promotion a conflict instead of a duplicate CLM01.
    session.store.commit(changes, action=action, counters={"claim": (seen, len(claims))})
    return len(claims)
