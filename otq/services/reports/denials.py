"""Denials by CARC, by payer and by provider: how many, how much, how often appeals win.

One table with a ``by`` column (CARC, payer, provider), so a spreadsheet can pivot it.
A denial counts as appealed once it has an appeal level or date; it was overturned when
an appealed denial was later closed as paid. The overturned share is overturned/appealed.
``--from``/``--to`` narrow by the date of the denial. The chart counts denials per week.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from otq.domain import Denial, DenialStatus
from otq.reference.denial_playbook import load_playbook
from otq.services.reports import Chart, Column, Report, ReportParams, payer_names, share
from otq.services.session import Session

COLUMNS = (
    Column("by", "By"), Column("key", "Key"), Column("label", "Description"),
    Column("count", "Denials", "int"), Column("amount", "Amount $", "money"),
    Column("appealed", "Appealed", "int"), Column("overturned", "Overturned", "int"),
    Column("overturned_pct", "Overturned %", "pct"),
)


def appealed(d: Denial) -> bool:
    """True once an appeal was filed for the denial."""
    return d.appeal_level > 0 or d.appealed_on is not None or d.status is DenialStatus.APPEALED


def overturned(d: Denial) -> bool:
    """True when an appealed denial was later paid."""
    return appealed(d) and d.resolution == "paid"


def _carc_texts(session: Session) -> dict[str, str]:
    return session.cached("carc-texts", lambda: load_playbook().carcs)


def _row(by: str, key: str, label: str, ds: list[Denial]) -> dict:
    n_app = sum(appealed(d) for d in ds)
    n_over = sum(overturned(d) for d in ds)
    return {"by": by, "key": key, "label": label, "count": len(ds),
            "amount": sum((d.amount for d in ds), Decimal(0)), "appealed": n_app,
            "overturned": n_over, "overturned_pct": share(n_over, n_app)}


def build(session: Session, params: ReportParams) -> Report:
    """Rows per CARC, payer and provider (largest dollars first), with all-denials totals."""
    claims = session.entities("claims")
    providers = session.entities("providers")
    names = payer_names(session)
    carcs = _carc_texts(session)
    chosen = [d for d in session.entities("denials").values()
              if params.payer_ok(d.payer_id) and params.in_range(d.denied_on)]
    groups: dict[str, dict[str, list[Denial]]] = {"CARC": defaultdict(list),
                                                  "payer": defaultdict(list),
                                                  "provider": defaultdict(list)}
    for d in chosen:
        groups["CARC"][d.carc].append(d)
        groups["payer"][d.payer_id].append(d)
        claim = claims.get(d.claim_id)
        groups["provider"][claim.provider_id if claim else ""].append(d)

    def label(by: str, key: str) -> str:
        if by == "CARC":
            return carcs.get(key, "")[:60]
        if by == "payer":
            return names.get(key, key)
        p = providers.get(key)
        return p.display_name if p else "(no claim)"

    rows = []
    for by, grouped in groups.items():
        part = [_row(by, key if by != "provider" else (providers[key].npi if key in providers
                                                       else "-"), label(by, key), ds)
                for key, ds in grouped.items()]
        part.sort(key=lambda r: (-r["amount"], r["key"]))
        rows += part
    totals = _row("Total", "", "", chosen)
    weeks: dict[str, int] = defaultdict(int)
    for d in chosen:
        weeks[d.denied_on.start_of("week").isoformat()] += 1
    labels = tuple(sorted(weeks))
    chart = Chart("bar", "Denials per week", tuple(w[5:] for w in labels),
                  {"denials": tuple(float(weeks[w]) for w in labels)}, y_label="count")
    notes = ("each denial is counted once under CARC, once under payer and once under "
             "provider; overturned % = appealed denials later paid / appealed denials",)
    return Report("denials", "Denials by CARC, payer and provider", COLUMNS, rows, totals,
                  notes, chart, subject="denial")
