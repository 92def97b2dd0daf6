"""Productivity per biller, read from the audit log: items closed per queue per day, and the
median time an item is held.

An item is *closed* when a commit moves its subject out of its queue: a visit from
uncoded to coded, a claim from ready to submitted, a denial out of open, a coverage
verified, a document received. The commit's user closed it, on the commit's UTC date.
An item is *held* from the moment a work item is claimed by or assigned to a biller
until it is released, reassigned, or closed; holds still open are not in the median.
``--from``/``--to`` narrow by the date of the commit.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pendulum

from otq.services.reports import Column, Report, ReportParams
from otq.services.session import Session

COLUMNS = (
    Column("biller", "Biller"), Column("queue", "Queue"), Column("closed", "Closed", "int"),
    Column("days", "Days", "int"), Column("per_day", "Per day", "number"),
    Column("holds", "Holds", "int"), Column("median_hold_hours", "Median hold h", "number"),
)
#: subject table -> the queue an item of it leaves when closed
QUEUE_OF = {"visits": "uncoded", "claims": "ready", "denials": "denials",
            "coverages": "eligibility", "documents": "documents"}
SUBJECT_QUEUE = {"visit": "uncoded", "claim": "ready", "denial": "denials",
                 "coverage": "eligibility", "document": "documents"}


def closed_queue(table: str, before: dict | None, after: dict | None) -> str | None:
    """The queue a change closes an item in, or None when it closes nothing."""
    if before is None or after is None:
        return None
    if table == "visits" and before.get("status") == "uncoded" and after.get("status") == "coded":
        return "uncoded"
    if table == "claims" and before.get("status") == "ready" and after.get("status") == "submitted":
        return "ready"
    if table == "denials" and before.get("status") == "open" and after.get("status") != "open":
        return "denials"
    if table == "coverages" and after.get("verified_on") and \
            after.get("verified_on") != before.get("verified_on"):
        return "eligibility"
    if table == "documents" and after.get("received_on") and not before.get("received_on"):
        return "documents"
    return None


def _hours(start: str, end: str) -> float:
    return (pendulum.parse(end) - pendulum.parse(start)).total_seconds() / 3600


def tally(entries: Any, params: ReportParams) -> tuple[dict, dict]:
    """(closed[(biller, queue)] -> {day: n}, holds[(biller, queue)] -> [hours]) from entries."""
    closed: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    holds: dict[tuple[str, str], list[float]] = defaultdict(list)
    open_holds: dict[str, tuple[str, str, str]] = {}  # subject id -> (holder, queue, since)
    for entry in entries:
        if "_bad" in entry:
            continue
        at, user = entry.get("at", ""), entry.get("user", "")
        day = at[:10]
        in_range = params.in_range(pendulum.parse(day).date()) if day else False
        for ch in entry.get("changes", ()):
            table, before, after = ch.get("table"), ch.get("before"), ch.get("after")
            if table == "workitems" and after is not None:
                sid = after.get("subject_id", "")
                queue = SUBJECT_QUEUE.get(after.get("subject_type", ""), "")
                was = (before or {}).get("assignee", "")
                now = after.get("assignee", "")
                if now == was:
                    continue
                held = open_holds.pop(sid, None)
                if held is not None and in_range:
                    holds[(held[0], held[1])].append(_hours(held[2], at))
                if now:
                    open_holds[sid] = (now, queue, at)
                continue
            queue = closed_queue(table, before, after)
            if queue is None:
                continue
            if in_range:
                closed[(user, queue)][day] += 1
            held = open_holds.pop(ch.get("id", ""), None)
            if held is not None and in_range:
                holds[(held[0], held[1])].append(_hours(held[2], at))
    return closed, holds


def build(session: Session, params: ReportParams) -> Report:
    """One row per biller and queue; totals over everyone."""
    closed, holds = tally(session.store.audit.entries(), params)
    rows = []
    for biller, queue in sorted(set(closed) | set(holds)):
        days = closed.get((biller, queue), {})
        n = sum(days.values())
        hs = holds.get((biller, queue), [])
        rows.append({"biller": biller, "queue": queue, "closed": n, "days": len(days),
                     "per_day": _round(n / len(days)) if days else None, "holds": len(hs),
                     "median_hold_hours": _round(statistics.median(hs)) if hs else None})
    all_days = {d for v in closed.values() for d in v}
    total_closed = sum(sum(v.values()) for v in closed.values())
    all_holds = [h for hs in holds.values() for h in hs]
    totals = {"biller": "Total", "queue": "", "closed": total_closed, "days": len(all_days),
              "per_day": _round(total_closed / len(all_days)) if all_days else None,
              "holds": len(all_holds),
              "median_hold_hours": _round(statistics.median(all_holds)) if all_holds else None}
    notes = ("closed = moved out of its queue by that biller's commit (audit log); per day = "
             "closed / days with at least one close; a hold runs from claim/assign to "
             "release, reassignment or close",)
    return Report("productivity", "Productivity per biller", COLUMNS, rows, totals, notes)


def _round(x: float) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.1"))
