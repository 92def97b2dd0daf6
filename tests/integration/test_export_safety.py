"""Exports can't be turned against the people who open them (issue 9 "Exports").

* ``otq report NAME --format csv``: a payer or provider name that a spreadsheet would run as
  a formula (``=``, ``+``, ``-``, ``@``) arrives with a leading quote, in every report that
  shows it; numbers (negative amounts too) stay numbers.
* ``otq export eligibility`` (X12 270) and ``otq export claims`` (X12 837P): a value holding
  an X12 delimiter (``*`` element, ``~`` segment, ``:`` component, ``^`` repetition) stops
  the whole batch, naming the record and the field but not the value; no file is written
  and no interchange number is used.

These run the real command line (``otq.cli.main``) on real store files.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pendulum
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from builders import TODAY, build_store, open_session, uid  # noqa: E402

from otq.cli import main  # noqa: E402
from otq.domain import Address, Practice  # noqa: E402
from otq.services.imports import import_visits  # noqa: E402
from otq.services.setup import init_store  # noqa: E402
from otq.store import Put, Store, encode  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "visits_sample.csv"
EDI = 'usage = "T"\n[submitter]\ncontact_phone = "215-555-0100"\n'
FORMULAS = {"medicare": '=HYPERLINK("http://x.example/","open")', "medicaid": "+1+2",
            "commercial": "-2+3+cmd|' /C calc'!A0"}
PROVIDERS = {"lopez": "@SUM(A1:A9)", "tran": "=1+1"}
DELIMITERS = ["*", "~", ":", "^"]


def _commit_edits(path: Path, edits: list[tuple[str, str, dict]]) -> None:
    session = open_session(path)
    changes = []
    for table, rid, fields in edits:
        rec = session.store.get(table, rid)
        changes.append(Put(table, {**rec, **fields}, rec["version"]))
    session.store.commit(changes, action="test.edit")
    session.store.close()


def _isa(path: Path) -> int:
    store = Store.open(path)
    try:
        return store.meta.get("counters", {}).get("isa", 0)
    finally:
        store.close()


# ------------------------------------------------------------------ CSV reports
@pytest.fixture
def formula_store(tmp_path) -> Path:
    path = build_store(tmp_path / "practice" / "otq.json")
    _commit_edits(path, [("payers", pid, {"name": name}) for pid, name in FORMULAS.items()]
                  + [("providers", uid(key), {"last_name": name})
                     for key, name in PROVIDERS.items()])
    return path


def _csv(capsys, *argv: str) -> list[list[str]]:
    assert main(list(argv)) == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out)))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("report", ["aging", "denials", "code-usage", "clean-claims",
                                    "productivity", "timely-filing", "kx"])
def test_report_csv__no_cell_a_spreadsheet_would_run_in_any_report(formula_store, capsys,
                                                                   report):
    rows = _csv(capsys, "report", report, "--store", str(formula_store), "--today",
                TODAY.isoformat(), "--format", "csv")
    assert len(rows) >= 2
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (report, cell)
            assert not cell.startswith("-") or _is_number(cell), (report, cell)


def test_report_csv__formula_names_arrive_quoted_and_exact(formula_store, capsys):
    where = ["--store", str(formula_store), "--today", TODAY.isoformat(), "--format", "csv"]
    aging = _csv(capsys, "report", "aging", *where)
    assert ["medicare", "'" + FORMULAS["medicare"]] == aging[1][:2]  # the denied claim's payer
    denials = _csv(capsys, "report", "denials", *where)
    cells = {c for row in denials for c in row}
    assert "'" + FORMULAS["medicare"] in cells
    assert any(c.startswith("'@SUM(A1:A9), Maria") for c in cells)  # the provider row
    usage = _csv(capsys, "report", "code-usage", *where)
    names = {row[0] for row in usage[1:-1]}
    assert names == {"'@SUM(A1:A9), Maria", "'=1+1, Kevin"}


def test_report_csv__negative_amounts_stay_numbers():
    from decimal import Decimal

    from otq.services.reports.render import csv_cell

    assert csv_cell(Decimal("-12.5"), "money") == "-12.50"
    assert csv_cell(-3) == "-3"
    assert csv_cell("-3") == "'-3"  # text that looks like a formula is text


def test_report_csv__data_cells_carry_no_terminal_control_characters(formula_store, capsys):
    _commit_edits(formula_store, [("payers", "medicare", {"name": "Medi\x1b]0;T\x07care"})])
    out_rows = _csv(capsys, "report", "aging", "--store", str(formula_store), "--today",
                    TODAY.isoformat(), "--format", "csv")
    assert not any(ch in cell for row in out_rows for cell in row for ch in "\x1b\x07\x9b")


# ------------------------------------------------------------------ X12 270
@pytest.fixture
def eligibility_store(tmp_path) -> Path:
    return build_store(tmp_path / "practice" / "otq.json")  # two coverages pending, p5 and p7


def _export_270(path: Path, out: Path, capsys) -> tuple[int, str]:
    code = main(["export", "eligibility", "--store", str(path), "--today", TODAY.isoformat(),
                 "--out", str(out)])
    done = capsys.readouterr()
    return code, done.err + done.out


@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_export_eligibility__a_delimiter_in_a_name_refuses_the_whole_270(eligibility_store,
                                                                         tmp_path, capsys,
                                                                         delimiter):
    _commit_edits(eligibility_store, [("patients", uid("p5"),
                                       {"last_name": f"EDW{delimiter}ARDS"})])
    out = tmp_path / "elig.270"
    code, err = _export_270(eligibility_store, out, capsys)
    assert code != 0 and "Export refused" in err
    assert f"coverage {uid('cov-p5')}: last name: contains '{delimiter}'" in err
    assert f"EDW{delimiter}ARDS" not in err  # the value itself is PHI: never echoed
    assert not out.exists() and not list(tmp_path.glob(".*tmp*"))
    assert _isa(eligibility_store) == 0  # no interchange number used


def test_export_eligibility__a_delimiter_in_a_member_id_refuses_then_the_fix_exports(
        eligibility_store, tmp_path, capsys):
    _commit_edits(eligibility_store, [("coverages", uid("cov-p7"), {"member_id": "MA009~IEA"})])
    out = tmp_path / "elig.270"
    code, err = _export_270(eligibility_store, out, capsys)
    assert code != 0 and "member id" in err and "MA009~IEA" not in err
    assert not out.exists() and _isa(eligibility_store) == 0

    _commit_edits(eligibility_store, [("coverages", uid("cov-p7"), {"member_id": "MA00950031"})])
    code, err = _export_270(eligibility_store, out, capsys)
    assert code == 0 and "2 eligibility requests" in err, err
    segments = out.read_text().replace("\n", "").split("~")
    assert sum(s.startswith("NM1*IL*") for s in segments) == 2 and _isa(eligibility_store) == 1


# ------------------------------------------------------------------ X12 837P
@pytest.fixture
def claims_store(tmp_path) -> Path:
    """Ready claims imported from the sample export, with what an 837P needs."""
    path = tmp_path / "store.json"
    session = init_store(path, practice_name="Schuylkill Valley Occupational Therapy",
                         practice_npi="2567890126", practice_tin="231234567")
    session.today = pendulum.date(2026, 3, 16)
    (practice,) = session.entities("practices").values()
    hand = Practice(id=uid("hand"), npi="2123456784", tin="234567891",
                    name="Wissahickon Hand & Upper Extremity Therapy",
                    address=Address("1 Main St", "Ambler", "PA", "19002"))
    session.store.commit([
        Put("practices", encode(Practice(**{**practice.__dict__, "address": Address(
            "400 Ridge Pike", "Conshohocken", "PA", "19428")})),
            session.version("practices", practice.id)),
        Put("practices", encode(hand))], action="test.setup")
    rows = [line.split(",") for line in SAMPLE.read_text().splitlines()]
    csv_text = "\n".join(",".join(r + (["referring_last_name", "referring_first_name"]
                                       if i == 0 else ["PATEL", "ANIL"]))
                         for i, r in enumerate(rows)) + "\n"
    (tmp_path / "visits.csv").write_text(csv_text)
    assert import_visits(session, tmp_path / "visits.csv").claims_created > 0
    (tmp_path / "store.json.edi.toml").write_text(EDI)
    session.store.close()
    return path


def _ready(path: Path) -> set[str]:
    store = Store.open(path)
    try:
        return {c["patient_control_number"] for c in store.all("claims")
                if c["status"] == "ready"}
    finally:
        store.close()


@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_export_claims__a_delimiter_in_a_patient_name_refuses_the_whole_837(claims_store,
                                                                            tmp_path, capsys,
                                                                            delimiter):
    store = Store.open(claims_store)
    (patient,) = [p for p in store.all("patients") if p["external_id"] == "P004902"]
    store.close()
    ready = _ready(claims_store)
    _commit_edits(claims_store, [("patients", patient["id"],
                                  {"first_name": f"ED{delimiter}WARD"})])
    out = tmp_path / "batch.837"
    code = main(["export", "claims", "--store", str(claims_store), "--out", str(out)])
    err = capsys.readouterr().err
    assert code != 0 and "Export refused" in err
    assert "first name" in err and f"contains '{delimiter}'" in err
    assert f"ED{delimiter}WARD" not in err
    assert not out.exists() and not list(tmp_path.glob(".batch.837*"))
    assert _ready(claims_store) == ready and _isa(claims_store) == 0  # nothing submitted


def test_export_claims__clean_data_exports_with_every_value_free_of_delimiters(claims_store,
                                                                               tmp_path, capsys):
    out = tmp_path / "batch.837"
    ready = _ready(claims_store)
    assert main(["export", "claims", "--store", str(claims_store), "--out", str(out)]) == 0
    text = out.read_text()
    segments = [s for s in text.replace("\n", "").split("~") if s]
    assert sum(s.startswith("CLM*") for s in segments) == len(ready)
    assert segments[0].startswith("ISA*") and segments[-1].startswith("IEA*")
    assert _ready(claims_store) == set() and _isa(claims_store) == 1
