"""Report output: aligned tables, spreadsheet-safe CSV and plain JSON."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D

import pendulum

from otq.services.reports import Column, Report
from otq.services.reports.render import csv_cell, to_csv, to_json, to_table

HOSTILE = ["=HYPERLINK(\"http://x\",\"click\")", "+1+2", "-2+3", "@SUM(A1:A2)", "\tcmd",
           "\rcmd", "plain", "a=b"]


def _report() -> Report:
    cols = (Column("name", "Name"), Column("n", "Count", "int"), Column("amt", "Amount $", "money"),
            Column("pct", "Share", "pct"), Column("day", "Day", "date"))
    rows = [{"name": h, "n": i, "amt": D("-12.5") if i == 0 else D("1234.5"),
             "pct": D("12.5") if i else None, "day": pendulum.date(2026, 6, 1)}
            for i, h in enumerate(HOSTILE)]
    return Report("t", "Test report", cols, rows, {"name": "Total", "n": 28, "amt": D("8629.5")},
                  notes=("a note",))


def test_csv__formula_like_text_gets_a_leading_quote():
    for text in HOSTILE[:6]:
        assert csv_cell(text) == "'" + text
    assert csv_cell("plain") == "plain"
    assert csv_cell("a=b") == "a=b"


def test_csv__numbers_stay_numbers_even_negative_and_money_has_cents():
    parsed = list(csv.reader(io.StringIO(to_csv(_report()))))
    assert parsed[0] == ["Name", "Count", "Amount $", "Share", "Day"]
    assert parsed[1] == ["'=HYPERLINK(\"http://x\",\"click\")", "0", "-12.50", "", "2026-06-01"]
    assert parsed[5][0] == "'\tcmd"
    assert parsed[6][0] == "'\rcmd"  # the CR survives quoting, defused
    assert parsed[-1] == ["Total", "28", "8629.50", "", ""]
    assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for row in parsed for cell in row)


def test_table__every_line_is_aligned_and_numbers_right_aligned():
    lines = to_table(_report()).splitlines()
    header, rule = lines[2], lines[3]
    assert header.split() == ["Name", "Count", "Amount", "$", "Share", "Day"]
    starts = [i for i, ch in enumerate(rule) if ch == "-" and (i == 0 or rule[i - 1] == " ")]
    assert len(starts) == 5
    body = lines[4:4 + len(HOSTILE)]
    amount_end = rule.index(" ", starts[2])
    assert all(line[amount_end - 1] == "0" for line in body)  # "-12.50", "1,234.50" end together
    assert "\t" not in "".join(lines) and "\r" not in "".join(lines)
    assert lines[-1] == "note: a note"


def test_json__plain_values_money_as_strings():
    data = json.loads(to_json(_report()))
    assert data["rows"][1]["amt"] == "1234.5"
    assert data["rows"][0]["pct"] is None
    assert data["totals"]["n"] == 28
