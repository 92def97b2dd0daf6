"""``otq check-store``: an integrity check that reports every problem instead of stopping.

Opening a store stops at the first problem (a damaged store must never be written over);
this walks the whole snapshot, its journal and the audit log and lists everything wrong,
one line each, naming tables, record ids, journal offsets and audit lines but never a
record's contents (no PHI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from otq.store import journal
from otq.store.audit import AuditLog
from otq.store.journal import JournalDamaged
from otq.store.sync import META, SCHEMA_VERSION, TABLES


def check_store(path: Path | str) -> list[str]:
    """Every integrity problem of the store at ``path``; an empty list means it is sound.

    Checks that the snapshot parses, has the right schema version and every table, that
    the journal's records are whole (a torn last record is reported too: opening the store
    removes it), carry checksums that match and continue the snapshot commit by commit,
    that each record (after the journal) has a matching ``id`` and a positive ``version``,
    that the audit log's hash chain verifies, and that the log records the latest commit.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [f"{path}: no store here"]
    except OSError as exc:
        return [f"{path}: cannot be read ({exc.strerror})"]
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return [f"{path}: not valid JSON ({len(raw)} bytes; {exc})"]
    if not isinstance(data, dict):
        return [f"{path}: not an otq store (the top level is not an object)"]

    problems = _check_meta(path, data)
    if not problems and all(isinstance(data.get(t), dict) for t in TABLES):
        problems.extend(_check_journal(path, data))
    for table in TABLES:
        records = data.get(table)
        if not isinstance(records, dict):
            problems.append(f"{path}: the {table!r} table is missing")
            continue
        problems.extend(_check_records(path, table, records))
    problems.extend(_check_audit(path, data))
    return problems


def _check_meta(path: Path, data: dict[str, Any]) -> list[str]:
    meta = data.get(META)
    if not isinstance(meta, dict) or not isinstance(meta.get("meta"), dict):
        return [f"{path}: the {META} table is missing"]
    problems = []
    schema = meta["meta"].get("schema")
    if schema != SCHEMA_VERSION:
        problems.append(f"{path}: schema version {schema!r}, expected {SCHEMA_VERSION}")
    seq = meta["meta"].get("seq")
    if not isinstance(seq, int) or seq < 0:
        problems.append(f"{path}: the commit sequence {seq!r} is not a count")
    return problems


def _check_records(path: Path, table: str, records: dict[str, Any]) -> list[str]:
    problems = []
    for key, record in records.items():
        where = f"{path}: {table} {key}"
        if not isinstance(record, dict):
            problems.append(f"{where}: not a record")
            continue
        if record.get("id") != key:
            problems.append(f"{where}: its id field does not match its key")
        version = record.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            problems.append(f"{where}: version {version!r} is not a positive whole number")
    return problems


def _check_audit(path: Path, data: dict[str, Any]) -> list[str]:
    log = AuditLog(path.with_name(path.name + ".audit.jsonl"))
    if not log.path.exists():
        return [f"{log.path}: the audit log is missing"]
    ok, message = log.verify()
    if not ok:
        return [f"{log.path}: {message}"]
    last = log.last()
    store_seq = (data.get(META) or {}).get("meta", {}).get("seq")
    logged = last.get("store_seq") if last else None
    if logged is not None and isinstance(store_seq, int) and logged != store_seq:
        return [f"{log.path}: the log ends at store commit {logged} but the store is at "
                f"commit {store_seq} (the next commit logs a missing last entry)"]
    return []


def _check_journal(path: Path, data: dict[str, Any]) -> list[str]:
    """Replay the journal onto ``data`` (in place), reporting what stops it."""
    jpath = path.with_name(path.name + ".journal")
    try:
        raw = jpath.read_bytes()
    except FileNotFoundError:
        return []  # a new, older or backup store: everything is in the snapshot
    except OSError as exc:
        return [f"{jpath}: cannot be read ({exc.strerror})"]
    if not raw:
        return [f"{jpath}: empty, without its header"]
    try:
        found = journal.scan(raw)
    except JournalDamaged as exc:
        return [f"{jpath}: damaged {exc}"]
    problems = [f"{jpath}: the last record is torn (an interrupted commit, never "
                "acknowledged; opening the store removes it)"] if found.torn else []
    if not found.records or found.records[0].get("otq_journal") != journal.JOURNAL_VERSION:
        return [*problems, f"{jpath}: no journal header"]
    head, records = found.records[0], found.records[1:]
    meta = data[META]["meta"]
    seq = meta.get("seq")
    if head.get("generation") != meta.get("generation", "") or head.get("base_seq") != seq:
        # Left by a checkpoint or restore interrupted between its two renames: ignored.
        ahead = [r.get("seq") for r in records
                 if isinstance(r.get("seq"), int) and isinstance(seq, int) and r["seq"] > seq]
        if ahead:
            problems.append(f"{jpath}: belongs to another snapshot but holds commits "
                            f"{ahead[0]}-{ahead[-1]} the snapshot does not have")
        return problems
    tables = set(TABLES)
    for record in records:
        problem = journal.check_record(record, seq + 1, tables)
        if problem:
            return [*problems, f"{jpath}: {problem}"]
        seq += 1
        for change in record["changes"]:
            if change["after"] is None:
                data[change["table"]].pop(change["id"], None)
            else:
                data[change["table"]][change["id"]] = change["after"]
    meta["seq"] = seq
    return problems
