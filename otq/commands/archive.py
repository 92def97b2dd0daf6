"""``otq archive``: move closed work (paid, written off) into yearly archive files.

Exit codes: 0 done (or nothing to move), 2 refused (a message says why; nothing moved).
"""

from __future__ import annotations

import argparse
from typing import Any


def cmd_archive(args: argparse.Namespace) -> int:
    """Move closed claims, settled denials and their visits older than --older-than days."""
    from otq.cli import open_session
    from otq.services.archive import archive_closed
    from otq.services.roles import require

    session = open_session(args)
    if not args.dry_run:
        require(session, "bulk")  # a supervisor's job once roles are set up
    r = archive_closed(session, older_than_days=args.older_than, dry_run=args.dry_run)
    verb = "would move" if r.dry_run else "moved"
    if not r.total:
        print(f"nothing to archive: no closed work older than {args.older_than} days")
        return 0
    tables = ", ".join(f"{n} {t}" for t, n in sorted(r.moved.items()))
    years = ", ".join(f"{y}: {n}" for y, n in r.years.items())
    print(f"{verb} {r.total} records ({tables}) into the archives ({years})")
    for path in r.files:
        print(f"  {path}")
    return 0


def register(sub: Any, add: Any) -> None:
    """Add ``archive``."""
    from otq.cli import store_args

    p = add("archive", cmd_archive, "move paid and written-off work older than N days into "
            "yearly archive files (still found by otq search)")
    store_args(p)
    p.add_argument("--older-than", type=int, default=365, metavar="DAYS",
                   help="only work whose date of service is older than this (default 365)")
    p.add_argument("--dry-run", action="store_true", help="count what would move; change nothing")
