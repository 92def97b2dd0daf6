"""The composition root: one store, the reference data, the user and today's date.

Services take a ``Session``. Domain objects are decoded from store records once per store
change (the commit sequence), so screens can ask for them freely.
"""

from __future__ import annotations

from collections.abc import Callable
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
from otq.store import Store, decode

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

    def _fresh(self) -> dict[str, Any]:
        seq = self.store.meta.get("seq", 0)
        if seq != self._cache_seq:
            self._cache = {}
            self._cache_seq = seq
        return self._cache

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """A value computed once per store state (cleared whenever any commit lands)."""
        cache = self._fresh()
        if key not in cache:
            cache[key] = build()
        return cache[key]

    def entities(self, table: str) -> dict[str, Any]:
        """Every record of ``table`` decoded into its domain class, by id."""
        cls = ENTITY_TYPES[table]
        return self.cached(f"entities:{table}",
                           lambda: {r["id"]: decode(cls, r) for r in self.store.all(table)})

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
