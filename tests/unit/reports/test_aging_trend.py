"""A/R aging trend on a hand-computed store (today 2026-06-30, weekly points 05-05..06-30).

- a1 medicare, DOS 03-01, $100, submitted 03-03, still outstanding: 61-90 until 05-26,
  91-120 from 06-02 (age 93), 120+ on 06-30 (age 121).
- a2 commercial, DOS 05-20, $80, submitted 05-22, paid in full by a commit on 06-10:
  0-30 on 05-26, 06-02 and 06-09 only.
- a3 commercial, DOS 06-01, $200 partly paid ($50), submitted 06-03: $150 in 0-30 from
  06-09 (age 29 on 06-30).
- a4 paid with no paying commit in the audit log, a5 never submitted: left out.
"""

from __future__ import annotations

from decimal import Decimal

from otq.domain import ClaimStatus
from otq.services.reports import ReportParams, run_report
from tests.unit.reports.builders import base_records, claim, d, make_session, put, uid

RANGE = ReportParams(start=d("2026-05-01"), end=d("2026-06-30"))
#: date -> dollars in 0-30, 31-60, 61-90, 91-120, 120+, total
EXPECTED = {
    "2026-05-05": (0, 0, 100, 0, 0, 100),
    "2026-05-12": (0, 0, 100, 0, 0, 100),
    "2026-05-19": (0, 0, 100, 0, 0, 100),
    "2026-05-26": (80, 0, 100, 0, 0, 180),
    "2026-06-02": (80, 0, 0, 100, 0, 180),
    "2026-06-09": (230, 0, 0, 100, 0, 330),
    "2026-06-16": (150, 0, 0, 100, 0, 250),
    "2026-06-23": (150, 0, 0, 100, 0, 250),
    "2026-06-30": (150, 0, 0, 0, 100, 250),
}
COLUMNS = ("d0_30_amount", "d31_60_amount", "d61_90_amount", "d91_120_amount", "d120p_amount",
           "total_amount")


def _session(tmp_path, monkeypatch):
    claims = [
        claim("a1", "p1", "medicare", "2026-03-01", "100", submitted="2026-03-03"),
        claim("a2", "p3", "commercial", "2026-05-20", "80", ClaimStatus.PAID, paid="80",
              submitted="2026-05-22"),
        claim("a3", "p3", "commercial", "2026-06-01", "200", ClaimStatus.PARTIAL, paid="50",
              submitted="2026-06-03"),
        claim("a4", "p3", "commercial", "2026-03-10", "70", ClaimStatus.PAID, paid="70",
              submitted="2026-04-01"),
        claim("a5", "p3", "commercial", "2026-04-10", "90", ClaimStatus.READY),
    ]
    session = make_session(tmp_path, base_records({"p1": "medicare", "p3": "commercial"})
                           + put("claims", *claims))
    paid = {"at": "2026-06-10T14:00:00+00:00", "user": "ann", "action": "remit.post",
            "changes": [{"table": "claims", "id": uid("a2"), "before": {"status": "submitted"},
                         "after": {"status": "paid"}}]}
    monkeypatch.setattr(session.store.audit, "entries", lambda: iter([paid]))
    return session


def _table(report) -> dict[str, tuple[Decimal, ...]]:
    return {r["day"].isoformat(): tuple(r[c] for c in COLUMNS) for r in report.rows}


def test_aging_trend__weekly_dollars_per_bucket_match_the_hand_computed_claims(tmp_path,
                                                                              monkeypatch):
    report = run_report(_session(tmp_path, monkeypatch), "aging-trend", RANGE)
    assert _table(report) == {k: tuple(Decimal(v) for v in vs) for k, vs in EXPECTED.items()}
    assert report.chart.kind == "stacked"
    assert report.chart.series["91-120"] == (0, 0, 0, 0, 100, 100, 100, 100, 0)


def test_aging_trend__payer_narrows_to_that_payers_claims(tmp_path, monkeypatch):
    report = run_report(_session(tmp_path, monkeypatch), "aging-trend",
                        ReportParams(start=RANGE.start, end=RANGE.end, payer="medicare"))
    assert [r["total_amount"] for r in report.rows] == [Decimal(100)] * 9
