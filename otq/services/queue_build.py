"""Building a queue's rows and counts, and bringing them up to date after commits.

A queue is built once per session: every subject tested against the queue's filters,
its cells, facets and sort values computed, the rows sorted. After that, a commit by
this or another session is usually one patient's business (a visit coded, a claim
posted) or only about owners (claimed, assigned, noted, snoozed). Rebuilding 100,000
rows for it cost every watching session seconds. So the rows and counts of the last
build are kept (``Built``) and patched:

* owner-only commits change the owner cell of the affected rows, or drop snoozed ones
  (``queue_updates.patch_rows``);
* one-patient commits drop that patient's rows and make them again, put where a full
  build would have sorted them (``queue_updates.splice_rows``);
* anything else (a payer or provider changed, a record deleted, more than 1,000 commits
  behind) builds the queue again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from otq.domain import WorkItem
from otq.queue_defs import QueueSpec
from otq.services import queues as q
from otq.services.patient_changes import records_of, touched
from otq.services.queue_updates import (
    Built,
    changed_subjects,
    patch_members,
    patch_rows,
    splice_rows,
)
from otq.services.session import Session


def rows_of(session: Session, spec: QueueSpec) -> list[q.QueueRow]:
    """Every row of a queue, sorted as the spec says, without snoozed items (cached)."""

    def patched_or_built() -> list[q.QueueRow]:
        with session.pinned():
            rows = _patched_rows(session, spec)
            if rows is None:
                built = Built(_seq(session), by_patient={})
                built.rows = _build(session, spec, built)
                _last_built(session, "rows", spec)["built"] = built
                rows = built.rows
            return rows

    return session.cached(f"rows:{spec.id}", patched_or_built)


def counts_of(session: Session, specs: list[QueueSpec]) -> dict[str, int]:
    """How many rows each queue has now.

    A queue whose rows are not built yet is counted without building them (no cells,
    facets or sorting): the tabs show every queue's count, the screen only one queue's rows.
    """
    out = {}
    for spec in specs:
        rows = session.peek(f"rows:{spec.id}")
        if rows is None:
            with session.pinned():
                rows = _patched_rows(session, spec)
            if rows is not None:  # the screen's reload will ask for these very rows
                session.cached(f"rows:{spec.id}", lambda rows=rows: rows)
        out[spec.id] = len(rows) if rows is not None else _count(session, spec)
    return out


# ------------------------------------------------------------------ building
def _build(session: Session, spec: QueueSpec, built: Built,
           only: set[str] | None = None) -> list[q.QueueRow]:
    """The rows of the subjects passing the queue's filters (of patients ``only``, when
    given), sorted; records each one's patient and the snoozed ones in ``built``."""
    cols = [q.COLUMNS[spec.entity][c.id] for c in spec.columns]
    # Cell texts repeat (dates, ages, payers, codes): one string each, shared by every row
    # of every queue, instead of a fresh copy per row (tens of MB on a big store).
    texts: dict[str, str] = session.cached("cell-texts", dict)
    rows = []
    for obj, w, pid in _passing(session, spec, only):
        built.by_patient.setdefault(pid, set()).add(obj.id)
        if w is not None and w.is_snoozed(session.today):
            built.hidden.add(obj.id)
            continue
        values = [col(session, obj) for col in cols]
        cells = tuple([texts.setdefault(t, t) for t in map(str, (v[0] for v in values))])
        rows.append(q.QueueRow(
            subject_type=spec.entity, subject_id=obj.id, cells=cells,
            sort_values=tuple(v[1] for v in values), assignee=w.assignee if w else "",
            facets=q._facets(session, spec.entity, obj), search_text=" ".join(cells).lower(),
        ))
    # Ties go by subject id, not by the store's order: a row patched in later (a patient's
    # rows made again after a commit) then lands exactly where a full build puts it.
    rows.sort(key=lambda r: r.subject_id)
    index = {c.id: i for i, c in enumerate(spec.columns)}
    for key in reversed(spec.sort):  # stable sorts, last key first
        i = index[key.lstrip("-")]
        rows.sort(key=lambda r, i=i: _sortable(r.sort_values[i]), reverse=key.startswith("-"))
    return rows


def _passing(session: Session, spec: QueueSpec, only: set[str] | None):
    """(subject, its work item or None, its patient) for each subject (of the patients
    ``only``, when given) that passes the queue's filters."""
    preds = [q.FILTERS[name][1] for name in spec.filters]
    items = q.work_items(session)
    patient = _patient_getter(session, spec.entity)
    for obj in _subjects_of(session, spec.entity, only):
        if all(p(session, obj) for p in preds):
            yield obj, items.get(obj.id), patient(obj)


def _sortable(value: Any) -> tuple[int, Any]:
    # Mixed types (a date and a '-') must not make sort raise.
    if isinstance(value, (int, float, Decimal)):
        return (0, value)
    return (1, str(value))


class _Desc:
    """A sort value compared the other way round (a ``-column`` in a queue's sort)."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.v == other.v

    def __lt__(self, other: _Desc) -> bool:
        return other.v < self.v


def _order(spec: QueueSpec):
    """A row's place in a full build: the sort columns, then (the stable sorts' tie
    break) its subject's id."""
    index = {c.id: i for i, c in enumerate(spec.columns)}
    keys = [(index[k.lstrip("-")], k.startswith("-")) for k in spec.sort]

    def order(row: q.QueueRow) -> tuple:
        parts = [(_Desc(_sortable(row.sort_values[i])) if desc
                  else _sortable(row.sort_values[i])) for i, desc in keys]
        return (*parts, row.subject_id)

    return order


def _subjects_of(session: Session, entity: str, only: set[str] | None) -> list[Any]:
    """The queue entity's subjects; only those of the patients ``only``, when given."""
    subjects = q._subjects(session, entity)
    if only is None:
        return list(subjects.values())
    if entity in q.DERIVED_BY_PATIENT:
        ids = [sid for pid in only for sid in q.DERIVED_BY_PATIENT[entity](session, pid)]
    else:
        table = q.ENTITY_TABLES[entity]
        ids = [sid for pid in only for sid in records_of(session, table, pid)]
    return [subjects[sid] for sid in ids if sid in subjects]


def _patient_getter(session: Session, entity: str):
    if entity == "denial":
        claims = session.entities("claims")
        return lambda d: getattr(claims.get(d.claim_id), "patient_id", None)
    return lambda obj: getattr(obj, "patient_id", None)


# ------------------------------------------------------------------ patching
def _seq(session: Session) -> int:
    return session.store.meta.get("seq", 0)


def _last_built(session: Session, kind: str, spec: QueueSpec) -> dict[str, Built]:
    # Kept across commits (Session.lasting), unlike the per-commit cache.
    return session.lasting(f"built-{kind}:{spec.id}", dict)


def _owner_changes(session: Session, changed: dict[str, set[str]] | None
                   ) -> dict[str, WorkItem] | None:
    return changed_subjects(changed, session.entities("workitems"))


def _patched_rows(session: Session, spec: QueueSpec) -> list[q.QueueRow] | None:
    """The rows last built for ``spec``, brought up to date; None when they must be
    built again (see the module docstring)."""
    built = _last_built(session, "rows", spec).get("built")
    if built is None:
        return None
    changed = session.store.changed_since(built.seq)
    items = _owner_changes(session, changed)
    if items is not None:
        rows = patch_rows(spec, built, items, session.today, _order(spec))
    else:
        rows = _patient_patch(session, spec, built)
    if rows is not None:
        built.seq, built.rows = _seq(session), rows
    return rows


def _patient_patch(session: Session, spec: QueueSpec, built: Built) -> list | None:
    patients = touched(session, built.seq)
    if patients is None or built.by_patient is None:
        return None
    drop: set[str] = set()
    for pid in patients:
        drop |= built.by_patient.pop(pid, set())
    built.hidden -= drop
    fresh = Built(built.seq, by_patient={})
    add = _build(session, spec, fresh, only=patients)
    built.by_patient.update(fresh.by_patient)
    built.hidden |= fresh.hidden
    drop |= {r.subject_id for r in add}
    return splice_rows(built, drop, add, _order(spec))


def _count(session: Session, spec: QueueSpec) -> int:
    def build() -> int:
        with session.pinned():
            holder = _last_built(session, "count", spec)
            built = holder.get("built")
            if built is None or not _patch_count(session, spec, built):
                built = holder["built"] = Built(_seq(session), by_patient={})
                _members(session, spec, built, None)
            built.seq = _seq(session)
            return len(built.members) - len(built.hidden)

    return session.cached(f"count:{spec.id}", build)


def _patch_count(session: Session, spec: QueueSpec, built: Built) -> bool:
    """Bring a counted queue's members up to date as ``_patched_rows`` does its rows;
    False when it must be counted again."""
    items = _owner_changes(session, session.store.changed_since(built.seq))
    if items is not None:
        patch_members(built, items, session.today)
        return True
    patients = touched(session, built.seq)
    if patients is None or built.by_patient is None:
        return False
    for pid in patients:
        gone = built.by_patient.pop(pid, set())
        built.members -= gone
        built.hidden -= gone
    _members(session, spec, built, patients)
    return True


def _members(session: Session, spec: QueueSpec, built: Built, only: set[str] | None) -> None:
    """Add the subjects (of patients ``only``, when given) that pass the queue's filters."""
    for obj, w, pid in _passing(session, spec, only):
        built.members.add(obj.id)
        built.by_patient.setdefault(pid, set()).add(obj.id)
        if w is not None and w.is_snoozed(session.today):
            built.hidden.add(obj.id)
