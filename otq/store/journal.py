"""The append-only journal beside the store's snapshot (``<store>.journal``).

A commit appends one record and fsyncs it, so its cost depends on the size of the change,
not of the store. Each record is one line, framed so that a torn tail is detectable::

    <payload length, 8 hex digits> <CRC-32 of the payload, 8 hex digits> <JSON payload>\\n

The first record is a header naming the snapshot the journal continues: its ``generation``
(a random id every checkpoint gives the snapshot it writes), the commit number it holds
(``base_seq``) and its (inode, size, mtime) so other sessions can follow a checkpoint
without re-reading the snapshot. Every later record is one commit: ``seq``, who, when, the
action, each record's before and after (the audit entry's content, so an entry a killed
writer never logged can be written from it) and the counters it issued.

A record cut short (a writer killed mid-append) is a torn tail: never acknowledged, so it
is dropped. A complete record whose checksum or JSON is wrong is damage and is refused.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson

FRAME = 18  # "llllllll cccccccc "
JOURNAL_VERSION = 1


class JournalDamaged(Exception):
    """A complete journal record that is not what was written (bad frame, checksum or JSON)."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"at byte {offset}: {reason}")
        self.offset = offset
        self.reason = reason


def frame(payload: dict[str, Any]) -> bytes:
    """One journal line for ``payload``."""
    body = orjson.dumps(payload)
    return b"%08x %08x " % (len(body), zlib.crc32(body)) + body + b"\n"


def header(generation: str, base_seq: int, snapshot: tuple[int, int, int]) -> dict[str, Any]:
    """The first record of a journal that continues the given snapshot."""
    return {"otq_journal": JOURNAL_VERSION, "generation": generation, "base_seq": base_seq,
            "snapshot": list(snapshot)}


@dataclass
class Scan:
    """What a read of journal bytes found: whole records, where they end, a torn tail."""

    records: list[dict[str, Any]] = field(default_factory=list)
    end: int = 0  # offset just past the last whole record, relative to the bytes scanned
    torn: bool = False  # bytes after ``end`` that are a record cut short


def scan(data: bytes, at: int = 0) -> Scan:
    """Parse whole records from ``data``; ``at`` is ``data``'s offset in the file (for errors).

    Raises ``JournalDamaged`` for a record that is complete but wrong.
    """
    out = Scan()
    pos, size = 0, len(data)
    while pos < size:
        if size - pos < FRAME:
            out.torn = True
            break
        head = data[pos:pos + FRAME]
        try:
            if head[8:9] != b" " or head[17:18] != b" ":
                raise ValueError
            length, crc = int(head[0:8], 16), int(head[9:17], 16)
        except ValueError:
            raise JournalDamaged(at + pos, "not a journal record") from None
        end = pos + FRAME + length + 1
        if end > size:
            out.torn = True
            break
        body = data[pos + FRAME:end - 1]
        if data[end - 1:end] != b"\n" or zlib.crc32(body) != crc:
            raise JournalDamaged(at + pos, "checksum does not match")
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise JournalDamaged(at + pos, "not valid JSON") from None
        if not isinstance(payload, dict):
            raise JournalDamaged(at + pos, "not a journal record")
        out.records.append(payload)
        pos = end
        out.end = pos
    return out


def read_from(fd: int, offset: int, size: int | None = None) -> tuple[Scan, int]:
    """Scan an open journal's bytes from ``offset`` to ``size`` (default: its end).

    Returns the scan and the size read to."""
    if size is None:
        size = os.fstat(fd).st_size
    if size <= offset:
        return Scan(), size
    return scan(os.pread(fd, size - offset, offset), offset), size


def read_header(fd: int) -> tuple[dict[str, Any], int] | None:
    """The header record of an open journal and where it ends; None for an empty file.

    A journal is only ever put in place whole (temp file, fsync, rename), so a header that
    is missing or wrong is damage: ``JournalDamaged``.
    """
    first = os.pread(fd, 4096, 0)
    if not first:
        return None
    try:
        length = int(first[:8], 16)
    except ValueError:
        raise JournalDamaged(0, "no journal header") from None
    if FRAME + length + 1 > len(first):
        first = os.pread(fd, FRAME + length + 1, 0)
    found = scan(first[:FRAME + length + 1])
    if found.torn or not found.records or \
            found.records[0].get("otq_journal") != JOURNAL_VERSION:
        raise JournalDamaged(0, "no journal header")
    return found.records[0], found.end


def check_record(payload: dict[str, Any], expected_seq: int, tables: set[str]) -> str | None:
    """Why a commit record cannot be applied, or None when it can."""
    if payload.get("seq") != expected_seq:
        return f"commit {payload.get('seq')!r} where commit {expected_seq} was due"
    changes = payload.get("changes")
    if not isinstance(changes, list) or not isinstance(payload.get("counters", {}), dict):
        return f"commit {expected_seq} is not a list of changes"
    for change in changes:
        if not isinstance(change, dict) or change.get("table") not in tables:
            return f"commit {expected_seq} changes an unknown table"
        after, rid = change.get("after"), change.get("id")
        if not isinstance(rid, str):
            return f"commit {expected_seq} changes a record without an id"
        if after is not None and (not isinstance(after, dict) or after.get("id") != rid
                                  or not isinstance(after.get("version"), int)):
            return f"commit {expected_seq} holds a malformed {change['table']} record {rid}"
    return None


def append(fd: int, data: bytes, expected_size: int) -> None:
    """Append ``data`` to the journal open for writing as ``fd`` and make it durable.

    All or nothing: if the record cannot be written whole (disk full), the file is cut back
    to ``expected_size``, so a half record never precedes the next commit. ``OSError`` is
    raised for the caller to turn into a message.
    """
    if os.fstat(fd).st_size != expected_size:
        raise OSError(0, "the journal changed under the lock")
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fdatasync(fd)
    except OSError:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, expected_size)
        raise
