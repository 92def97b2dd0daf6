"""Timely-filing risk: what must reach the payer within the next 30 days, and the dollars.

At risk: visits still being coded, claims ready but not sent, and denied claims that must
be corrected and re-filed. The deadline is the date of service plus the payer profile's
``filing_limit_days`` (data, facts §6.1). Items whose limit has already passed are
counted in the notes, not listed: they can no longer be saved by filing quickly.
``--from``/``--to`` narrow by date of service.
"""

from __future__ import annotations

from decimal import Decimal

from otq.domain import ClaimStatus, VisitStatus
from otq.services.reports import Column, Report, ReportParams, patient_name
from otq.services.session import Session

WINDOW_DAYS = 30

COLUMNS = (
    Column("deadline", "Deadline", "date"), Column("days_left", "Days left", "int", short="Left"),
    Column("what", "What"), Column("payer", "Payer"), Column("patient", "Patient"),
    Column("dos", "DOS", "date"), Column("amount", "At stake $", "money"),
)


def build(session: Session, params: ReportParams) -> Report:
    """Every at-risk item by deadline, with the total dollars at stake."""
    payers = session.entities("payers")
    coverages = session.entities("coverages")
    profiles = session.reference.profiles
    items, late, late_amount = [], 0, Decimal(0)

    def consider(what: str, payer_id: str, patient_id: str, dos, amount: Decimal,
                 subject_id: str) -> None:
        nonlocal late, late_amount
        payer = payers.get(payer_id)
        if payer is None or payer.profile_id not in profiles or not params.payer_ok(payer_id):
            return
        if not params.in_range(dos):
            return
        deadline = dos.add(days=profiles[payer.profile_id].filing_limit_days)
        left = (deadline - session.today).days
        if left < 0:
            late += 1
            late_amount += amount
        elif left <= WINDOW_DAYS:
            items.append(({"deadline": deadline, "days_left": left, "what": what,
                           "payer": payer_id, "patient": patient_name(session, patient_id),
                           "dos": dos, "amount": amount}, subject_id))

    for v in session.entities("visits").values():
        if v.status is VisitStatus.UNCODED:
            cov = coverages.get(v.coverage_id)
            consider("uncoded visit", cov.payer_id if cov else "", v.patient_id,
                     v.date_of_service, v.total_charge, v.id)
    for c in session.entities("claims").values():
        if c.status in (ClaimStatus.READY, ClaimStatus.DENIED):
            what = "ready claim" if c.status is ClaimStatus.READY else "denied claim"
            consider(what, c.payer_id, c.patient_id, c.date_of_service,
                     c.total_charge - c.paid_amount, c.id)
    items.sort(key=lambda t: (t[0]["deadline"], t[0]["patient"], t[1]))
    rows = [row for row, _sid in items]
    totals = {"deadline": "Total", "what": f"{len(rows)} items",
              "amount": sum((r["amount"] for r in rows), Decimal(0))}
    notes = (f"deadline = date of service + the payer profile's filing_limit_days; listed when "
             f"it falls within {WINDOW_DAYS} days of {session.today}",
             f"already past the limit: {late} items, {late_amount:,.2f} dollars")
    drill = {(i, "deadline"): (sid,) for i, (_row, sid) in enumerate(items)}
    return Report("timely-filing", "Timely-filing risk", COLUMNS, rows, totals, notes,
                  drill=drill, subject="mixed")
