"""The changes a commit is made of, and the compare-and-set rule that guards them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pendulum

from otq.errors import ConflictError


@dataclass(frozen=True)
class Put:
    """Insert (``expected_version`` None) or update (must match the stored version) a record."""

    table: str
    record: dict[str, Any]
    expected_version: int | None = None


@dataclass(frozen=True)
class Delete:
    """Remove a record, if it is still at ``expected_version``."""

    table: str
    id: str
    expected_version: int


Change = Put | Delete


def check_version(table: str, rid: str, current: dict[str, Any] | None,
                  expected: int | None) -> None:
    """Refuse a change whose expected version is not the stored one (``ConflictError``)."""
    if expected is None:
        if current is not None:
            raise ConflictError(f"{table} record {rid} already exists; not inserted twice.",
                                table=table, record_id=rid,
                                changed_by=current.get("changed_by", ""),
                                changed_at=current.get("changed_at", ""))
        return
    if current is None:
        raise ConflictError(f"{table} record {rid} was removed by someone else.",
                            table=table, record_id=rid)
    if current.get("version") != expected:
        who, when = current.get("changed_by", "someone"), current.get("changed_at", "")
        raise ConflictError(
            f"this {table[:-1]} was changed by {who} at {_short(when)} after you opened it. "
            "Your change was not saved; reload to see theirs.",
            table=table, record_id=rid, changed_by=who, changed_at=when,
        )


def now_iso() -> str:
    """Now, in UTC, as the ISO text every ``changed_at`` and audit entry uses."""
    return pendulum.now("UTC").isoformat()


def _short(iso: str) -> str:
    try:
        return pendulum.parse(iso).in_timezone("local").format("YYYY-MM-DD HH:mm:ss")
    except Exception:  # noqa: BLE001 - a display helper must not fail a conflict report
        return iso or "an unknown time"
