"""Reading the audit log for people (``otq audit log``, the ``@`` screen, the supervisor
board) and recording who opened a patient's record.

The log itself (``otq.store.audit``) is the hash-chained truth. This module reads it
incrementally: each entry is boiled down once to a small ``AuditRow`` (who, when, what,
which records, whether it closed an item), so a long log costs one pass, and later calls
only read the lines appended since.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pendulum

from otq.errors import StoreWriteError
from otq.services.session import Session

ACCESS_ACTION = "patient.open"
#: A record leaves its work queue when its status moves off one of these (table -> statuses).
OPEN_STATUSES = {"visits": {"uncoded"}, "claims": {"ready"}, "denials": {"open"},
                 "coverages": {"unverified"}}
_BOOKKEEPING = {"version", "changed_by", "changed_at"}


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as people read it (no record contents, so no PHI)."""

    seq: int
    at: str  # ISO timestamp, UTC
    user: str
    action: str
    records: tuple[tuple[str, str], ...]  # (table, id) of every record touched or opened
    subjects: tuple[str, ...]  # queue-item subject ids the entry concerns
    closed: int  # how many queue items this entry closed
    what: str  # a short description

    def when(self) -> pendulum.DateTime:
        """The entry's time."""
        return pendulum.parse(self.at)


def _describe(change: dict[str, Any]) -> str:
    before, after = change.get("before"), change.get("after")
    table = change.get("table", "?")
    if after is None and before is None:
        return f"opened {table[:-1]}"
    if table == "workitems" and after is not None:
        history = after.get("history") or []
        if len(history) > len((before or {}).get("history") or []):
            return str(history[-1].get("what", "changed"))
    if before is None:
        return f"new {table[:-1]}"
    if after is None:
        return f"removed {table[:-1]}"
    fields = sorted(k for k in set(before) | set(after)
                    if k not in _BOOKKEEPING and before.get(k) != after.get(k))
    if "status" in fields:
        return f"{table[:-1]} {before.get('status')} -> {after.get('status')}"
    return f"{table[:-1]} " + (", ".join(fields[:4]) or "touched")


def _closes(change: dict[str, Any]) -> bool:
    before, after = change.get("before"), change.get("after")
    statuses = OPEN_STATUSES.get(change.get("table", ""))
    if not statuses or not isinstance(before, dict) or before.get("status") not in statuses:
        return False
    return after is None or after.get("status") != before.get("status")


def summarize(entry: dict[str, Any]) -> AuditRow:
    """An audit entry boiled down to an ``AuditRow``."""
    changes = entry.get("changes") or []
    records, subjects, whats = [], [], []
    closed = 0
    for ch in changes:
        rid = str(ch.get("id", ""))
        records.append((str(ch.get("table", "")), rid))
        rec = ch.get("after") or ch.get("before") or {}
        if ch.get("table") == "workitems" and rec.get("subject_id"):
            subjects.append(str(rec["subject_id"]))
        elif ch.get("subject"):
            subjects.append(str(ch["subject"]).partition(":")[2])
        else:
            subjects.append(rid)
        closed += _closes(ch)
        whats.append(_describe(ch))
    if not whats:
        what = ""
    elif len(set(whats)) == 1:
        what = whats[0] + (f" (x{len(whats)})" if len(whats) > 1 else "")
    else:
        what = "; ".join(whats[:3]) + (f"; +{len(whats) - 3} more" if len(whats) > 3 else "")
    return AuditRow(seq=int(entry.get("seq", 0)), at=str(entry.get("at", "")),
                    user=str(entry.get("user", "")), action=str(entry.get("action", "")),
                    records=tuple(records), subjects=tuple(dict.fromkeys(subjects)),
                    closed=closed, what=what)


# --------------------------------------------------------------- incremental reading
@dataclass
class _Cursor:
    inode: int
    offset: int
    rows: list[AuditRow]


_READ: dict[Path, _Cursor] = {}


def read_audit(session: Session) -> list[AuditRow]:
    """Every audit entry of the session's store, oldest first (read incrementally)."""
    path = session.store.audit.path
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return []
    cur = _READ.get(path)
    if cur is None or cur.inode != st.st_ino or st.st_size < cur.offset:
        cur = _Cursor(st.st_ino, 0, [])
        _READ[path] = cur
    if st.st_size > cur.offset:
        with path.open("rb") as fh:
            fh.seek(cur.offset)
            data = fh.read(st.st_size - cur.offset)
        end = data.rfind(b"\n") + 1  # a line still being written is read next time
        for line in data[:end].splitlines():
            if not line.strip():
                continue
            try:
                cur.rows.append(summarize(orjson.loads(line)))
            except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
                continue  # `otq audit verify` reports a damaged line; listing goes on
        cur.offset += end
    return cur.rows


def audit_rows(session: Session, *, user: str | None = None, item: str | None = None,
               since: pendulum.Date | None = None, limit: int | None = None) -> list[AuditRow]:
    """Audit entries matching every given condition, oldest first (the newest ``limit``).

    ``item`` matches a record id, a queue item's subject id or a work-item id.
    ``since`` is a local date; entries from its start on are listed.
    """
    rows = read_audit(session)
    if since is not None:
        start = pendulum.datetime(since.year, since.month, since.day, tz="local").in_tz("UTC")
        start_iso = start.isoformat()
        rows = [r for r in rows if r.at >= start_iso]
    if user:
        rows = [r for r in rows if r.user == user]
    if item:
        rows = [r for r in rows if item in r.subjects or any(item == rid for _, rid in r.records)]
    return rows[-limit:] if limit else rows


def record_access(session: Session, subject_type: str, subject_id: str,
                  patient_id: str | None) -> None:
    """Append a ``patient.open`` entry: who opened which patient's record, through which
    queue item. Only ids are written, never contents.

    Raises ``StoreWriteError`` if the entry cannot be written: a record must not be shown
    without its access being logged.
    """
    change = {"table": "patients", "id": patient_id or "", "before": None, "after": None,
              "subject": f"{subject_type}:{subject_id}"}
    store = session.store
    try:
        with store.lock.hold():
            store.audit.append(at=pendulum.now("UTC").isoformat(), user=session.user,
                               action=ACCESS_ACTION, changes=[change])
    except OSError as exc:
        raise StoreWriteError(f"the access log {store.audit.path} could not be written "
                              f"({exc.strerror}); the record was not opened.") from None


def patient_of(session: Session, subject_type: str, subject_id: str) -> str | None:
    """The patient a queue item is about (None when it cannot be told)."""
    if subject_type == "document":  # a needed document: its patient
        from otq.services.documents import document_needs  # documents imports the session

        need = document_needs(session).get(subject_id)
        return need.patient_id if need else None
    table = {"coverage": "coverages", "visit": "visits", "claim": "claims",
             "denial": "denials"}.get(subject_type)
    obj = session.entity(table, subject_id) if table else None
    if obj is None:
        return None
    if subject_type == "denial":
        claim = session.entity("claims", obj.claim_id)
        return claim.patient_id if claim else None
    return getattr(obj, "patient_id", None)


@dataclass(frozen=True)
class Activity:
    """What the audit log says about one user's work."""

    last_at: pendulum.DateTime | None
    closed_today: int
    closed_week: int


def activity(session: Session, now: pendulum.DateTime) -> dict[str, Activity]:
    """Per user: time of the last entry, items closed today and since Monday (local time)."""
    local = now.in_tz("local")
    today = local.start_of("day").in_tz("UTC").isoformat()
    week = local.start_of("week").in_tz("UTC").isoformat()
    last: dict[str, str] = {}
    day_n: dict[str, int] = {}
    week_n: dict[str, int] = {}
    for r in read_audit(session):
        last[r.user] = max(last.get(r.user, ""), r.at)
        if r.closed and r.at >= week:
            week_n[r.user] = week_n.get(r.user, 0) + r.closed
            if r.at >= today:
                day_n[r.user] = day_n.get(r.user, 0) + r.closed
    return {u: Activity(pendulum.parse(at) if at else None, day_n.get(u, 0), week_n.get(u, 0))
            for u, at in last.items()}
