"""A/R aging, denials, clean-claim rate and timely filing on one hand-computed practice.

Today is 2026-06-30. Claims (one line each):
  c1 medicare  DOS 06-20 (10 d)   submitted 100          -> 0-30
  c2 medicare  DOS 05-01 (60 d)   submitted 200          -> 31-60
  c3 medicare  DOS 03-15 (107 d)  denied 150             -> 91-120
  c4 medicare  DOS 03-02 (120 d)  partial 300, paid 120  -> 91-120, balance 180
  c5 medicare  DOS 01-01 (180 d)  submitted 50           -> 120+
  c6 commercial DOS 04-15 (76 d)  submitted 80           -> 61-90
  c7 commercial paid in full, c8 commercial ready        -> not outstanding
  c9 commercial DOS 05-31 (30 d)  submitted 40           -> 0-30 (replaced by void c11)
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from otq.services.reports import ReportParams, run_report
from tests.unit.reports.builders import d, make_session, money_records, uid


@pytest.fixture
def session(tmp_path):
    return make_session(tmp_path, money_records())


def _by(report, key):
    return {r[key]: r for r in report.rows}


def test_aging__counts_and_dollars_per_payer_and_bucket(session):
    r = run_report(session, "aging")
    rows = _by(r, "payer")
    assert list(rows) == ["commercial", "medicare"]
    m = rows["medicare"]
    assert (m["d0_30_count"], m["d0_30_amount"]) == (1, D("100"))
    assert (m["d31_60_count"], m["d31_60_amount"]) == (1, D("200"))
    assert (m["d61_90_count"], m["d61_90_amount"]) == (0, D("0"))
    assert (m["d91_120_count"], m["d91_120_amount"]) == (2, D("330"))  # 150 + (300 - 120)
    assert (m["d120p_count"], m["d120p_amount"]) == (1, D("50"))
    assert (m["total_count"], m["total_amount"]) == (5, D("680"))
    c = rows["commercial"]
    assert (c["d0_30_count"], c["d0_30_amount"]) == (1, D("40"))  # 30 days is still 0-30
    assert (c["d61_90_count"], c["d61_90_amount"]) == (1, D("80"))
    assert (c["total_count"], c["total_amount"]) == (2, D("120"))
    assert (r.totals["total_count"], r.totals["total_amount"]) == (7, D("800"))
    assert r.totals["d91_120_amount"] == D("330")


def test_aging__drill_cells_hold_the_claim_ids_of_the_bucket(session):
    r = run_report(session, "aging")
    i = [row["payer"] for row in r.rows].index("medicare")
    assert set(r.drill[(i, "d91_120")]) == {uid("c4"), uid("c3")}
    assert r.drill[(i, "d91_120")][0] == uid("c4")  # oldest date of service first
    assert len(r.drill[(i, "total")]) == 5


def test_aging__payer_and_date_filters_narrow_the_claims(session):
    r = run_report(session, "aging", ReportParams(payer="medicare", start=d("2026-03-01")))
    assert [row["payer"] for row in r.rows] == ["medicare"]
    assert r.totals["total_count"] == 4  # c5 (January) is before --from
    assert r.totals["total_amount"] == D("630")


def test_denials__by_carc_payer_provider_with_overturned_share(session):
    r = run_report(session, "denials")
    rows = {(row["by"], row["key"]): row for row in r.rows}
    carc50 = rows[("CARC", "50")]
    assert (carc50["count"], carc50["amount"], carc50["appealed"], carc50["overturned"],
            carc50["overturned_pct"]) == (2, D("210"), 2, 1, D("50.0"))
    carc197 = rows[("CARC", "197")]
    assert (carc197["count"], carc197["amount"], carc197["overturned_pct"]) == (1, D("80"), None)
    assert rows[("payer", "medicare")]["count"] == 2
    assert rows[("payer", "commercial")]["amount"] == D("80")
    a, b = rows[("provider", "1000000000")], rows[("provider", "1000000001")]
    assert (a["count"], a["amount"], a["appealed"], a["overturned_pct"]) == (2, D("230"), 1,
                                                                              D("100.0"))
    assert (b["count"], b["amount"], b["appealed"], b["overturned_pct"]) == (1, D("60"), 1,
                                                                              D("0.0"))
    t = r.totals
    assert (t["count"], t["amount"], t["appealed"], t["overturned"], t["overturned_pct"]) == \
        (3, D("290"), 2, 1, D("50.0"))
    assert r.chart.series["denials"] == (1.0, 1.0, 1.0)  # weeks of 03-30, 04-06, 05-18


def test_clean_claims__per_payer_and_week_pending_counts_as_clean(session):
    r = run_report(session, "clean-claims")
    rows = {(row["by"], row["key"]): row for row in r.rows}
    m = rows[("payer", "medicare")]
    assert (m["submitted"], m["not_clean"], m["pending"], m["clean"], m["clean_pct"]) == \
        (5, 2, 3, 3, D("60.0"))
    c = rows[("payer", "commercial")]  # c6 denied, c9 replaced by a void, c7 paid
    assert (c["submitted"], c["not_clean"], c["pending"], c["clean"], c["clean_pct"]) == \
        (3, 2, 0, 1, D("33.3"))
    assert rows[("week", "2026-06-22")]["submitted"] == 2  # c1 and c7
    assert rows[("week", "2026-06-22")]["clean_pct"] == D("100.0")
    assert rows[("week", "2026-06-01")]["clean_pct"] == D("0.0")  # c9, replaced
    assert rows[("week", "2026-03-02")]["not_clean"] == 1
    assert [k for b, k in rows if b == "week"] == ["2026-01-05", "2026-03-02", "2026-03-16",
                                                   "2026-04-13", "2026-05-04", "2026-06-01",
                                                   "2026-06-22"]
    t = r.totals
    assert (t["submitted"], t["not_clean"], t["pending"], t["clean"], t["clean_pct"]) == \
        (8, 4, 3, 4, D("50.0"))


def test_timely_filing__lists_items_due_within_30_days_and_counts_the_late(session):
    r = run_report(session, "timely-filing")
    assert [(row["what"], row["deadline"], row["days_left"], row["amount"]) for row in r.rows] \
        == [("ready claim", d("2026-07-09"), 9, D("70")),
            ("uncoded visit", d("2026-07-19"), 19, D("110"))]
    assert r.totals["amount"] == D("180")
    assert "already past the limit: 1 items, 55.00 dollars" in r.notes


def test_run_report__unknown_name_is_an_error_naming_the_reports(session):
    from otq.errors import OtqError

    with pytest.raises(OtqError, match="reports are: aging, aging-trend, denials"):
        run_report(session, "agin")
