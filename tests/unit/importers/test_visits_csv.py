"""The visit CSV parser: every refusal names file, line, column and field, never the value."""

from __future__ import annotations

from decimal import Decimal

import pendulum

from otq.importers.visits_csv import parse_visits_csv
from tests.unit.importers.helpers import PAYERS, build, column, sample_rows


def parse(data: bytes):
    return parse_visits_csv(data, source="visits.csv", payer_ids=PAYERS)


def test_parse__sample_file_is_clean_and_groups_rows_into_visits():
    parsed = parse(build())
    assert parsed.problems == []
    assert parsed.rows == 20
    assert len(parsed.visits) == 10
    first = parsed.visits[0]
    assert first.visit_id == "V100231" and first.line == 2 and len(first.lines) == 2
    assert first.date_of_service == pendulum.date(2026, 3, 2)
    assert first.lines[1].minutes == 15 and first.lines[1].charge == Decimal("70.00")


def test_parse__bom_and_crlf_are_accepted_and_leading_zeros_kept():
    parsed = parse(build(bom=True, crlf=True))
    assert parsed.problems == []
    nguyen = next(v for v in parsed.visits if v.visit_id == "V100260")
    assert nguyen["member_id"] == "0012874463"
    assert parsed.visits[0]["patient_zip"] == "08003"
    assert parsed.visits[0]["place_of_service"] == "11"


def test_parse__bom_and_one_bad_date_names_physical_line_and_column():
    parsed = parse(build({(5, "date_of_service"): "2026-3-4"}, bom=True, crlf=True))
    assert parsed.problems[0] == (f"visits.csv:5:{column('date_of_service')}: date_of_service: "
                                  "not a date in YYYY-MM-DD form")


def test_parse__two_digit_year_is_refused():
    parsed = parse(build({(3, "patient_dob"): "7/19/46"}))
    assert parsed.problems == [f"visits.csv:3:{column('patient_dob')}: patient_dob: has a "
                               "two-digit year; write dates as YYYY-MM-DD"]


def test_parse__excel_serial_date_is_refused():
    parsed = parse(build({(12, "poc_start"): "46062"}))
    assert len(parsed.problems) == 1
    assert "poc_start: looks like a spreadsheet serial date number" in parsed.problems[0]
    assert parsed.problems[0].startswith(f"visits.csv:12:{column('poc_start')}:")


def test_parse__impossible_calendar_date_is_refused():
    parsed = parse(build({(2, "poc_end"): "2026-02-30"}))
    assert parsed.problems == [f"visits.csv:2:{column('poc_end')}: poc_end: not a real "
                               "calendar date"]


def test_parse__scientific_notation_member_id_is_refused():
    parsed = parse(build({(7, "member_id"): "4.08816E+11"}))
    assert len(parsed.problems) == 1
    assert parsed.problems[0].startswith(f"visits.csv:7:{column('member_id')}: member_id: "
                                         "looks like a number a spreadsheet turned")


def test_parse__formula_cells_are_refused_for_every_prefix():
    edits = {(2, "patient_last_name"): "=HYPERLINK(1)", (3, "patient_address"): "+1 Main St",
             (4, "auth_number"): "-cmd", (5, "patient_city"): "@SUM(A1)"}
    parsed = parse(build(edits))
    assert len(parsed.problems) == 4
    assert all("spreadsheet runs as a formula" in p for p in parsed.problems)


def test_parse__unknown_payer_is_refused_naming_known_payers():
    parsed = parse(build({(10, "payer_id"): "aetna"}))
    assert parsed.problems == [f"visits.csv:10:{column('payer_id')}: payer_id: unknown payer "
                               "'aetna'; the store knows: commercial, medicaid, medicare"]


def test_parse__nul_byte_and_bad_utf8_are_reported_by_line_and_column():
    data = build({(4, "patient_first_name"): "Coll\x00een"})
    data = data.replace(b"Nguyen,Mai", b"Ngu\xe9n,Mai", 1)
    parsed = parse(data)
    assert parsed.problems == [
        f"visits.csv:4:{column('patient_first_name')}: patient_first_name: contains a NUL "
        "byte (the file looks damaged or binary)",
        f"visits.csv:10:{column('patient_last_name')}: patient_last_name: not valid UTF-8 "
        "text; save the export as UTF-8",
    ]


def test_parse__missing_and_duplicate_headers_are_reported():
    rows = sample_rows()
    rows[0][column("cpt") - 1] = "minutes"  # cpt missing, minutes twice
    parsed = parse(build(rows=rows))
    assert f"visits.csv:1:{column('minutes')}: header: duplicate column 'minutes' (also " \
           f"column {column('cpt')})" in parsed.problems
    assert any(p.startswith("visits.csv:1:") and "missing column 'cpt'" in p
               for p in parsed.problems)


def test_parse__unknown_header_is_reported():
    rows = sample_rows()
    rows[0][column("billing_tin") - 1] = "billing_tax"
    parsed = parse(build(rows=rows))
    assert parsed.problems == [f"visits.csv:1:{column('billing_tin')}: header: unknown "
                               "column 'billing_tax'"]


def test_parse__empty_file_and_header_only_are_refused():
    assert parse(b"").problems == ["visits.csv:1:1: header: the file is empty; the first row "
                                   "must name the columns"]
    header_only = build(rows=[sample_rows()[0]])
    assert parse(header_only).problems == ["visits.csv:1:1: the file has a header but no "
                                           "service-line rows"]


def test_parse__row_with_extra_field_is_reported():
    rows = sample_rows()
    rows[3].append("extra")
    parsed = parse(build(rows=rows))
    assert parsed.problems == [f"visits.csv:4:{len(rows[0]) + 1}: row has {len(rows[0]) + 1} "
                               f"fields but the header has {len(rows[0])} (an unquoted comma "
                               "or a missing field?)"]


def test_parse__inconsistent_visit_fields_across_rows_of_one_visit():
    parsed = parse(build({(3, "note_signed"): "N"}))
    assert parsed.problems == [f"visits.csv:3:{column('note_signed')}: note_signed: differs "
                               "from line 2 for the same visit_id"]


def test_parse__patient_fields_must_agree_across_visits():
    parsed = parse(build({(19, "patient_first_name"): "Dorine"}))
    col = column("patient_first_name")
    assert parsed.problems == [
        f"visits.csv:19:{col}: patient_first_name: differs from line 2 for the same patient_id",
        f"visits.csv:20:{col}: patient_first_name: differs from line 19 for the same visit_id",
    ]


def test_parse__three_problems_are_all_listed_in_file_order():
    edits = {(2, "date_of_service"): "03/02/26", (8, "modifiers"): "GO;59",
             (16, "place_of_service"): "2"}
    parsed = parse(build(edits))
    lines = [int(p.split(":")[1]) for p in parsed.problems]
    assert lines == [2, 8, 16]
    assert "place_of_service: must be two digits" in parsed.problems[2]


def test_parse__problem_messages_never_quote_phi_cells():
    dob, member = "1946-07-91", "9.9E+10"
    edits = {(2, "patient_dob"): dob, (2, "member_id"): member,
             (2, "patient_last_name"): "=Hartwell"}
    parsed = parse(build(edits))
    assert len(parsed.problems) == 3
    text = "\n".join(parsed.problems)
    assert dob not in text and member not in text and "Hartwell" not in text


def test_parse__diagnoses_normalise_to_dotted_form_and_limit_to_four():
    parsed = parse(build({(2, "dx_codes"): "i69351;m6281"}))
    assert parsed.visits[0].lines[0].dx_codes == ("I69.351", "M62.81")
    parsed = parse(build({(2, "dx_codes"): "I69.351;M62.81;R27.8;R26.89;F82"}))
    assert parsed.problems == [f"visits.csv:2:{column('dx_codes')}: dx_codes: a line points "
                               "at most at 4 diagnoses"]


def test_parse__blank_units_mean_compute_later_and_required_cells_are_named():
    parsed = parse(build({(2, "units"): ""}))
    assert parsed.visits[0].lines[0].units is None
    parsed = parse(build({(2, "cpt"): ""}))
    assert parsed.problems == [f"visits.csv:2:{column('cpt')}: cpt: required, but blank"]
