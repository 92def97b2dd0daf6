"""What ``otq scrub`` prints: findings for the store's treated visits, as lines or JSON,
and the README's table of every scrubber rule.

Visits are named by ``external_id`` (the EHR's visit id they were imported with) so a biller
can match each finding back to the source system.
"""

from __future__ import annotations

from typing import Any

from otq.domain import Finding, Visit, VisitStatus
from otq.errors import NotFoundError
from otq.scrubber import rule_table
from otq.services.scrubbing import all_findings, findings_for
from otq.services.session import Session


def scrub_store(session: Session, visit_external_id: str | None = None) -> list[tuple[Visit, Finding]]:
    """(visit, finding) for every treated visit still in billing (status uncoded), or for the one
    visit imported as ``visit_external_id``. Sorted by visit id, then errors first.

    Raises NotFoundError when no visit has that external id.
    """
    visits = session.entities("visits")
    if visit_external_id is not None:
        chosen = [v for v in visits.values() if v.external_id == visit_external_id]
        if not chosen:
            raise NotFoundError(f"no visit with visit_id {visit_external_id!r} in this store")
        return [(v, f) for v in sorted(chosen, key=lambda v: v.id) for f in findings_for(session, v)]
    by_visit = all_findings(session)
    rows = []
    for v in sorted((v for v in visits.values() if v.status is VisitStatus.UNCODED),
                    key=lambda v: (v.external_id, v.id)):
        rows.extend((v, f) for f in by_visit.get(v.id, ()))
    return rows


def _clean(text: str) -> str:
    """One line of plain text: control characters (from data) become spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def format_finding_line(visit: Visit, finding: Finding) -> str:
    """``visit_id: rule_id: severity: message``, one line."""
    return _clean(f"{visit.external_id}: {finding.rule_id}: {finding.severity}: {finding.message}")


def finding_dict(visit: Visit, finding: Finding) -> dict[str, Any]:
    """A finding as JSON-ready data, with ``visit_id`` = the visit's external id."""
    fix = None
    if finding.fix is not None:
        fix = {"name": finding.fix.name, "description": finding.fix.description,
               "changes": [dict(c) for c in finding.fix.changes]}
    return {"visit_id": visit.external_id, "rule_id": finding.rule_id,
            "severity": str(finding.severity), "message": finding.message,
            "field": finding.field, "subject_id": finding.subject_id, "fix": fix}


def findings_json(rows: list[tuple[Visit, Finding]]) -> list[dict[str, Any]]:
    """Every (visit, finding) row as a dict (see ``finding_dict``)."""
    return [finding_dict(v, f) for v, f in rows]


def any_errors(rows: list[tuple[Visit, Finding]]) -> bool:
    """True when any row is an error (``otq scrub`` then exits 1)."""
    return any(f.is_error for _, f in rows)


def rules_markdown() -> str:
    """A markdown table of every scrubber rule: id, severity, what it checks, source."""
    out = ["| id | severity | checks | source |", "|---|---|---|---|"]
    for r in rule_table():
        desc = r.description.replace("|", "\\|")
        out.append(f"| `{r.id}` | {r.severity} | {desc} | {r.source.replace('|', '/')} |")
    return "\n".join(out) + "\n"
