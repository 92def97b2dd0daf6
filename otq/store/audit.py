"""The hash-chained audit log beside the store (``<store>.audit.jsonl``).

One JSON line per commit: who, when, what, and each record before and after. Each line
carries the hash of the previous line, so editing or deleting any line breaks the chain
from there on, and ``verify`` names the first broken line. The log holds PHI (it has to,
to say what changed) and so lives beside the store with the store's permissions.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from otq.store.storage import open_shared

GENESIS = "0" * 64


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an entry without its own hash."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _last_line_span(fd: int) -> tuple[int, int]:
    """Where the last line of an open file starts and ends (trailing newlines left out);
    (0, 0) for a file with no line. Found by reading back from the end, 1 MB at a time."""
    end = os.fstat(fd).st_size
    while end > 0:  # drop trailing newlines
        tail = os.pread(fd, min(end, 4096), end - min(end, 4096))
        kept = len(tail.rstrip(b"\n"))
        end -= len(tail) - kept
        if kept:
            break
    pos = end
    while pos > 0:
        step = min(pos, 1 << 20)
        nl = os.pread(fd, step, pos - step).rfind(b"\n")
        if nl >= 0:
            return pos - step + nl + 1, end
        pos -= step
    return 0, end


def _last_line(path: Path) -> bytes | None:
    """The last line of a file (None for an empty or missing one)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        start, end = _last_line_span(fd)
        return os.pread(fd, end - start, start) if end > start else None
    finally:
        os.close(fd)


#: how much of each end of a long last line ``AuditLog.tip`` reads
TIP_EDGE = 1 << 16
_CHANGES = b',"changes":'
_PREV = b',"prev":"'


def _tip_of(head: bytes, tail: bytes) -> dict[str, Any] | None:
    """An entry's fields but ``changes`` from the start and the end of its line (the whole
    line twice when it is short), without parsing ``changes``; None when the line is not
    laid out as ``append`` writes it (the caller then parses it all).

    ``append`` writes ``seq``, ``at``, ``user`` and ``action``, then ``changes``, then
    ``prev``, ``store_seq``, ``recovered_by`` and ``hash``. Inside a JSON string every
    quote is escaped, so ``,"changes":`` and ``,"prev":"`` occur only as keys: the first
    ``changes`` key is the top-level one (the fields before it are plain values), and so is
    the last ``prev`` key, as it follows ``changes``. Should either guess be a key nested in
    ``changes`` instead (a line laid out otherwise), its side of the cut holds unbalanced
    brackets and does not parse, so a wrong guess cannot go unnoticed.
    """
    cut_head = head.find(_CHANGES)
    cut_tail = tail.rfind(_PREV)
    if cut_head < 0 or cut_tail < 0 or (head is tail and cut_tail < cut_head):
        return None
    try:
        first = orjson.loads(head[:cut_head] + b"}")
        last = orjson.loads(b"{" + tail[cut_tail + 1:])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(first, dict) or not isinstance(last, dict) \
            or not isinstance(last.get("hash"), str) or "seq" not in first:
        return None
    return {**first, **last}


def _drop_torn_tail(fd: int) -> int:
    """Cut off a last line without its newline; return the file's size after.

    Only an append that died mid-write (killed, disk full) leaves such a fragment: every
    whole entry ends in a newline. The fragment was never an entry, so dropping it loses
    nothing, while leaving it would glue the next entry onto it and break the chain.
    """
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    end = size
    while end > 0:
        start = max(0, end - 4096)
        nl = os.pread(fd, end - start, start).rfind(b"\n")
        if nl >= 0:
            end = start + nl + 1
            break
        end = start
    os.ftruncate(fd, end)
    return end


@dataclass
class AuditLog:
    """Append-only, hash-chained log of every change. Append only while holding the store lock."""

    path: Path

    def last(self) -> dict[str, Any] | None:
        """The newest entry, or None for an empty log."""
        line = _last_line(self.path)
        if not line:
            return None
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            return None

    def tip(self) -> dict[str, Any] | None:
        """The newest entry without its ``changes``: what chaining the next entry and the
        crash checks need (``seq``, ``hash``, ``store_seq``). None for an empty log.

        A generated store's first commit is one 140 MB line; parsing it whole to learn two
        numbers took 3.6 s and doubled a session's peak memory. Only the line's two ends
        are read and parsed (see ``_tip_of``), unless they are not laid out as expected.
        """
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            start, end = _last_line_span(fd)
            if end <= start:
                return None
            if end - start <= 2 * TIP_EDGE:
                line = os.pread(fd, end - start, start)
                tip = _tip_of(line, line)
            else:
                tip = _tip_of(os.pread(fd, TIP_EDGE, start),
                              os.pread(fd, TIP_EDGE, end - TIP_EDGE))
            if tip is not None:
                return tip
            line = os.pread(fd, end - start, start)
        finally:
            os.close(fd)
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None
        if isinstance(entry, dict):
            entry.pop("changes", None)
        return entry

    def append(self, *, at: str, user: str, action: str, changes: list[dict[str, Any]],
               store_seq: int | None = None, recovered_by: str | None = None) -> dict:
        """Add one entry chained to the previous one, fsync'd before returning.

        ``store_seq`` is the store's commit number after the change, so a check can tell
        when a commit landed without its entry (a writer killed between the two writes).
        ``recovered_by`` marks an entry written after such a kill, from the commit's journal
        record, by the session that noticed.

        All or nothing: if the line cannot be written whole (disk full), the file is cut
        back to where it was, so a half line never breaks the chain for later entries.
        """
        fd = open_shared(self.path, os.O_RDWR | os.O_APPEND)
        try:
            start = _drop_torn_tail(fd)
            prev = self.tip()
            entry = {
                "seq": (prev["seq"] + 1) if prev else 1,
                "at": at,
                "user": user,
                "action": action,
                "changes": changes,
                "prev": prev["hash"] if prev else GENESIS,
            }
            if store_seq is not None:
                entry["store_seq"] = store_seq  # the store commit this entry records
            if recovered_by is not None:
                entry["recovered_by"] = recovered_by
            entry["hash"] = entry_hash(entry)
            line = memoryview(orjson.dumps(entry) + b"\n")
            try:
                while line:
                    line = line[os.write(fd, line):]
                os.fsync(fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
                raise
        finally:
            os.close(fd)
        return entry

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every entry, oldest first. A line that is not JSON yields ``{"_bad": line_no}``."""
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:
            return
        with fh:
            for no, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError:
                    yield {"_bad": no}

    def verify(self) -> tuple[bool, str]:
        """Walk the chain. Returns (ok, message naming the first broken line if any)."""
        prev = GENESIS
        count = 0
        for no, entry in enumerate(self.entries(), 1):
            if "_bad" in entry:
                return False, f"line {entry['_bad']}: not a valid audit entry"
            if entry.get("prev") != prev:
                return False, f"line {no} (seq {entry.get('seq')}): does not follow line {no - 1}"
            if entry_hash(entry) != entry.get("hash"):
                return False, f"line {no} (seq {entry.get('seq')}): content was edited"
            prev = entry["hash"]
            count = no
        return True, f"{count} entries, chain intact"


def diff_tables(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The record changes between two store states, in the shape ``append`` records."""
    changes = []
    for table in sorted(set(before) | set(after)):
        if table.startswith("_"):
            continue
        old, new = before.get(table) or {}, after.get(table) or {}
        for rid in sorted(set(old) | set(new)):
            if old.get(rid) != new.get(rid):
                changes.append({"table": table, "id": rid,
                                "before": old.get(rid), "after": new.get(rid)})
    return changes
