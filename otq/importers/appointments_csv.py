"""Read the practice's appointment export (CSV) into validated rows. No store access.

The whole file is checked before anything is used: every problem is reported as
``file:line:column: column_name: message`` and the caller imports nothing when there is
one. Messages never repeat a cell's value (names, dates of birth and member ids are PHI).
Excel habits are handled: a UTF-8 byte-order mark, CRLF line ends, and "canceled" spelt
the American way.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pendulum

from otq.domain.eligibility import AppointmentStatus
from otq.errors import ValidationError
from otq.importers import csv_fields as f

COLUMNS = ("appointment_id", "date", "time", "patient_id", "patient_last_name",
           "patient_first_name", "patient_dob", "payer_id", "member_id", "provider_npi",
           "status")
OPTIONAL = ("patient_dob", "provider_npi")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_STATUS = {"scheduled": AppointmentStatus.SCHEDULED, "cancelled": AppointmentStatus.CANCELLED,
           "canceled": AppointmentStatus.CANCELLED, "no-show": AppointmentStatus.NO_SHOW}


@dataclass(frozen=True)
class AppointmentRow:
    """One validated appointment line. ``line`` is the file line it came from."""

    line: int
    appointment_id: str
    date: pendulum.Date
    time: str
    patient_id: str
    last_name: str
    first_name: str
    dob: pendulum.Date | None
    payer_id: str
    member_id: str
    provider_npi: str
    status: AppointmentStatus


def time_of_day(value: str) -> f.Parsed:
    """A 24-hour time written HH:MM (09:30, 14:00)."""
    if _TIME.match(value):
        return value, None
    return None, "write times as HH:MM on the 24-hour clock, e.g. 09:30 or 14:00"


def status(value: str) -> f.Parsed:
    """scheduled, cancelled (or canceled) or no-show."""
    found = _STATUS.get(value.lower())
    if found is None:
        return None, "must be scheduled, cancelled or no-show"
    return found, None


def read_appointments(path: Path | str, *, known_payers: Collection[str]) -> list[AppointmentRow]:
    """Every appointment in the CSV at ``path``, or :class:`ValidationError` listing all
    problems. ``known_payers`` are the payer ids of the store (an unknown one is refused)."""
    path = Path(path)
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{name}: cannot read the file ({exc.strerror})",
                              [f"{name}:1:1: cannot read the file"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        problem = f"{name}:{line}:1: not UTF-8 text; save the export as CSV UTF-8"
        raise ValidationError(f"{name} was not imported", [problem]) from None
    return parse_appointments(text, name, known_payers=known_payers)


def parse_appointments(text: str, name: str, *, known_payers: Collection[str]
                       ) -> list[AppointmentRow]:
    """Validate CSV ``text`` (named ``name`` in problems); see :func:`read_appointments`."""
    problems: list[str] = []
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ValidationError(f"{name} was not imported",
                              [f"{name}:1:1: the file is empty; a header row is required"]
                              ) from None
    except csv.Error as exc:
        raise ValidationError(f"{name} was not imported",
                              [f"{name}:1:1: not readable as CSV ({exc})"]) from None
    index: dict[str, int] = {}
    for col, title in enumerate(header, start=1):
        if title in index:
            problems.append(f"{name}:1:{col}: {title}: the column appears twice")
        index.setdefault(title, col - 1)
    for title in COLUMNS:
        if title not in index and title not in OPTIONAL:
            problems.append(f"{name}:1:1: {title}: required column is missing from the header")
    if problems:
        raise ValidationError(f"{name} was not imported", problems)

    parsers = {"appointment_id": f.text, "date": f.date, "time": time_of_day,
               "patient_id": f.text, "patient_last_name": f.text, "patient_first_name": f.text,
               "patient_dob": f.date, "payer_id": f.text, "member_id": f.member_id,
               "provider_npi": f.npi, "status": status}
    required = set(COLUMNS) - set(OPTIONAL)
    known = {p.lower(): p for p in known_payers}
    rows: list[AppointmentRow] = []
    first_line: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines (a trailing one is common)
            if len(cells) != len(header):
                problems.append(f"{name}:{line}:1: the line has {len(cells)} cells; the "
                                f"header has {len(header)} (an unquoted comma?)")
                continue
            values, bad = {}, False
            for title in COLUMNS:
                if title not in index:
                    values[title] = None if title == "patient_dob" else ""
                    continue
                col = index[title]
                cell = cells[col].strip()
                where = f"{name}:{line}:{col + 1}: {title}"
                if not cell and title in required:
                    problems.append(f"{where}: is empty")
                    bad = True
                    continue
                value, problem = parsers[title](cell)
                if problem:
                    problems.append(f"{where}: {problem}")
                    bad = True
                values[title] = value
            if bad:
                continue
            payer = known.get(values["payer_id"].lower())
            if payer is None:
                problems.append(f"{name}:{line}:{index['payer_id'] + 1}: payer_id: not a payer "
                                f"otq knows (known ids: {', '.join(sorted(known_payers))})")
                continue
            appt = values["appointment_id"]
            if appt in first_line:
                problems.append(f"{name}:{line}:{index['appointment_id'] + 1}: appointment_id: "
                                f"the same appointment is on line {first_line[appt]}")
                continue
            first_line[appt] = line
            rows.append(AppointmentRow(
                line=line, appointment_id=appt, date=values["date"], time=values["time"],
                patient_id=values["patient_id"], last_name=values["patient_last_name"],
                first_name=values["patient_first_name"], dob=values["patient_dob"],
                payer_id=payer, member_id=values["member_id"],
                provider_npi=values["provider_npi"] or "", status=values["status"]))
    except csv.Error as exc:
        problems.append(f"{name}:{reader.line_num}:1: not readable as CSV ({exc})")
    if not rows and not problems:
        problems.append(f"{name}:2:1: the file has a header but no appointments")
    if problems:
        raise ValidationError(f"{name} was not imported: {len(problems)} problem(s)", problems)
    return rows
