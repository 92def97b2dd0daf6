"""Line modifiers: discipline (GO), assistant (CO), telehealth (95 + POS), KX, 59/X, 51.

Sources: facts sheet §3.1 (modifiers), §3.2 (KX threshold), §3.3 (POS), §10.1 (4 modifiers).
Payer behaviour (GO required, CO required, telehealth modifier and POS, KX amount) comes from
the payer profile, so it is data.
"""

from __future__ import annotations

from decimal import Decimal

from otq.domain import Credential, Fix
from otq.scrubber.registry import ERROR, Hit, line_label, line_span, rule
from otq.scrubber.subject import Subject

BYPASS_X = ("XE", "XS", "XP", "XU")


def _add_to(lines: list[int], modifier: str) -> tuple[dict, ...]:
    return tuple({"op": "add_modifier", "line": i, "modifier": modifier} for i in lines)


@rule("MOD-DISCIPLINE", ERROR, "GO missing on an OT line when the payer requires it, or GP/GN "
      "used on an OT plan of care", "CMS therapy modifier instruction, facts §3.1 (GO/GP/GN)")
def discipline(s: Subject):
    """Every OT line carries GO, matching the plan of care, never GP (PT) or GN (SLP)."""
    lines = s.visit.lines
    for i, ln in enumerate(lines):
        wrong = [m for m in ln.modifiers if m in ("GP", "GN")]
        if wrong:
            changes = tuple({"op": "remove_modifier", "line": i, "modifier": m} for m in wrong)
            if "GO" not in ln.modifiers:
                changes += _add_to([i], "GO")
            yield Hit(f"{line_label(i, ln.cpt)} carries {'/'.join(wrong)} (PT/SLP plan of care); "
                      "OT services are billed with GO", f"lines[{i}].modifiers",
                      Fix("use GO", f"replace {'/'.join(wrong)} with GO on line {i + 1}", changes))
    if s.profile is None or not s.profile.discipline_modifier_required:
        return
    missing = [i for i, ln in enumerate(lines) if "GO" not in ln.modifiers
               and not any(m in ("GP", "GN") for m in ln.modifiers)]
    if missing:
        yield Hit(f"{line_span(missing)} lack GO, which {s.profile.name} requires on every OT line",
                  f"lines[{missing[0]}].modifiers",
                  Fix("add GO", f"add GO to {line_span(missing)}", _add_to(missing, "GO")))


@rule("MOD-ASSISTANT", ERROR, "medicare profile, a line furnished by an OTA, and no CO modifier",
      "CMS CQ/CO modifier instructions (BBA 2018 §53107), facts §3.1")
def assistant(s: Subject):
    """Services an OTA furnished in whole or in part carry CO with GO (paid at 85%)."""
    if s.profile is None or not s.profile.assistant_modifier_required:
        return
    missing = [i for i, ln in enumerate(s.visit.lines)
               if ln.furnished_by == Credential.OTA and "CO" not in ln.modifiers]
    if missing:
        yield Hit(f"{line_span(missing)} were furnished by an OT assistant but lack CO",
                  f"lines[{missing[0]}].modifiers",
                  Fix("add CO", f"add CO to {line_span(missing)}", _add_to(missing, "CO")))


@rule("MOD-TELEHEALTH", ERROR, "a telehealth visit without the telehealth modifier or POS 02/10, "
      "or the modifier or a telehealth POS on a visit that was not telehealth",
      "CMS telehealth POS/modifier instructions, facts §3.1 (95), §3.3 (POS 02/10)")
def telehealth(s: Subject):
    """Telehealth is identified by POS 02/10 and modifier 95 (payer profile data)."""
    mod = s.profile.telehealth_modifier if s.profile else "95"
    pos_codes = s.profile.telehealth_pos if s.profile else ("02", "10")
    v = s.visit
    if v.telehealth:
        missing = [i for i, ln in enumerate(v.lines) if mod not in ln.modifiers]
        if missing:
            yield Hit(f"telehealth visit: {line_span(missing)} lack modifier {mod}",
                      f"lines[{missing[0]}].modifiers",
                      Fix(f"add {mod}", f"add {mod} to {line_span(missing)}", _add_to(missing, mod)))
        if v.place_of_service not in pos_codes:
            yield Hit(f"telehealth visit billed with POS {v.place_of_service}; use "
                      f"{' or '.join(pos_codes)} (10 = patient at home, 02 = elsewhere)",
                      "place_of_service")
        return
    extra = [i for i, ln in enumerate(v.lines) if mod in ln.modifiers]
    if extra:
        yield Hit(f"{line_span(extra)} carry telehealth modifier {mod}, but the visit was in person",
                  f"lines[{extra[0]}].modifiers",
                  Fix(f"remove {mod}", f"remove {mod} from {line_span(extra)}",
                      tuple({"op": "remove_modifier", "line": i, "modifier": mod} for i in extra)))
    if v.place_of_service in pos_codes:
        yield Hit(f"POS {v.place_of_service} is a telehealth place of service, but the visit was "
                  "in person (office is 11, home 12)", "place_of_service")


@rule("MOD-KX", ERROR, "a medicare patient whose OT charges this calendar year (dates of service "
      "up to and including this visit) exceed the profile's KX threshold, on lines without KX",
      "Medicare therapy threshold (payer_profiles.toml kx_threshold), facts §3.2")
def kx(s: Subject):
    """Once the year's OT charges pass the threshold, each further line needs KX."""
    if s.profile is None or s.profile.kx_threshold is None:
        return
    threshold = s.profile.kx_threshold
    running = s.ctx.kx_charges_through(s.visit)
    missing = []
    for i, ln in enumerate(s.visit.lines):
        if isinstance(ln.charge, Decimal) and ln.charge.is_finite() and ln.charge > 0:
            running += ln.charge
        if running > threshold and "KX" not in ln.modifiers:
            missing.append(i)
    if missing:
        yield Hit(f"OT charges for {s.visit.date_of_service.year} reach ${running:,.2f}, over the "
                  f"${threshold:,.2f} therapy threshold: {line_span(missing)} need KX (add it only "
                  "when the note documents medical necessity)", f"lines[{missing[0]}].modifiers",
                  Fix("add KX", f"add KX to {line_span(missing)} (confirm medical necessity is "
                      "documented first)", _add_to(missing, "KX")))


@rule("MOD-59-X", ERROR, "59 and an X modifier (XE/XS/XP/XU) on the same line",
      "CMS MLN SE1418 (X{EPSU} modifiers), facts §3.1")
def fifty_nine_and_x(s: Subject):
    """The X modifiers are subsets of 59; never both on one line."""
    for i, ln in enumerate(s.visit.lines):
        xs = [m for m in ln.modifiers if m in BYPASS_X]
        if "59" in ln.modifiers and xs:
            yield Hit(f"{line_label(i, ln.cpt)} carries both 59 and {'/'.join(xs)}; keep the more "
                      "specific X modifier", f"lines[{i}].modifiers",
                      Fix("drop 59", f"remove 59 from line {i + 1}",
                          ({"op": "remove_modifier", "line": i, "modifier": "59"},)))


@rule("MOD-51", ERROR, "modifier 51 on a physical medicine code (97010-97763)",
      "CPT instruction for 97010-97763, facts §3.1")
def fifty_one(s: Subject):
    """Multiple-procedure modifier 51 is not appended to PM&R codes."""
    for i, ln in enumerate(s.visit.lines):
        if "51" in ln.modifiers and ln.cpt.isdigit() and "97010" <= ln.cpt <= "97763":
            yield Hit(f"{line_label(i, ln.cpt)} carries 51, which is never used on 97010-97763",
                      f"lines[{i}].modifiers",
                      Fix("drop 51", f"remove 51 from line {i + 1}",
                          ({"op": "remove_modifier", "line": i, "modifier": "51"},)))


@rule("MOD-COUNT", ERROR, "more than 4 modifiers on a line",
      "837P SV101-03..06 (4 procedure modifiers), facts §10.1")
def modifier_count(s: Subject):
    """An 837P line has room for four modifiers."""
    for i, ln in enumerate(s.visit.lines):
        if len(ln.modifiers) > 4:
            yield Hit(f"{line_label(i, ln.cpt)} has {len(ln.modifiers)} modifiers "
                      f"({' '.join(ln.modifiers)}); an 837P line carries at most 4",
                      f"lines[{i}].modifiers")
