"""The appointment CSV reader: whole file or nothing, every problem named by line and column."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from otq.domain.eligibility import AppointmentStatus
from otq.errors import ValidationError
from otq.importers.appointments_csv import read_appointments

HEADER = ("appointment_id,date,time,patient_id,patient_last_name,patient_first_name,"
          "patient_dob,payer_id,member_id,provider_npi,status")
PAYERS = {"medicare", "medicaid", "commercial"}


def write(tmp_path: Path, *lines: str, bom: bool = False, crlf: bool = False) -> Path:
    path = tmp_path / "appointments.csv"
    text = ("\r\n" if crlf else "\n").join((HEADER, *lines)) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def test_read__excel_bom_and_crlf_are_handled_and_leading_zeros_kept(tmp_path):
    path = write(tmp_path,
                 "A100,2026-01-20,09:30,P1,Okafor,Grace,1948-03-02,medicare,1EG4TE5MK73,1234567893,scheduled",
                 "A101,2026-01-21,14:00,P2,Lindqvist,Sven,1961-11-30,Commercial,00012345,,canceled",
                 bom=True, crlf=True)
    rows = read_appointments(path, known_payers=PAYERS)
    assert [r.appointment_id for r in rows] == ["A100", "A101"]
    assert rows[0].date == pendulum.date(2026, 1, 20) and rows[0].time == "09:30"
    assert rows[1].member_id == "00012345"
    assert rows[1].payer_id == "commercial"  # payer ids match regardless of case
    assert rows[1].status is AppointmentStatus.CANCELLED  # US spelling accepted
    assert rows[1].provider_npi == ""


def test_read__every_problem_is_listed_with_file_line_column_and_no_phi(tmp_path):
    path = write(tmp_path,
                 "A1,01/20/26,09:30,P1,Okafor,Grace,1948-03-02,medicare,1EG4TE5MK73,,scheduled",
                 "A2,2026-01-20,9:30am,P2,Lindqvist,Sven,1961-13-30,medicare,M2,,scheduled",
                 "A3,2026-01-20,10:00,P3,Ruiz,Ana,1950-01-01,aetna,M3,,scheduled",
                 "A4,2026-01-20,10:00,P4,Ng,Bo,1950-01-01,medicaid,M4,,rescheduled")
    with pytest.raises(ValidationError) as exc:
        read_appointments(path, known_payers=PAYERS)
    problems = exc.value.problems
    assert "appointments.csv:2:2: date: has a two-digit year; write dates as YYYY-MM-DD" in problems
    assert any(p.startswith("appointments.csv:3:3: time:") for p in problems)
    assert "appointments.csv:3:7: patient_dob: not a real calendar date" in problems
    assert any(p.startswith("appointments.csv:4:8: payer_id: not a payer otq knows") for p in problems)
    assert any(p.startswith("appointments.csv:5:11: status:") for p in problems)
    text = "\n".join(problems)
    for phi in ("1961-13-30", "Lindqvist", "aetna", "1EG4TE5MK73"):
        assert phi not in text


def test_read__missing_required_column_is_refused_on_the_header_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("appointment_id,date,time,patient_id\nA1,2026-01-20,09:30,P1\n")
    with pytest.raises(ValidationError) as exc:
        read_appointments(path, known_payers=PAYERS)
    assert "a.csv:1:1: member_id: required column is missing from the header" in exc.value.problems


def test_read__duplicate_appointment_id_names_the_first_line(tmp_path):
    path = write(tmp_path,
                 "A1,2026-01-20,09:30,P1,Okafor,Grace,1948-03-02,medicare,M1,,scheduled",
                 "A1,2026-01-21,09:30,P1,Okafor,Grace,1948-03-02,medicare,M1,,scheduled")
    with pytest.raises(ValidationError) as exc:
        read_appointments(path, known_payers=PAYERS)
    assert exc.value.problems == [
        "appointments.csv:3:1: appointment_id: the same appointment is on line 2"]


def test_read__short_row_and_empty_required_cell_are_refused(tmp_path):
    path = write(tmp_path, "A1,2026-01-20,09:30",
                 "A2,2026-01-20,09:30,P2,,Sven,,medicare,M2,,scheduled")
    with pytest.raises(ValidationError) as exc:
        read_appointments(path, known_payers=PAYERS)
    assert exc.value.problems[0].startswith("appointments.csv:2:1: the line has 3 cells")
    assert "appointments.csv:3:5: patient_last_name: is empty" in exc.value.problems


def test_read__non_utf8_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes((HEADER + "\nA1,2026-01-20,09:30,P1,M\xfcller,Jo,,medicare,M1,,scheduled\n")
                     .encode("latin-1"))
    with pytest.raises(ValidationError) as exc:
        read_appointments(path, known_payers=PAYERS)
    assert exc.value.problems == ["a.csv:2:1: not UTF-8 text; save the export as CSV UTF-8"]


def test_read__header_only_file_is_refused(tmp_path):
    with pytest.raises(ValidationError) as exc:
        read_appointments(write(tmp_path), known_payers=PAYERS)
    assert exc.value.problems == ["appointments.csv:2:1: the file has a header but no appointments"]
