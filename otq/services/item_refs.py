"""Naming a queue item on the command line: ``visit:V-1001``, ``OTQ0000042``, an id.

Scripts know items by the numbers billers see (the EHR visit id, the claim number), not
by our internal ids, so ``otq claim`` and ``otq assign`` accept any of these forms.
"""

from __future__ import annotations

from otq.errors import NotFoundError, ValidationError
from otq.services.session import Session
from otq.services.workitems import SUBJECT_TABLES

FORMS = ("visit:<EHR visit id>", "claim:<claim number>", "denial:<id>", "coverage:<id>",
         "a claim number (OTQ...)", "any record id")


def _by_type(session: Session, kind: str, key: str) -> str | None:
    table = SUBJECT_TABLES[kind]
    objs = session.entities(table)
    if key in objs:
        return key
    if kind == "visit":
        hits = [v.id for v in objs.values() if v.external_id == key]
    elif kind == "claim":
        same = [c for c in objs.values() if c.patient_control_number == key]
        # the newest claim of that number (a replacement keeps the number)
        hits = [max(same, key=lambda c: (c.submitted_at or "", c.frequency, c.id)).id] if same else []
    elif kind == "denial":
        hits = [d.id for d in objs.values() if d.id.startswith(key)] if len(key) >= 6 else []
    else:
        hits = []
    if len(hits) > 1:
        raise ValidationError(f"'{kind}:{key}' names {len(hits)} records; use the record id")
    return hits[0] if hits else None


def resolve_item(session: Session, ref: str) -> tuple[str, str]:
    """``(subject type, subject id)`` for a reference in any of ``FORMS``."""
    ref = ref.strip()
    kind, sep, key = ref.partition(":")
    if sep and kind in SUBJECT_TABLES:
        found = _by_type(session, kind, key.strip())
        if found is None:
            raise NotFoundError(f"no {kind} {key} in this store")
        return kind, found
    for kind in ("claim", "visit", "denial", "coverage"):
        found = _by_type(session, kind, ref)
        if found is not None:
            return kind, found
    for w in session.entities("workitems").values():
        if w.id == ref:
            return w.subject_type, w.subject_id
    raise NotFoundError(f"no item '{ref}' in this store (try {', '.join(FORMS[:3])})")
