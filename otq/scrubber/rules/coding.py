"""Procedure and diagnosis codes: catalogue, ICD-10-CM validity, pointers, add-ons, payer swaps.

Sources: facts sheet §1 (OT codes, 97014/G0283, 97010 status B, add-on codes), §4.2 (add-on
edits), §5.3 (ICD-10-CM validity), §10.1 (SV107 pointers, 12 diagnoses).
"""

from __future__ import annotations

import re

from otq.domain import Fix
from otq.scrubber.registry import ERROR, Hit, line_label, rule
from otq.scrubber.subject import Subject

#: ICD-10-CM shape (facts §5.3), used only when no ICD table was loaded.
_ICD_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")


def _substitution(s: Subject, code: str) -> dict | None:
    for row in s.ctx.data.get("code_edits", {}).get("substitutions", ()):
        if row["code"] == code and row["profile"] == s.profile_id:
            return row
    return None


@rule("CPT-UNKNOWN", ERROR, "procedure code not in the OT code catalogue",
      "reference/codes.toml (OT code catalogue), facts §1")
def cpt_unknown(s: Subject):
    """Only codes in the catalogue are billed; add a code there if the practice uses it."""
    for i, ln in enumerate(s.visit.lines):
        if ln.cpt not in s.ctx.codes and _substitution(s, ln.cpt) is None:
            yield Hit(f"{line_label(i, ln.cpt)}: {ln.cpt!r} is not in the OT code catalogue; "
                      "check the code or add it to codes.toml", f"lines[{i}].cpt")


@rule("CODE-SUBSTITUTE", ERROR, "a code this payer does not recognise and replaces with "
      "another (Medicare: 97014 -> G0283)", "reference/code_edits.toml, facts §1 (G0283)")
def code_substitute(s: Subject):
    """Payer-specific code swaps kept as data (code_edits.toml [[substitutions]])."""
    for i, ln in enumerate(s.visit.lines):
        row = _substitution(s, ln.cpt)
        if row is not None:
            fix = Fix(f"use {row['use']}", f"replace {ln.cpt} with {row['use']} on line {i + 1}",
                      ({"op": "set_code", "line": i, "code": row["use"]},))
            yield Hit(f"{line_label(i, ln.cpt)}: {s.profile.name} does not recognise {ln.cpt}; "
                      f"bill {row['use']} instead ({row.get('source', '')})", f"lines[{i}].cpt", fix)


@rule("CODE-BUNDLED", ERROR, "a code the payer never pays separately (Medicare status B: "
      "97010 hot/cold packs)", "reference/code_edits.toml, facts §1 (97010)")
def code_bundled(s: Subject):
    """Status-B codes are bundled: never paid, and cannot be billed to the patient either."""
    for row in s.ctx.data.get("code_edits", {}).get("bundled", ()):
        if row["profile"] != s.profile_id:
            continue
        for i, ln in enumerate(s.visit.lines):
            if ln.cpt == row["code"]:
                fix = Fix("remove the bundled line", f"remove line {i + 1} ({ln.cpt})",
                          ({"op": "remove_line", "line": i},))
                yield Hit(f"{line_label(i, ln.cpt)}: {s.profile.name} bundles {ln.cpt} into other "
                          "services and never pays it separately; remove the line",
                          f"lines[{i}].cpt", fix)


@rule("DX-MISSING", ERROR, "a service line with no diagnosis", "837P SV107, facts §10.1")
def dx_missing(s: Subject):
    """Every line points at one to four of the visit's diagnoses."""
    for i, ln in enumerate(s.visit.lines):
        if not ln.dx_pointers:
            hint = "point it at diagnosis 1" if s.visit.diagnoses else "add a diagnosis to the visit"
            fix = None
            if s.visit.diagnoses:
                fix = Fix("point at diagnosis 1", f"line {i + 1} -> diagnosis 1",
                          ({"op": "set_dx_pointers", "line": i, "pointers": [1]},))
            yield Hit(f"{line_label(i, ln.cpt)} has no diagnosis; {hint}", f"lines[{i}].dx_pointers",
                      fix)


@rule("DX-POINTER", ERROR, "a diagnosis pointer outside the visit's diagnosis list, or more "
      "than 4 pointers on a line", "837P SV107 (up to 4 pointers, 1-12), facts §10.1")
def dx_pointer(s: Subject):
    """Pointers are 1-based indexes into the visit's diagnoses."""
    n = len(s.visit.diagnoses)
    for i, ln in enumerate(s.visit.lines):
        bad = [p for p in ln.dx_pointers if not isinstance(p, int) or not 1 <= p <= n]
        if bad:
            yield Hit(f"{line_label(i, ln.cpt)} points at diagnosis {', '.join(map(str, bad))}, "
                      f"but the visit has {n} diagnos{'is' if n == 1 else 'es'}",
                      f"lines[{i}].dx_pointers")
        if len(ln.dx_pointers) > 4:
            yield Hit(f"{line_label(i, ln.cpt)} has {len(ln.dx_pointers)} diagnosis pointers; "
                      "an 837P line carries at most 4", f"lines[{i}].dx_pointers")


def _icd_status(s: Subject, code: str) -> tuple[bool, bool, str]:
    """(valid, billable, description) for a diagnosis, using the ICD table when loaded."""
    table = s.ctx.data.get("icd")
    if table is None:
        ok = isinstance(code, str) and bool(_ICD_SHAPE.match(code.strip().upper()))
        return ok, ok, ""
    row = table.lookup(code)
    if row is None:
        return False, False, ""
    return True, row[0], row[1]


@rule("DX-INVALID", ERROR, "a diagnosis that is not an ICD-10-CM code",
      "ICD-10-CM code set (simple-icd-10-cm table), facts §5.3")
def dx_invalid(s: Subject):
    """Each diagnosis must exist in the ICD-10-CM code set."""
    for i, dx in enumerate(s.visit.diagnoses):
        valid, _, _ = _icd_status(s, dx)
        if not valid:
            yield Hit(f"diagnosis {i + 1} ({dx!r}) is not an ICD-10-CM code", f"diagnoses[{i}]")


@rule("DX-NOT-BILLABLE", ERROR, "an ICD-10-CM category that is not a billable (leaf) code, "
      "e.g. M25.5 instead of M25.511", "ICD-10-CM guidelines (code to full specificity), facts §5.3")
def dx_not_billable(s: Subject):
    """Only complete codes (all required characters, including a 7th) may be billed."""
    table = s.ctx.data.get("icd")
    for i, dx in enumerate(s.visit.diagnoses):
        valid, billable, desc = _icd_status(s, dx)
        if valid and not billable:
            options = table.billable_under(dx, 3) if table is not None else []
            hint = f"; pick a complete code such as {', '.join(options)}" if options else ""
            yield Hit(f"diagnosis {i + 1} ({dx}, {desc}) is a category, not a billable code{hint}",
                      f"diagnoses[{i}]")


@rule("ADDON-PRIMARY", ERROR, "an add-on code billed without its primary code on the same "
      "date (97130 without 97129, 97551 without 97550)", "NCCI add-on code edits, facts §1, §4.2")
def addon_primary(s: Subject):
    """Add-on codes ('each additional 15 minutes') are only paid with their primary."""
    day = {ln.cpt for ln in s.visit.lines}
    for other in s.same_day():
        day.update(ln.cpt for ln in other.lines)
    for i, ln in enumerate(s.visit.lines):
        info = s.ctx.codes.get(ln.cpt)
        if info is not None and info.addon_to and not day.intersection(info.addon_to):
            yield Hit(f"{line_label(i, ln.cpt)} is an add-on code; bill it with "
                      f"{' or '.join(info.addon_to)} on the same date", f"lines[{i}].cpt")
