"""Which patients the commits since a point in the store's history touched.

Most of what a session derives from the store (scrub findings, needed documents, queue
rows and counts, upcoming visits) is the union of each patient's part: every cross-record
rule looks only at one patient's records. After a commit, only the touched patients' parts
need working out again, which is what lets a session watching a 100,000-row queue follow
another biller's coding in milliseconds instead of re-deriving the whole store.

A record's patient can change (a visit moved to the right patient) and a deleted record
no longer says whose it was, so this module keeps an index of each record's patient and,
for each commit it has seen, the patients it touched before and after. ``touched`` answers
for any point in that short history; ``None`` means "can't tell: rebuild everything".
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from otq.services.session import Session

#: tables whose records name their patient in ``patient_id`` (``patients``: the record's id)
PATIENT_FIELD_TABLES = frozenset({
    "visits", "claims", "coverages", "authorizations", "appointments", "documents",
    "verifications"})
#: tables whose records belong to a patient through another record
INDIRECT_TABLES = frozenset({"denials", "workitems"})
#: how many steps of history are kept (a session further behind rebuilds)
HISTORY = 1000


@dataclass
class _Index:
    seq: int
    #: table -> record id -> patient id (None: belongs to nobody we can name)
    owner: dict[str, dict[str, str | None]] = field(default_factory=dict)
    #: table -> patient id -> record ids
    ids: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    #: (seq after, {table: patients touched, or None for a table that isn't per patient})
    steps: deque = field(default_factory=lambda: deque(maxlen=HISTORY))
    #: the oldest seq ``steps`` can answer from
    since: int = 0


def _patient_of(session: Session, table: str, rec: dict[str, Any]) -> str | None:
    if table == "patients":
        pid = rec.get("id")
    elif table in PATIENT_FIELD_TABLES:
        pid = rec.get("patient_id")
    elif table == "denials":
        claim = session.store.get("claims", rec.get("claim_id"))
        pid = claim.get("patient_id") if claim else None
    else:  # workitems: the patient of the subject
        pid = _subject_patient(session, rec.get("subject_type"), rec.get("subject_id"))
    return pid if isinstance(pid, str) else None


def _subject_patient(session: Session, kind: Any, sid: Any) -> str | None:
    if kind == "document":
        # A need is recorded once someone asks for it; before that it is only derived, and
        # working the needs out from here would ask this index again. The last worked-out
        # needs do: a need's patient never changes (its id is made from the patient's).
        from otq.services.document_cache import known_need

        rec = session.store.get("documents", sid)
        need = known_need(session, sid)
        return rec.get("patient_id") if rec else (need.patient_id if need else None)
    from otq.services.queues import ENTITY_TABLES  # (queues imports this module's users)

    table = ENTITY_TABLES.get(kind)
    rec = session.store.get(table, sid) if table else None
    return _patient_of(session, table, rec) if rec is not None else None


def _tracked() -> frozenset[str]:
    return PATIENT_FIELD_TABLES | {"patients"} | INDIRECT_TABLES


def _build(session: Session) -> _Index:
    seq = session.store.meta.get("seq", 0)
    index = _Index(seq=seq, since=seq)
    for table in _tracked() - {"workitems"}:
        owner, ids = index.owner.setdefault(table, {}), index.ids.setdefault(table, {})
        for rid, rec in session.records(table).items():
            pid = owner[rid] = _patient_of(session, table, rec)
            if pid is not None:
                ids.setdefault(pid, set()).add(rid)
    return index


def _index(session: Session) -> _Index:
    """The index brought up to the store's current commit."""
    holder = session.lasting("patient-index", dict)
    index = holder.get("index")
    seq = session.store.meta.get("seq", 0)
    if index is None:
        index = holder["index"] = _build(session)
        return index
    if index.seq == seq:
        return index
    changed = session.store.changed_since(index.seq)
    if changed is None:  # the session re-read the store: start the history again
        index = holder["index"] = _build(session)
        return index
    step: dict[str, set[str] | None] = {}
    for table, rids in changed.items():
        if table not in _tracked():
            step[table] = None
            continue
        step[table] = _apply(session, index, table, rids)
    if len(index.steps) == index.steps.maxlen:
        index.since = index.steps[0][0]
    index.steps.append((seq, step))
    index.seq = seq
    return index


def _apply(session: Session, index: _Index, table: str, rids: set[str]) -> set[str] | None:
    """Move the changed records ``rids`` of ``table`` to their patients now; the patients
    touched (before or after), or None when some change can't be pinned on a patient."""
    touched: set[str] = set()
    unknown = False
    owner = index.owner.setdefault(table, {})
    ids = index.ids.setdefault(table, {})
    for rid in rids:
        before = owner.pop(rid, None)
        if before is not None:
            touched.add(before)
            ids.get(before, set()).discard(rid)
        rec = session.store.get(table, rid)
        pid = _patient_of(session, table, rec) if rec is not None else None
        if pid is not None:
            touched.add(pid)
            if table != "workitems":  # work items are not indexed: only their subject's patient
                owner[rid] = pid
                ids.setdefault(pid, set()).add(rid)
        elif rec is not None and table != "workitems":
            owner[rid] = None
        # Nobody's record (before and after): what it fed is unknown. A claim that moved
        # patient: its denials are indexed under the old one.
        unknown |= (pid is None and (before is None or table == "workitems")) or (
            table == "claims" and before is not None and pid != before)
    return None if unknown else touched


def prepare(session: Session) -> None:
    """Index the store now (a session opening in the background does it before the biller
    starts, not on the first commit someone else makes)."""
    _index(session)


def touched(session: Session, since: int, tables: frozenset[str] | set[str] | None = None
            ) -> set[str] | None:
    """The patients whose records (of ``tables``, default every table) the commits after
    ``since`` touched, before or after the change. None when that can't be told: a change
    to a table that isn't one patient's (a payer, a provider...), a record of nobody we can
    name, or ``since`` older than the history kept. Then rebuild everything."""
    index = _index(session)
    if since == index.seq:
        return set()
    if since < index.since:
        return None
    out: set[str] = set()
    for at, step in index.steps:
        if at <= since:
            continue
        for table, pids in step.items():
            if tables is not None and table not in tables:
                continue
            if pids is None:
                return None
            out |= pids
    return out


def records_of(session: Session, table: str, patient_id: str) -> set[str]:
    """The ids of a patient's records in ``table`` (a patient-bound table), as of now."""
    return _index(session).ids.get(table, {}).get(patient_id, set())
