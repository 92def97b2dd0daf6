"""``otq report`` and ``otq documents`` end to end on a generated demo store."""

from __future__ import annotations

import csv
import io
import json

import pytest

from otq.cli import main
from otq.services.reports import REPORTS

TODAY = "2027-01-20"  # late enough that the demo's claims reach the 91-120 bucket


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "otq.json"
    assert main(["generate", "--store", str(path), "--visits", "300", "--seed", "3",
                 "--today", "2026-11-28"]) == 0
    return path


@pytest.mark.parametrize("name", list(REPORTS))
def test_report__every_report_prints_in_every_format(demo, name, capsys):
    capsys.readouterr()
    assert main(["report", name, "--store", str(demo), "--today", TODAY]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0] == REPORTS[name].title
    header, rule = table[2], table[3]
    assert set(rule) <= {"-", " "} and len(rule) >= len(header.rstrip())
    assert main(["report", name, "--store", str(demo), "--today", TODAY, "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert len({len(r) for r in rows}) == 1  # every line has the same number of cells
    assert main(["report", name, "--store", str(demo), "--today", TODAY, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["report"] == name and len(data["rows"]) == len(rows) - 1 - bool(data["totals"])


def test_report__aging_on_the_demo_has_a_91_120_bucket_and_consistent_totals(demo, capsys):
    assert main(["report", "aging", "--store", str(demo), "--today", TODAY,
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert int(data["totals"]["d91_120_count"]) > 0
    assert sum(int(r["total_count"]) for r in data["rows"]) == data["totals"]["total_count"]


def test_report__payer_filter_and_unknown_names_are_clear_errors(demo, capsys):
    assert main(["report", "aging", "--store", str(demo), "--payer", "medicare",
                 "--format", "json"]) == 0
    assert {r["payer"] for r in json.loads(capsys.readouterr().out)["rows"]} <= {"medicare"}
    assert main(["report", "agingg", "--store", str(demo)]) != 0
    assert "reports are: aging" in capsys.readouterr().err
    assert main(["report", "aging", "--store", str(demo), "--payer", "acme"]) != 0
    assert "no payer 'acme'" in capsys.readouterr().err
    assert main(["report", "list"]) == 0
    assert capsys.readouterr().out.count("\n") == len(REPORTS)


def test_documents__list_request_receive_from_the_command_line(demo, tmp_path, capsys):
    capsys.readouterr()
    assert main(["documents", "list", "--store", str(demo), "--json"]) == 0
    missing = json.loads(capsys.readouterr().out)
    assert missing and all(m["missing"] for m in missing)
    first = missing[0]["id"]
    assert main(["documents", "request", first, "--to", "Dr Lee", "--how", "fax",
                 "--store", str(demo)]) == 0
    assert "asked Dr Lee by fax" in capsys.readouterr().out
    scan = tmp_path / "card.png"
    scan.write_bytes(b"\x89PNG")
    assert main(["documents", "receive", first, "--reference", "R1", "--file", str(scan),
                 "--store", str(demo)]) == 0
    assert "copy documents/" in capsys.readouterr().out
    assert main(["documents", "list", "--store", str(demo), "--json"]) == 0
    assert first not in {m["id"] for m in json.loads(capsys.readouterr().out)}
    assert main(["documents", "request", first, "--to", "x", "--how", "pigeon",
                 "--store", str(demo)]) != 0
