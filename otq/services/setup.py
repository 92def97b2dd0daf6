"""Creating a store: ``otq init`` and the demo generator both start here."""

from __future__ import annotations

import uuid
from pathlib import Path

from otq.domain import Address, Practice
from otq.errors import OtqError
from otq.services.session import Session
from otq.store import Put, encode


def init_store(path: Path | str, *, practice_name: str = "", practice_npi: str = "",
               practice_tin: str = "", address: Address | None = None) -> Session:
    """Create a new store seeded with the reference payers (and a default practice if named).

    Refuses to touch an existing store: initialising is never a way to wipe data.
    """
    path = Path(path)
    if path.exists():
        raise OtqError(f"{path} already exists; otq init never overwrites a store.")
    session = Session.open(path, create=True)
    changes = [Put("payers", encode(p)) for p in session.reference.seed_payers.values()]
    if practice_name:
        practice = Practice(id=str(uuid.uuid4()), name=practice_name, npi=practice_npi,
                            tin=practice_tin, address=address or Address())
        changes.append(Put("practices", encode(practice)))
    session.store.commit(changes, action="store.init")
    return session


def default_practice_id(session: Session) -> str | None:
    """The practice used when an import row names no billing provider: the first one created."""
    practices = sorted(session.store.all("practices"), key=lambda r: r.get("changed_at", ""))
    return practices[0]["id"] if practices else None
