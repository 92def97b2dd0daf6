"""The snapshot file's layout, and sharing equal strings while reading a big store.

A snapshot is one JSON object, written one record a line (``dump_snapshot``) so that it
can be read a batch of records at a time (``load_snapshot``): the parser never holds a
working copy of the whole file, and the loading thread gives up the GIL between batches.
Any other layout (an older snapshot, a hand-edited one) is parsed whole. Equal strings
(payer ids, codes, dates) are shared as records are read, so 100,000 visits do not keep
100,000 copies of "medicare".
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from typing import Any

import orjson


def _without_gc(parse: Any, raw: bytes) -> dict[str, Any]:
    """Parse with the cyclic garbage collector paused, then exempt the result from it.

    A big store is millions of dicts and lists; allocating them triggers collection after
    collection (a 470 MB snapshot took 25 s to parse instead of 5), and every later full
    collection would walk them all again (6 s, at a random keystroke). JSON data has no
    reference cycles, so reference counting frees it when it is dropped; freezing only
    stops the collector from scanning it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return parse(raw)
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


def share_strings(data: dict[str, Any], memo: dict[str, str] | None = None) -> None:
    """Make equal strings in the records of ``data`` (table -> id -> record) one object.

    A parsed snapshot holds a new string for every value: 50,000 visits name the same
    handful of providers, practices, dates, codes and modifiers, and each patient's ids
    again in every visit, about 1.3 kB of repeats a visit (a quarter of the parsed
    store). Values are only swapped for equal ones, so nothing reading them can tell.
    Record ids are unique, so they are left as they are. ``memo`` (text -> the object
    to use) may hold strings to share with, such as another table's ids.
    """
    memo = memo if memo is not None else {}
    for table in data.values():
        if isinstance(table, dict):
            share_in_records(table.values(), memo)


def share_in_records(records: Iterable[Any], memo: dict[str, str] | None = None) -> None:
    """``share_strings`` for a sequence of records (dicts or lists; others are skipped)."""
    share = (memo if memo is not None else {}).setdefault

    def walk(rec: dict[str, Any]) -> None:
        for key, value in rec.items():
            kind = type(value)
            if kind is str:
                if key != "id":
                    rec[key] = share(value, value)
            elif kind is list:
                walk_list(value)
            elif kind is dict:
                walk(value)

    def walk_list(items: list[Any]) -> None:
        for i, item in enumerate(items):
            kind = type(item)
            if kind is str:
                items[i] = share(item, item)
            elif kind is dict:
                walk(item)
            elif kind is list:
                walk_list(item)

    for rec in records:
        if type(rec) is dict:
            walk(rec)
        elif type(rec) is list:
            walk_list(rec)


# ------------------------------------------------------------ snapshot layout
#: records parsed at a time from a snapshot in the line layout
SNAPSHOT_BATCH = 2000


class Lazy:
    """A table handed to ``snapshot_lines`` as (id, record) pairs made while it is written,
    so a derived file need never be in memory whole."""

    def __init__(self, pairs: Iterable[tuple[str, Any]]) -> None:
        self.pairs = pairs


def dump_snapshot(data: dict[str, Any]) -> bytes:
    """The snapshot file for ``data`` (table -> id -> record): JSON, one record a line.

    ``{`` and ``}`` on lines of their own, each table opened by a ``"name":{`` line and
    closed by a ``}`` or ``},`` line, and between them one ``"id":{record}`` line per
    record (a comma after all but the last). A value that is not a table (a cache file's
    format and key) is one ``"name":value`` line. Any JSON reader reads it; ``load_snapshot``
    reads it a batch of records at a time, so opening a store never holds the parser's
    working copy of the whole file (as much again as the parsed store).
    """
    return b"".join(snapshot_lines(data))


def snapshot_lines(data: dict[str, Any]) -> Iterator[bytes]:
    """``dump_snapshot``'s bytes a piece at a time; a table may be ``Lazy``."""
    dumps = orjson.dumps
    yield b"{\n"
    last_table = len(data) - 1
    for t, (name, records) in enumerate(data.items()):
        end = b"," if t < last_table else b""
        if isinstance(records, dict):
            pairs: Iterable[tuple[str, Any]] = records.items()
        elif isinstance(records, Lazy):
            pairs = records.pairs
        else:  # not a table: one line (cache files' headers)
            yield b"%s:%s%s\n" % (dumps(name), dumps(records), end)
            continue
        yield dumps(name) + b":{\n"
        sep = b""
        for rid, rec in pairs:
            yield b"%s%s:%s" % (sep, dumps(rid), dumps(rec))
            sep = b",\n"
        yield b"%s}%s\n" % (b"\n" if sep else b"", end)
    yield b"}\n"


def load_snapshot(raw: bytes, memo: dict[str, str] | None = None) -> dict[str, Any] | None:
    """The tables of a snapshot in ``dump_snapshot``'s layout, parsed a batch of records at
    a time (equal strings shared through ``memo``, see ``share_strings``); None when
    ``raw`` is not laid out so (an older snapshot, or a damaged one), for a whole parse.

    Every byte is either a structure line checked here or part of a batch of record lines
    that parses as the members of one JSON object, so what this accepts is valid JSON that
    a whole parse reads the same way.
    """
    if not raw.startswith(b"{\n"):
        return None
    memo = memo if memo is not None else {}
    data: dict[str, Any] = {}
    pos, find, loads = 2, raw.find, orjson.loads
    try:
        while True:
            end = find(b"\n", pos)
            if end < 0:
                return None
            line = raw[pos:end]
            pos = end + 1
            if line == b"}":  # an object without tables ("}," must precede a table)
                return data if not data and not raw[pos:].strip() else None
            if not line.endswith(b":{"):  # a member on one line: "name":value[,]
                comma = line.endswith(b",")
                member = loads(b"{" + line[:len(line) - comma] + b"}")
                if len(member) != 1 or next(iter(member)) in data:
                    return None
                data.update(member)
                if comma:
                    continue
                return data if raw[pos:pos + 2] == b"}\n" and not raw[pos + 2:].strip() \
                    else None
            if (name := loads(line[:-2])) in data or not isinstance(name, str):
                return None
            table = data[name] = {}
            start = count = 0
            while True:
                end = find(b"\n", pos)
                if end < 0:
                    return None
                if raw[pos] == 0x7D:  # "}": the table's closing line
                    closing = raw[pos:end]
                    pos = end + 1
                    break
                if start == 0:
                    start = pos
                count += 1
                comma = raw[end - 1] == 0x2C  # ","
                pos = end + 1
                if not comma or count == SNAPSHOT_BATCH:
                    batch = loads(b"{" + raw[start:end - comma] + b"}")
                    share_in_records(batch.values(), memo)
                    table.update(batch)
                    start = count = 0
                    if not comma and raw[pos:pos + 1] != b"}":
                        return None  # only the last record goes without a comma
            if start:  # record lines ending in a comma, then the closing line
                return None
            if closing == b"}":  # the last table: the object's end comes next
                if raw[pos:pos + 2] != b"}\n" or raw[pos + 2:].strip():
                    return None
                return data
            if closing != b"},":
                return None
    except (orjson.JSONDecodeError, IndexError):
        return None
