"""Queue size over time: how many items waited in each work queue, week by week.

Each item's time in its queue is an interval [entered, left) rebuilt from the dates the
store keeps, and from the audit log where the store keeps none:

- uncoded: a visit still uncoded with an error counts from its date of service until
  today; a visit a biller coded (the audit log's ``visit.code`` commits) counts from its
  date of service until that commit's day. Visits promoted because they scrubbed clean
  (``*.promote`` commits) never waited.
- ready: a claim counts from its date of service (coding follows within days) until the
  day it was submitted; void claims never submitted are left out.
- denials: a denial counts from the day it was denied until it was appealed or closed.
- documents: a needed document counts from the first date of service that needs it
  until it was received; one the EHR shows as done never waited.

The pending-eligibility queue depends on next week's appointments, which the store does not
keep for past weeks, so it has no history here. Points fall every 7 days ending today
(every day when the range is 31 days or less); ``--from``/``--to`` set the range (default:
the last 8 weeks). ``--payer`` narrows to one payer's items.
"""

from __future__ import annotations

from collections.abc import Iterator

import pendulum

from otq.domain import ClaimStatus, DenialStatus, VisitStatus
from otq.services.documents import document_needs
from otq.services.queues import FILTERS
from otq.services.reports import Chart, Column, Report, ReportParams
from otq.services.session import Session

QUEUES = (("uncoded", "Uncoded"), ("ready", "Ready"), ("denials", "Denials"),
          ("documents", "Documents"))
DEFAULT_WEEKS = 8
CODED_BY_BILLER = "visit.code"  # the coding service's commit action (otq.services.coding)
Interval = tuple[pendulum.Date, pendulum.Date | None]  # [entered, left); None: still there


def points(params: ReportParams, today: pendulum.Date) -> list[pendulum.Date]:
    """The dates to count on: weekly back from the end, daily for a month or less."""
    end = min(params.end or today, today)
    start = params.start or end.subtract(weeks=DEFAULT_WEEKS)
    step = 1 if (end - start).days <= 31 else 7
    out, day = [], end
    while day >= start:
        out.append(day)
        day = day.subtract(days=step)
    return out[::-1]


def _coded_on(session: Session) -> dict[str, pendulum.Date]:
    """Visit id -> the day a biller coded it (uncoded -> coded in a ``visit.code`` commit)."""
    out: dict[str, pendulum.Date] = {}
    for entry in session.store.audit.entries():
        if "_bad" in entry or entry.get("action") != CODED_BY_BILLER:
            continue
        for ch in entry.get("changes", ()):
            if ch.get("table") != "visits":
                continue
            before, after = ch.get("before") or {}, ch.get("after") or {}
            if before.get("status") == "uncoded" and after.get("status") == "coded":
                out.setdefault(ch.get("id", ""), pendulum.parse(entry["at"][:10]).date())
    return out


def intervals(session: Session, params: ReportParams) -> Iterator[tuple[str, Interval]]:
    """(queue id, interval) for every item that ever waited in a queue."""
    coverages = session.entities("coverages")

    def payer_of_visit(v) -> str:
        cov = coverages.get(v.coverage_id)
        return cov.payer_id if cov else ""

    uncoded = FILTERS["visit.uncoded"][1]
    coded_on = _coded_on(session)
    for v in session.entities("visits").values():
        if not params.payer_ok(payer_of_visit(v)):
            continue
        if v.status is VisitStatus.UNCODED and uncoded(session, v):
            yield "uncoded", (v.date_of_service, None)
        elif v.id in coded_on:
            yield "uncoded", (v.date_of_service, coded_on[v.id])
    for c in session.entities("claims").values():
        if not params.payer_ok(c.payer_id):
            continue
        if c.submitted_at:
            yield "ready", (c.date_of_service, pendulum.parse(c.submitted_at[:10]).date())
        elif c.status is ClaimStatus.READY:
            yield "ready", (c.date_of_service, None)
    for d in session.entities("denials").values():
        if not params.payer_ok(d.payer_id):
            continue
        left = min((x for x in (d.appealed_on, d.closed_on) if x), default=None)
        if left is None and d.status is not DenialStatus.OPEN:
            continue  # out of the queue on a day nobody wrote down
        yield "denials", (d.denied_on, left)
    for n in document_needs(session).values():
        if n.on_file_in_ehr or not params.payer_ok(n.payer_id):
            continue
        got = n.document.received_on if n.document and n.document.received else None
        yield "documents", (n.needed_since, got)


def build(session: Session, params: ReportParams) -> Report:
    """One row per point in time, one column per queue; the chart draws the lines."""
    days = points(params, session.today)
    counts = {day: dict.fromkeys((q for q, _ in QUEUES), 0) for day in days}
    for queue, (entered, left) in intervals(session, params):
        for day in days:
            if entered <= day and (left is None or day < left):
                counts[day][queue] += 1
    rows = [{"day": day, **counts[day]} for day in days]
    columns = (Column("day", "Date", "date"),
               *(Column(q, title, "int") for q, title in QUEUES))
    chart = Chart("line", "Items waiting per queue", tuple(d.format("MM-DD") for d in days),
                  {title: tuple(float(counts[d][q]) for d in days) for q, title in QUEUES},
                  y_label="items", in_table=True)
    notes = ("items in each queue on each date, rebuilt from the dates the store keeps "
             "(service, submission, denial, appeal, receipt) and the audit log's codings; "
             "eligibility has no history",)
    return Report("queue-size", "Queue size over time", columns, rows, {}, notes, chart,
                  subject="")
