"""Field parsers for EHR CSV exports: one function per kind of cell.

Each parser takes the cell text (already stripped) and returns ``(value, problem)``, where
``problem`` is None or a short message that never repeats the cell's value: the cell may be
PHI (a date of birth, a member id), and problems end up in terminals and logs.

Most of the refusals exist because spreadsheets damage exports: Excel turns dates into
serial numbers, long ids into ``1.23E+10``, drops leading zeros from ZIP codes and place of
service, and a cell starting with ``=`` becomes a live formula when the file is reopened.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import pendulum

Parsed = tuple[Any, str | None]

# Digits are written [0-9], not \d: \d also matches other scripts' digits (Arabic-Indic,
# fullwidth), which would let a non-ASCII NPI or place of service into the store.

_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_TWO_DIGIT_YEAR = re.compile(r"^[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}$|^[0-9]{2}-[0-9]{2}-[0-9]{2}$")
_EXCEL_SERIAL = re.compile(r"^[0-9]{5}(\.[0-9]+)?$")
_SCIENTIFIC = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+$")
_FORMULA_START = ("=", "+", "-", "@")
_DX = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")
_CODE = re.compile(r"^[A-Z0-9]{5}$")
_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
_MONEY = re.compile(r"^\$?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]{1,2})?$")


def formula_problem(value: str) -> str | None:
    """Refuse text that a spreadsheet would run as a formula when the file is reopened."""
    if value.startswith(_FORMULA_START):
        return ("starts with =, +, - or @, which a spreadsheet runs as a formula; "
                "remove the leading character in the EHR export")
    return None


def text(value: str) -> Parsed:
    """Free text (names, addresses, ids): anything except formula-like cells."""
    return value, formula_problem(value)


def member_id(value: str) -> Parsed:
    """An insurance member id, kept exactly as written (leading zeros matter)."""
    if _SCIENTIFIC.match(value):
        return None, ("looks like a number a spreadsheet turned into scientific notation "
                      "(e.g. 1.23E+10); export the column as text")
    return value.upper(), formula_problem(value)


def date(value: str) -> Parsed:
    """An ISO date, YYYY-MM-DD. Blank is None."""
    if not value:
        return None, None
    m = _ISO_DATE.match(value)
    if m:
        try:
            return pendulum.date(int(m[1]), int(m[2]), int(m[3])), None
        except ValueError:
            return None, "not a real calendar date"
    if _TWO_DIGIT_YEAR.match(value):
        return None, "has a two-digit year; write dates as YYYY-MM-DD"
    if _EXCEL_SERIAL.match(value):
        return None, ("looks like a spreadsheet serial date number; format the column as "
                      "text in YYYY-MM-DD form")
    return None, "not a date in YYYY-MM-DD form"


def yes_no(value: str) -> Parsed:
    """Y or N (also Yes/No, any case)."""
    v = value.upper()
    if v in ("Y", "YES"):
        return True, None
    if v in ("N", "NO"):
        return False, None
    return None, "must be Y or N"


def place_of_service(value: str) -> Parsed:
    """A two-digit CMS place-of-service code (11 office, 12 home, 02/10 telehealth)."""
    if re.fullmatch(r"[0-9]{2}", value):
        return value, None
    if re.fullmatch(r"[0-9]", value):
        return None, "must be two digits (a leading zero was lost? write 02, not 2)"
    return None, "must be a two-digit place-of-service code such as 11"


def npi(value: str) -> Parsed:
    """A 10-digit NPI. The check digit is the scrubber's job (rule NPI), not the importer's."""
    if not value:
        return "", None
    if _SCIENTIFIC.match(value):
        return None, "looks like a number in scientific notation; export the column as text"
    if re.fullmatch(r"[0-9]{10}", value):
        return value, None
    return None, "must be a 10-digit NPI"


def tin(value: str) -> Parsed:
    """A 9-digit EIN, with or without the dash (XX-XXXXXXX)."""
    if not value:
        return "", None
    digits = value.replace("-", "")
    if re.fullmatch(r"[0-9]{9}", digits):
        return digits, None
    return None, "must be a 9-digit tax id (EIN), e.g. 12-3456789"


def zip_code(value: str) -> Parsed:
    """A 5-digit ZIP or ZIP+4 (leading zeros kept: New England ZIPs start with 0)."""
    if not value:
        return "", None
    if re.fullmatch(r"[0-9]{5}(-?[0-9]{4})?", value):
        return value, None
    if re.fullmatch(r"[0-9]{3,4}", value):
        return None, "must be 5 digits (a leading zero was lost?)"
    return None, "must be a 5-digit ZIP code or ZIP+4"


def state(value: str) -> Parsed:
    """A two-letter state code."""
    if not value:
        return "", None
    if re.fullmatch(r"[A-Za-z]{2}", value):
        return value.upper(), None
    return None, "must be a two-letter state code"


def sex(value: str) -> Parsed:
    """F, M or U (unknown); blank is U."""
    v = value.upper() or "U"
    if v in ("F", "M", "U"):
        return v, None
    return None, "must be F, M or U"


def credential(value: str) -> Parsed:
    """OT or OTA."""
    v = value.upper()
    if v in ("OT", "OTA"):
        return v, None
    return None, "must be OT or OTA"


def whole_number(value: str) -> Parsed:
    """A whole number of 0 or more; blank is None."""
    if not value:
        return None, None
    if re.fullmatch(r"[0-9]+", value):
        return int(value), None
    return None, "must be a whole number (0 or more)"


def money(value: str) -> Parsed:
    """An amount such as 125.00 (a $ sign and thousands commas are allowed); blank is None."""
    if not value:
        return None, None
    if not _MONEY.match(value):
        return None, "must be an amount such as 125.00"
    try:
        return Decimal(value.replace("$", "").replace(",", "")), None
    except InvalidOperation:
        return None, "must be an amount such as 125.00"


def procedure_code(value: str) -> Parsed:
    """A 5-character CPT/HCPCS code. Whether otq knows it is rule CPT-UNKNOWN's job."""
    v = value.upper()
    if _CODE.match(v):
        return v, None
    return None, "must be a 5-character CPT or HCPCS code such as 97110"


def modifiers(value: str) -> Parsed:
    """Colon-separated two-character modifiers (GO:59), at most four."""
    if not value:
        return (), None
    parts = [p.strip().upper() for p in value.split(":")]
    if any(not _MODIFIER.match(p) for p in parts):
        return None, "must be two-character modifiers separated by colons, e.g. GO:59"
    if len(parts) > 4:
        return None, "a line carries at most 4 modifiers"
    return tuple(parts), None


def diagnoses(value: str) -> Parsed:
    """Semicolon-separated ICD-10-CM codes, normalised to the dotted form (I69351 -> I69.351).

    Only the shape is checked here; whether a code exists or is billable is for the
    scrubber (DX-INVALID, DX-NOT-BILLABLE), so such visits still reach the coding queue.
    """
    if not value:
        return (), None
    out = []
    for i, part in enumerate(value.split(";"), start=1):
        code = part.strip().upper().replace(".", "")
        if not code:
            continue
        if not _DX.match(code):
            return None, (f"entry {i} is not shaped like an ICD-10-CM code "
                          "(a letter, a digit, then up to 5 letters or digits)")
        out.append(code if len(code) == 3 else f"{code[:3]}.{code[3:]}")
    if len(out) > 4:
        return None, "a line points at most at 4 diagnoses"
    return tuple(dict.fromkeys(out)), None


Parser = Callable[[str], Parsed]
