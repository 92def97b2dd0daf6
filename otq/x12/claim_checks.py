"""Checks an 837P claim must pass before a single segment is written.

pyx12 validates structure, not content: it does not check NPIs, code lists, or that CLM02
equals the sum of the lines. These checks catch what would make a receiver reject the
claim, each as one ``claim <PCN>: <field>: <why>`` line. Values are never echoed (they
may be PHI); the field is named instead.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from otq.scrubber.identifiers import npi_problem

if TYPE_CHECKING:  # only for type hints: claim_837p imports this module
    from otq.x12.claim_837p import ClaimBundle

_DX = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")
_CPT = re.compile(r"^[0-9A-Z]{5}$")
_MOD = re.compile(r"^[0-9A-Z]{2}$")
_POS = re.compile(r"^\d{2}$")
MAX_DIAGNOSES = 12  # HI carries at most 12 codes
MAX_LINES = 50  # 2400 loop repeat limit
MAX_POINTERS = 4  # SV107
MAX_MODIFIERS = 4  # SV101-3..6


def digits(text: str) -> str:
    """Only the digits of ``text`` (phone numbers, ZIP codes, TINs)."""
    return "".join(ch for ch in text or "" if ch.isdigit())


def dx_code(code: str) -> str:
    """An ICD-10-CM code as HI carries it: upper case, without the dot."""
    return code.replace(".", "").strip().upper()


def npi_ok(npi: str) -> bool:
    """True for a 10-digit NPI whose check digit is right (the scrubber's check)."""
    return npi_problem(npi) is None


def check_bundle(bundle: ClaimBundle) -> list[str]:
    """Every content problem of one claim bundle (empty when it can be written)."""
    c = bundle.claim
    pcn = c.patient_control_number or "?"
    out: list[str] = []

    def bad(field: str, why: str) -> None:
        out.append(f"claim {pcn}: {field}: {why}")

    if not c.patient_control_number:
        bad("patient control number (CLM01)", "is missing")
    if not npi_ok(bundle.practice.npi):
        bad("billing provider NPI (2010AA NM109)", "is missing or fails the NPI check digit")
    if len(digits(bundle.practice.tin)) != 9:
        bad("billing provider tax id (2010AA REF*EI)", "must be 9 digits")
    if len(digits(bundle.practice.address.zip)) not in (5, 9):
        bad("billing provider ZIP (2010AA N403)", "must be 5 or 9 digits")
    if digits(bundle.provider.npi) != digits(bundle.practice.npi) \
            and not npi_ok(bundle.provider.npi):
        bad("rendering provider NPI (2310B NM109)", "is missing or fails the NPI check digit")
    if bundle.coverage.relationship != "18":
        bad("patient relationship (SBR02)", "the patient is not the subscriber; otq does not "
            "hold the subscriber's name and address the 2000C loop needs")
    if bundle.patient.dob is None:
        bad("patient birth date (2010BA DMG02)", "is missing")
    if bundle.patient.sex not in ("F", "M", "U"):
        bad("patient sex (2010BA DMG03)", "must be F, M or U")
    if len(digits(bundle.patient.address.zip)) not in (5, 9):
        bad("subscriber ZIP (2010BA N403)", "must be 5 or 9 digits")
    if not bundle.payer.filing_indicator:
        bad("claim filing indicator (SBR09)", "is missing from the payer")
    if c.frequency not in ("1", "7", "8"):
        bad("claim frequency (CLM05-3)", "must be 1, 7 or 8")
    if not _POS.match(c.place_of_service or ""):
        bad("place of service (CLM05-1)", "must be two digits")
    out.extend(_check_referring(bundle, bad))
    if not c.diagnoses:
        bad("diagnoses (HI)", "at least one diagnosis is required")
    elif len(c.diagnoses) > MAX_DIAGNOSES:
        bad("diagnoses (HI)", f"at most {MAX_DIAGNOSES} fit on a claim")
    for i, dx in enumerate(c.diagnoses, start=1):
        if not _DX.match(dx.strip().upper()):
            bad(f"diagnosis {i} (HI)", "is not an ICD-10-CM code")
    _check_lines(bundle, bad)
    return out


def _check_referring(bundle: ClaimBundle, bad) -> list[str]:
    c = bundle.claim
    needed = bundle.referring_required or bool(c.referring_npi)
    if not needed:
        return []
    if not npi_ok(c.referring_npi):
        bad("referring provider NPI (2310A NM109)", "is missing or fails the NPI check digit"
            + (" (this payer requires the certifying physician)"
               if bundle.referring_required else ""))
    if bundle.referring is None or not bundle.referring.last_name.strip():
        bad("referring provider name (2310A NM103)",
            "is missing: add the referring physician's name (referring_last_name, "
            "referring_first_name) to the visit")
    return []


def _check_lines(bundle: ClaimBundle, bad) -> None:
    c = bundle.claim
    if not c.lines:
        bad("service lines (2400)", "a claim needs at least one line")
    elif len(c.lines) > MAX_LINES:
        bad("service lines (2400)", f"at most {MAX_LINES} lines fit on a claim")
    seen: set[str] = set()
    for n, ln in enumerate(c.lines, start=1):
        if not _CPT.match(ln.cpt or ""):
            bad(f"line {n} procedure code (SV101-2)", "must be a 5-character CPT/HCPCS code")
        if len(ln.modifiers) > MAX_MODIFIERS:
            bad(f"line {n} modifiers (SV101)", f"at most {MAX_MODIFIERS} are allowed")
        for m in ln.modifiers:
            if not _MOD.match(m):
                bad(f"line {n} modifier (SV101)", "must be two letters or digits")
                break
        if ln.units is None or ln.units <= 0:
            bad(f"line {n} units (SV104)", "must be at least 1")
        if ln.charge is None or ln.charge <= 0:
            bad(f"line {n} charge (SV102)", "must be more than zero")
        if not ln.dx_pointers:
            bad(f"line {n} diagnosis pointers (SV107)", "at least one is required")
        elif len(ln.dx_pointers) > MAX_POINTERS or any(
                not 1 <= p <= min(len(c.diagnoses), MAX_DIAGNOSES) for p in ln.dx_pointers):
            bad(f"line {n} diagnosis pointers (SV107)",
                f"must be 1 to {MAX_POINTERS} pointers to diagnoses on the claim")
        if not ln.control_number:
            bad(f"line {n} line control number (REF*6R)", "is missing")
        elif ln.control_number in seen:
            bad(f"line {n} line control number (REF*6R)", "repeats another line's")
        seen.add(ln.control_number)
