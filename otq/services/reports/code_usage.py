"""Code usage per provider against the practice norm: overuse is what draws payer audits.

For each provider and CPT code: the share of the provider's visits that bill the code and
the units per visit that bills it, beside the same numbers for the whole practice. A code
is flagged when a provider bills it on a share of visits at least ``SHARE_RATIO`` times the
practice's and ``MIN_POINTS`` percentage points above it, or with units per visit at least
``UNITS_RATIO`` times the practice's; providers with fewer than ``MIN_VISITS`` visits are
never flagged (too few to say). Treated visits only; ``--from``/``--to`` narrow by date of
service, ``--payer`` by the visit's payer.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from otq.domain import VisitStatus
from otq.services.reports import Column, Report, ReportParams, share
from otq.services.session import Session

SHARE_RATIO = Decimal("1.5")  # share of visits at least 1.5x the practice's ...
MIN_POINTS = Decimal(10)  # ... and at least 10 percentage points above it
UNITS_RATIO = Decimal("1.5")  # or units per visit at least 1.5x the practice's
MIN_VISITS = 10  # a provider needs this many visits before anything is flagged

COLUMNS = (
    Column("provider", "Provider"), Column("cpt", "CPT"), Column("visits", "Visits", "int"),
    Column("share_pct", "Share %", "pct"), Column("norm_share_pct", "Norm %", "pct"),
    Column("units_per_visit", "Units/visit", "number", short="U/v"),
    Column("norm_units_per_visit", "Norm units", "number", short="Norm U"),
    Column("flag", "Flag"),
)


def _per(units: int, visits: int) -> Decimal | None:
    return (Decimal(units) / visits).quantize(Decimal("0.01")) if visits else None


def flag(share_pct: Decimal | None, norm_pct: Decimal | None, units: Decimal | None,
         norm_units: Decimal | None, provider_visits: int) -> str:
    """Why a provider's use of a code stands out ('' when it doesn't)."""
    if provider_visits < MIN_VISITS:
        return ""
    reasons = []
    if share_pct is not None and norm_pct and share_pct >= norm_pct * SHARE_RATIO \
            and share_pct - norm_pct >= MIN_POINTS:
        reasons.append("share")
    if units is not None and norm_units and units >= norm_units * UNITS_RATIO:
        reasons.append("units")
    return "HIGH " + "+".join(reasons) if reasons else ""


def build(session: Session, params: ReportParams) -> Report:
    """Rows per provider and code, flagged first within each provider."""
    coverages = session.entities("coverages")
    providers = session.entities("providers")
    visits_of: dict[str, int] = defaultdict(int)
    code_visits: dict[tuple[str, str], int] = defaultdict(int)
    code_units: dict[tuple[str, str], int] = defaultdict(int)
    for v in session.entities("visits").values():
        if v.status not in (VisitStatus.UNCODED, VisitStatus.CODED) or not v.lines:
            continue
        cov = coverages.get(v.coverage_id)
        if not params.payer_ok(cov.payer_id if cov else "") or \
                not params.in_range(v.date_of_service):
            continue
        visits_of[v.provider_id] += 1
        units: dict[str, int] = defaultdict(int)
        for ln in v.lines:
            units[ln.cpt] += ln.units or 0
        for cpt, n in units.items():
            code_visits[(v.provider_id, cpt)] += 1
            code_units[(v.provider_id, cpt)] += n
    total_visits = sum(visits_of.values())
    norm_visits: dict[str, int] = defaultdict(int)
    norm_units: dict[str, int] = defaultdict(int)
    for (_p, cpt), n in code_visits.items():
        norm_visits[cpt] += n
        norm_units[cpt] += code_units[(_p, cpt)]
    rows = []
    for pid in sorted(visits_of, key=lambda p: _name(providers, p)):
        part = []
        for (p, cpt), n in code_visits.items():
            if p != pid:
                continue
            row = {"provider": _name(providers, pid), "cpt": cpt, "visits": n,
                   "share_pct": share(n, visits_of[pid]),
                   "norm_share_pct": share(norm_visits[cpt], total_visits),
                   "units_per_visit": _per(code_units[(p, cpt)], n),
                   "norm_units_per_visit": _per(norm_units[cpt], norm_visits[cpt])}
            row["flag"] = flag(row["share_pct"], row["norm_share_pct"], row["units_per_visit"],
                               row["norm_units_per_visit"], visits_of[pid])
            part.append(row)
        part.sort(key=lambda r: (not r["flag"], -r["visits"], r["cpt"]))
        rows += part
    totals = {"provider": "Total", "cpt": "", "visits": total_visits,
              "flag": f"{sum(1 for r in rows if r['flag'])} flagged"}
    notes = (f"share = visits billing the code / the provider's visits; flagged when share >= "
             f"{SHARE_RATIO}x the practice norm and >= {MIN_POINTS} points above it, or units "
             f"per visit >= {UNITS_RATIO}x the norm; providers with < {MIN_VISITS} visits "
             "are not flagged",)
    return Report("code-usage", "Code usage per provider", COLUMNS, rows, totals, notes)


def _name(providers: dict, pid: str) -> str:
    p = providers.get(pid)
    return f"{p.last_name}, {p.first_name}" if p else "?"
