"""Rules that look at everything billed for the patient on the same date of service.

Sources: facts sheet §4.1-4.2 (NCCI PTP edits, loaded from reference/ncci_pairs.toml),
§1 (evaluations; 97150 group vs one-on-one time).
"""

from __future__ import annotations

from otq.domain import Fix
from otq.scrubber.registry import ERROR, WARNING, Hit, line_label, line_span, rule
from otq.scrubber.rules.modifiers import BYPASS_X
from otq.scrubber.subject import Subject

BYPASS = ("59",) + BYPASS_X


def _day_codes(s: Subject) -> set[str]:
    codes = {ln.cpt for ln in s.visit.lines}
    for other in s.same_day():
        codes.update(ln.cpt for ln in other.lines)
    return codes


@rule("NCCI-PAIR", ERROR, "two codes on the same date that form an NCCI pair in the reference "
      "data, without an allowed bypass modifier (59, XE, XS, XP, XU) on the column-2 code",
      "reference/ncci_pairs.toml (NCCI PTP edits), facts §4.1-4.2")
def ncci_pair(s: Subject):
    """The column-2 code is denied unless the edit allows a bypass and the line carries one."""
    if not s.ctx.ncci_by_col2:
        return
    day = None
    dos = s.visit.date_of_service
    lines = s.visit.lines
    for i, ln in enumerate(lines):
        for pair in s.ctx.ncci_by_col2.get(ln.cpt, ()):
            if day is None:
                day = _day_codes(s)
            col1, ind = pair["column1"], pair["modifier_indicator"]
            if col1 not in day or col1 == ln.cpt or ind == 9:
                continue
            if (pair.get("effective") and dos < pair["effective"]) or \
                    (pair.get("deleted") and dos > pair["deleted"]):
                continue
            where = f"lines[{i}].modifiers"
            if ind == 0:
                yield Hit(f"{line_label(i, ln.cpt)} is bundled into {col1} on the same date "
                          "(NCCI edit with modifier indicator 0: no modifier bypasses it)", where,
                          Fix(f"remove {ln.cpt}", f"remove line {i + 1} ({ln.cpt})",
                              ({"op": "remove_line", "line": i},)))
                continue
            if any(m in BYPASS for m in ln.modifiers):
                continue
            fix = Fix("add 59", f"add 59 to line {i + 1} ({ln.cpt}); only when the note shows "
                      "separate time blocks or sessions",
                      ({"op": "add_modifier", "line": i, "modifier": "59"},))
            for j, other in enumerate(lines):
                moved = [m for m in other.modifiers if m in BYPASS]
                if other.cpt == col1 and moved:
                    fix = Fix(f"move {moved[0]}", f"move {moved[0]} from line {j + 1} ({col1}) to "
                              f"line {i + 1} ({ln.cpt}), the column-2 code",
                              ({"op": "move_modifier", "line": j, "modifier": moved[0],
                                "to_line": i},))
            yield Hit(f"{line_label(i, ln.cpt)} and {col1} on the same date form an NCCI pair "
                      f"({col1} column 1, {ln.cpt} column 2); without 59 or XE/XS/XP/XU on "
                      f"{ln.cpt} it is denied (CARC 236)", where, fix)


@rule("EVAL-DUPLICATE", ERROR, "more than one OT evaluation or re-evaluation (97165-97168) for "
      "the patient on one date", "CPT evaluation descriptors and NCCI, facts §1, §4.2")
def eval_duplicate(s: Subject):
    """One evaluation (or re-evaluation) per patient per day."""
    codes = s.ctx.codes
    mine = [i for i, ln in enumerate(s.visit.lines) if ln.cpt in codes and codes[ln.cpt].is_evaluation]
    if not mine:
        return
    others = [(o, ln) for o in s.same_day() for ln in o.lines
              if ln.cpt in codes and codes[ln.cpt].is_evaluation]
    if len(mine) + len(others) < 2:
        return
    elsewhere = ", ".join(sorted({f"{ln.cpt} on visit {o.external_id}" for o, ln in others}))
    fix = None
    if len(mine) > 1:
        fix = Fix("keep one evaluation", f"remove {line_span(mine[1:])}",
                  tuple({"op": "remove_line", "line": i} for i in mine[1:]))
    yield Hit(f"{len(mine) + len(others)} evaluations/re-evaluations on "
              f"{s.visit.date_of_service}: {line_span(mine)} here"
              + (f", {elsewhere}" if elsewhere else "") + "; bill one", f"lines[{mine[0]}].cpt", fix)


@rule("DUP-LINE", ERROR, "the same patient, date, code and modifiers billed twice anywhere in "
      "the store (double billing)", "duplicate-claim edits (CARC 18), facts §8.2")
def dup_line(s: Subject):
    """Identical lines are double billing; a distinct second service needs its own modifier."""
    seen: dict[tuple[str, tuple[str, ...]], int] = {}
    for i, ln in enumerate(s.visit.lines):
        key = (ln.cpt, tuple(sorted(ln.modifiers)))
        if key in seen:
            yield Hit(f"{line_label(i, ln.cpt)} repeats line {seen[key] + 1} (same code and "
                      "modifiers); combine them into one line", f"lines[{i}].cpt",
                      Fix("remove the repeat", f"remove line {i + 1}",
                          ({"op": "remove_line", "line": i},)))
        else:
            seen[key] = i
    if not seen:
        return
    for other in s.same_day():
        for ln in other.lines:
            key = (ln.cpt, tuple(sorted(ln.modifiers)))
            if key in seen:
                i = seen[key]
                yield Hit(f"{line_label(i, ln.cpt)} is also billed on visit {other.external_id} "
                          f"for the same patient and date ({other.status})", f"lines[{i}].cpt")


@rule("GROUP-SESSION", WARNING, "group therapy (97150/97552) and one-on-one timed codes in the "
      "same session: the group time must not be counted as one-on-one minutes",
      "Medicare group therapy instruction, facts §1 (97150), §4.2")
def group_session(s: Subject):
    """Group and one-on-one time are billed for separate blocks; confirm and acknowledge."""
    codes = s.ctx.codes
    group = [i for i, ln in enumerate(s.visit.lines) if ln.cpt in codes and codes[ln.cpt].kind == "group"]
    if not group:
        return
    single = [i for i, ln in enumerate(s.visit.lines)
              if ln.cpt in codes and codes[ln.cpt].timed and codes[ln.cpt].kind != "group"]
    if single:
        yield Hit(f"{line_span(group)} bill group therapy and {line_span(single)} one-on-one timed "
                  "codes in the same session; make sure the note shows separate time blocks and "
                  "that the group minutes are not in the one-on-one minutes",
                  f"lines[{group[0]}].cpt")
