"""The supervisor board: one row per biller with their load, money held and pace.

Open items and dollars come from the queues (what each biller holds now); items closed
and idle time come from the audit log (what each biller did), so the board needs no
bookkeeping of its own and cannot disagree with either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pendulum

from otq.queue_defs import QueueSpec
from otq.services.audit_view import activity
from otq.services.queues import queue_rows
from otq.services.roles import load_roles, require, role_for, workers
from otq.services.session import Session
from otq.services.urgency import at_risk, subjects

ZERO = Decimal(0)


@dataclass(frozen=True)
class BoardRow:
    """One person on the board."""

    user: str
    role: str
    open_by_queue: dict[str, int] = field(default_factory=dict)
    oldest_days: int | None = None  # age of the oldest item held (as the queues count age)
    dollars: Decimal = ZERO  # amount at risk of the items held
    closed_today: int = 0
    closed_week: int = 0
    idle_minutes: int | None = None  # since the last audit entry; None: never seen

    @property
    def total_open(self) -> int:
        """Items held across every queue."""
        return sum(self.open_by_queue.values())


def board(session: Session, specs: Sequence[QueueSpec],
          now: pendulum.DateTime | None = None) -> list[BoardRow]:
    """The board rows: every biller and supervisor in the roles file, plus anyone else who
    holds items, sorted by name."""
    require(session, "board")
    now = now or pendulum.now("UTC")
    people = {w.name: w.role.label for w in workers(session)}
    held: dict[str, dict[str, int]] = {}
    oldest: dict[str, int] = {}
    money: dict[str, Decimal] = {}
    seen: set[str] = set()
    for spec in specs:
        objs = None
        for row in queue_rows(session, spec):
            if not row.assignee:
                continue
            user = row.assignee
            per = held.setdefault(user, {})
            per[spec.id] = per.get(spec.id, 0) + 1
            if row.subject_id in seen:  # an item in two queues counts its money once
                continue
            seen.add(row.subject_id)
            if spec.entity != "coverage":  # eligibility "age" counts days ahead, not waiting
                age = row.facets.get("age")
                if isinstance(age, int):
                    oldest[user] = max(oldest.get(user, age), age)
            objs = objs if objs is not None else subjects(session, spec.entity)
            obj = objs.get(row.subject_id)
            if obj is not None:
                money[user] = money.get(user, ZERO) + at_risk(session, spec.entity, obj)[0]
    acts = activity(session, now)
    roles = load_roles(session.store.path)
    out = []
    for user in sorted(set(people) | set(held)):
        act = acts.get(user)
        idle = None
        if act is not None and act.last_at is not None:
            idle = max(int((now - act.last_at).total_seconds() // 60), 0)
        out.append(BoardRow(
            user=user, role=people.get(user) or role_for(roles, user).label,
            open_by_queue={s.id: held.get(user, {}).get(s.id, 0) for s in specs},
            oldest_days=oldest.get(user), dollars=money.get(user, ZERO),
            closed_today=act.closed_today if act else 0,
            closed_week=act.closed_week if act else 0, idle_minutes=idle))
    return out


def format_idle(minutes: int | None) -> str:
    """``-``, ``12m``, ``3h05m`` or ``2d``."""
    if minutes is None:
        return "-"
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 24 * 60:
        return f"{minutes // 60}h{minutes % 60:02d}m"
    return f"{minutes // (24 * 60)}d"
