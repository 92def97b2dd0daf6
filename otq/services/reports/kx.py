"""KX tracking: Medicare patients near or over the OT therapy threshold this calendar year.

Year-to-date charges are the line charges of the patient's treated visits billed to a
payer whose profile has a ``kx_threshold`` (data: payer_profiles.toml, facts §3.2),
in the calendar year of ``--to`` (default: today's year). A patient is *near* at
``NEAR_SHARE`` of the threshold and *over* beyond it; lines after the threshold need KX.
``--from`` narrows the charges counted to dates on or after it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from otq.domain import VisitStatus
from otq.services.reports import Column, Report, ReportParams, patient_name, share
from otq.services.session import Session

NEAR_SHARE = Decimal("0.8")

COLUMNS = (
    Column("patient", "Patient"), Column("payer", "Payer"), Column("status", "Status"),
    Column("ytd", "YTD $", "money"), Column("threshold", "Threshold $", "money",
                                            short="Limit $"),
    Column("remaining", "Remaining $", "money", short="Left $"),
    Column("used_pct", "Used %", "pct"), Column("visits", "Visits", "int"),
    Column("kx_lines", "KX lines", "int"), Column("last_dos", "Last DOS", "date", short="-"),
)


def build(session: Session, params: ReportParams) -> Report:
    """One row per patient at or above NEAR_SHARE of the threshold, highest share first."""
    year = (params.end or session.today).year
    payers = session.entities("payers")
    coverages = session.entities("coverages")
    profiles = session.reference.profiles
    ytd: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    visits: dict[tuple[str, str], list] = defaultdict(list)
    for v in session.entities("visits").values():
        if v.status not in (VisitStatus.UNCODED, VisitStatus.CODED):
            continue
        if v.date_of_service.year != year or (params.start and v.date_of_service < params.start):
            continue
        if params.end and v.date_of_service > params.end:
            continue
        cov = coverages.get(v.coverage_id)
        payer = payers.get(cov.payer_id) if cov else None
        profile = profiles.get(payer.profile_id) if payer else None
        if profile is None or profile.kx_threshold is None or not params.payer_ok(payer.id):
            continue
        key = (v.patient_id, payer.id)
        ytd[key] += sum((ln.charge for ln in v.lines if ln.charge and ln.charge > 0), Decimal(0))
        visits[key].append(v)
    rows = []
    for (pid, payer_id), amount in ytd.items():
        threshold = profiles[payers[payer_id].profile_id].kx_threshold
        if amount < threshold * NEAR_SHARE:
            continue
        vs = visits[(pid, payer_id)]
        rows.append({"patient": patient_name(session, pid), "payer": payer_id,
                     "status": "over" if amount > threshold else "near", "ytd": amount,
                     "threshold": threshold, "remaining": max(threshold - amount, Decimal(0)),
                     "used_pct": share(amount, threshold), "visits": len(vs),
                     "kx_lines": sum(1 for v in vs for ln in v.lines if "KX" in ln.modifiers),
                     "last_dos": max(v.date_of_service for v in vs)})
    rows.sort(key=lambda r: (-r["used_pct"], r["patient"]))
    totals = {"patient": "Total", "status": f"{sum(r['status'] == 'over' for r in rows)} over",
              "ytd": sum((r["ytd"] for r in rows), Decimal(0)), "visits":
              sum(r["visits"] for r in rows)}
    notes = (f"calendar year {year}; near = at least {int(NEAR_SHARE * 100)}% of the profile's "
             "kx_threshold; lines above the threshold need KX and documented necessity",)
    return Report("kx", "KX threshold tracking", COLUMNS, rows, totals, notes)
