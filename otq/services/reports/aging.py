"""A/R aging by payer: where the money is stuck and for how long.

Outstanding means a claim the payer has not settled: submitted, denied or partially paid,
with a balance (charge less what was paid) above zero. Age counts days from the date of
service, the usual basis for therapy A/R, so a claim held back before submission still
ages. ``--from``/``--to`` narrow by date of service.
"""

from __future__ import annotations

from decimal import Decimal

from otq.domain import ClaimStatus
from otq.services.reports import Chart, Column, Report, ReportParams, payer_names
from otq.services.session import Session

OUTSTANDING = (ClaimStatus.SUBMITTED, ClaimStatus.DENIED, ClaimStatus.PARTIAL)
#: (column id prefix, title, lowest age, highest age or None)
BUCKETS = (("d0_30", "0-30", 0, 30), ("d31_60", "31-60", 31, 60), ("d61_90", "61-90", 61, 90),
           ("d91_120", "91-120", 91, 120), ("d120p", "120+", 121, None))


def bucket_of(age: int) -> str:
    """The bucket id for an age in days (negative ages, future dates, count as 0-30)."""
    for bid, _title, low, high in BUCKETS:
        if age >= low and (high is None or age <= high):
            return bid
    return BUCKETS[0][0]


def balance(claim) -> Decimal:
    """What the payer still owes on a claim: charge less payments, never below zero."""
    return max(claim.total_charge - claim.paid_amount, Decimal(0))


def build(session: Session, params: ReportParams) -> Report:
    """Counts and dollars per payer and bucket, a totals row, and the claim ids per cell."""
    names = payer_names(session)
    cells: dict[str, dict[str, list]] = {}
    for claim in session.entities("claims").values():
        if claim.status not in OUTSTANDING or not params.payer_ok(claim.payer_id):
            continue
        if not params.in_range(claim.date_of_service):
            continue
        owed = balance(claim)
        if owed <= 0:
            continue
        bid = bucket_of((session.today - claim.date_of_service).days)
        cells.setdefault(claim.payer_id, {}).setdefault(bid, []).append((claim, owed))
    columns = [Column("payer", "Payer"), Column("payer_name", "Payer name", short="-")]
    for bid, title, _lo, _hi in BUCKETS:
        columns += [Column(f"{bid}_count", f"{title} #", "int"),
                    Column(f"{bid}_amount", f"{title} $", "money")]
    columns += [Column("total_count", "Total #", "int"), Column("total_amount", "Total $", "money")]
    rows, drill = [], {}
    totals: dict = {"payer": "Total", "payer_name": "", "total_count": 0,
                    "total_amount": Decimal(0)}
    for i, payer_id in enumerate(sorted(cells)):
        row: dict = {"payer": payer_id, "payer_name": names.get(payer_id, payer_id),
                     "total_count": 0, "total_amount": Decimal(0)}
        for bid, *_ in BUCKETS:
            items = sorted(cells[payer_id].get(bid, []), key=lambda t: (t[0].date_of_service,
                                                                         t[0].id))
            amount = sum((owed for _c, owed in items), Decimal(0))
            row[f"{bid}_count"], row[f"{bid}_amount"] = len(items), amount
            row["total_count"] += len(items)
            row["total_amount"] += amount
            totals[f"{bid}_count"] = totals.get(f"{bid}_count", 0) + len(items)
            totals[f"{bid}_amount"] = totals.get(f"{bid}_amount", Decimal(0)) + amount
            drill[(i, bid)] = tuple(c.id for c, _o in items)
        drill[(i, "total")] = tuple(cid for bid, *_ in BUCKETS for cid in drill[(i, bid)])
        totals["total_count"] += row["total_count"]
        totals["total_amount"] += row["total_amount"]
        rows.append(row)
    for bid, *_ in BUCKETS:
        totals.setdefault(f"{bid}_count", 0)
        totals.setdefault(f"{bid}_amount", Decimal(0))
    chart = Chart("bar", "Outstanding $ by age", tuple(t for _b, t, *_ in BUCKETS),
                  {r["payer"]: tuple(float(r[f"{b}_amount"]) for b, *_ in BUCKETS) for r in rows},
                  y_label="$", in_table=True)
    notes = ("outstanding = submitted, denied or partially paid claims with a balance "
             "(charge less payments); age = days since the date of service",)
    return Report("aging", "A/R aging by payer", tuple(columns), rows, totals, notes, chart, drill)
