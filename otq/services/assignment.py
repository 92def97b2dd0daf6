"""Handing out work: pull the next item, bulk changes with one-step undo, rebalance.

* ``next_item`` claims the most urgent unclaimed item of a queue (``otq.services.urgency``
  explains the order). Two billers pulling at once race on the same work-item record;
  the store's compare-and-set lets exactly one win and the other moves on to the next.
* ``apply_bulk`` changes many items in ONE commit, so the audit log holds one entry and
  ``undo_bulk`` reverses it with one compensating commit.
* ``plan_rebalance`` proposes moves that even out the billers' loads within their payer
  skills; ``apply_moves`` applies a plan as one bulk change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pendulum

from otq.domain import HistoryEntry, Note, WorkItem
from otq.errors import ConflictError, OtqError, ValidationError
from otq.queue_defs import QueueSpec
from otq.services import workitems
from otq.services.queues import QueueRow, queue_rows
from otq.services.roles import load_roles, require, workers
from otq.services.session import Session
from otq.services.urgency import Urgency, subjects, urgency
from otq.store import Put, encode

Subject = tuple[str, str]  # (subject type, subject id)
#: A bulk operation: given an item, its changed copy and the history line, or None to skip.
Operation = Callable[[WorkItem], tuple[WorkItem, str] | None]


# ----------------------------------------------------------------- next item
def ranked(session: Session, rows: Sequence[QueueRow]) -> list[tuple[QueueRow, Urgency]]:
    """Rows with their urgency, most urgent first (ties: earlier deadline, then older)."""
    if not rows:
        return []
    objs = subjects(session, rows[0].subject_type)
    out = [(r, urgency(session, r.subject_type, objs[r.subject_id]))
           for r in rows if r.subject_id in objs]
    out.sort(key=lambda p: (*p[1].sort_key(), -int(p[0].facets.get("age", 0) or 0),
                            p[0].subject_id))
    return out


def next_item(session: Session, spec: QueueSpec,
              keep: Callable[[QueueRow], bool] | None = None) -> QueueRow | None:
    """Claim the most urgent unclaimed row of ``spec`` (matching ``keep``) and return it;
    None when there is nothing left to take.

    Race-safe: the claim is a compare-and-set commit. If another session took the item
    first, the failed commit has re-read the store and we try the next one.
    """
    require(session, "claim")
    if spec.entity not in workitems.SUBJECT_TABLES:
        raise OtqError(f"items of the {spec.title} queue cannot be claimed")
    tried: set[str] = set()
    while True:
        rows = [r for r in queue_rows(session, spec)
                if not r.assignee and r.subject_id not in tried and (keep is None or keep(r))]
        order = ranked(session, rows)
        if not order:
            return None
        row = order[0][0]
        tried.add(row.subject_id)
        item, _ = workitems.load_item(session, row.subject_type, row.subject_id)
        if item.assignee:  # taken since the rows were computed
            continue
        try:
            workitems.claim(session, row.subject_type, row.subject_id)
        except ConflictError:
            continue  # someone else won this one; the store is re-read, try the next
        return row


# ------------------------------------------------------------------ bulk changes
@dataclass(frozen=True)
class BulkChange:
    """What one bulk commit did, enough to undo it: (before, after) per item.

    ``before`` is None for an item created by the commit.
    """

    action: str
    description: str
    items: tuple[tuple[WorkItem | None, WorkItem], ...]

    @property
    def count(self) -> int:
        """How many items the commit changed."""
        return len(self.items)


def _now() -> str:
    return pendulum.now("UTC").isoformat()


def apply_bulk(session: Session, targets: Sequence[Subject], op: Operation, *, action: str,
               description: str) -> BulkChange:
    """Apply ``op`` to every target's work item in one all-or-nothing commit."""
    puts, done = [], []
    now = _now()
    for stype, sid in dict.fromkeys(targets):
        item, version = workitems.load_item(session, stype, sid)
        result = op(item)
        if result is None:
            continue
        new, what = result
        new = replace(new, history=new.history + (HistoryEntry(at=now, by=session.user,
                                                               what=what),))
        puts.append(Put("workitems", encode(new), version))
        done.append((item if version is not None else None, new))
    if puts:
        session.store.commit(puts, action=action)
    return BulkChange(action, description, tuple(done))


def check_assignee(session: Session, to_user: str) -> str:
    """``to_user`` cleaned, refused unless it is a user name and (when the team has a
    roles file) someone who may hold work."""
    to_user = to_user.strip()
    if to_user and not re.fullmatch(r"[a-z_][a-z0-9_.-]{0,31}", to_user):
        raise ValidationError(f"'{to_user}' is not a user name")
    if to_user and load_roles(session.store.path).configured:
        names = {w.name for w in workers(session)}
        if to_user not in names:
            raise ValidationError(f"{to_user} is not a biller or supervisor in the roles file")
    return to_user


def bulk_assign(session: Session, targets: Sequence[Subject], to_user: str) -> BulkChange:
    """Give every target to ``to_user`` (``""``: unassign) in one commit."""
    require(session, "assign")
    to_user = check_assignee(session, to_user)

    def op(item: WorkItem) -> tuple[WorkItem, str] | None:
        if item.assignee == to_user:
            return None
        what = f"assigned to {to_user}" if to_user else "unassigned"
        return replace(item, assignee=to_user), what + (f" (was {item.assignee})"
                                                        if item.assignee else "")

    who = to_user or "nobody"
    return apply_bulk(session, targets, op, action="bulk.assign",
                      description=f"assign {len(targets)} items to {who}")


def bulk_note(session: Session, targets: Sequence[Subject], text: str) -> BulkChange:
    """Add the same note to every target in one commit."""
    require(session, "note")
    text = text.strip()
    if not text:
        raise ValidationError("a note needs some text")
    note = Note(at=_now(), by=session.user, text=text[:2000])
    return apply_bulk(session, targets,
                      lambda item: (replace(item, notes=item.notes + (note,)), "note added"),
                      action="bulk.note", description=f"note on {len(targets)} items")


def bulk_snooze(session: Session, targets: Sequence[Subject], until: pendulum.Date) -> BulkChange:
    """Snooze every target until ``until`` in one commit."""
    require(session, "snooze")
    return apply_bulk(session, targets,
                      lambda item: (replace(item, snoozed_until=until),
                                    f"snoozed until {until.isoformat()}"),
                      action="bulk.snooze",
                      description=f"snooze {len(targets)} items until {until.isoformat()}")


def bulk_claim(session: Session, targets: Sequence[Subject]) -> BulkChange:
    """Take every unheld target for myself in one commit (items others hold are skipped)."""
    require(session, "claim")
    me = session.user
    return apply_bulk(session, targets,
                      lambda item: None if item.assignee else (replace(item, assignee=me),
                                                               f"claimed by {me}"),
                      action="bulk.claim", description=f"claim {len(targets)} items")


_UNDO_NEEDS = {"bulk.assign": "assign", "bulk.note": "note", "bulk.snooze": "snooze",
               "bulk.claim": "claim", "rebalance": "rebalance"}


def undo_bulk(session: Session, change: BulkChange) -> BulkChange:
    """Put every item of ``change`` back as it was, in one compensating commit.

    Refused whole (``ConflictError`` naming who and when) if anyone changed one of the
    items since: their later work is never silently undone.
    """
    require(session, _UNDO_NEEDS.get(change.action, "assign"))
    puts, done = [], []
    now = _now()
    for before, after in change.items:
        item, version = workitems.load_item(session, after.subject_type, after.subject_id)
        if item != after:
            rec = session.store.get("workitems", item.id) or {}
            raise ConflictError(
                f"cannot undo: an item was changed by {rec.get('changed_by', 'someone')} "
                f"after the {change.description}; nothing was undone.",
                table="workitems", record_id=item.id, changed_by=rec.get("changed_by", ""),
                changed_at=rec.get("changed_at", ""))
        old = before or WorkItem(id=after.id, subject_type=after.subject_type,
                                 subject_id=after.subject_id)
        restored = replace(item, assignee=old.assignee, snoozed_until=old.snoozed_until,
                           notes=old.notes,
                           history=item.history + (HistoryEntry(
                               at=now, by=session.user, what=f"undone: {change.description}"),))
        puts.append(Put("workitems", encode(restored), version))
        done.append((item, restored))
    if puts:
        session.store.commit(puts, action="bulk.undo")
    return BulkChange("bulk.undo", f"undo {change.description}", tuple(done))


def preview_assign(session: Session, targets: Sequence[Subject], to_user: str,
                   labels: dict[str, str] | None = None) -> list[str]:
    """One line per target: ``label: ann -> bob`` (unchanged items say so)."""
    labels = labels or {}
    out = []
    for stype, sid in targets:
        item, _ = workitems.load_item(session, stype, sid)
        label = labels.get(sid, f"{stype} {sid[:8]}")
        was = item.assignee or "nobody"
        out.append(f"{label}: {was} -> {to_user or 'nobody'}" if item.assignee != to_user
                   else f"{label}: already {was}")
    return out


# ---------------------------------------------------------------------- rebalance
@dataclass(frozen=True)
class Move:
    """One proposed reassignment."""

    subject_type: str
    subject_id: str
    payer: str
    from_user: str
    to_user: str
    label: str

    def describe(self) -> str:
        """``label (payer): ann -> bob``."""
        return f"{self.label} ({self.payer}): {self.from_user} -> {self.to_user}"


def open_items(session: Session, specs: Sequence[QueueSpec]) -> list[QueueRow]:
    """Every row of every queue, each subject once (what people can hold)."""
    seen: dict[str, QueueRow] = {}
    for spec in specs:
        for row in queue_rows(session, spec):
            seen.setdefault(row.subject_id, row)
    return list(seen.values())


def plan_rebalance(session: Session, specs: Sequence[QueueSpec]) -> list[Move]:
    """Moves that even out the billers' open items, respecting payer skills.

    Only items already held by a biller move (unheld work is pulled with ``n``). Each step
    moves the least urgent movable item of the busiest biller to the least busy biller
    who may work that payer and holds at least two items fewer; it stops when no such
    move is left, so loads end within one item of each other where skills allow.
    """
    require(session, "rebalance")
    billers = {w.name: w for w in workers(session, include_supervisors=False)}
    if len(billers) < 2:
        return []
    held: dict[str, list[QueueRow]] = {name: [] for name in billers}
    rows = [r for r in open_items(session, specs)
            if r.assignee in billers and r.subject_type in workitems.SUBJECT_TABLES]
    by_type: dict[str, list[QueueRow]] = {}
    for r in rows:
        by_type.setdefault(r.subject_type, []).append(r)
    for group in by_type.values():
        for row, _ in reversed(ranked(session, group)):  # least urgent first
            held[row.assignee].append(row)
    load = {name: len(items) for name, items in held.items()}
    moves: list[Move] = []
    while True:
        move = _one_move(billers, held, load)
        if move is None:
            return moves
        row, to = move
        held[row.assignee].remove(row)
        load[row.assignee] -= 1
        load[to] += 1
        moved = replace(row, assignee=to)
        held[to].append(moved)
        first_owner = next((m.from_user for m in moves if m.subject_id == row.subject_id),
                           row.assignee)
        moves = [m for m in moves if m.subject_id != row.subject_id]
        if first_owner != to:
            moves.append(Move(row.subject_type, row.subject_id, str(row.facets.get("payer", "")),
                              first_owner, to, _label(row)))


def _one_move(billers, held, load) -> tuple[QueueRow, str] | None:
    for donor in sorted(load, key=lambda n: (-load[n], n)):
        for row in held[donor]:
            payer = str(row.facets.get("payer", ""))
            takers = [n for n in billers if n != donor and load[n] <= load[donor] - 2
                      and billers[n].can_work(payer)]
            if takers:
                return row, min(takers, key=lambda n: (load[n], n))
    return None


def _label(row: QueueRow) -> str:
    return " ".join(c for c in row.cells[:2] if c)[:40] or row.subject_id[:8]


def apply_moves(session: Session, moves: Sequence[Move]) -> BulkChange:
    """Apply a rebalance plan in one commit. Refused whole if any item changed hands since
    the plan was made (plan again)."""
    require(session, "rebalance")
    to = {m.subject_id: m for m in moves}

    def op(item: WorkItem) -> tuple[WorkItem, str] | None:
        m = to[item.subject_id]
        if item.assignee != m.from_user:
            raise ConflictError(f"{m.label} is now held by {item.assignee or 'nobody'}, not "
                                f"{m.from_user}; nothing was moved. Plan the rebalance again.")
        return replace(item, assignee=m.to_user), f"rebalanced: {m.from_user} -> {m.to_user}"

    return apply_bulk(session, [(m.subject_type, m.subject_id) for m in moves], op,
                      action="rebalance", description=f"rebalance ({len(moves)} moves)")
