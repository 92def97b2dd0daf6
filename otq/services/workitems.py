"""Team work on queue items: claim, release, assign, note and snooze.

A work item is created the first time anyone acts on a subject. Its id is derived from
the subject (uuid5), so two billers acting on the same new item at once collide on the
same record and one of them gets a conflict, instead of the item getting two owners.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

import pendulum

from otq.domain import HistoryEntry, Note, WorkItem
from otq.errors import ConflictError, OtqError, ValidationError
from otq.services.roles import require
from otq.services.session import Session
from otq.store import Put, decode, encode

_NAMESPACE = uuid.UUID("6f1c0e4e-3a57-4c1b-9b1e-0f7a5c2d9e11")
SUBJECT_TABLES = {"coverage": "coverages", "visit": "visits", "claim": "claims",
                  "denial": "denials"}


def work_item_id(subject_type: str, subject_id: str) -> str:
    """The stable id of the work item for a subject."""
    return str(uuid.uuid5(_NAMESPACE, f"{subject_type}:{subject_id}"))


def _now() -> str:
    return pendulum.now("UTC").isoformat()


def load_item(session: Session, subject_type: str, subject_id: str) -> tuple[WorkItem, int | None]:
    """The current work item for a subject and its stored version (None: not created yet)."""
    if subject_type not in SUBJECT_TABLES:
        raise OtqError(f"unknown item type '{subject_type}'")
    if session.store.get(SUBJECT_TABLES[subject_type], subject_id) is None:
        raise OtqError(f"no {subject_type} {subject_id} in this store")
    wid = work_item_id(subject_type, subject_id)
    record = session.store.get("workitems", wid)
    if record is None:
        return WorkItem(id=wid, subject_type=subject_type, subject_id=subject_id), None
    return decode(WorkItem, record), record["version"]


def _save(session: Session, item: WorkItem, version: int | None, what: str, action: str) -> WorkItem:
    entry = HistoryEntry(at=_now(), by=session.user, what=what)
    item = replace(item, history=item.history + (entry,))
    session.store.commit([Put("workitems", encode(item), version)], action=action)
    return item


def claim(session: Session, subject_type: str, subject_id: str) -> WorkItem:
    """Take an item for myself, or release it if I already hold it (the ``C`` key).

    Refused with a conflict when somebody else holds it: taking a colleague's item is a
    supervisor's reassignment, not a claim.
    """
    require(session, "claim")
    item, version = load_item(session, subject_type, subject_id)
    if item.assignee == session.user:
        return _save(session, replace(item, assignee=""), version, "released", "item.release")
    if item.assignee:
        raise ConflictError(f"this item is held by {item.assignee}; ask a supervisor to reassign it.",
                            record_id=item.id, changed_by=item.assignee)
    return _save(session, replace(item, assignee=session.user), version,
                 f"claimed by {session.user}", "item.claim")


def assign(session: Session, subject_type: str, subject_id: str, to_user: str) -> WorkItem:
    """Give an item to a biller (``""`` to unassign)."""
    require(session, "assign")
    to_user = to_user.strip()
    if to_user and not re.fullmatch(r"[a-z_][a-z0-9_.-]{0,31}", to_user):
        raise ValidationError(f"'{to_user}' is not a user name")
    item, version = load_item(session, subject_type, subject_id)
    what = f"assigned to {to_user}" if to_user else "unassigned"
    if item.assignee:
        what += f" (was {item.assignee})"
    return _save(session, replace(item, assignee=to_user), version, what, "item.assign")


def add_note(session: Session, subject_type: str, subject_id: str, text: str) -> WorkItem:
    """Append a note to an item's history."""
    require(session, "note")
    text = text.strip()
    if not text:
        raise ValidationError("a note needs some text")
    item, version = load_item(session, subject_type, subject_id)
    note = Note(at=_now(), by=session.user, text=text[:2000])
    return _save(session, replace(item, notes=item.notes + (note,)), version, "note added",
                 "item.note")


def parse_snooze(text: str, today: pendulum.Date) -> pendulum.Date:
    """'3d', '2w', 'tomorrow' or an ISO date, as a date after today."""
    text = text.strip().lower()
    m = re.fullmatch(r"(\d{1,3})\s*([dw])", text)
    if m:
        n = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
        until = today.add(days=n)
    elif text == "tomorrow":
        until = today.add(days=1)
    else:
        try:
            parsed = pendulum.parse(text, exact=True)
        except Exception:  # noqa: BLE001 - pendulum raises several parser errors
            raise ValidationError(f"'{text}' is not a snooze time: try 3d, 2w or 2026-12-01") from None
        if not isinstance(parsed, pendulum.Date) or isinstance(parsed, pendulum.DateTime):
            raise ValidationError(f"'{text}' is not a date: try 3d, 2w or 2026-12-01")
        until = parsed
    if until <= today:
        raise ValidationError("a snooze date must be after today")
    return until


def snooze(session: Session, subject_type: str, subject_id: str, until: pendulum.Date) -> WorkItem:
    """Hide an item from its queue until a date."""
    require(session, "snooze")
    item, version = load_item(session, subject_type, subject_id)
    return _save(session, replace(item, snoozed_until=until), version,
                 f"snoozed until {until.isoformat()}", "item.snooze")
