"""Team work on the command line, for scripts (every command takes ``--json``).

* ``otq claim ITEM``: take an item for me (again: release it)
* ``otq assign ITEM --to USER``: give an item to a biller (``--to ""`` unassigns)
* ``otq next QUEUE``: claim the most urgent unclaimed item of a queue
* ``otq rebalance [--dry-run]``: even out the billers' loads within their payer skills
* ``otq board``: the supervisor board
* ``otq audit log [--user U] [--item ID] [--since DATE]``: who did what, when
* ``otq roles``: the roles file and your role

ITEM is ``visit:<EHR visit id>``, ``claim:<claim number>``, a claim number or a record id.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _cli():
    from otq import cli

    return cli


def _item_json(item: Any) -> dict[str, Any]:
    return {"item": item.id, "type": item.subject_type, "subject": item.subject_id,
            "assignee": item.assignee,
            "snoozed_until": item.snoozed_until.isoformat() if item.snoozed_until else None,
            "notes": len(item.notes), "last": item.history[-1].what if item.history else ""}


def cmd_claim(args: argparse.Namespace) -> int:
    """Claim (or release) one item."""
    from otq.services import workitems
    from otq.services.item_refs import resolve_item

    cli = _cli()
    session = cli.open_session(args)
    kind, sid = resolve_item(session, args.item)
    item = workitems.claim(session, kind, sid)
    if args.json:
        cli.print_json(_item_json(item))
    else:
        print(f"{args.item}: {'claimed by ' + item.assignee if item.assignee else 'released'}")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    """Assign one item to a biller."""
    from otq.services import workitems
    from otq.services.assignment import check_assignee
    from otq.services.item_refs import resolve_item
    from otq.services.roles import require

    cli = _cli()
    session = cli.open_session(args)
    require(session, "assign")
    kind, sid = resolve_item(session, args.item)
    item = workitems.assign(session, kind, sid, check_assignee(session, args.to))
    if args.json:
        cli.print_json(_item_json(item))
    else:
        print(f"{args.item}: {'assigned to ' + item.assignee if item.assignee else 'unassigned'}")
    return 0


def _spec(queue_id: str):
    from otq.errors import NotFoundError
    from otq.queue_defs import load_queue_specs

    specs = {s.id: s for s in load_queue_specs()}
    if queue_id not in specs:
        raise NotFoundError(f"no queue '{queue_id}'; queues are: {', '.join(specs)}")
    return specs[queue_id]


def cmd_next(args: argparse.Namespace) -> int:
    """Claim the most urgent unclaimed item of a queue."""
    from otq.services.assignment import next_item
    from otq.services.queue_filter import parse_filter

    cli = _cli()
    session = cli.open_session(args)
    keep = parse_filter(args.filter, session.user).matches if args.filter else None
    row = next_item(session, _spec(args.queue), keep)
    if row is None:
        print("nothing left to take in this queue", file=sys.stderr)
        return 1
    if args.json:
        cli.print_json({"type": row.subject_type, "subject": row.subject_id,
                        "assignee": session.user, "cells": list(row.cells)})
    else:
        print(f"claimed {row.subject_type} {row.subject_id}: {'  '.join(row.cells)}")
    return 0


def cmd_rebalance(args: argparse.Namespace) -> int:
    """Plan (and unless --dry-run apply) a rebalance."""
    from otq.queue_defs import load_queue_specs
    from otq.services.assignment import apply_moves, plan_rebalance

    cli = _cli()
    session = cli.open_session(args)
    moves = plan_rebalance(session, load_queue_specs())
    if not args.dry_run and moves:
        apply_moves(session, moves)
    if args.json:
        cli.print_json({"applied": bool(moves) and not args.dry_run,
                        "moves": [{"type": m.subject_type, "subject": m.subject_id,
                                   "payer": m.payer, "from": m.from_user, "to": m.to_user}
                                  for m in moves]})
        return 0
    for m in moves:
        print(m.describe())
    verb = "would move" if args.dry_run else "moved"
    print(f"{verb} {len(moves)} items" if moves else "loads are already even", file=sys.stderr)
    return 0


def cmd_board(args: argparse.Namespace) -> int:
    """Print the supervisor board."""
    from otq.queue_defs import load_queue_specs
    from otq.services.board import board, format_idle

    cli = _cli()
    session = cli.open_session(args)
    specs = load_queue_specs()
    rows = board(session, specs)
    if args.json:
        cli.print_json([{"user": r.user, "role": r.role, "open": r.open_by_queue,
                         "total_open": r.total_open, "oldest_days": r.oldest_days,
                         "dollars": str(r.dollars), "closed_today": r.closed_today,
                         "closed_week": r.closed_week, "idle_minutes": r.idle_minutes}
                        for r in rows])
        return 0
    heads = [s.id[:6] for s in specs]
    print(f"{'user':<10}{'role':<11}" + "".join(f"{h:>7}" for h in heads)
          + f"{'oldest':>7}{'held $':>12}{'today':>6}{'week':>6}{'idle':>7}")
    for r in rows:
        print(f"{r.user:<10}{r.role:<11}" + "".join(f"{r.open_by_queue[s.id]:>7}" for s in specs)
              + f"{'-' if r.oldest_days is None else r.oldest_days:>7}{r.dollars:>12,.2f}"
              + f"{r.closed_today:>6}{r.closed_week:>6}{format_idle(r.idle_minutes):>7}")
    return 0


def cmd_audit_log(args: argparse.Namespace) -> int:
    """List audit entries."""
    from otq.errors import NotFoundError
    from otq.services.audit_view import audit_rows
    from otq.services.item_refs import resolve_item

    cli = _cli()
    session = cli.open_session(args)
    item = args.item
    if item:
        try:
            item = resolve_item(session, item)[1]
        except NotFoundError:
            pass  # a removed record or a work-item id: match it as given
    rows = audit_rows(session, user=args.user, item=item, since=args.since, limit=args.limit)
    if args.json:
        cli.print_json([{"seq": r.seq, "at": r.at, "user": r.user, "action": r.action,
                         "records": [{"table": t, "id": i} for t, i in r.records],
                         "subjects": list(r.subjects), "what": r.what} for r in rows])
        return 0
    for r in rows:
        print(f"{r.seq:>6}  {r.at[:19].replace('T', ' ')}  {r.user:<10} {r.action:<16} {r.what}")
    print(f"{len(rows)} entries", file=sys.stderr)
    return 0


def cmd_roles(args: argparse.Namespace) -> int:
    """Show the roles file and the caller's role."""
    from otq.services.roles import load_roles, role_label, workers

    cli = _cli()
    session = cli.open_session(args)
    roles = load_roles(session.store.path)
    people = workers(session)
    if args.json:
        cli.print_json({"file": str(roles.path), "configured": roles.configured,
                        "you": session.user, "role": role_label(session),
                        "idle_lock_minutes": roles.idle_lock_minutes,
                        "workers": [{"user": w.name, "role": w.role.label,
                                     "payers": list(w.payers)} for w in people]})
        return 0
    print(f"{roles.path}{'' if roles.configured else ' (missing: everyone has full access)'}")
    print(f"you: {session.user} ({role_label(session)})")
    for w in people:
        print(f"  {w.name:<12} {w.role.label:<11} {', '.join(w.payers) or 'any payer'}")
    return 0


def _subparsers(parser: argparse.ArgumentParser) -> Any:
    for action in parser._actions:  # argparse keeps no public handle on it
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def register(sub: Any, add: Any) -> None:
    """Add ``claim``, ``assign``, ``next``, ``rebalance``, ``board``, ``roles`` and
    ``audit log``."""
    cli = _cli()
    store_args = cli.store_args
    p = add("claim", cmd_claim, "claim an item for me (claim again to release it)")
    p.add_argument("item", help="visit:<EHR id>, claim:<number>, a claim number or an id")
    p.add_argument("--json", action="store_true")
    store_args(p)
    p = add("assign", cmd_assign, "assign an item to a biller (supervisors)")
    p.add_argument("item", help="visit:<EHR id>, claim:<number>, a claim number or an id")
    p.add_argument("--to", required=True, metavar="USER", help='the biller ("" unassigns)')
    p.add_argument("--json", action="store_true")
    store_args(p)
    p = add("next", cmd_next, "claim the most urgent unclaimed item of a queue")
    p.add_argument("queue", help="queue id (otq queues list)")
    p.add_argument("--filter", default="", help="only items matching this filter")
    p.add_argument("--json", action="store_true")
    store_args(p)
    p = add("rebalance", cmd_rebalance, "even out the billers' loads (supervisors)")
    p.add_argument("--dry-run", action="store_true", help="show the moves, change nothing")
    p.add_argument("--json", action="store_true")
    store_args(p)
    p = add("board", cmd_board, "the supervisor board: load, money held and pace per biller")
    p.add_argument("--json", action="store_true")
    store_args(p)
    p = add("roles", cmd_roles, "the roles file and your role")
    p.add_argument("--json", action="store_true")
    store_args(p)
    audit = _subparsers(sub.choices["audit"]) if "audit" in sub.choices else None
    if audit is not None:
        p = audit.add_parser("log", help="list audit entries (newest last)")
        p.set_defaults(handler=cmd_audit_log)
        p.add_argument("--user", help="only this user's entries")
        p.add_argument("--item", help="only entries about this item (any ITEM form or id)")
        p.add_argument("--since", type=cli._date, help="from this date on (YYYY-MM-DD)")
        p.add_argument("--limit", type=int, help="only the newest N entries")
        p.add_argument("--json", action="store_true")
        store_args(p)
