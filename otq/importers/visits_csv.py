"""Read an EHR visit export (CSV, one row per service line) into validated visit rows.

The CSV format (``otq import visits FILE.csv``):

* UTF-8 (an Excel byte-order mark is fine), comma-separated, a header row naming the
  columns below in any order; CRLF or LF line ends. Every cell is read as text, so
  leading zeros (ZIP 02134, POS 02, member ids) are kept.
* One row per service line; rows with the same ``visit_id`` form one visit and must agree
  on every visit-level column (all but cpt, modifiers, minutes, units, dx_codes, charge).
* visit: visit_id, date_of_service, place_of_service, telehealth (Y/N)
* patient: patient_id, patient_last_name, patient_first_name, patient_dob, patient_sex
  (F/M/U), patient_address, patient_city, patient_state, patient_zip
* coverage: payer_id (a payer in the store: medicare, medicaid, commercial...), member_id
* provider: provider_npi, provider_last_name, provider_first_name, provider_credential (OT|OTA)
* line: cpt, modifiers (colon-separated, GO:59), minutes, units (blank = compute later),
  dx_codes (semicolon-separated ICD-10-CM, I69.351;M62.81), charge (125.00)
* documentation: note_signed (Y/N), poc_start, poc_end, last_progress_report,
  referring_npi, auth_number, auth_visits
* optional referring physician name: referring_last_name, referring_first_name (the 837P
  NM1*DN needs the name as well as the NPI; Medicare therapy claims need both)
* optional billing provider: billing_npi, billing_name, billing_tin (blank: the store's
  default practice). Dates are YYYY-MM-DD; two-digit years, serial numbers, scientific
  notation and cells starting with = + - @ are refused.

This module is pure: bytes in, rows or problems out. Problems read
``file:line:column: field: message`` with the physical line and 1-based column, and never
quote a cell (cells may be PHI).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pendulum

from otq.importers import csv_fields as F

VISIT_COLUMNS = ("visit_id", "date_of_service", "place_of_service", "telehealth")
PATIENT_COLUMNS = ("patient_id", "patient_last_name", "patient_first_name", "patient_dob",
                   "patient_sex", "patient_address", "patient_city", "patient_state",
                   "patient_zip")
COVERAGE_COLUMNS = ("payer_id", "member_id")
PROVIDER_COLUMNS = ("provider_npi", "provider_last_name", "provider_first_name",
                    "provider_credential")
LINE_COLUMNS = ("cpt", "modifiers", "minutes", "units", "dx_codes", "charge")
DOC_COLUMNS = ("note_signed", "poc_start", "poc_end", "last_progress_report", "referring_npi",
               "auth_number", "auth_visits")
BILLING_COLUMNS = ("billing_npi", "billing_name", "billing_tin")
REFERRING_NAME_COLUMNS = ("referring_last_name", "referring_first_name")
REQUIRED_COLUMNS = (VISIT_COLUMNS + PATIENT_COLUMNS + COVERAGE_COLUMNS + PROVIDER_COLUMNS
                    + LINE_COLUMNS + DOC_COLUMNS)
ALL_COLUMNS = REQUIRED_COLUMNS + BILLING_COLUMNS + REFERRING_NAME_COLUMNS

#: column -> (parser, cell must not be blank)
FIELDS: dict[str, tuple[F.Parser, bool]] = {
    "visit_id": (F.text, True), "date_of_service": (F.date, True),
    "place_of_service": (F.place_of_service, True), "telehealth": (F.yes_no, True),
    "patient_id": (F.text, True), "patient_last_name": (F.text, False),
    "patient_first_name": (F.text, False), "patient_dob": (F.date, False),
    "patient_sex": (F.sex, False), "patient_address": (F.text, False),
    "patient_city": (F.text, False), "patient_state": (F.state, False),
    "patient_zip": (F.zip_code, False), "payer_id": (F.text, True),
    "member_id": (F.member_id, False), "provider_npi": (F.npi, True),
    "provider_last_name": (F.text, True), "provider_first_name": (F.text, False),
    "provider_credential": (F.credential, True), "cpt": (F.procedure_code, True),
    "modifiers": (F.modifiers, False), "minutes": (F.whole_number, False),
    "units": (F.whole_number, False), "dx_codes": (F.diagnoses, False),
    "charge": (F.money, False), "note_signed": (F.yes_no, True), "poc_start": (F.date, False),
    "poc_end": (F.date, False), "last_progress_report": (F.date, False),
    "referring_npi": (F.npi, False), "auth_number": (F.text, False),
    "auth_visits": (F.whole_number, False), "billing_npi": (F.npi, False),
    "billing_name": (F.text, False), "billing_tin": (F.tin, False),
    "referring_last_name": (F.text, False), "referring_first_name": (F.text, False),
}
VISIT_LEVEL = tuple(c for c in ALL_COLUMNS if c not in LINE_COLUMNS)
#: No cell of a visit export comes near this. A longer one is damage (or an attack) and is
#: refused at its own line and column, instead of by the csv module's 128 KB field limit,
#: which can only name column 1.
MAX_CELL = 4000
_BAD_BYTES = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class LineRow:
    """One service line as exported, with its physical line in the file."""

    line: int
    cpt: str
    modifiers: tuple[str, ...]
    minutes: int | None
    units: int | None
    dx_codes: tuple[str, ...]
    charge: Decimal | None


@dataclass(frozen=True)
class VisitRow:
    """One visit: the visit-level cells (by column name) and its service lines."""

    visit_id: str
    line: int  # the first row of the visit
    values: dict[str, Any]
    lines: tuple[LineRow, ...]

    def __getitem__(self, column: str) -> Any:
        return self.values.get(column)

    @property
    def date_of_service(self) -> pendulum.Date:
        """The date of service (always present on a parsed visit)."""
        return self.values["date_of_service"]


@dataclass
class ParsedFile:
    """What a file holds: visits when it is clean, otherwise every problem found."""

    source: str
    columns: dict[str, int] = field(default_factory=dict)  # column name -> 1-based column
    visits: list[VisitRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rows: int = 0
    _where: list[tuple[int, int]] = field(default_factory=list, repr=False)

    def problem(self, line: int, column: int, message: str) -> None:
        """Record one problem as ``file:line:column: message``."""
        self.problems.append(f"{self.source}:{line}:{column}: {message}")
        self._where.append((line, column))

    def sort(self) -> None:
        """Problems in file order (line, then column), as an editor walks them."""
        order = sorted(range(len(self.problems)), key=lambda i: (self._where[i], i))
        self.problems = [self.problems[i] for i in order]
        self._where = [self._where[i] for i in order]

    def column_of(self, name: str) -> int:
        """The 1-based column of ``name`` (1 when the file lacks it)."""
        return self.columns.get(name, 1)


def _decode(data: bytes) -> str:
    """Text of the file. Bad UTF-8 bytes become lone surrogates, reported per cell later."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="surrogateescape")


def _header(parsed: ParsedFile, row: list[str]) -> None:
    for i, raw in enumerate(row, start=1):
        name = raw.strip().lower()
        if _BAD_BYTES.search(name) or "\x00" in name:
            parsed.problem(1, i, "header: column name is not valid UTF-8 text")
        elif not name:
            parsed.problem(1, i, "header: empty column name")
        elif len(name) > 40:
            parsed.problem(1, i, "header: unknown column (a name over 40 characters)")
        elif name in parsed.columns:
            parsed.problem(1, i, f"header: duplicate column {name!r} "
                                 f"(also column {parsed.columns[name]})")
        elif name not in FIELDS:
            parsed.problem(1, i, f"header: unknown column {name!r}")
        else:
            parsed.columns[name] = i
    for name in REQUIRED_COLUMNS:
        if name not in parsed.columns:
            parsed.problem(1, len(row) + 1, f"header: missing column {name!r}")


def _cells(parsed: ParsedFile, line: int, row: list[str]) -> dict[str, Any] | None:
    """Parse one row's cells; None when any cell was refused (problems recorded)."""
    values: dict[str, Any] = {}
    ok = True
    for name, col in parsed.columns.items():
        raw = row[col - 1]
        cell = raw.strip()
        parser, required = FIELDS[name]
        if "\x00" in raw:
            msg: str | None = "contains a NUL byte (the file looks damaged or binary)"
        elif len(raw) > MAX_CELL:
            msg = f"longer than {MAX_CELL} characters (the file looks damaged)"
        elif _BAD_BYTES.search(raw):
            msg = "not valid UTF-8 text; save the export as UTF-8"
        elif required and not cell:
            msg = "required, but blank"
        else:
            values[name], msg = parser(cell)
        if msg:
            parsed.problem(line, col, f"{name}: {msg}")
            ok = False
    return values if ok else None


def _line_row(line: int, values: dict[str, Any]) -> LineRow:
    return LineRow(line=line, cpt=values.get("cpt", ""), modifiers=values.get("modifiers", ()),
                   minutes=values.get("minutes"), units=values.get("units"),
                   dx_codes=values.get("dx_codes", ()), charge=values.get("charge"))


def _check_same(parsed: ParsedFile, groups: dict[str, list[tuple[int, dict[str, Any]]]],
                columns: tuple[str, ...], key_name: str) -> None:
    """Rows sharing a key (visit_id, patient_id, provider_npi) must agree on ``columns``."""
    for rows in groups.values():
        first_line, first = rows[0]
        for line, values in rows[1:]:
            for name in columns:
                if name in parsed.columns and values.get(name) != first.get(name):
                    parsed.problem(line, parsed.columns[name],
                                   f"{name}: differs from line {first_line} for the same "
                                   f"{key_name}")


def parse_visits_csv(data: bytes, *, source: str, payer_ids: set[str] | frozenset[str]
                     ) -> ParsedFile:
    """Parse and validate a whole export. ``payer_ids`` are the payers the store knows.

    Every problem in the file is collected (not just the first), so one round of fixes
    in the EHR export is enough.
    """
    parsed = ParsedFile(source=source)
    text = _decode(data)
    # The limit is process-wide; raise it for this parse so an oversized cell reaches the
    # MAX_CELL check (which names its column), and put it back afterwards.
    old_limit = csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        return _parse(parsed, csv.reader(io.StringIO(text, newline="")), payer_ids)
    finally:
        csv.field_size_limit(old_limit)


def _parse(parsed: ParsedFile, reader: Any, payer_ids: set[str] | frozenset[str]
           ) -> ParsedFile:
    rows: list[tuple[int, dict[str, Any]]] = []
    prev = 0
    try:
        header = next(reader, None)
        prev = reader.line_num
        if header is None or not any(c.strip() for c in header):
            parsed.problem(1, 1, "header: the file is empty; the first row must name the columns")
            return parsed
        _header(parsed, header)
        for row in reader:
            line, prev = prev + 1, reader.line_num
            if not row or not any(c.strip() for c in row):
                continue  # blank lines are harmless
            parsed.rows += 1
            if len(row) != len(header):
                parsed.problem(line, min(len(row), len(header)) + 1,
                               f"row has {len(row)} fields but the header has {len(header)} "
                               "(an unquoted comma or a missing field?)")
                continue
            values = _cells(parsed, line, row)
            if values is None:
                continue
            if "payer_id" in values and values["payer_id"] not in payer_ids:
                known = ", ".join(sorted(payer_ids)) or "none"
                parsed.problem(line, parsed.columns["payer_id"],
                               f"payer_id: unknown payer {_safe(values['payer_id'])}; "
                               f"the store knows: {known}")
                continue
            rows.append((line, values))
    except csv.Error as exc:
        parsed.problem(prev + 1, 1, f"the file is not readable as CSV ({exc})")
        return parsed
    if parsed.rows == 0 and not parsed.problems:
        parsed.problem(1, 1, "the file has a header but no service-line rows")
    _group(parsed, rows)
    parsed.sort()
    return parsed


def _safe(value: str) -> str:
    """A payer id is not PHI, but keep whatever we echo short and printable."""
    cleaned = "".join(ch for ch in value[:20] if ch.isprintable())
    return repr(cleaned)


def _group(parsed: ParsedFile, rows: list[tuple[int, dict[str, Any]]]) -> None:
    by_visit: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    by_patient: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    by_provider: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for line, values in rows:
        by_visit.setdefault(values.get("visit_id", ""), []).append((line, values))
        by_patient.setdefault(values.get("patient_id", ""), []).append((line, values))
        by_provider.setdefault(values.get("provider_npi", ""), []).append((line, values))
    _check_same(parsed, by_visit, VISIT_LEVEL, "visit_id")
    _check_same(parsed, by_patient, PATIENT_COLUMNS, "patient_id")
    _check_same(parsed, by_provider, PROVIDER_COLUMNS, "provider_npi")
    for visit_id, vrows in by_visit.items():
        first_line, first = vrows[0]
        dx = {c for _, v in vrows for c in v.get("dx_codes", ())}
        if len(dx) > 12:
            parsed.problem(first_line, parsed.column_of("dx_codes"),
                           "dx_codes: a visit carries at most 12 diagnoses")
        parsed.visits.append(VisitRow(
            visit_id=visit_id, line=first_line,
            values={k: v for k, v in first.items() if k not in LINE_COLUMNS},
            lines=tuple(_line_row(line, v) for line, v in vrows),
        ))
