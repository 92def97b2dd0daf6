"""Queue rows: what each queue lists, computed from the store and the scrubber.

The queue files name filters, columns and actions; this module registers what those
names mean; ``queue_build`` makes the rows from them. A queue's rows are cached per store
state, so switching queues and filtering never re-reads the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from otq import queue_defs
from otq.domain import (
    Claim,
    ClaimStatus,
    Coverage,
    Denial,
    DenialStatus,
    Visit,
    VisitStatus,
    WorkItem,
)
from otq.domain.document import DocumentNeed
from otq.queue_defs import QueueSpec
from otq.services.eligibility import PendingEligibility, pending_eligibility, upcoming_visits
from otq.services.scrubbing import all_findings
from otq.services.session import Session
from otq.text import safe_text

ELIGIBILITY_WINDOW_DAYS = 7  # "upcoming" visits for the eligibility queue

ACTIONS = ("open", "claim", "assign", "note", "snooze", "export", "appeal", "write_off",
           "resubmit", "bill", "verify")


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One row of a queue: display cells plus what filtering and sorting need.

    (Slots: a queue holds up to hundreds of thousands of rows, and a per-row ``__dict__``
    was a fifth of their memory.)
    """

    subject_type: str
    subject_id: str
    cells: tuple[str, ...]
    sort_values: tuple[Any, ...]
    assignee: str
    facets: dict[str, Any]
    search_text: str


# ------------------------------------------------------------------ lookups
def work_items(session: Session) -> dict[str, WorkItem]:
    """Work items by subject id (cached)."""
    return session.cached("workitems-by-subject", lambda: {
        w.subject_id: w for w in session.entities("workitems").values()})


def _patient_name(session: Session, patient_id: str) -> str:
    # One string per patient, shared by every row of theirs (not one per row).
    names = session.cached("patient-names", dict)
    name = names.get(patient_id)
    if name is None:
        p = session.entity("patients", patient_id)
        name = names[patient_id] = safe_text(p.display_name) if p else "?"
    return name


#: equal facet sets (the same CPT codes, the same rule ids) shared by every row that has
#: them; there are only as many as there are distinct combinations
_SETS: dict[frozenset, frozenset] = {}


def _shared(values: Any) -> frozenset:
    fs = frozenset(values)
    return _SETS.setdefault(fs, fs)


def _payer_id(session: Session, coverage_id: str) -> str:
    c = session.entity("coverages", coverage_id)
    return c.payer_id if c else ""


def _pending(session: Session, coverage_id: str) -> PendingEligibility | None:
    """Why a coverage needs checking before its next visit (None: it doesn't)."""
    return session.cached("pending-eligibility", lambda: {
        p.coverage_id: p for p in pending_eligibility(session, days=ELIGIBILITY_WINDOW_DAYS)
    }).get(coverage_id)


def _appointment(s: Session, c: Coverage) -> tuple[str, Any]:
    p = _pending(s, c.id)
    text = f"{p.visit_date.isoformat()} {p.visit_time}".strip() if p else "-"
    return text, (text if p else "9999")


def _money(d: Decimal) -> str:
    return f"{d:,.2f}"


# -------------------------------------------------------- filters (predicates)
Predicate = Callable[[Session, Any], bool]

FILTERS: dict[str, tuple[str, Predicate]] = {
    "coverage.pending_eligibility": ("coverage", lambda s, c: _pending(s, c.id) is not None),
    "visit.uncoded": ("visit", lambda s, v: v.status is VisitStatus.UNCODED
                      and any(f.is_error for f in all_findings(s).get(v.id, ()))),
    "claim.ready": ("claim", lambda s, c: c.status is ClaimStatus.READY),
    "denial.open": ("denial", lambda s, d: d.status is DenialStatus.OPEN),
}

# ------------------------------------------------------------------ columns
Column = Callable[[Session, Any], tuple[str, Any]]


def _days_since(session: Session, date) -> int:
    # Ordinals, not pendulum's ``-``: that builds an Interval (20 us; seconds at 100k rows).
    return session.today.toordinal() - date.toordinal() if date else 0


def _age(session: Session, date) -> tuple[str, Any]:
    days = _days_since(session, date)
    return str(days), days


def _aging(session: Session, date) -> tuple[str, Any]:
    """The denial aging bucket (0-30 ... 120+), sorting by days."""
    from otq.services.denials import aging_bucket

    days = _days_since(session, date)
    return aging_bucket(days), days


def _first_finding(s: Session, v: Visit) -> tuple[str, Any]:
    errors = [f for f in all_findings(s).get(v.id, ()) if f.is_error]
    return (errors[0].rule_id if errors else ""), (errors[0].rule_id if errors else "")


COLUMNS: dict[str, dict[str, Column]] = {
    "coverage": {
        "appointment": _appointment,
        "reason": lambda s, c: ((p := _pending(s, c.id)) and "; ".join(p.reasons) or "",) * 2,
        "patient": lambda s, c: (_patient_name(s, c.patient_id),) * 2,
        "payer": lambda s, c: (c.payer_id,) * 2,
        "member_id": lambda s, c: (safe_text(c.member_id),) * 2,
        "status": lambda s, c: (c.status.value, c.status.value),
    },
    "visit": {
        "dos": lambda s, v: (v.date_of_service.isoformat(), v.date_of_service),
        "patient": lambda s, v: (_patient_name(s, v.patient_id),) * 2,
        "payer": lambda s, v: (_payer_id(s, v.coverage_id),) * 2,
        "errors": lambda s, v: (str(n := sum(f.is_error for f in all_findings(s).get(v.id, ()))), n),
        "first_finding": _first_finding,
        "provider": lambda s, v: ((p := s.entity("providers", v.provider_id))
                                  and safe_text(p.last_name) or "?",) * 2,
        "age": lambda s, v: _age(s, v.date_of_service),
    },
    "claim": {
        "dos": lambda s, c: (c.date_of_service.isoformat(), c.date_of_service),
        "patient": lambda s, c: (_patient_name(s, c.patient_id),) * 2,
        "payer": lambda s, c: (c.payer_id,) * 2,
        "pcn": lambda s, c: (c.patient_control_number,) * 2,
        "lines": lambda s, c: (str(len(c.lines)), len(c.lines)),
        "charge": lambda s, c: (_money(c.total_charge), c.total_charge),
        "age": lambda s, c: _age(s, c.date_of_service),
    },
    "denial": {
        "deadline": lambda s, d: (d.deadline.isoformat() if d.deadline else "-",
                                  d.deadline.isoformat() if d.deadline else "9999"),
        "patient": lambda s, d: ((c := s.entity("claims", d.claim_id))
                                 and _patient_name(s, c.patient_id) or "?",) * 2,
        "payer": lambda s, d: (d.payer_id,) * 2,
        "reason": lambda s, d: (f"{d.group_code}-{d.carc}",) * 2,
        "amount": lambda s, d: (_money(d.amount), d.amount),
        "next_action": lambda s, d: (d.next_action.replace("_", " "),) * 2,
        "age": lambda s, d: _age(s, d.denied_on),
        "aging": lambda s, d: _aging(s, d.denied_on),
    },
}
for _cols in COLUMNS.values():
    _cols["assignee"] = lambda s, x: ((w := work_items(s).get(x.id)) and w.assignee or "",) * 2

ENTITY_TABLES = {"coverage": "coverages", "visit": "visits", "claim": "claims", "denial": "denials",
                 "document": "documents"}

#: Entities whose subjects are computed rather than stored: entity -> {id: subject}.
#: A needed document exists because the visits call for it, before anyone records it.
DERIVED: dict[str, Callable[[Session], dict[str, Any]]] = {}
#: entity -> (session, patient id) -> the ids of that patient's derived subjects
DERIVED_BY_PATIENT: dict[str, Callable[[Session, str], list[str]]] = {}


def _subjects(session: Session, entity: str) -> dict[str, Any]:
    if entity in DERIVED:
        return DERIVED[entity](session)
    return session.entities(ENTITY_TABLES[entity])


# ------------------------------------------------------ documents (missing documents queue)
def _register_documents() -> None:
    from otq.services.document_cache import document_needs, needs_of  # per patient, kept
    from otq.services.document_rules import load_requirements

    def title(n: Any) -> str:
        rule = load_requirements().kinds.get(n.kind)
        return rule.title if rule else n.kind.value

    def asked(s: Session, n: Any) -> tuple[str, Any]:
        r = n.document.last_request if n.document else None
        return (safe_text(r.to_whom), r.to_whom) if r else (f"({n.ask})", "~" + n.ask)

    def asked_on(s: Session, n: Any) -> tuple[str, Any]:
        r = n.document.last_request if n.document else None
        return (r.on.isoformat(), r.on.isoformat()) if r else ("-", "9999")

    DERIVED["document"] = document_needs
    DERIVED_BY_PATIENT["document"] = needs_of
    FILTERS["document.missing"] = ("document", lambda s, n: n.missing)
    COLUMNS["document"] = {
        "since": lambda s, n: (n.needed_since.isoformat(), n.needed_since),
        "patient": lambda s, n: (_patient_name(s, n.patient_id),) * 2,
        "payer": lambda s, n: (n.payer_id,) * 2,
        "document": lambda s, n: (title(n),) * 2,
        "asked_of": asked,
        "asked_on": asked_on,
        "visits": lambda s, n: (str(len(n.visit_ids)), len(n.visit_ids)),
        "age": lambda s, n: _age(s, n.needed_since),
        "assignee": lambda s, x: ((w := work_items(s).get(x.id)) and w.assignee or "",) * 2,
    }


_register_documents()


def _facets(session: Session, entity: str, obj: Any) -> dict[str, Any]:
    """Values the ``/`` filter can test (payer:, age:, cpt:, rule:, ...)."""
    if isinstance(obj, Visit):
        return {"payer": _payer_id(session, obj.coverage_id),
                "age": _days_since(session, obj.date_of_service),
                "cpt": _shared(ln.cpt for ln in obj.lines),
                "rule": _shared(f.rule_id for f in all_findings(session).get(obj.id, ()))}
    if isinstance(obj, Claim):
        return {"payer": obj.payer_id, "age": _days_since(session, obj.date_of_service),
                "cpt": _shared(ln.cpt for ln in obj.lines)}
    if isinstance(obj, Denial):
        return {"payer": obj.payer_id, "age": _days_since(session, obj.denied_on),
                "carc": obj.carc, "group": obj.group_code}
    if isinstance(obj, DocumentNeed):
        return {"payer": obj.payer_id, "age": _days_since(session, obj.needed_since),
                "kind": obj.kind.value}
    if isinstance(obj, Coverage):
        nv = upcoming_visits(session, ELIGIBILITY_WINDOW_DAYS).get(obj.id)
        return {"payer": obj.payer_id, "age": (nv[0] - session.today).days if nv else 0}
    return {}


def queue_rows(session: Session, spec: QueueSpec) -> list[QueueRow]:
    """Every row of a queue, sorted as the spec says, without snoozed items (cached;
    built, or brought up to date after commits, by ``otq.services.queue_build``)."""
    from otq.services.queue_build import rows_of

    return rows_of(session, spec)


def queue_counts(session: Session, specs: list[QueueSpec]) -> dict[str, int]:
    """How many rows each queue has now (see ``otq.services.queue_build``)."""
    from otq.services.queue_build import counts_of

    return counts_of(session, specs)


def check_queues(specs: list[QueueSpec]) -> list[str]:
    """Problems with the names used in queue files (unknown filters, columns, actions)."""
    return queue_defs.check(specs, filters=FILTERS, columns=COLUMNS, actions=ACTIONS)
