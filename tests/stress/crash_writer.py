"""A writer the crash tests kill with SIGKILL at random points of its commits.

It commits forever: each commit inserts a visit, bumps a shared counter and now and then
deletes a scratch record. Only after ``commit()`` returns does it append the visit id to
the acknowledgement file, so every id in that file is a commit the user was told succeeded.
With ``checkpoint_every`` it also folds the journal into the snapshot every that many
commits, so kills land inside checkpoints too. Several writers may share one store: a
commit that loses the race for the shared counter is simply tried again, unacknowledged.
"""

from __future__ import annotations

import os
import traceback
import uuid

from otq.errors import ConflictError
from otq.store import Delete, Put, Store


def write_forever(path: str, ack_path: str, err_path: str, counter_id: str,
                  checkpoint_every: int = 0) -> None:
    """Commit until killed; a failure (not a kill) is written to ``err_path``."""
    try:
        ack = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        store = Store.open(path, user="crashy", lock_timeout=30)
        scratch = None
        n = 0
        while True:
            n += 1
            rid = str(uuid.uuid4())
            counter = store.get("workitems", counter_id)
            changes = [Put("visits", {"id": rid, "n": n, "note": "x" * (n % 50)}),
                       Put("workitems", {**counter, "count": counter["count"] + 1},
                           counter["version"])]
            new_scratch = None
            if scratch is not None and n % 3 == 0:
                changes.append(Delete("claims", scratch["id"], scratch["version"]))
                scratch = None
            elif scratch is None:
                new_scratch = str(uuid.uuid4())
                changes.append(Put("claims", {"id": new_scratch, "scratch": True}))
            try:
                store.commit(changes, action="crash.write")
            except ConflictError:
                continue  # another writer bumped the counter first; our commit re-read it
            if new_scratch is not None:
                scratch = store.get("claims", new_scratch)
            os.write(ack, f"{rid}\n".encode())
            if checkpoint_every and n % checkpoint_every == 0:
                store.checkpoint()
    except BaseException:  # noqa: BLE001 - tell the test; SIGKILL never gets here
        with open(err_path, "a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())
        os._exit(1)
