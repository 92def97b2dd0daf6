"""The composition root: one store, the reference data, the user and today's date.

Services take a ``Session``. Derived values are cached per store state (the commit
sequence). Decoded domain objects outlive that: after another commit only the records whose
version changed are decoded again, so a 100,000-visit store costs one decode at start, not
one per commit (see ``otq.services.decoding``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pendulum

from otq.domain import (
    Authorization,
    Claim,
    Coverage,
    Denial,
    Patient,
    Payer,
    PayerProfile,
    Practice,
    Provider,
    Visit,
    WorkItem,
)
from otq.reference import Reference, load_reference
from otq.services.decoding import fast_decode
from otq.store import Store

T = TypeVar("T")

#: store table -> domain class
ENTITY_TYPES: dict[str, type] = {
    "practices": Practice, "providers": Provider, "payers": Payer, "patients": Patient,
    "coverages": Coverage, "authorizations": Authorization, "visits": Visit, "claims": Claim,
    "denials": Denial, "workitems": WorkItem,
}


@dataclass
class Session:
    """What every service call needs. ``today`` is fixed per session so rules are testable."""

    store: Store
    reference: Reference = field(default_factory=load_reference)
    today: pendulum.Date = field(default_factory=lambda: pendulum.today().date())
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    _cache_seq: int = field(default=-1, repr=False)
    #: table -> {id: ((version, changed_at), decoded object)}; survives commits
    _decoded: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict, repr=False)
    #: table -> (store seq, {id: decoded object}): the last ``entities`` answer
    _tables: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict, repr=False)
    _lasting: dict[str, Any] = field(default_factory=dict, repr=False)
    _pinned: int = field(default=0, repr=False)

    @classmethod
    def open(cls, path: Path | str, *, create: bool = False, today: pendulum.Date | None = None,
             on_wait: Callable[[str], None] | None = None) -> Session:
        """Open a store at ``path`` (see ``Store.open``)."""
        store = Store.open(path, create=create, on_wait=on_wait)
        session = cls(store=store)
        if today is not None:
            session.today = today
        return session

    @property
    def user(self) -> str:
        """The OS user of this session."""
        return self.store.user

    def refresh(self) -> bool:
        """Pick up other sessions' changes. True when something changed."""
        return self.store.refresh()

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Within the block, trust the cache without asking the store for its commit number
        (a queue of 100,000 rows asks a million times). Nothing may commit inside it."""
        self._fresh()
        self._pinned += 1
        try:
            yield
        finally:
            self._pinned -= 1

    def _fresh(self) -> dict[str, Any]:
        if self._pinned:
            return self._cache
        seq = self.store.meta.get("seq", 0)
        if seq != self._cache_seq:
            self._cache = {}
            self._cache_seq = seq
        return self._cache

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """A value computed once per store state (cleared whenever any commit lands)."""
        cache = self._cache if self._pinned else self._fresh()
        try:
            return cache[key]
        except KeyError:
            value = cache[key] = build()
            return value

    def peek(self, key: str) -> Any | None:
        """The cached value of ``key`` for the current store state, or None (never builds)."""
        return self._fresh().get(key)

    def lasting(self, key: str, build: Callable[[], T]) -> T:
        """State a service keeps across commits (it checks its own freshness)."""
        if key not in self._lasting:
            self._lasting[key] = build()
        return self._lasting[key]

    def records(self, table: str) -> dict[str, dict[str, Any]]:
        """Every raw store record of ``table`` by id (cached per store state). These are the
        store's own dicts (``Store.records``): never edit one."""
        return self.cached(f"records:{table}", lambda: self.store.records(table))

    def entities(self, table: str) -> dict[str, Any]:
        """Every record of ``table`` decoded into its domain class, by id. After a commit
        that only changed records, the last answer is updated in place and given again."""
        return self.cached(f"entities:{table}", lambda: self._decode_table(table))

    def _decode_table(self, table: str) -> dict[str, Any]:
        # After a commit that names which records it changed, only those are decoded again
        # and the rest of the last answer is reused (a table the commit did not touch is the
        # very same dict). Otherwise every record is looked at, reusing the objects of those
        # whose (version, changed_at) did not move.
        seq = self._cache_seq
        last = self._tables.get(table)
        changed = self.store.changed_since(last[0]) if last is not None else None
        if changed is not None:
            ids = changed.get(table)
            objects = last[1] if not ids else self._patch_table(table, last[1], ids)
        else:
            objects = self._decode_all(table)
        self._tables[table] = (seq, objects)
        return objects

    def _patch_table(self, table: str, objects: dict[str, Any], ids: set[str]
                     ) -> dict[str, Any]:
        cls = ENTITY_TYPES[table]
        stamps = self._decoded.setdefault(table, {})
        fresh = {rid: self.store.get(table, rid) for rid in ids}
        # Only changed records: replaced in place. Copying a 50,000-entry dict costs 10 ms
        # (it touches every object), and replacing values is safe even under a loop over
        # the dict, so the previous answer simply becomes this one. Records added or
        # deleted: a new dict, in the store's order as a full decode gives.
        in_place = all(rid in objects and rec is not None for rid, rec in fresh.items())
        out = objects if in_place else dict(objects)
        for rid, rec in fresh.items():
            if rec is None:
                out.pop(rid, None)
                stamps.pop(rid, None)
                continue
            obj = fast_decode(cls, rec)
            stamps[rid] = ((rec.get("version"), rec.get("changed_at")), obj)
            out[rid] = obj
        if not in_place:
            out = {rid: out[rid] for rid in self.records(table) if rid in out}
        return out

    def _decode_all(self, table: str) -> dict[str, Any]:
        cls = ENTITY_TYPES[table]
        before = self._decoded.get(table, {})
        after: dict[str, tuple[Any, Any]] = {}
        for rid, rec in self.records(table).items():
            stamp = (rec.get("version"), rec.get("changed_at"))
            old = before.get(rid)
            after[rid] = old if old is not None and old[0] == stamp else (
                stamp, fast_decode(cls, rec))
        self._decoded[table] = after
        return {rid: pair[1] for rid, pair in after.items()}

    def kept(self, table: str, name: str, make: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
        """``{id: make(record)}`` over a table, leaving out records ``make`` gives None for.

        Kept across commits: after one that names its changes, only the changed records are
        made again, and a table it did not touch gives the very same dict (callers may key
        their own derived values on its identity). ``name`` tells different ``make`` apart.
        """
        holder = self._lasting.setdefault(f"kept:{table}:{name}", {})
        seq = self.store.meta.get("seq", 0)
        if holder.get("seq") == seq:
            return holder["values"]
        changed = self.store.changed_since(holder["seq"]) if "seq" in holder else None
        if changed is None:
            values = {rid: v for rid, rec in self.records(table).items()
                      if (v := make(rec)) is not None}
        else:
            values = holder["values"]
            if changed.get(table):
                values = dict(values)
                for rid in changed[table]:
                    rec = self.store.get(table, rid)
                    v = make(rec) if rec is not None else None
                    if v is None:
                        values.pop(rid, None)
                    else:
                        values[rid] = v
        holder["seq"], holder["values"] = seq, values
        return values

    def derived(self, key: str, source: Any, build: Callable[[Any], T]) -> T:
        """``build(source)``, worked out again only when ``source`` is another object than
        last time (a ``kept`` answer is the same object until its table changes)."""
        last = self._lasting.setdefault(f"derived:{key}", {})
        if last.get("from") is not source:
            last["from"], last["value"] = source, build(source)
        return last["value"]

    def entity(self, table: str, record_id: str) -> Any | None:
        """One decoded record, or None."""
        return self.entities(table).get(record_id)

    def version(self, table: str, record_id: str) -> int | None:
        """The stored version of a record, for compare-and-set."""
        rec = self.store.get(table, record_id)
        return rec["version"] if rec else None

    def profile_for(self, payer: Payer) -> PayerProfile:
        """The behaviour profile a payer names."""
        return self.reference.profiles[payer.profile_id]
