"""The saved queue view: what the queues looked like when a session last saw the store.

Opening a 100,000-item store means reading and decoding every record and scrubbing every
patient, which takes seconds however it is done. A biller opening otq wants to see the
queue first. So each session saves, beside the store, each queue's count and the rows it
built (``<store>.queue-view``), and the next ``otq tui`` paints from that file in well
under a second while the store loads behind it. Once loaded, the real rows replace the
saved ones.

The view records the state of the store files it was computed from (snapshot and journal
inode, size and mtime), the date, the rules and the queue files. A view made under other
rules or queue files is not used. ``load`` tells whether the store has moved on since, or
the date has (``current``): a current view is exactly what the store would show; a stale
one is shown as "as of" its time until the store has loaded.

The file is derived data (deleting it only costs a slow start) but holds patient names,
so it gets the store's mode and group. Layout: one JSON header line naming each queue's
rows blob by offset and length, then the blobs, so the first paint parses only the queue
it shows, not every row of every queue.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from otq.errors import OtqError
from otq.queue_defs import QueueSpec
from otq.services.queues import QueueRow, queue_counts
from otq.services.scrub_cache import reference_fingerprint, rules_fingerprint, write_cache
from otq.services.session import Session

FORMAT = 1

#: the store's files as (inode, size, mtime_ns) pairs: equal state, equal data
StoreState = list[list[int]]


def view_path(store_path: Path | str) -> Path:
    """The saved queue view beside a store."""
    p = Path(store_path)
    return p.with_name(p.name + ".queue-view")


def store_state(store_path: Path | str) -> StoreState:
    """The identity of the store's snapshot and journal right now (no reading)."""
    p = Path(store_path)
    out = []
    for f in (p, p.with_name(p.name + ".journal")):
        try:
            st = os.stat(f)
            out.append([st.st_ino, st.st_size, st.st_mtime_ns])
        except OSError:
            out.append([0, 0, 0])
    return out


def specs_fingerprint(specs: list[QueueSpec]) -> str:
    """What the queue files say (ids, filters, columns, sort): a view is only good for them."""
    text = repr([(s.id, s.entity, s.filters, [c.id for c in s.columns], s.sort) for s in specs])
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _key(specs: list[QueueSpec], rules: str | None) -> str:
    from otq import __version__

    return f"{__version__}|{specs_fingerprint(specs)}|{rules}"


# ---------------------------------------------------------------- rows as data
def _encode_sort(v: Any) -> Any:
    # Sort values are ints, strings, dates and money; JSON keeps the first two as they are.
    if isinstance(v, date):
        return ["D", v.isoformat()]
    if isinstance(v, Decimal):
        return ["$", str(v)]
    return v


def _decode_sort(v: Any) -> Any:
    if isinstance(v, list):
        return date.fromisoformat(v[1]) if v[0] == "D" else Decimal(v[1])
    return v


def _encode_facets(facets: dict[str, Any]) -> dict[str, Any]:
    return {k: sorted(v) if isinstance(v, (set, frozenset)) else v for k, v in facets.items()}


def _decode_facets(facets: dict[str, Any]) -> dict[str, Any]:
    # Facet values are scalars or sets (cpt codes, rule ids); JSON made the sets lists.
    return {k: frozenset(v) if isinstance(v, list) else v for k, v in facets.items()}


def encode_rows(rows: list[QueueRow]) -> bytes:
    """A queue's rows as one JSON array (the search text is rebuilt from the cells)."""
    return orjson.dumps([
        [r.subject_type, r.subject_id, r.cells, [_encode_sort(v) for v in r.sort_values],
         r.assignee, _encode_facets(r.facets)] for r in rows])


def decode_rows(blob: bytes) -> list[QueueRow]:
    """Rows back from ``encode_rows``."""
    return [QueueRow(subject_type=t, subject_id=i, cells=tuple(cells),
                     sort_values=tuple(_decode_sort(v) for v in sort), assignee=a,
                     facets=_decode_facets(f), search_text=" ".join(cells).lower())
            for t, i, cells, sort, a, f in orjson.loads(blob)]


# ---------------------------------------------------------------- the file
@dataclass
class QueueView:
    """A saved view: counts of every queue, rows of the queues that were built."""

    path: Path
    saved_at: datetime
    current: bool
    counts: dict[str, int]
    _blobs: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    _rows: dict[str, list[QueueRow]] = field(default_factory=dict, repr=False)

    def has_rows(self, spec_id: str) -> bool:
        """True when the view holds the rows of queue ``spec_id``."""
        return spec_id in self._blobs

    def rows(self, spec_id: str) -> list[QueueRow] | None:
        """The saved rows of a queue (parsed on first use), or None if it has none."""
        if spec_id in self._rows:
            return self._rows[spec_id]
        where = self._blobs.get(spec_id)
        if where is None:
            return None
        try:
            with open(self.path, "rb") as f:
                blob = os.pread(f.fileno(), where[1], where[0])
            rows = decode_rows(blob)
        except (OSError, ValueError, TypeError):
            # Replaced or damaged since the header was read: no saved rows, not an error.
            rows = None
        if rows is not None:
            self._rows[spec_id] = rows
        return rows


def load(store_path: Path | str, specs: list[QueueSpec], today: date,
         rules: str | None) -> QueueView | None:
    """The saved view of this store for these queues, today and these rules, or None."""
    path = view_path(store_path)
    try:
        with open(path, "rb") as f:
            header = orjson.loads(f.readline())
            base = f.tell()
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return None
    if header.get("key") != _key(specs, rules):
        return None
    try:
        counts = {s.id: int(header["counts"][s.id]) for s in specs}
        blobs = {k: (base + int(v[0]), int(v[1])) for k, v in header["rows"].items()}
        saved_at = datetime.fromisoformat(header["saved_at"])
    except (KeyError, TypeError, ValueError):
        return None
    # Yesterday's view is still worth showing at the first start of the day (ages and
    # deadlines have moved on, so it is never current), rather than an empty screen.
    current = (header.get("state") == store_state(store_path)
               and header.get("today") == today.isoformat())
    return QueueView(path, saved_at, current, counts, blobs)


def save(session: Session, specs: list[QueueSpec], *, state: StoreState | None,
         counts: dict[str, int] | None = None) -> bool:
    """Save the counts and every queue's rows the session has built for its store state.

    ``state`` is the store files' state the session's data matches (``store_state``
    taken before and after reading it, and equal), or None when it cannot be vouched
    for; a view saved with None is never ``current``. False when nothing could be written.
    """
    rules = rules_fingerprint(session)
    if rules is None:
        return False  # a test's reference data: nothing to key a file on
    counts = counts if counts is not None else queue_counts(session, specs)
    blobs, index, at = [], {}, 0
    for spec in specs:
        rows = session.peek(f"rows:{spec.id}")
        if rows is None:
            continue
        blob = encode_rows(rows)
        index[spec.id] = [at, len(blob)]
        blobs.append(blob)
        at += len(blob)
    header = {"format": FORMAT, "key": _key(specs, rules), "today": session.today.isoformat(),
              "saved_at": datetime.now().isoformat(timespec="seconds"),
              "state": state, "counts": counts, "rows": index}
    payload = orjson.dumps(header) + b"\n" + b"".join(blobs)
    # A Fragment is written as the bytes it holds: the header line and the blobs as built.
    return write_cache(view_path(session.store.path), orjson.Fragment(payload),
                       like=Path(session.store.path))


def save_if_current(session: Session, specs: list[QueueSpec]) -> bool:
    """At the end of a session: save the view if the session is up to date with the store.

    When other sessions have committed since the last refresh, the counts and rows would
    have to be rebuilt first (seconds on a big store, while the user waits for the shell):
    the view saved when the store was opened stays, and the next start shows it as of
    then.
    """
    before = store_state(session.store.path)
    try:
        if session.refresh():
            return False
    except OtqError:
        return False
    counts = queue_counts(session, specs)
    after = store_state(session.store.path)
    return save(session, specs, state=before if before == after else None, counts=counts)


def current_rules() -> str | None:
    """The rules fingerprint of the installed reference data and scrubber, without a store."""
    from otq.reference import load_reference

    return reference_fingerprint(load_reference())
