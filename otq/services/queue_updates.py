"""Bringing built queue rows up to date after commits, without building them again.

Most commits a billing team makes are claims, assignments, notes and snoozes: they change
work items, never what a row shows about the visit, claim or denial itself. Rebuilding a
100,000-row queue for each of them (scrubbing, cells, facets, sorting) took every other
session seconds per commit. When every commit since the rows were built touched only
work items, each affected row is patched instead (``patch_rows``): its owner cell changes,
a snoozed row leaves. A row coming back from a snooze, a work item deleted or a queue
sorted by owner needs a rebuild. Commits within a few patients replace those patients'
rows (``splice_rows``, driven by ``queue_build``).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pendulum

from otq.domain import WorkItem
from otq.queue_defs import QueueSpec

#: tables whose changes only move items between people (or out of sight, snoozed)
OWNER_TABLES = frozenset({"workitems"})


@dataclass
class Built:
    """A queue as last built: its rows (or just its members, for a count) at ``seq``.

    ``hidden`` are the subjects that belong in the queue but are snoozed.
    """

    seq: int
    rows: list | None = None
    members: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)
    #: subject id -> its row in ``rows``, made on the first patch and kept up to date
    by_id: dict[str, Any] | None = None
    #: patient id -> the subjects of the queue (shown or snoozed) that are theirs
    by_patient: dict[str, set[str]] | None = None


def changed_subjects(changed: dict[str, set[str]] | None,
                     items_by_id: dict[str, WorkItem]) -> dict[str, WorkItem] | None:
    """The work items of the commits since, by subject; None when a rebuild is needed."""
    if changed is None or not set(changed) <= OWNER_TABLES:
        return None
    out: dict[str, WorkItem] = {}
    for wid in changed.get("workitems", ()):
        item = items_by_id.get(wid)
        if item is None:
            return None  # deleted: whose row it was is no longer known
        out[item.subject_id] = item
    return out


def patch_rows(spec: QueueSpec, built: Built, items: dict[str, WorkItem],
               today: pendulum.Date, order: Callable[[Any], tuple]) -> list | None:
    """The rows after ``items`` changed (a new list), or None when only a rebuild will do.
    ``order`` is a row's full sort key (see ``splice_rows``)."""
    if any(key.lstrip("-") == "assignee" for key in spec.sort):
        return None  # a new owner could move the row
    if any(s in built.hidden and not w.is_snoozed(today) for s, w in items.items()):
        return None  # back from a snooze: its row was never built
    if not items:
        return built.rows
    col = next((i for i, c in enumerate(spec.columns) if c.id == "assignee"), None)
    by_id = _rows_by_id(built)
    rows, gone = list(built.rows), []
    for subject, item in items.items():
        row = by_id.get(subject)
        if row is None:
            continue  # not in this queue
        if item.is_snoozed(today):
            gone.append(subject)
            continue
        cells, sort_values = row.cells, row.sort_values
        if col is not None:  # the owner column shows the new owner (not a sort column)
            owner = item.assignee or ""
            cells = (*cells[:col], owner, *cells[col + 1:])
            sort_values = (*sort_values[:col], owner, *sort_values[col + 1:])
        new = by_id[subject] = replace(row, assignee=item.assignee, cells=cells,
                                       sort_values=sort_values,
                                       search_text=" ".join(cells).lower())
        rows[_position(rows, row, order)] = new
    built.hidden |= set(gone)
    return _without(rows, gone, by_id, order)


def _rows_by_id(built: Built) -> dict[str, Any]:
    if built.by_id is None:  # made once per build: then each patch is O(changes)
        built.by_id = {r.subject_id: r for r in built.rows}
    return built.by_id


def _position(rows: list, row: Any, order: Callable[[Any], tuple]) -> int:
    # Rows are sorted by ``order``, which ends in the subject id: no two rows tie.
    i = bisect.bisect_left(rows, order(row), key=order)
    return i if i < len(rows) and rows[i] is row else rows.index(row)


def _without(rows: list, subjects: Any, by_id: dict[str, Any],
             order: Callable[[Any], tuple]) -> list:
    """``rows`` (a list of our own) without the rows of ``subjects``, found by binary
    search rather than by a pass over every row."""
    for sid in subjects:
        row = by_id.pop(sid, None)
        if row is not None:  # a snoozed subject has no row
            del rows[_position(rows, row, order)]
    return rows


def patch_members(built: Built, items: dict[str, WorkItem], today: pendulum.Date) -> int:
    """Update a counted queue's snoozed members; the queue's count after."""
    for subject, item in items.items():
        if subject in built.members:
            if item.is_snoozed(today):
                built.hidden.add(subject)
            else:
                built.hidden.discard(subject)
    return len(built.members) - len(built.hidden)


# ------------------------------------------------------------ one patient's changes
def splice_rows(built: Built, drop: set[str], add: list,
                order: Callable[[Any], tuple]) -> list:
    """The built rows without the subjects in ``drop``, with the new rows ``add`` put where
    a full build would have sorted them. ``order(row)`` is a row's full sort key (the
    queue's sort, then the subject id), the one a build's stable sorts amount to."""
    by_id = _rows_by_id(built)
    kept = _without(list(built.rows), drop, by_id, order)
    for row in sorted(add, key=order):
        kept.insert(bisect.bisect_right(kept, order(row), key=order), row)
        by_id[row.subject_id] = row
    return kept
