"""Auto-fixes: plain-data edits to a visit that a biller previews and then applies.

A ``Fix`` (otq/domain/finding.py) carries ``changes``: a tuple of operations, each a plain
dict with an ``"op"`` key. Line numbers are 0-based indexes into the visit's lines *as the
scrubber saw them*; removals are applied last, from the highest index down, so the other
operations in the same fix still point at the right lines.

Operation vocabulary:

========================  =================================================================
``add_modifier``          ``{"op": "add_modifier", "line": 0, "modifier": "GO"}``
                          append a modifier to a line (no-op when already there)
``remove_modifier``       ``{"op": "remove_modifier", "line": 0, "modifier": "GP"}``
``move_modifier``         ``{"op": "move_modifier", "line": 0, "modifier": "59", "to_line": 1}``
                          take a modifier off one line and put it on another
``set_units``             ``{"op": "set_units", "line": 0, "units": 2}``
``set_code``              ``{"op": "set_code", "line": 0, "code": "G0283"}``
``set_dx_pointers``       ``{"op": "set_dx_pointers", "line": 0, "pointers": [1, 2]}``
``set_pos``               ``{"op": "set_pos", "pos": "02"}`` (visit place of service)
``remove_line``           ``{"op": "remove_line", "line": 1}``
========================  =================================================================

``apply_fix`` is pure: it returns a new ``Visit`` and never touches the store; the services
layer saves the result through its usual compare-and-set commit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from otq.domain import Fix, ServiceLine, Visit
from otq.errors import ValidationError

OPS = ("add_modifier", "remove_modifier", "move_modifier", "set_units", "set_code",
       "set_dx_pointers", "set_pos", "remove_line")


def _line_index(visit: Visit, change: dict[str, Any], key: str = "line") -> int:
    idx = change.get(key)
    if not isinstance(idx, int) or not 0 <= idx < len(visit.lines):
        raise ValidationError(f"fix for visit {visit.external_id or visit.id}: "
                              f"{change.get('op')}: no line {idx!r}")
    return idx


def _with_line(lines: list[ServiceLine], idx: int, **changes: Any) -> None:
    lines[idx] = replace(lines[idx], **changes)


def apply_fix(visit: Visit, fix: Fix) -> Visit:
    """The visit with every change of ``fix`` applied. Raises ValidationError for a bad op."""
    lines = list(visit.lines)
    pos = visit.place_of_service
    removals: list[int] = []
    for change in fix.changes:
        op = change.get("op")
        if op not in OPS:
            raise ValidationError(f"fix {fix.name!r}: unknown operation {op!r}")
        if op == "set_pos":
            pos = str(change.get("pos", ""))
            continue
        idx = _line_index(visit, change)
        if op == "remove_line":
            removals.append(idx)
        elif op == "set_units":
            units = change.get("units")
            if not isinstance(units, int) or units < 0:
                raise ValidationError(f"fix {fix.name!r}: set_units needs a whole number")
            _with_line(lines, idx, units=units)
        elif op == "set_code":
            _with_line(lines, idx, cpt=str(change.get("code", "")))
        elif op == "set_dx_pointers":
            pointers = change.get("pointers")
            if not isinstance(pointers, (list, tuple)) or not all(
                    isinstance(p, int) and p > 0 for p in pointers):
                raise ValidationError(f"fix {fix.name!r}: set_dx_pointers needs 1-based numbers")
            _with_line(lines, idx, dx_pointers=tuple(pointers))
        else:
            mod = str(change.get("modifier", "")).upper()
            if op in ("remove_modifier", "move_modifier"):
                _with_line(lines, idx, modifiers=tuple(m for m in lines[idx].modifiers if m != mod))
            if op == "move_modifier":
                idx = _line_index(visit, change, "to_line")
            if op in ("add_modifier", "move_modifier") and mod not in lines[idx].modifiers:
                _with_line(lines, idx, modifiers=lines[idx].modifiers + (mod,))
    for idx in sorted(set(removals), reverse=True):
        del lines[idx]
    return replace(visit, lines=tuple(lines), place_of_service=pos)


def describe_change(visit: Visit, change: dict[str, Any]) -> str:
    """One change in a biller's words, for the preview (e.g. 'line 2 (97110): add GO')."""
    op = change.get("op")
    if op == "set_pos":
        return f"place of service {visit.place_of_service} -> {change.get('pos')}"
    idx = change.get("line")
    cpt = visit.lines[idx].cpt if isinstance(idx, int) and 0 <= idx < len(visit.lines) else "?"
    where = f"line {idx + 1 if isinstance(idx, int) else '?'} ({cpt})"
    if op == "add_modifier":
        return f"{where}: add modifier {change.get('modifier')}"
    if op == "remove_modifier":
        return f"{where}: remove modifier {change.get('modifier')}"
    if op == "move_modifier":
        to = change.get("to_line")
        return f"{where}: move modifier {change.get('modifier')} to line {to + 1 if isinstance(to, int) else '?'}"
    if op == "set_units":
        return f"{where}: units -> {change.get('units')}"
    if op == "set_code":
        return f"{where}: code -> {change.get('code')}"
    if op == "remove_line":
        return f"{where}: remove the line"
    if op == "set_dx_pointers":
        return f"{where}: diagnosis pointers -> {', '.join(map(str, change.get('pointers', ())))}"
    return f"unknown change {op!r}"


def preview_fix(visit: Visit, fix: Fix) -> list[str]:
    """Every change of a fix in words, in order, without applying it."""
    return [describe_change(visit, c) for c in fix.changes]
