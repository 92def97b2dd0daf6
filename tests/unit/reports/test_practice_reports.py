"""Code usage, KX tracking and productivity on small hand-computed data."""

from __future__ import annotations

from decimal import Decimal as D

from otq.services.reports import ReportParams, run_report
from otq.services.reports.productivity import tally
from tests.unit.reports.builders import base_records, make_session, put, visit


def test_code_usage__flags_share_and_units_far_above_the_norm(tmp_path):
    # A: 10 visits, 97110 x3 units each, 97140 on 8 of them. B: 10 visits, 97110 x1,
    # 97140 on one. C: 2 visits of 97140 only (too few visits to be flagged).
    # Practice: 22 visits; 97110 on 20 (90.9%), 40 units (2.00/visit);
    # 97140 on 11 (50.0%), 11 units (1.00/visit).
    visits = []
    for i in range(10):
        lines = [("97110", 3, "180")] + ([("97140", 1, "60")] if i < 8 else [])
        visits.append(visit(f"a{i}", "p1", f"2026-05-{i + 1:02d}", lines, provider="A"))
        lines = [("97110", 1, "60")] + ([("97140", 1, "60")] if i == 0 else [])
        visits.append(visit(f"b{i}", "p2", f"2026-05-{i + 1:02d}", lines, provider="B"))
    visits += [visit(f"c{i}", "p3", f"2026-05-{i + 1:02d}", [("97140", 1, "60")], provider="C")
               for i in range(2)]
    session = make_session(tmp_path, base_records(
        {"p1": "medicare", "p2": "commercial", "p3": "medicaid"}, ("A", "B", "C"))
        + put("visits", *visits))
    r = run_report(session, "code-usage")
    got = [(row["provider"], row["cpt"], row["visits"], row["share_pct"], row["norm_share_pct"],
            row["units_per_visit"], row["norm_units_per_visit"], row["flag"]) for row in r.rows]
    assert got == [
        ("TherapistA, Pat", "97110", 10, D("100.0"), D("90.9"), D("3.00"), D("2.00"),
         "HIGH units"),
        ("TherapistA, Pat", "97140", 8, D("80.0"), D("50.0"), D("1.00"), D("1.00"), "HIGH share"),
        ("TherapistB, Pat", "97110", 10, D("100.0"), D("90.9"), D("1.00"), D("2.00"), ""),
        ("TherapistB, Pat", "97140", 1, D("10.0"), D("50.0"), D("1.00"), D("1.00"), ""),
        ("TherapistC, Pat", "97140", 2, D("100.0"), D("50.0"), D("1.00"), D("1.00"), ""),
    ]
    assert r.totals["visits"] == 22
    assert r.totals["flag"] == "2 flagged"


def test_kx__lists_medicare_patients_near_or_over_the_threshold_this_year(tmp_path):
    # Threshold 2,480 (payer_profiles.toml); near from 80% = 1,984.
    visits = [visit(f"o{i}", "over", f"2026-03-{i + 1:02d}", [("97110", 2, "200")],
                    modifiers=("GO", "KX") if i == 12 else ("GO",)) for i in range(13)]
    visits += [visit(f"n{i}", "near", f"2026-04-{i + 1:02d}", [("97110", 2, "200")])
               for i in range(10)]
    visits.append(visit("n-2025", "near", "2025-12-30", [("97110", 2, "500")]))
    visits += [visit(f"u{i}", "under", f"2026-04-{i + 1:02d}", [("97110", 2, "200")])
               for i in range(5)]
    visits += [visit(f"c{i}", "comm", f"2026-04-{i + 1:02d}", [("97110", 2, "200")])
               for i in range(20)]
    session = make_session(tmp_path, base_records(
        {"over": "medicare", "near": "medicare", "under": "medicare", "comm": "commercial"})
        + put("visits", *visits))
    r = run_report(session, "kx")
    got = [(row["patient"], row["status"], row["ytd"], row["remaining"], row["used_pct"],
            row["visits"], row["kx_lines"]) for row in r.rows]
    assert got == [("OVER, Test", "over", D("2600"), D("0"), D("104.8"), 13, 1),
                   ("NEAR, Test", "near", D("2000"), D("480.00"), D("80.6"), 10, 0)]
    assert r.totals["status"] == "1 over"
    assert run_report(session, "kx", ReportParams(payer="commercial")).rows == []


def _wi(subject_type: str, sid: str, assignee: str) -> dict:
    return {"subject_type": subject_type, "subject_id": sid, "assignee": assignee}


def _entry(at: str, user: str, *changes: tuple) -> dict:
    return {"at": at, "user": user, "changes": [
        {"table": t, "id": i, "before": b, "after": a} for t, i, b, a in changes]}


AUDIT = [
    _entry("2026-06-01T09:00:00+00:00", "ann", ("workitems", "w1", None, _wi("visit", "v1", "ann"))),
    _entry("2026-06-01T11:00:00+00:00", "ann",
           ("visits", "v1", {"status": "uncoded"}, {"status": "coded"})),
    _entry("2026-06-01T12:00:00+00:00", "ann",
           ("visits", "v2", {"status": "uncoded"}, {"status": "coded"})),
    _entry("2026-06-02T08:00:00+00:00", "bob", ("workitems", "w2", None, _wi("denial", "d1", "bob"))),
    _entry("2026-06-02T10:00:00+00:00", "ann",
           ("claims", "c1", {"status": "ready"}, {"status": "submitted"}),
           ("claims", "c2", {"status": "ready"}, {"status": "submitted"})),
    _entry("2026-06-03T08:00:00+00:00", "bob",
           ("workitems", "w2", _wi("denial", "d1", "bob"), _wi("denial", "d1", "ann"))),
    _entry("2026-06-03T09:00:00+00:00", "bob",
           ("visits", "v3", {"status": "uncoded"}, {"status": "coded"})),
    _entry("2026-06-03T14:00:00+00:00", "ann",
           ("denials", "d1", {"status": "open"}, {"status": "written_off"})),
    _entry("2026-06-03T15:00:00+00:00", "ann",  # a note: no change of holder, closes nothing
           ("workitems", "w2", _wi("denial", "d1", "ann"), _wi("denial", "d1", "ann"))),
    {"_bad": 10},
]


def test_productivity__closes_per_queue_per_day_and_median_hold_from_the_audit_log():
    closed, holds = tally(AUDIT, ReportParams())
    assert {k: dict(v) for k, v in closed.items()} == {
        ("ann", "uncoded"): {"2026-06-01": 2}, ("ann", "ready"): {"2026-06-02": 2},
        ("bob", "uncoded"): {"2026-06-03": 1}, ("ann", "denials"): {"2026-06-03": 1}}
    assert dict(holds) == {("ann", "uncoded"): [2.0], ("bob", "denials"): [24.0],
                           ("ann", "denials"): [6.0]}


def test_productivity__date_range_keeps_only_commits_inside_it():
    closed, holds = tally(AUDIT, ReportParams(start=pendulum_date("2026-06-03")))
    assert set(closed) == {("bob", "uncoded"), ("ann", "denials")}
    assert dict(holds) == {("bob", "denials"): [24.0], ("ann", "denials"): [6.0]}


def test_productivity__report_rows_and_totals_from_a_real_audit_log(tmp_path):
    session = make_session(tmp_path, base_records({"p1": "medicare"}))
    path = session.store.audit.path
    import orjson

    with path.open("ab") as fh:  # the report only reads the log; the chain is not its concern
        for e in AUDIT:
            fh.write(orjson.dumps(e) + b"\n")
    r = run_report(session, "productivity")
    rows = {(row["biller"], row["queue"]): row for row in r.rows}
    assert (rows[("ann", "uncoded")]["closed"], rows[("ann", "uncoded")]["per_day"],
            rows[("ann", "uncoded")]["median_hold_hours"]) == (2, D("2.0"), D("2.0"))
    assert rows[("bob", "denials")]["closed"] == 0
    assert rows[("bob", "denials")]["per_day"] is None
    assert rows[("bob", "denials")]["median_hold_hours"] == D("24.0")
    t = r.totals
    assert (t["closed"], t["days"], t["per_day"], t["holds"], t["median_hold_hours"]) == \
        (6, 3, D("2.0"), 3, D("6.0"))


def pendulum_date(iso: str):
    """A pendulum Date from ISO text."""
    import pendulum

    return pendulum.parse(iso).date()
