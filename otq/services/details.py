"""What the item detail view shows: labelled facts, findings and history, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

from otq.domain import Finding
from otq.services.queues import work_items
from otq.services.scrubbing import all_findings
from otq.services.session import Session
from otq.text import safe_text


@dataclass(frozen=True)
class ItemDetail:
    """A detail view: a title, sections of (label, value) pairs, findings and history."""

    title: str
    sections: list[tuple[str, list[tuple[str, str]]]]
    findings: list[Finding] = field(default_factory=list)
    history: list[tuple[str, str, str]] = field(default_factory=list)  # at, by, what
    notes: list[tuple[str, str, str]] = field(default_factory=list)


def _d(value) -> str:
    return value.isoformat() if value else "-"


def _patient_section(session: Session, patient_id: str) -> tuple[str, list[tuple[str, str]]]:
    p = session.entity("patients", patient_id)
    if p is None:
        return ("Patient", [("Patient", "missing")])
    return ("Patient", [("Name", safe_text(p.display_name)), ("DOB", _d(p.dob)),
                        ("Sex", p.sex), ("Patient id", safe_text(p.external_id))])


def _coverage_rows(session: Session, coverage_id: str) -> list[tuple[str, str]]:
    c = session.entity("coverages", coverage_id)
    if c is None:
        return [("Coverage", "missing")]
    payer = session.entity("payers", c.payer_id)
    return [("Payer", safe_text(payer.name if payer else c.payer_id)),
            ("Member id", safe_text(c.member_id)), ("Coverage", c.status.value),
            ("Verified", _d(c.verified_on))]


def item_detail(session: Session, entity: str, subject_id: str) -> ItemDetail | None:
    """The detail of one queue item, or None if it no longer exists."""
    table = {"coverage": "coverages", "visit": "visits", "claim": "claims",
             "denial": "denials"}[entity]
    obj = session.entity(table, subject_id)
    if obj is None:
        return None
    w = work_items(session).get(subject_id)
    history = [(h.at, h.by, safe_text(h.what)) for h in (w.history if w else ())]
    notes = [(n.at, n.by, safe_text(n.text)) for n in (w.notes if w else ())]
    if entity == "visit":
        prov = session.entity("providers", obj.provider_id)
        visit_rows = [("Date of service", _d(obj.date_of_service)),
                      ("Place of service", obj.place_of_service + (" telehealth" if obj.telehealth else "")),
                      ("Therapist", safe_text(prov.display_name) if prov else "?"),
                      ("Note signed", "yes" if obj.note_signed else "NO"),
                      ("Plan of care", f"{_d(obj.poc_start)} to {_d(obj.poc_end)}"),
                      ("Diagnoses", ", ".join(safe_text(d) for d in obj.diagnoses) or "-")]
        for i, ln in enumerate(obj.lines, 1):
            mods = ":".join(ln.modifiers) or "-"
            visit_rows.append((f"Line {i}", f"{safe_text(ln.cpt)} {mods} {ln.minutes or '-'} min "
                               f"{ln.units if ln.units is not None else '-'} u "
                               f"dx {','.join(map(str, ln.dx_pointers)) or '-'} "
                               f"${ln.charge if ln.charge is not None else '-'}"))
        return ItemDetail(
            title=f"Visit {safe_text(obj.external_id)}",
            sections=[_patient_section(session, obj.patient_id),
                      ("Coverage", _coverage_rows(session, obj.coverage_id)),
                      ("Visit", visit_rows)],
            findings=all_findings(session).get(obj.id, []), history=history, notes=notes)
    if entity == "claim":
        rows = [("Claim #", obj.patient_control_number), ("Status", obj.status.value),
                ("Date of service", _d(obj.date_of_service)),
                ("Total charge", f"{obj.total_charge:,.2f}")]
        rows += [(f"Line {i}", f"{ln.cpt} {':'.join(ln.modifiers)} x{ln.units} ${ln.charge}")
                 for i, ln in enumerate(obj.lines, 1)]
        return ItemDetail(title=f"Claim {obj.patient_control_number}",
                          sections=[_patient_section(session, obj.patient_id),
                                    ("Coverage", _coverage_rows(session, obj.coverage_id)),
                                    ("Claim", rows)], history=history, notes=notes)
    if entity == "denial":
        claim = session.entity("claims", obj.claim_id)
        rows = [("Reason", f"{obj.group_code}-{obj.carc}"), ("Remarks", ", ".join(obj.rarcs) or "-"),
                ("Amount", f"{obj.amount:,.2f}"), ("Denied on", _d(obj.denied_on)),
                ("Next action", obj.next_action.replace("_", " ") or "-"),
                ("Deadline", _d(obj.deadline)),
                ("Payer claim #", safe_text(obj.payer_claim_control_number) or "-")]
        sections = [("Denial", rows)]
        if claim:
            sections.insert(0, _patient_section(session, claim.patient_id))
            sections.append(("Claim", [("Claim #", claim.patient_control_number),
                                       ("Date of service", _d(claim.date_of_service))]))
        return ItemDetail(title=f"Denial {obj.group_code}-{obj.carc}", sections=sections,
                          history=history, notes=notes)
    # coverage (eligibility)
    return ItemDetail(title="Eligibility",
                      sections=[_patient_section(session, obj.patient_id),
                                ("Coverage", _coverage_rows(session, obj.id))],
                      history=history, notes=notes)
