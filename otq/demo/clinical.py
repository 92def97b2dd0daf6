"""What OT visits look like: conditions, diagnosis sets, code mixes, minutes, units, fees.

The mixes follow outpatient OT practice: an evaluation (97165-97167) on the first visit,
then two or three timed interventions of 8-30 minutes each, 38-60 timed minutes a day.
Units follow the payer's method (``cms`` pools the day's timed minutes, ``ama`` rounds each
code on its own; facts §2), written here independently of the scrubber so each checks the
other. Diagnoses are billable FY2026 ICD-10-CM codes (checked against the reference table
in the tests).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

#: The demo practices' fee schedule (charge per unit). Practices charge above what payers
#: allow; the numbers are typical of a chargemaster, not any payer's rates.
FEES: dict[str, Decimal] = {k: Decimal(v) for k, v in {
    "97165": "185.00", "97166": "210.00", "97167": "245.00", "97168": "140.00",
    "97110": "68.00", "97112": "72.00", "97140": "64.00", "97530": "75.00", "97535": "70.00",
    "97533": "78.00", "97129": "82.00", "97130": "62.00", "97760": "95.00", "97763": "88.00",
    "97018": "25.00", "97150": "40.00",
}.items()}

UNTIMED = frozenset({"97165", "97166", "97167", "97168", "97018", "97150"})


@dataclass(frozen=True)
class Condition:
    """A reason for OT: diagnosis choices (one from each group) and the usual codes."""

    name: str
    dx_groups: tuple[tuple[str, ...], ...]
    codes: tuple[tuple[str, int], ...]  # (code, weight)
    ages: tuple[int, int]
    modality: str = ""  # an untimed add-on some visits get (97018 paraffin)
    orthosis: bool = False  # orthotic fitting on the evaluation visit (97760), then 97763


CONDITIONS: tuple[tuple[Condition, int], ...] = (
    (Condition("stroke", (("I69.351", "I69.354", "I69.352", "G81.91", "G81.94"),
                          ("M62.81", "R27.8", "R26.89")),
               (("97530", 5), ("97112", 3), ("97535", 4), ("97110", 2)), (52, 93)), 18),
    (Condition("cognition", (("R41.841", "R41.844"), ("I69.351", "S06.9X0D", "R27.8")),
               (("97129", 5), ("97535", 3)), (45, 90)), 5),
    (Condition("wrist fracture", (("S52.501D", "S52.502D"), ("M25.631", "M25.632", "M79.641")),
               (("97140", 4), ("97110", 5), ("97530", 2)), (30, 88), "97018", True), 14),
    (Condition("shoulder", (("M25.511", "M25.512", "M75.101", "M75.102", "M19.011", "M19.012",
                             "Z96.611", "Z96.612"), ("M62.81", "M25.511", "M25.512")),
               (("97110", 5), ("97140", 3), ("97530", 3), ("97535", 2)), (40, 89)), 16),
    (Condition("hand", (("M19.041", "M19.042", "G56.01", "G56.02", "M65.331", "M65.332",
                         "M18.11", "M24.541"), ("M79.641", "M79.642", "M25.641")),
               (("97140", 4), ("97110", 4), ("97530", 2)), (35, 85), "97018", True), 14),
    (Condition("debility", (("M62.81", "R53.81", "R26.89"), ("R29.6", "Z91.81", "R26.81")),
               (("97535", 5), ("97530", 4), ("97110", 3), ("97112", 2)), (68, 96)), 15),
    (Condition("parkinsonism", (("G20.A1",), ("R27.8", "R26.89")),
               (("97112", 4), ("97530", 4), ("97535", 3)), (58, 90)), 5),
    (Condition("arthritis", (("M06.9",), ("M79.641", "M79.642", "M25.641")),
               (("97110", 4), ("97535", 4), ("97140", 2)), (38, 86), "97018"), 4),
    (Condition("pediatric", (("F82", "F84.0", "F88", "R62.50"), ("R27.8", "F82")),
               (("97530", 5), ("97533", 4), ("97112", 2), ("97535", 2)), (3, 14)), 9),
)

#: billable code -> a non-billable category a hurried coder writes instead (DX-NOT-BILLABLE)
HEADER_OF = {"M25.511": "M25.5", "M25.512": "M25.5", "I69.351": "I69.35", "I69.354": "I69.35",
             "I69.352": "I69.35", "M62.81": "M62.8", "G56.01": "G56.0", "G56.02": "G56.0",
             "M19.011": "M19.0", "M19.012": "M19.0", "M75.101": "M75.1", "M75.102": "M75.1",
             "S52.501D": "S52.50", "S52.502D": "S52.50", "M19.041": "M19.0", "M19.042": "M19.0",
             "R41.841": "R41.84", "R41.844": "R41.84", "G81.91": "G81.9", "G81.94": "G81.9",
             "M79.641": "M79.64", "M79.642": "M79.64", "F84.0": "F84"}


def pick_condition(rng: random.Random, pediatric_ok: bool = True) -> Condition:
    """A condition drawn by how often outpatient OT sees it."""
    pool = [(c, w) for c, w in CONDITIONS if pediatric_ok or c.name != "pediatric"]
    return rng.choices([c for c, _ in pool], [w for _, w in pool])[0]


def pick_diagnoses(rng: random.Random, cond: Condition) -> tuple[str, ...]:
    """One code from each group, without repeats (the first is the treating diagnosis)."""
    return tuple(dict.fromkeys(rng.choice(g) for g in cond.dx_groups))


def units_cms(minutes: dict[str, int]) -> dict[str, int]:
    """CMS pooled 8-minute rule (Pub. 100-04 ch. 5 §20.2; facts §2.2 algorithm)."""
    total = sum(minutes.values())
    units = (total + 7) // 15 if total >= 8 else 0
    out = {c: m // 15 for c, m in minutes.items()}
    extra = units - sum(out.values())
    order = sorted(minutes, key=lambda c: (-(minutes[c] % 15), -minutes[c], c))
    for c in order[:max(extra, 0)]:
        out[c] += 1
    return out


def units_ama(minutes: dict[str, int]) -> dict[str, int]:
    """Per-code midpoint rounding: each code on its own minutes (facts §2.3)."""
    return {c: (m + 7) // 15 if m >= 8 else 0 for c, m in minutes.items()}


def timed_minutes(rng: random.Random, cond: Condition, n_codes: int) -> dict[str, int]:
    """Minutes per timed code for a treatment session (38-60 timed minutes in total)."""
    codes, weights = zip(*cond.codes, strict=True)
    chosen: list[str] = []
    while len(chosen) < min(n_codes, len(codes)):
        c = rng.choices(codes, weights)[0]
        if c not in chosen:
            chosen.append(c)
    if "97129" in chosen:
        # Cognitive intervention: 97129 is the first 15 minutes, 97130 each further 15.
        out = {"97129": 15, "97130": rng.choice((15, 15, 30))}
        for c in chosen:
            if c != "97129":
                out[c] = rng.choice((10, 12, 15, 18, 20, 23))
        return out
    total = rng.choice((38, 40, 42, 45, 45, 48, 50, 52, 53, 55, 58, 60))
    cuts = sorted(rng.sample(range(8, total - 7), len(chosen) - 1)) if len(chosen) > 1 else []
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    if any(p < 8 for p in parts):  # keep every code a real block of care
        parts = [total // len(chosen)] * len(chosen)
        parts[0] += total - sum(parts)
    return dict(zip(chosen, parts, strict=True))
