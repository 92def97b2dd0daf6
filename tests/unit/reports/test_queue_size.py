"""Queue size over time on a hand-computed store (today 2026-06-30).

Weekly points from 2026-05-01 to 06-30 fall on 05-05, 05-12 ... 06-30. The items:

- uncoded: u1 (DOS 06-10, unsigned note, still uncoded) from 06-10 on; k1 (DOS 05-20)
  coded by a biller on 06-05 (a ``visit.code`` audit entry) waited 05-20..06-04; k2 was
  promoted clean (``import.promote``) and never waited.
- ready: s1 (DOS 05-10, submitted 05-15), s2 (medicare, DOS 06-01, submitted 06-10),
  r1 (DOS 06-20, still ready); v1 is void and never submitted: left out.
- denials: dn1 (denied 05-25, open), dn2 (medicare, denied 06-12, appealed 06-17),
  dn3 closed on no recorded day: left out.
- documents: p3's insurance card, needed from k1's DOS 05-20, received 06-05; u1's
  unsigned note, needed from 06-10. k1 and k2 have signed notes in the EHR.
"""

from __future__ import annotations

import pendulum

from otq.domain import ClaimStatus, DenialStatus, VisitStatus
from otq.domain.document import Document, DocumentKind
from otq.services.document_rules import need_id
from otq.services.reports import ReportParams, run_report
from otq.services.reports.queue_size import points
from tests.unit.reports.builders import (
    TODAY,
    base_records,
    claim,
    d,
    denial,
    make_session,
    put,
    uid,
    visit,
)

RANGE = ReportParams(start=d("2026-05-01"), end=d("2026-06-30"))
#: date -> (uncoded, ready, denials, documents)
EXPECTED = {
    "2026-05-05": (0, 0, 0, 0),
    "2026-05-12": (0, 1, 0, 0),
    "2026-05-19": (0, 0, 0, 0),
    "2026-05-26": (1, 0, 1, 1),
    "2026-06-02": (1, 1, 1, 1),
    "2026-06-09": (0, 1, 1, 0),
    "2026-06-16": (1, 0, 2, 1),
    "2026-06-23": (1, 1, 1, 1),
    "2026-06-30": (1, 1, 1, 1),
}


def _entry(action: str, at: str, visit_name: str) -> dict:
    return {"at": f"{at}T15:00:00+00:00", "user": "ann", "action": action,
            "changes": [{"table": "visits", "id": uid(visit_name), "before": {"status": "uncoded"},
                         "after": {"status": "coded"}}]}


def _session(tmp_path, monkeypatch):
    visits = [
        visit("u1", "p3", "2026-06-10", [("97110", 1, "60")], status=VisitStatus.UNCODED,
              note_signed=False),
        visit("k1", "p3", "2026-05-20", [("97110", 1, "60")]),
        visit("k2", "p3", "2026-05-21", [("97110", 1, "60")]),
    ]
    claims = [
        claim("s1", "p3", "commercial", "2026-05-10", "60", submitted="2026-05-15"),
        claim("s2", "p1", "medicare", "2026-06-01", "60", submitted="2026-06-10"),
        claim("r1", "p3", "commercial", "2026-06-20", "60", ClaimStatus.READY),
        claim("v1", "p3", "commercial", "2026-05-02", "60", ClaimStatus.VOID),
    ]
    denials = [
        denial("dn1", "s1", "commercial", "197", "60", "2026-05-25"),
        denial("dn2", "s2", "medicare", "50", "60", "2026-06-12", appeal_level=1,
               status=DenialStatus.APPEALED),
        denial("dn3", "s1", "commercial", "16", "60", "2026-05-11", status=DenialStatus.CLOSED),
    ]
    card = Document(id=need_id(uid("p3"), DocumentKind.INSURANCE_CARD, uid("cov-p3")),
                    patient_id=uid("p3"), kind=DocumentKind.INSURANCE_CARD, key=uid("cov-p3"),
                    received_on=d("2026-06-05"), reference="scanned at intake")
    session = make_session(tmp_path, base_records({"p1": "medicare", "p3": "commercial"})
                           + put("visits", *visits) + put("claims", *claims)
                           + put("denials", *denials) + put("documents", card))
    entries = [_entry("visit.code", "2026-06-05", "k1"), _entry("import.promote", "2026-06-01",
                                                                "k2")]
    monkeypatch.setattr(session.store.audit, "entries", lambda: iter(entries))
    return session


def _table(report) -> dict[str, tuple[int, ...]]:
    return {r["day"].isoformat(): (r["uncoded"], r["ready"], r["denials"], r["documents"])
            for r in report.rows}


def test_queue_size__weekly_counts_match_the_hand_computed_intervals(tmp_path, monkeypatch):
    report = run_report(_session(tmp_path, monkeypatch), "queue-size", RANGE)
    assert _table(report) == EXPECTED


def test_queue_size__the_chart_draws_one_line_per_queue_with_the_same_numbers(tmp_path,
                                                                             monkeypatch):
    report = run_report(_session(tmp_path, monkeypatch), "queue-size", RANGE)
    chart = report.chart
    assert chart.kind == "line" and chart.labels[0] == "05-05" and chart.labels[-1] == "06-30"
    assert chart.series["Denials"] == tuple(float(v[2]) for v in EXPECTED.values())
    assert list(chart.series) == ["Uncoded", "Ready", "Denials", "Documents"]


def test_queue_size__payer_narrows_to_that_payers_items(tmp_path, monkeypatch):
    report = run_report(_session(tmp_path, monkeypatch), "queue-size",
                        ReportParams(start=RANGE.start, end=RANGE.end, payer="medicare"))
    nonzero = {k: v for k, v in _table(report).items() if any(v)}
    assert nonzero == {"2026-06-02": (0, 1, 0, 0), "2026-06-09": (0, 1, 0, 0),
                       "2026-06-16": (0, 0, 1, 0)}


def test_points__weekly_back_from_today_by_default_daily_within_a_month():
    weekly = points(ReportParams(), TODAY)
    assert len(weekly) == 9 and weekly[-1] == TODAY and weekly[0] == d("2026-05-05")
    daily = points(ReportParams(start=d("2026-06-01")), TODAY)
    assert len(daily) == 30 and daily[1] - daily[0] == pendulum.duration(days=1)
    assert points(ReportParams(end=d("2027-01-01")), TODAY)[-1] == TODAY  # never the future
