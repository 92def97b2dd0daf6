"""Minutes to units for timed OT codes: the CMS pooled 8-minute rule and the AMA per-code rule.

Sources (facts sheet §2): Medicare Claims Processing Manual Pub. 100-04 ch. 5 §20.2 for the
CMS method (§2.1 table, §2.2 assignment algorithm) and the CPT midpoint rule for the AMA
method (§2.3). Everything here is pure arithmetic on minutes; the payer profile's
``unit_method`` ("cms" or "ama") picks the method.
"""

from __future__ import annotations

from collections.abc import Mapping

from otq.domain import PayerProfile, Visit
from otq.domain.codes import CodeInfo


def _clean(minutes: object) -> int:
    """Minutes as a non-negative int; unreadable minutes count as none (rules report them)."""
    return minutes if isinstance(minutes, int) and minutes > 0 else 0


def pooled_units(total_minutes: int) -> int:
    """Billable 15-minute units for a day's total timed minutes (§2.1: 8-22 = 1, 23-37 = 2...)."""
    return (total_minutes + 7) // 15 if total_minutes >= 8 else 0


def midpoint_units(minutes: int, unit_minutes: int = 15) -> int:
    """Units for one code on its own: a unit is attained once the midpoint is passed (§2.3).

    For 15-minute codes that is 8+ minutes; for the 30-minute 97550 it is 16+ minutes.
    """
    first = unit_minutes // 2 + 1
    return (minutes - first) // unit_minutes + 1 if minutes >= first else 0


def cms_units(minutes_by_code: Mapping[str, int]) -> dict[str, int]:
    """Medicare's assignment of pooled units to 15-minute timed codes (§2.2).

    The day's total minutes set the number of units; each code first gets one unit per full
    15 minutes, and the remaining units go to the codes with the most leftover minutes
    (ties: more total minutes, then code order, so the answer is stable).
    """
    mins = {code: _clean(m) for code, m in minutes_by_code.items()}
    units = {code: m // 15 for code, m in mins.items()}
    remaining = pooled_units(sum(mins.values())) - sum(units.values())
    if remaining > 0:
        order = sorted(mins, key=lambda c: (-(mins[c] % 15), -mins[c], c))
        for code in order[:remaining]:
            units[code] += 1
    return units


def ama_units(minutes_by_code: Mapping[str, int]) -> dict[str, int]:
    """The per-code midpoint method: each code rounded on its own minutes, no pooling (§2.3)."""
    return {code: midpoint_units(_clean(m)) for code, m in minutes_by_code.items()}


def timed_minutes(visit: Visit, codes: Mapping[str, CodeInfo]) -> dict[str, int]:
    """Documented minutes per timed code on a visit (lines of one code are added up)."""
    out: dict[str, int] = {}
    for ln in visit.lines:
        info = codes.get(ln.cpt)
        if info is not None and info.timed:
            out[ln.cpt] = out.get(ln.cpt, 0) + _clean(ln.minutes)
    return out


def expected_for_minutes(minutes: Mapping[str, int], method: str,
                         codes: Mapping[str, CodeInfo]) -> dict[str, int]:
    """Expected units for documented minutes per timed code under ``method`` ("cms"/"ama")."""
    fifteen = {c: m for c, m in minutes.items() if codes[c].unit_minutes == 15}
    out = cms_units(fifteen) if method == "cms" else ama_units(fifteen)
    for code, m in minutes.items():
        info = codes[code]
        if info.unit_minutes != 15:
            out[code] = midpoint_units(m, info.unit_minutes)
        if info.max_units is not None and out[code] > info.max_units:
            out[code] = info.max_units
    return out


def expected_units(visit: Visit, profile: PayerProfile | None,
                   codes: Mapping[str, CodeInfo]) -> dict[str, int]:
    """Units each timed code on the visit should be billed with under the payer's method.

    15-minute codes follow the profile's method (``cms`` pools, ``ama`` rounds per code);
    codes with another time base (97550, 30 minutes) are always rounded on their own.
    A code's catalogue ``max_units`` caps it: extra time belongs on its add-on code.
    """
    method = profile.unit_method if profile is not None else "cms"
    return expected_for_minutes(timed_minutes(visit, codes), method, codes)


def working_text(minutes: Mapping[str, int], expected: Mapping[str, int], method: str,
                 codes: Mapping[str, CodeInfo]) -> str:
    """The working for already-computed minutes and expected units (see ``units_working``)."""
    if not minutes:
        return "no timed codes"
    if method == "cms":
        total = sum(m for c, m in minutes.items() if codes[c].unit_minutes == 15)
        parts = ", ".join(f"{c} x{expected[c]}" for c in minutes)
        return f"{total} timed min -> {sum(expected.values())} units: {parts}"
    parts = ", ".join(f"{c} {m} min -> {expected[c]}" for c, m in minutes.items())
    return f"per code: {parts}"


def units_working(visit: Visit, profile: PayerProfile | None,
                  codes: Mapping[str, CodeInfo]) -> str:
    """The arithmetic behind the expected units, as the coding screen shows it.

    e.g. ``40 timed min -> 3 units: 97110 x2, 97140 x1`` (CMS) or
    ``per code: 97110 33 min -> 2, 97140 7 min -> 0`` (AMA).
    """
    method = profile.unit_method if profile is not None else "cms"
    minutes = timed_minutes(visit, codes)
    return working_text(minutes, expected_for_minutes(minutes, method, codes), method, codes)
