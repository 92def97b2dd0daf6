"""How urgent a queue item is: the money at risk, weighted by the days left to act.

The formula (what ``n`` pulls first)::

    urgency = amount at risk x weight
    weight  = 30 / max(days left to the nearest deadline, 1)

So an item due in 30 days counts at its face value, one due in 3 days ten times its value,
and one due tomorrow, today or already overdue thirty times. Ties go to the earlier
deadline, then the older item.

Amount at risk and deadline per kind of item (payer rules come from the payer profiles,
``filing_limit_days``, never from code):

* uncoded visit: its line charges; deadline = date of service + the payer's timely-filing
  limit.
* ready claim: its total charge; deadline = date of service + timely-filing limit.
* open denial: the denied amount; deadline = the denial's own deadline (appeal or
  corrected claim, from the denial playbook), or timely filing when it has none.
* pending eligibility: the expected charge of the visit (the average claim charge in this
  store); deadline = the appointment date, when the check must be done.
* missing document: the charges of the visits waiting on it; deadline = the earliest
  timely-filing date among them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pendulum

from otq.services.session import Session

WINDOW_DAYS = 30
ZERO = Decimal(0)


@dataclass(frozen=True)
class Urgency:
    """An item's urgency and the figures behind it."""

    score: Decimal
    amount: Decimal
    deadline: pendulum.Date | None
    days_left: int | None

    def sort_key(self) -> tuple[Decimal, int]:
        """Most urgent first when sorted ascending."""
        return (-self.score, self.days_left if self.days_left is not None else 10**6)


def weight(days_left: int | None) -> Decimal:
    """``30 / max(days_left, 1)``; 1 when there is no deadline to count down to."""
    if days_left is None:
        return Decimal(1)
    return Decimal(WINDOW_DAYS) / Decimal(max(days_left, 1))


def _filing_deadline(session: Session, coverage_id: str, payer_id: str,
                     dos: pendulum.Date) -> pendulum.Date | None:
    if not payer_id:
        cov = session.entity("coverages", coverage_id)
        payer_id = cov.payer_id if cov else ""
    payer = session.entity("payers", payer_id)
    if payer is None or payer.profile_id not in session.reference.profiles:
        return None
    return dos.add(days=session.profile_for(payer).filing_limit_days)


def _visit_amount(visit: Any) -> Decimal:
    return sum((ln.charge for ln in visit.lines if ln.charge is not None), ZERO)


def expected_visit_charge(session: Session) -> Decimal:
    """The average charge of this store's claims: what an upcoming visit will likely bill."""

    def build() -> Decimal:
        claims = session.entities("claims").values()
        totals = [c.total_charge for c in claims]
        return (sum(totals, ZERO) / len(totals)).quantize(Decimal("0.01")) if totals else ZERO

    return session.cached("expected-visit-charge", build)


def at_risk(session: Session, entity: str, subject: Any) -> tuple[Decimal, pendulum.Date | None]:
    """(amount at risk, nearest deadline) of one queue subject."""
    if entity == "visit":
        return _visit_amount(subject), _filing_deadline(
            session, subject.coverage_id, "", subject.date_of_service)
    if entity == "claim":
        return subject.total_charge, _filing_deadline(
            session, subject.coverage_id, subject.payer_id, subject.date_of_service)
    if entity == "denial":
        deadline = subject.deadline
        if deadline is None:
            claim = session.entity("claims", subject.claim_id)
            if claim is not None:
                deadline = _filing_deadline(session, claim.coverage_id, claim.payer_id,
                                            claim.date_of_service)
        return subject.amount, deadline
    if entity == "coverage":
        from otq.services.eligibility import upcoming_visits
        from otq.services.queues import ELIGIBILITY_WINDOW_DAYS

        nv = upcoming_visits(session, ELIGIBILITY_WINDOW_DAYS).get(subject.id)
        return expected_visit_charge(session), (nv[0] if nv else None)
    if entity == "document":
        amount, deadlines = ZERO, []
        for vid in subject.visit_ids:
            visit = session.entity("visits", vid)
            if visit is None:
                continue
            amount += _visit_amount(visit)
            d = _filing_deadline(session, visit.coverage_id, "", visit.date_of_service)
            if d is not None:
                deadlines.append(d)
        return amount, min(deadlines, default=None)
    return ZERO, None


def urgency(session: Session, entity: str, subject: Any) -> Urgency:
    """The urgency of one queue subject as of ``session.today``."""
    amount, deadline = at_risk(session, entity, subject)
    days = (deadline - session.today).days if deadline is not None else None
    return Urgency((amount * weight(days)).quantize(Decimal("0.01")), amount, deadline, days)


def subjects(session: Session, entity: str) -> dict[str, Any]:
    """Every subject of a queue entity by id (stored or derived), as the queues see them."""
    from otq.services.queues import DERIVED, ENTITY_TABLES

    if entity in DERIVED:
        return DERIVED[entity](session)
    return session.entities(ENTITY_TABLES[entity])
