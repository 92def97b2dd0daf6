"""Scrub results kept between commits and between sessions: ``<store>.scrub-cache``.

Scrubbing 100,000 visits takes about 20 s, and a visit's findings only change when
something it is judged against changes. Every cross-visit rule (same-day lines, KX
year-to-date, progress-report days, authorization use, documents on file, eligibility)
looks only at the same patient's records, so a visit's result is keyed by:

* a fingerprint of its patient's records: the patient, their coverages, authorizations,
  visits, documents and verifications (id, version and changed_at of each); and
* a store-wide key: the rules (reference files and scrubber sources), ``today``, and the
  providers, practices and payers every patient shares.

The cache file is derived data: deleting it costs one full scrub. It is written atomically
with the store's mode and group; two sessions writing it at once simply leave the last.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from otq.domain import Finding, Fix, Severity
from otq.services.decoding import fast_decode
from otq.services.patient_changes import records_of, touched
from otq.services.session import Session
from otq.store import encode
from otq.store.snapshot import Lazy, load_snapshot, share_strings, snapshot_lines

FORMAT = 1
#: patient-scoped tables, and the field naming the patient
PATIENT_TABLES = (("patients", "id"), ("coverages", "patient_id"),
                  ("authorizations", "patient_id"), ("visits", "patient_id"),
                  ("documents", "patient_id"), ("verifications", "patient_id"))
PATIENT_TABLE_NAMES = frozenset(table for table, _ in PATIENT_TABLES)
SHARED_TABLES = ("providers", "practices", "payers")

RawFinding = list[Any]


def cache_path(session: Session) -> Path:
    """The scrub cache file beside the session's store."""
    p = Path(session.store.path)
    return p.with_name(p.name + ".scrub-cache")


def _files_stamp(paths: Iterable[Path]) -> str:
    parts = []
    for f in sorted(paths):
        with contextlib.suppress(OSError):
            st = f.stat()
            parts.append(f"{f.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def rules_fingerprint(session: Session) -> str | None:
    """What the rules are made of: reference files and scrubber sources. None when the
    session's reference data is not the files' (a test's), so nothing is persisted."""
    return reference_fingerprint(session.reference)


def reference_fingerprint(reference: Any) -> str | None:
    """``rules_fingerprint`` for reference data in hand (no session needed: the TUI keys
    its saved queue view on it before the store is open)."""
    from otq import scrubber
    from otq.reference import load_reference
    from otq.reference.catalogue import reference_dir

    if reference is not load_reference():
        return None
    src = Path(scrubber.__file__).parent
    text = _files_stamp(reference_dir().iterdir()) + "#" + _files_stamp(
        [*src.glob("*.py"), *src.glob("rules/*.py")])
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _stamp(rec: dict[str, Any]) -> str:
    return f"{rec['id']}:{rec.get('version')}:{rec.get('changed_at')}"


def store_key(session: Session, rules: str | None) -> str:
    """The store-wide part of every key: rules, today and the shared tables."""
    parts = [rules or f"memory:{id(session.reference)}", session.today.isoformat()]
    for table in SHARED_TABLES:
        parts += sorted(_stamp(r) for r in session.records(table).values())
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def patient_keys(session: Session) -> dict[str, str]:
    """A fingerprint of each patient's records, by patient id (cached per store state:
    the scrub results and the needed documents both key on it).

    After commits that touched a few patients only their fingerprints are worked out again
    (from ``patient_changes``' index of each patient's records); the others are carried
    over. A whole pass over every record of six tables took 230 ms at 50,000 visits, on
    every commit anyone made. The answer is a new dict whenever a key changed, so one
    handed out earlier never changes under its holder.
    """
    return session.cached("patient-keys", lambda: _patched_keys(session) or _all_keys(session))


def _patched_keys(session: Session) -> dict[str, str] | None:
    last = session.lasting("patient-keys-last", dict)
    if "keys" not in last:
        return None
    patients = touched(session, last["seq"], PATIENT_TABLE_NAMES)
    if patients is None:
        return None
    keys = last["keys"]
    if patients:
        keys = dict(keys)
        get = session.store.get  # a few records each: copying whole tables cost 10 ms
        for pid in patients:
            stamps = [table[:2] + _stamp(rec) for table, _ in PATIENT_TABLES
                      for rid in records_of(session, table, pid)
                      if (rec := get(table, rid)) is not None]
            if stamps:
                keys[pid] = _key_of(stamps)
            else:
                keys.pop(pid, None)
    last["seq"], last["keys"] = session.store.meta.get("seq", 0), keys
    return keys


def _all_keys(session: Session) -> dict[str, str]:
    stamps: dict[str, list[str]] = {}
    for table, field in PATIENT_TABLES:
        for rec in session.records(table).values():
            pid = rec.get(field)
            if isinstance(pid, str):
                stamps.setdefault(pid, []).append(table[:2] + _stamp(rec))
    keys = {pid: _key_of(s) for pid, s in stamps.items()}
    last = session.lasting("patient-keys-last", dict)
    last["seq"], last["keys"] = session.store.meta.get("seq", 0), keys
    touched(session, last["seq"])  # the index the next commit's patch reads, as of now
    return keys


def _key_of(stamps: list[str]) -> str:
    return hashlib.blake2b("\n".join(sorted(stamps)).encode(), digest_size=12).hexdigest()


# ------------------------------------------------------------------- findings as data
def to_raw(findings: list[Finding]) -> list[RawFinding]:
    """Findings as JSON-ready lists."""
    return [[f.rule_id, f.severity.value, f.message, f.field, f.subject_id,
             encode(f.fix) if f.fix is not None else None] for f in findings]


_SEVERITIES = {s.value: s for s in Severity}


def from_raw(raw: list[RawFinding], subject_id: str | None = None,
             texts: dict[str, str] | None = None) -> list[Finding]:
    """Findings back from ``to_raw``.

    A cache file holds each text anew in every finding: 40,000 visits carry the same
    200-character "note is not signed" message. Pass the visit's own id as ``subject_id``
    and one ``texts`` dict for a whole load, and the findings share those strings.
    """
    share = (texts if texts is not None else {}).setdefault
    return [Finding(share(r[0], r[0]), _SEVERITIES.get(r[1]) or Severity(r[1]),
                    share(r[2], r[2]), share(r[3], r[3]),
                    subject_id if r[4] == subject_id else r[4],
                    fast_decode(Fix, r[5]) if r[5] is not None else None) for r in raw]


# ------------------------------------------------------------------------ the file
def load(path: Path, key: str) -> dict[str, list[Any]]:
    """The cached results in ``path`` if they were made under ``key`` (else nothing): visit
    id -> ``[visit key, raw findings]``, as parsed (check an entry's shape before use).

    The parsed dict itself, not a copy: the caller may pop entries as it decodes them, so
    each raw form is freed while the findings are being made, not after all of them."""
    data = read_cache(path, {})
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return {}
    visits = data.get("visits")
    return visits if isinstance(visits, dict) else {}


def save(path: Path, key: str, entries: Mapping[str, tuple[str, list[RawFinding]]]
         | Iterable[tuple[str, tuple[str, list[RawFinding]]]], *, like: Path) -> bool:
    """Write the cache atomically with the store's mode and group; False if it could not.

    ``entries`` (visit id -> (key, raw findings), or those pairs) is written as it is
    read, one entry a line: pass a generator that makes each raw form as it is asked for,
    and 50,000 visits' raw forms (and a 20 MB file image, and its copy) never exist at
    once at the moment a first session's memory peaks.
    """
    pairs = entries.items() if isinstance(entries, Mapping) else entries
    return write_cache(path, _cache_lines(key, pairs), like=like)


def _cache_lines(key: str, pairs: Iterable[tuple[str, tuple[str, list[RawFinding]]]]
                 ) -> Iterator[bytes]:
    """The cache file in ``otq.store.snapshot.dump_snapshot``'s layout, a line at a time."""
    return snapshot_lines({"format": FORMAT, "key": key,
                           "visits": Lazy((vid, [k, raw]) for vid, (k, raw) in pairs)})


def read_cache(path: Path, memo: dict[str, str] | None = None) -> Any:
    """What a cache file holds (None: missing or not JSON), equal strings shared through
    ``memo`` (see ``otq.store.snapshot.share_strings``).

    ``save`` and the needs cache write one entry a line (``dump_snapshot``), so that reading
    a 60 MB file never holds the parser's working copy of all of it (as much again as the
    parsed data, at the moment a session's memory peaks); other files are parsed whole.
    """
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    data = load_snapshot(raw, memo)
    if data is None:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        if isinstance(data, dict) and memo is not None:
            share_strings(data, memo)
    return data


def write_cache(path: Path, data: Any, *, like: Path) -> bool:
    """Write a derived-data file atomically with ``like``'s mode and group (False: failed).

    ``data`` is the file's bytes, or an iterator of its pieces (written as they come, so
    the whole file need never be in memory), or anything else to write as JSON.
    """
    if isinstance(data, bytes | Iterator):
        pieces = (data,) if isinstance(data, bytes) else data
    else:
        pieces = (orjson.dumps(data),)
    tmp = None
    _remove_stale_parts(path)
    try:
        # ".part", not ".tmp": the store's own clean-up of ".<store>.*.tmp" runs under its
        # lock, which a cache writer does not hold.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            for piece in pieces:
                out.write(piece)
            with contextlib.suppress(OSError):
                st = os.stat(like)
                os.fchmod(out.fileno(), st.st_mode & 0o7777)
                with contextlib.suppress(PermissionError):
                    os.fchown(out.fileno(), -1, st.st_gid)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False  # a cache: the next session scrubs again
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _remove_stale_parts(path: Path, older_than: float = 300.0) -> None:
    """Delete half-written cache files a killed session left (older than 5 minutes)."""
    import time

    now = time.time()
    for part in path.parent.glob(f".{path.name}.*.part"):
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > older_than:
                part.unlink()
