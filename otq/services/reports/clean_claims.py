"""Clean-claim rate: the share of claims accepted on their first submission.

Counted over original claims (frequency 1) that were submitted. A claim was *not* clean
when the payer denied it (a denial record, or status denied) or when a corrected or void
claim replaced it. Claims still waiting for an answer count as accepted so far and are
shown apart (``pending``), so a reader sees how much of the rate may still move. One
table with a ``by`` column: per payer, then per week (Monday) of submission.
``--from``/``--to`` narrow by submission date.
"""

from __future__ import annotations

from collections import defaultdict

import pendulum

from otq.domain import Claim, ClaimStatus
from otq.services.reports import Chart, Column, Report, ReportParams, payer_names, share
from otq.services.session import Session

COLUMNS = (
    Column("by", "By"), Column("key", "Key"), Column("label", "Payer", short="-"),
    Column("submitted", "Submitted", "int"), Column("not_clean", "Denied/corrected", "int",
                                                    short="Not clean"),
    Column("pending", "Pending", "int"), Column("clean", "Clean", "int"),
    Column("clean_pct", "Clean %", "pct"),
)


def submitted_on(claim: Claim) -> pendulum.Date | None:
    """The date a claim went out, from its ``submitted_at`` stamp (None: never, or unreadable)."""
    if not claim.submitted_at:
        return None
    try:
        return pendulum.parse(claim.submitted_at).date()
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return None


def _row(by: str, key: str, label: str, outcomes: list[str]) -> dict:
    n = len(outcomes)
    bad = outcomes.count("denied")
    pending = outcomes.count("pending")
    return {"by": by, "key": key, "label": label, "submitted": n, "not_clean": bad,
            "pending": pending, "clean": n - bad, "clean_pct": share(n - bad, n)}


def build(session: Session, params: ReportParams) -> Report:
    """Per-payer and per-week rows with the overall rate as totals."""
    claims = session.entities("claims")
    denied_ids = {d.claim_id for d in session.entities("denials").values()}
    replaced = {c.replaces_claim_id for c in claims.values() if c.replaces_claim_id}
    names = payer_names(session)
    by_payer: dict[str, list[str]] = defaultdict(list)
    by_week: dict[str, list[str]] = defaultdict(list)
    everything: list[str] = []
    for c in claims.values():
        if c.frequency != "1" or c.replaces_claim_id or not params.payer_ok(c.payer_id):
            continue
        day = submitted_on(c)
        if day is None or c.status is ClaimStatus.READY or not params.in_range(day):
            continue
        if c.id in denied_ids or c.id in replaced or c.status is ClaimStatus.DENIED:
            outcome = "denied"
        elif c.status is ClaimStatus.SUBMITTED:
            outcome = "pending"
        else:
            outcome = "clean"
        by_payer[c.payer_id].append(outcome)
        by_week[day.start_of("week").isoformat()].append(outcome)
        everything.append(outcome)
    rows = [_row("payer", p, names.get(p, p), by_payer[p]) for p in sorted(by_payer)]
    rows += [_row("week", w, "", by_week[w]) for w in sorted(by_week)]
    weeks = sorted(by_week)
    chart = Chart("line", "Clean-claim rate per week (%)", tuple(w[5:] for w in weeks),
                  {"clean %": tuple(float(share(len(by_week[w]) - by_week[w].count("denied"),
                                                len(by_week[w])) or 0) for w in weeks)},
                  y_label="%")
    notes = ("clean = submitted once and neither denied nor replaced by a corrected claim; "
             "pending claims (no answer yet) count as clean until the payer says otherwise",)
    return Report("clean-claims", "Clean-claim rate", COLUMNS, rows,
                  _row("Total", "", "", everything), notes, chart)
