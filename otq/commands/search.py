"""``otq search TEXT``: find claims, visits and denials in the store and its archives.

TEXT is a claim number, EHR visit id, record id, payer claim number, member id or part of
a patient's name. Archives are scanned, never loaded into a queue. Exit 0 when something
was found, 1 when nothing was.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any


def cmd_search(args: argparse.Namespace) -> int:
    """Print what matches ``args.text``."""
    from otq.cli import open_session, print_json
    from otq.services.archive import search

    hits = search(open_session(args), args.text, limit=args.limit)
    if args.json:
        print_json([asdict(h) for h in hits])
        return 0 if hits else 1
    for h in hits:
        print(f"{h.date:<10}  {h.table[:-1]:<6}  {h.reference:<12}  {h.status:<11}  "
              f"{h.patient[:28]:<28}  {h.where}")
    print(f"{len(hits)} found" + (" (limit reached)" if len(hits) >= args.limit else ""))
    return 0 if hits else 1


def register(sub: Any, add: Any) -> None:
    """Add ``search``."""
    from otq.cli import store_args

    p = add("search", cmd_search, "find claims, visits and denials, archived ones too, by "
            "claim number, visit id, patient name or member id")
    p.add_argument("text", help="what to look for")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=500, help="at most this many (default 500)")
    store_args(p)
