"""The issue-2/3 acceptance paths through the real command line (in-process ``main``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from otq.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = "2026-03-16"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.json"
    assert main(["generate", "--store", str(path), "--visits", "2000", "--seed", "7",
                 "--today", TODAY]) == 0
    return path


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_generate_then_queues_list__prints_every_queue_non_empty(demo, capsys):
    capsys.readouterr()
    assert main(["queues", "list", "--json", "--store", str(demo), "--today", TODAY]) == 0
    queues = _json(capsys)
    assert [q["id"] for q in queues][:4] == ["eligibility", "uncoded", "ready", "denials"]
    assert all(q["count"] > 0 for q in queues), queues


def test_queue_show__lists_items_with_ids_columns_and_assignee(demo, capsys):
    capsys.readouterr()
    assert main(["queue", "show", "uncoded", "--json", "--store", str(demo), "--today", TODAY]) == 0
    items = _json(capsys)
    assert items and {"id", "assignee", "dos", "patient", "first_finding"} <= set(items[0])


def test_scrub_json__finds_every_planted_mistake_class_and_exits_1(demo, capsys):
    capsys.readouterr()
    assert main(["scrub", "--json", "--store", str(demo), "--today", TODAY]) == 1
    found = {f["rule_id"] for f in _json(capsys)}
    planted = {"PAT-NAME", "PAT-DOB", "MBR-ID", "MOD-DISCIPLINE", "UNITS-TIMED",
               "DX-NOT-BILLABLE", "DOC-NOTE-UNSIGNED", "DOC-POC-EXPIRED", "DUP-LINE",
               "CHARGE-MISSING"}
    assert planted <= found, planted - found


def test_scrub__one_clean_visit_exits_0(tmp_path, capsys):
    store = tmp_path / "s.json"
    main(["init", "--store", str(store), "--practice-name", "ACME OT",
          "--practice-npi", "1234567893", "--practice-tin", "251234567"])
    main(["import", "visits", str(DATA / "visits_sample.csv"), "--store", str(store)])
    capsys.readouterr()
    assert main(["scrub", "--store", str(store), "--visit", "V100231", "--today", TODAY]) == 0
    assert main(["scrub", "--store", str(store), "--visit", "V100248", "--today", TODAY]) == 1
    assert "V100248: UNITS-TIMED: error:" in capsys.readouterr().out


def test_import__bom_and_one_bad_date_is_refused_whole_then_fixed_file_imports_once(tmp_path, capsys):
    store = tmp_path / "s.json"
    main(["init", "--store", str(store), "--practice-name", "ACME OT",
          "--practice-npi", "1234567893", "--practice-tin", "251234567"])
    good = (DATA / "visits_sample.csv").read_text(encoding="utf-8")
    lines = good.splitlines()
    bad_line = lines[3].replace("2026-", "03/", 1)  # the date of service of data row 3
    bad = "\ufeff" + "\r\n".join(lines[:3] + [bad_line] + lines[4:]) + "\r\n"
    bad_file = tmp_path / "visits.csv"
    bad_file.write_bytes(bad.encode("utf-8"))
    before = store.read_bytes()
    capsys.readouterr()
    assert main(["import", "visits", str(bad_file), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert f"{bad_file}:4:2:" in err and "date_of_service" in err
    assert store.read_bytes() == before  # nothing half-imported

    bad_file.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    assert main(["import", "visits", str(bad_file), "--store", str(store)]) == 0
    first = capsys.readouterr().out
    assert "added 10 visits" in first
    assert main(["import", "visits", str(bad_file), "--store", str(store)]) == 0
    assert "added 0 visits" in capsys.readouterr().out


def test_missing_store__is_a_clear_error_not_a_traceback(tmp_path, capsys):
    assert main(["queues", "list", "--store", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert "no otq store" in err and "Traceback" not in err


def test_queues_check__reports_file_and_key_of_each_problem(tmp_path, capsys):
    (tmp_path / "50-bad.toml").write_text(
        'id = "bad"\ntitle = "Bad"\nentity = "visit"\nfilters = ["visit.nope"]\n'
        '[[columns]]\nid = "dos"\n[[columns]]\nid = "shoe_size"\n', encoding="utf-8")
    (tmp_path / "60-broken.toml").write_text("id = \n", encoding="utf-8")
    assert main(["queues", "check", "--folder", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "50-bad.toml: filters: unknown filter 'visit.nope'" in out
    assert "50-bad.toml: columns: unknown column 'shoe_size'" in out
    assert "60-broken.toml: not valid TOML" in out
