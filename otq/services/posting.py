"""Posting one 835 claim payment (CLP) to its claim: payment, adjustments, denials.

Used by ``otq.services.remittance``; it only stages changes on the import's state, and
the import commits them all at once. Every CAS triplet is kept on the posting record; the
ones the playbook does not mark "post only" become denials with a next action and a
deadline. A later payment of a line or claim closes the open denials it settles.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pendulum

from otq.domain import Claim, ClaimLine, ClaimStatus, Denial, DenialStatus
from otq.domain.payer import PayerProfile
from otq.domain.workitem import HistoryEntry
from otq.reference.denial_playbook import load_playbook
from otq.store import encode
from otq.x12.remit_835 import ClaimPayment, ServicePayment

ZERO = Decimal(0)
_OPEN = (DenialStatus.OPEN, DenialStatus.APPEALED, DenialStatus.RESUBMITTED)


def unmatched_record(remit_id: str, file: str, clp: ClaimPayment, svc: ServicePayment | None,
                     reason: str) -> dict:
    """An unmatched claim or line, with enough to find it by hand (no patient names)."""
    rec = {"id": str(uuid.uuid4()), "remit_id": remit_id, "file": file,
           "segment_number": (svc or clp).segment_number, "line": (svc or clp).line,
           "patient_control_number": clp.patient_control_number,
           "payer_claim_control_number": clp.payer_claim_control_number,
           "claim_status_code": clp.status, "reason": reason, "resolved": False}
    if svc is None:
        rec.update(level="claim", charge=str(clp.charge), paid=str(clp.paid))
    else:
        rec.update(level="line", code=svc.code, modifiers=list(svc.modifiers),
                   control_number=svc.control_number, charge=str(svc.charge),
                   paid=str(svc.paid), date=svc.date.isoformat() if svc.date else "")
    return rec


def _profile(session, claim: Claim) -> PayerProfile:
    payer = session.entity("payers", claim.payer_id)
    profiles = session.reference.profiles
    if payer is not None and payer.profile_id in profiles:
        return profiles[payer.profile_id]
    return PayerProfile(id="", name=claim.payer_id)


def _has_secondary(session, patient_id: str) -> bool:
    table = session.cached("posting:secondary", lambda: {
        c.patient_id for c in session.entities("coverages").values() if c.priority == 2})
    return patient_id in table


def _match_lines(claim: Claim, clp: ClaimPayment, state, remit_id: str,
                 file: str) -> list[tuple[ServicePayment, ClaimLine | None]]:
    by_ctl = {ln.control_number: ln for ln in claim.lines}
    used: set[str] = set()
    out = []
    for svc in clp.services:
        ln = by_ctl.get(svc.control_number) if svc.control_number else None
        if ln is None or ln.control_number in used:
            ln = next((x for x in claim.lines if x.control_number not in used and x.cpt == svc.code
                       and (svc.date is None or x.date_of_service == svc.date)), None)
        if ln is None:
            state.unmatched.append(unmatched_record(
                remit_id, file, clp, svc, "no line of the claim has this REF*6R, or this "
                "procedure code and date"))
        else:
            used.add(ln.control_number)
        out.append((svc, ln))
    return out


def post_claim_payment(state, claim: Claim, clp: ClaimPayment, remit_id: str,
                       remit_date: pendulum.Date, file: str) -> None:
    """Stage the posting of ``clp`` to ``claim`` on the import ``state``."""
    claim = state.current(claim)
    lines = _match_lines(claim, clp, state, remit_id, file)
    new = [] if clp.is_reversal else _denials(state, claim, clp, lines, remit_id, remit_date,
                                               file)
    for d in new:
        state.denials[d.id] = d
    if clp.paid > 0 and not clp.is_reversal:
        _close_paid(state, claim, clp, remit_date, file)
    paid = claim.paid_amount + clp.paid
    provider_denied = any(d.group_code != "PR" for d in new)
    if clp.is_reversal:
        status = ClaimStatus.SUBMITTED if paid == 0 else ClaimStatus.PARTIAL
    elif clp.status == "4" or (clp.paid <= 0 and provider_denied):
        status = ClaimStatus.DENIED
    elif provider_denied:
        status = ClaimStatus.PARTIAL
    else:
        status = ClaimStatus.PAID
    state.put_claim(replace(
        claim, status=status, paid_amount=paid,
        patient_responsibility=claim.patient_responsibility + clp.patient_responsibility,
        original_icn=clp.payer_claim_control_number or claim.original_icn))
    state.postings.append({
        "id": str(uuid.uuid4()), "claim_id": claim.id, "remit_id": remit_id, "file": file,
        "posted_at": state.stamp, "remit_date": remit_date.isoformat(),
        "claim_status_code": clp.status, "charge": str(clp.charge), "paid": str(clp.paid),
        "patient_responsibility": str(clp.patient_responsibility),
        "payer_claim_control_number": clp.payer_claim_control_number,
        "adjustments": [encode(a) for a in clp.adjustments], "rarcs": list(clp.rarcs),
        "lines": [{"control_number": ln.control_number if ln else "", "code": svc.code,
                   "charge": str(svc.charge), "paid": str(svc.paid),
                   "allowed": str(svc.allowed) if svc.allowed is not None else "",
                   "adjustments": [encode(a) for a in svc.adjustments],
                   "rarcs": list(svc.rarcs)} for svc, ln in lines],
        "denial_ids": [d.id for d in new]})


def _denials(state, claim: Claim, clp: ClaimPayment, lines, remit_id: str,
             remit_date: pendulum.Date, file: str) -> list[Denial]:
    """One denial per (line, group, CARC) the playbook does not mark post-only."""
    session = state.session
    book = load_playbook()
    profile = _profile(session, claim)
    secondary = _has_secondary(session, claim.patient_id)
    sums: dict[tuple[str, str, str], list] = {}
    for adj in clp.adjustments:
        entry = sums.setdefault(("", adj.group, adj.reason), [ZERO, None, None])
        entry[0] += adj.amount
    for svc, ln in lines:
        for adj in svc.adjustments:
            # What the patient owes is billed per claim, so PR lines add up to one item.
            if adj.group == "PR":
                entry = sums.setdefault(("", adj.group, adj.reason), [ZERO, None, None])
            else:
                ctl = ln.control_number if ln else svc.control_number
                entry = sums.setdefault((ctl, adj.group, adj.reason), [ZERO, svc, ln])
            entry[0] += adj.amount
    out = []
    for (ctl, group, carc), (amount, svc, ln) in sums.items():
        rarcs = tuple(dict.fromkeys([*(svc.rarcs if svc else ()), *clp.rarcs]))
        dos = ln.date_of_service if ln else (svc.date if svc and svc.date else
                                             claim.date_of_service)
        d = book.decide(group, carc, rarcs, profile, has_secondary=secondary,
                        remit_date=remit_date, service_date=dos)
        if d.post_only or amount <= 0:
            continue
        what = (f"{group}-{carc} {amount} on {file}"
                + (f" (line {ctl})" if ctl else " (claim)")
                + f"; next: {d.label} by {d.deadline.isoformat()}")
        out.append(Denial(
            id=str(uuid.uuid4()), claim_id=claim.id, payer_id=claim.payer_id, group_code=group,
            carc=carc, amount=amount, denied_on=remit_date, line_control_number=ctl,
            rarcs=rarcs, payer_claim_control_number=clp.payer_claim_control_number,
            next_action=d.action, deadline=d.deadline, remit_id=remit_id,
            cpt=(ln.cpt if ln else svc.code) if svc else "", why=d.why,
            history=(HistoryEntry(at=state.stamp, by=session.user, what=what),)))
    return out


def _open_by_pcn(session) -> dict[str, list[Denial]]:
    """Open denials by their claim's patient control number (cached per store state)."""
    def build() -> dict[str, list[Denial]]:
        claims = session.entities("claims")
        out: dict[str, list[Denial]] = {}
        for d in session.entities("denials").values():
            owner = claims.get(d.claim_id)
            if d.status in _OPEN and owner is not None:
                out.setdefault(owner.patient_control_number, []).append(d)
        return out
    return session.cached("posting:open-denials-by-pcn", build)


def _close_paid(state, claim: Claim, clp: ClaimPayment, remit_date: pendulum.Date,
                file: str) -> None:
    """Close open denials of this claim number that this payment settles."""
    session = state.session
    paid_codes = {svc.code for svc in clp.services if svc.paid > 0}
    for d in _open_by_pcn(session).get(claim.patient_control_number, ()):
        d = state.denials.get(d.id, d)
        if d.status not in _OPEN:
            continue
        if d.cpt and clp.services and d.cpt not in paid_codes:
            continue
        if d.id not in state.denial_versions:
            state.denial_versions[d.id] = session.version("denials", d.id)
        state.denials[d.id] = replace(
            d, status=DenialStatus.CLOSED, closed_on=remit_date, resolution="paid",
            history=d.history + (HistoryEntry(
                at=state.stamp, by=session.user,
                what=f"closed: paid {clp.paid} on {file}"),))
