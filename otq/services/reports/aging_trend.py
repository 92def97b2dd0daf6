"""A/R aging trend: outstanding dollars per age bucket, week by week.

On each date the report asks what the aging report would have said then: a claim is in
A/R from the day it was submitted until the day it was settled (paid in full or voided),
aged from its date of service to that date. The settle day is the day of the commit the
audit log shows moving the claim to paid or void (posting an 835 does that). Claims still
outstanding count with today's balance; claims settled later count with their charge.
A settled claim with no such commit (history imported from elsewhere) is left out,
since nobody recorded when it left A/R.

Points fall every 7 days ending today (daily for a month or less), as in the queue-size
report; ``--from``/``--to`` set the range (default: the last 8 weeks), ``--payer``
narrows to one payer.
"""

from __future__ import annotations

from decimal import Decimal

import pendulum

from otq.domain import Claim
from otq.services.reports import Chart, Column, Report, ReportParams
from otq.services.reports.aging import BUCKETS, OUTSTANDING, balance, bucket_of
from otq.services.reports.queue_size import points
from otq.services.session import Session

SETTLED = ("paid", "void")


def settled_on(session: Session) -> dict[str, pendulum.Date]:
    """Claim id -> the first day a commit moved it to paid or void."""
    out: dict[str, pendulum.Date] = {}
    for entry in session.store.audit.entries():
        if "_bad" in entry:
            continue
        for ch in entry.get("changes", ()):
            if ch.get("table") != "claims":
                continue
            before, after = ch.get("before") or {}, ch.get("after") or {}
            if after.get("status") in SETTLED and before.get("status") not in SETTLED:
                out.setdefault(ch.get("id", ""), pendulum.parse(entry["at"][:10]).date())
    return out


def _spans(session: Session, params: ReportParams
           ) -> list[tuple[Claim, pendulum.Date, pendulum.Date | None, Decimal]]:
    """(claim, in A/R from, until (None: still), dollars) for every billed claim."""
    settled = settled_on(session)
    out = []
    for c in session.entities("claims").values():
        if not c.submitted_at or not params.payer_ok(c.payer_id):
            continue
        sent = pendulum.parse(c.submitted_at[:10]).date()
        if c.status in OUTSTANDING:
            owed = balance(c)
            if owed > 0:
                out.append((c, sent, None, owed))
        elif c.id in settled:
            out.append((c, sent, settled[c.id], c.total_charge))
    return out


def build(session: Session, params: ReportParams) -> Report:
    """One row per date: dollars in each bucket and the total; a line per bucket."""
    days = points(params, session.today)
    ids = [bid for bid, *_ in BUCKETS]
    sums = {day: dict.fromkeys(ids, Decimal(0)) for day in days}
    for claim, start, end, owed in _spans(session, params):
        for day in days:
            if start <= day and (end is None or day < end):
                sums[day][bucket_of((day - claim.date_of_service).days)] += owed
    rows = [{"day": day, **{f"{b}_amount": sums[day][b] for b in ids},
             "total_amount": sum(sums[day].values(), Decimal(0))} for day in days]
    columns = (Column("day", "Date", "date"),
               *(Column(f"{bid}_amount", f"{title} $", "money", short=title)
                 for bid, title, *_ in BUCKETS),
               Column("total_amount", "Total $", "money", short="Total"))
    chart = Chart("stacked", "Outstanding $ by age bucket", tuple(d.format("MM-DD") for d in days),
                  {title: tuple(float(sums[d][bid]) for d in days)
                   for bid, title, *_ in BUCKETS}, y_label="$", in_table=True)
    notes = ("A/R on each date: claims submitted by then and not yet paid in full or voided "
             "(audit log), aged from the date of service",)
    return Report("aging-trend", "A/R aging trend", columns, rows, {}, notes, chart, subject="")
