"""Backups on the command line.

* ``otq backup [--store S] DEST``: a consistent copy of the store and its audit log, taken
  under the store lock so billers can keep working. DEST is a file, or a folder that gets
  ``<store>-<UTC time>.json``. An existing backup is never overwritten.
* ``otq restore BACKUP [--store S] [--force]``: bring a backup back. The backup is checked
  first; an existing store is only replaced with ``--force`` (by an admin when a roles file
  is set up), and the replaced store is kept beside it.

Exit codes: 0 done, 2 refused (a message says why; nothing changed), 3 the store lock was
busy for too long.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

BUSY_EXIT = 3


def _store_path(args: argparse.Namespace) -> Path:
    from otq.paths import default_store_path

    return args.store or default_store_path()


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the store and its audit log to DEST."""
    from otq.errors import LockTimeoutError
    from otq.services.backup import backup_store

    source = _store_path(args)
    try:
        made = backup_store(source, args.dest, lock_timeout=args.wait)
    except LockTimeoutError as exc:
        print(f"otq: {exc.title}: {exc}; no backup was made.", file=sys.stderr)
        return BUSY_EXIT
    print(f"backed up {source} to {made} (audit log {made.name}.audit.jsonl beside it); "
          "the copy checks out")
    return 0


def _require_admin(path: Path) -> None:
    """Replacing a shared store is an admin's job once a roles file names the team."""
    from otq.errors import PermissionDeniedError
    from otq.services.roles import ACTIONS, load_roles, role_for
    from otq.store import current_user

    roles = load_roles(path)
    user = current_user()
    if roles.configured and role_for(roles, user) < ACTIONS["admin"]:
        raise PermissionDeniedError(f"only an admin may replace this store ({user} is not one "
                                    f"in {roles.path.name}); nothing was changed")


def cmd_restore(args: argparse.Namespace) -> int:
    """Bring BACKUP back as the store."""
    from otq.errors import LockTimeoutError, OtqError
    from otq.services.backup import restore_store
    from otq.store import Store

    target = _store_path(args)
    backup = Path(args.backup)
    if not backup.is_file():
        raise OtqError(f"{backup}: no backup file here; nothing was changed", title="No backup")
    if backup.resolve() == target.resolve():
        raise OtqError(f"{backup} is the store itself; name a backup copy", title="No backup")
    if target.exists() and args.force:
        _require_admin(target)
    try:
        kept = restore_store(backup, target, force=args.force, lock_timeout=args.wait)
    except LockTimeoutError as exc:
        print(f"otq: {exc.title}: {exc}; nothing was restored.", file=sys.stderr)
        return BUSY_EXIT
    restored = Store.open(target)
    commits = restored.meta.get("seq", 0)
    restored.close()
    print(f"restored {backup} as {target} ({commits} commits)")
    if kept is not None:
        print(f"the replaced store is kept as {kept} (with its audit log)")
    return 0


def register(sub: Any, add: Any) -> None:
    """Add ``backup`` and ``restore``."""
    p = add("backup", cmd_backup, "copy the store and its audit log while others keep working")
    p.add_argument("dest", type=Path, metavar="DEST",
                   help="backup file, or a folder (gets <store>-<UTC time>.json)")
    p.add_argument("--store", type=Path, help="store file (default: $OTQ_STORE or "
                   "~/.local/share/otq/store.json)")
    p.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                   help="how long to wait for the store lock (default 30)")
    p = add("restore", cmd_restore, "bring a backup back as the store (checks it first)")
    p.add_argument("backup", type=Path, metavar="BACKUP", help="a file made by otq backup")
    p.add_argument("--store", type=Path, help="store to restore into (default: $OTQ_STORE or "
                   "~/.local/share/otq/store.json)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing store (it is kept as <store>.replaced-<time>)")
    p.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                   help="how long to wait for the store lock (default 30)")
