"""Minutes and units: the 8-minute rule, untimed codes, once-a-day codes and MUE limits.

Sources: facts sheet §2 (Pub. 100-04 ch. 5 §20.2 and the CPT midpoint rule), §1 (timed vs
untimed codes), §4.3 (MUEs, loaded from reference/mue.toml).
"""

from __future__ import annotations

from otq.domain import Fix
from otq.scrubber.registry import ERROR, Hit, line_label, line_span, rule
from otq.scrubber.subject import Subject
from otq.scrubber.units import expected_for_minutes, midpoint_units, working_text


def _has_minutes(minutes: object) -> bool:
    return isinstance(minutes, int) and minutes > 0


@rule("MINUTES-MISSING", ERROR, "a timed code with no minutes",
      "Pub. 100-04 ch. 5 §20.2 (timed units rest on documented minutes), facts §2, §7")
def minutes_missing(s: Subject):
    """Timed units can only be supported by the minutes in the treatment note."""
    for i, ln in enumerate(s.visit.lines):
        info = s.ctx.codes.get(ln.cpt)
        if info is not None and info.timed and not _has_minutes(ln.minutes):
            yield Hit(f"{line_label(i, ln.cpt)} is a timed code but has no treatment minutes; "
                      "enter the minutes from the note", f"lines[{i}].minutes")


@rule("UNITS-TIMED", ERROR, "billed units of timed codes differ from what the payer's method "
      "(cms pooled / ama per code) gives for the documented minutes",
      "Pub. 100-04 ch. 5 §20.2 and CPT midpoint rule, facts §2.1-2.3")
def units_timed(s: Subject):
    """Covers upcoding, undercoding and under-timed (< 8 minute) lines in one finding."""
    codes, lines = s.ctx.codes, s.visit.lines
    minutes: dict[str, int] = {}
    billed: dict[str, int] = {}
    where: dict[str, list[int]] = {}
    unbilled = set()
    for i, ln in enumerate(lines):
        info = codes.get(ln.cpt)
        if info is None or not info.timed:
            continue
        if not _has_minutes(ln.minutes):
            return  # MINUTES-MISSING speaks first: the arithmetic needs every timed minute
        minutes[ln.cpt] = minutes.get(ln.cpt, 0) + ln.minutes
        units = ln.units if isinstance(ln.units, int) else 0
        if not isinstance(ln.units, int):
            unbilled.add(ln.cpt)
        billed[ln.cpt] = billed.get(ln.cpt, 0) + units
        where.setdefault(ln.cpt, []).append(i)
    if not minutes or s.profile is None:
        return
    method = s.profile.unit_method
    expected = expected_for_minutes(minutes, method, codes)
    bad = [c for c in minutes if billed[c] != expected[c] or c in unbilled or expected[c] == 0]
    if not bad:
        return
    changes: list[dict] = []
    for code in minutes:
        idxs = where[code]
        if expected[code] == 0:
            changes += [{"op": "remove_line", "line": i} for i in idxs]
        elif len(idxs) == 1 and lines[idxs[0]].units != expected[code]:
            changes.append({"op": "set_units", "line": idxs[0], "units": expected[code]})
    name = "CMS pooled 8-minute rule" if method == "cms" else "AMA per-code rule"
    parts = [f"{c} {minutes[c]} min: billed {billed[c]}, expected {expected[c]}" for c in bad]
    zero = any(expected[c] == 0 for c in bad)
    fix = Fix("units from minutes", f"set units per the {name}", tuple(changes)) if changes else None
    yield Hit(f"timed units do not match the minutes under the {name} "
              f"({working_text(minutes, expected, method, codes)}): {'; '.join(parts)}"
              + ("; a code with 0 expected units is not billed (keep its minutes in the note)"
                 if zero else ""), f"lines[{where[bad[0]][0]}].units", fix)


@rule("UNITS-UNTIMED", ERROR, "an untimed (service-based) code billed with units other than 1",
      "facts §1 (untimed codes: 1 unit per session)")
def units_untimed(s: Subject):
    """Evaluations, group therapy, unattended modalities: one unit whatever the duration."""
    for i, ln in enumerate(s.visit.lines):
        info = s.ctx.codes.get(ln.cpt)
        if info is not None and not info.timed and ln.units != 1:
            billed = ln.units if isinstance(ln.units, int) else "no"
            yield Hit(f"{line_label(i, ln.cpt)} is untimed and is billed as 1 unit, not {billed}",
                      f"lines[{i}].units",
                      Fix("1 unit", f"set line {i + 1} to 1 unit",
                          ({"op": "set_units", "line": i, "units": 1},)))


@rule("UNITS-MAX", ERROR, "a once-a-day code (97129, 97550) billed with more units than its "
      "descriptor allows, or with more time than it covers (the rest goes on its add-on code)",
      "CPT descriptors via reference/codes.toml max_units, facts §1")
def units_max(s: Subject):
    """'Initial 15 minutes' codes take one unit; extra time is the add-on's (97130, 97551)."""
    for i, ln in enumerate(s.visit.lines):
        info = s.ctx.codes.get(ln.cpt)
        if info is None or info.max_units is None:
            continue
        addon = [c.code for c in s.ctx.codes.values() if ln.cpt in c.addon_to]
        extra = f"; bill the additional time as {' or '.join(addon)}" if addon else ""
        if isinstance(ln.units, int) and ln.units > info.max_units:
            yield Hit(f"{line_label(i, ln.cpt)} allows at most {info.max_units} unit(s) a day, "
                      f"billed {ln.units}{extra}", f"lines[{i}].units",
                      Fix(f"{info.max_units} unit(s)", f"set line {i + 1} to {info.max_units}",
                          ({"op": "set_units", "line": i, "units": info.max_units},)))
        elif info.timed and _has_minutes(ln.minutes) and \
                midpoint_units(ln.minutes, info.unit_minutes) > info.max_units:
            yield Hit(f"{line_label(i, ln.cpt)} records {ln.minutes} min, more than its "
                      f"{info.max_units} unit(s) cover{extra}", f"lines[{i}].minutes")


@rule("MUE", ERROR, "units of a code on one date of service exceed its Medically Unlikely Edit "
      "value", "reference/mue.toml (NCCI MUE table), facts §4.3")
def mue(s: Subject):
    """MAI 1 limits each line; MAI 2 and 3 limit the day's total across lines and visits."""
    table = s.ctx.data.get("mue", {})
    if not table:
        return
    day_units: dict[str, int] = {}
    for other in s.same_day():
        for ln in other.lines:
            if ln.cpt in table and isinstance(ln.units, int):
                day_units[ln.cpt] = day_units.get(ln.cpt, 0) + ln.units
    mine: dict[str, list[int]] = {}
    for i, ln in enumerate(s.visit.lines):
        if ln.cpt in table:
            mine.setdefault(ln.cpt, []).append(i)
    for code, idxs in mine.items():
        row = table[code]
        limit, mai = row["units"], row["mai"]
        if mai == 1:
            for i in idxs:
                u = s.visit.lines[i].units
                if isinstance(u, int) and u > limit:
                    yield Hit(f"{line_label(i, code)} bills {u} units; the MUE allows {limit} per "
                              "line", f"lines[{i}].units")
            continue
        total = day_units.get(code, 0) + sum(
            u for i in idxs if isinstance(u := s.visit.lines[i].units, int))
        if total > limit:
            yield Hit(f"{code} totals {total} units on {s.visit.date_of_service} "
                      f"({line_span(idxs)} here); the MUE allows {limit} per day (MAI {mai})",
                      f"lines[{idxs[0]}].units")
