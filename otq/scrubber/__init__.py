"""The claim scrubber: pure rules that say what is wrong with a visit before it is billed.

``scrub_visit(visit, ctx)`` runs every rule in ``RULES`` and returns the findings, errors
first. Rules are registered by id in ``otq.scrubber.registry``; the rule modules live in
``otq.scrubber.rules``. The ids of the original catalogue (issue #3) are ``CATALOGUE_IDS``;
the others are extra rules a real scrubber has. Ids are stable: never rename or reuse one.
"""

from __future__ import annotations

from otq.domain import Finding, Severity, Visit
from otq.scrubber import rules as _rules  # noqa: F401  (registers the rules)
from otq.scrubber.context import ScrubContext
from otq.scrubber.fixes import apply_fix, preview_fix
from otq.scrubber.registry import RULES, Rule
from otq.scrubber.subject import Subject
from otq.scrubber.units import ama_units, cms_units, expected_units, units_working

__all__ = [
    "CATALOGUE_IDS", "RULES", "Rule", "ScrubContext", "ama_units", "apply_fix", "cms_units",
    "expected_units", "preview_fix", "rule_table", "scrub_visit", "units_working",
]

#: The rule ids the issue's catalogue names, in its order.
CATALOGUE_IDS = (
    "PAT-NAME", "PAT-DOB", "MBR-ID", "NPI", "CPT-UNKNOWN", "DX-MISSING", "DX-INVALID",
    "DX-NOT-BILLABLE", "MINUTES-MISSING", "UNITS-TIMED", "UNITS-UNTIMED", "MOD-DISCIPLINE",
    "MOD-ASSISTANT", "MOD-TELEHEALTH", "MOD-KX", "NCCI-PAIR", "EVAL-DUPLICATE", "DUP-LINE",
    "DOC-NOTE-UNSIGNED", "DOC-POC-MISSING", "DOC-POC-EXPIRED", "DOC-PROGRESS-DUE",
    "FILING-LIMIT", "FILING-SOON", "CHARGE-MISSING", "AUTH-EXCEEDED",
)

_RANK = {rid: n for n, rid in enumerate(CATALOGUE_IDS)}
_ORDERED = sorted(RULES.values(), key=lambda r: (_RANK.get(r.id, len(_RANK)), r.order))


def rule_table() -> list[Rule]:
    """Every rule: the catalogue's in its order, then the extra rules in registration order."""
    return list(_ORDERED)


def scrub_visit(visit: Visit, ctx: ScrubContext, *, include_acknowledged: bool = False) -> list[Finding]:
    """Every finding for one visit, errors first, then in catalogue order.

    Warnings a coder acknowledged on the visit (``visit.acknowledged``) are left out unless
    ``include_acknowledged``; errors can never be acknowledged away. A rule that trips over
    malformed data reports that as its own finding instead of raising.
    """
    subject = Subject.of(visit, ctx)
    errors: list[Finding] = []
    warnings: list[Finding] = []
    skip = () if include_acknowledged else visit.acknowledged
    for r in _ORDERED:
        if r.severity is Severity.WARNING and r.id in skip:
            continue
        out = errors if r.severity is Severity.ERROR else warnings
        try:
            for hit in r.check(subject):
                out.append(r.finding(hit, visit.id))
        except Exception as exc:  # noqa: BLE001  (bad data must be reported, never raised)
            out.append(Finding(r.id, r.severity,
                               f"could not check this rule: the visit's data is malformed "
                               f"({type(exc).__name__}); correct the visit and re-scrub "
                               f"(source: {r.source})", "", visit.id))
    return errors + warnings
