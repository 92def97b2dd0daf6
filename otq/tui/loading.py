"""Opening the store behind the first screen, so otq paints a queue at once.

Reading, decoding and scrubbing a 100,000-item store takes seconds however it is done.
``otq tui`` therefore starts the app without a session: the first queue is painted from
the saved queue view (``otq.services.queue_view``: each queue's count and rows as the
last session saw them) while a worker thread opens the store, counts the queues and
builds the rows the view had. Then the real rows replace the saved ones, keeping the
cursor on the same item.

While the store loads the queue can be browsed (cursor, pages, ``/`` filter, switching
queues, help, masking, quit); every key that reads or changes the store is greyed out
and the status line says why. Nothing is written before the store has loaded, so no
change is ever made on the strength of a saved, possibly stale, row.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from otq.errors import OtqError
from otq.queue_defs import QueueSpec
from otq.services import queue_view, warm
from otq.services.queue_view import QueueView
from otq.services.queues import QueueRow, queue_counts, queue_rows
from otq.services.session import Session

#: the GIL switch interval while the store loads (Python's default is 0.005 s)
LOADING_SWITCH_INTERVAL = 0.0005

#: screen actions that only look at the rows on screen, so they work while loading
BROWSE_ACTIONS = frozenset({
    "switch_key", "previous_queue", "next_queue", "filter", "clear_filter", "help", "quit",
    "help_quit", "toggle_masking", "focus_next", "focus_previous",
})


@dataclass
class Opening:
    """How the app opens its store in the background.

    ``open_session`` opens it (and may raise ``OtqError``); ``view`` is the saved queue
    view, or None when there is none for this store, date, rules and queue files.
    """

    store_path: Path
    user: str
    open_session: Callable[[], Session]
    view: QueueView | None


class StoreLoading:
    """The app side of a background open. Mixed into ``OtqApp``."""

    session: Session | None
    opening: Opening | None
    specs: list[QueueSpec]
    counts: dict[str, int]
    load_error: OtqError | None = None
    _wanted: set[str]

    # ------------------------------------------------------------ who and where
    @property
    def loading(self) -> bool:
        """True until the store has been opened."""
        return self.session is None

    @property
    def user(self) -> str:
        """The OS user of this session."""
        return self.session.user if self.session is not None else self.opening.user

    @property
    def store_path(self) -> Path:
        """The store this app works on."""
        if self.session is not None:
            return Path(self.session.store.path)
        return self.opening.store_path

    def rows_now(self, spec: QueueSpec) -> list[QueueRow]:
        """The rows of a queue: the store's, or while loading the saved view's (or none)."""
        if self.session is not None:
            return queue_rows(self.session, spec)
        self._wanted.add(spec.id)
        view = self.opening.view
        return (view.rows(spec.id) if view is not None else None) or []

    def loading_message(self) -> str:
        """The status line while the store loads: what the rows on screen are."""
        view = self.opening.view if self.opening is not None else None
        if view is None:
            return "opening the store..."
        # Yesterday's view (the first start of the day) says which day it is from.
        same_day = view.saved_at.date() == datetime.now().date()
        at = view.saved_at.strftime("%H:%M" if same_day else "%b %d %H:%M")
        return (f"opening the store; rows as saved {at}" if view.current
                else f"opening the store; rows as of {at} may be out of date")

    # -------------------------------------------------------------- the worker
    def start_loading(self) -> None:
        """Open the store in a worker thread (after the first paint)."""
        self._wanted = {self.specs[0].id}
        if self.opening.view is not None:
            self._wanted |= {s.id for s in self.specs if self.opening.view.has_rows(s.id)}
        # A daemon thread, not a Textual thread worker: those run in asyncio's executor,
        # which the exit waits for, so q pressed while loading would wait for the load.
        # Stopping a half-done open is safe: it only reads (or, under the store lock,
        # does what any killed session's successor would redo).
        threading.Thread(target=self._load, name="otq open store", daemon=True).start()

    def _load(self) -> None:
        # Runs in the loading thread; the UI thread touches no session until _loaded.
        # The UI thread gives up the GIL at every select() and then waits a whole switch
        # interval (5 ms) to get it back from this busy thread, dozens of times per key.
        # A shorter interval while loading keeps keys answering; it is put back after.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(LOADING_SWITCH_INTERVAL)
        # Decoding a big store makes millions of objects, and the cyclic collector would
        # walk them all again and again (a full pass holds the GIL for a second or more:
        # a frozen screen). Records and domain objects have no cycles; reference counting
        # frees them. So the collector rests while loading, and what the load made is
        # then frozen out of its later passes.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._load_store()
        except Exception as exc:  # a bug: reported like any crash, without patient data
            self._tell_app(self._handle_exception, exc)
        finally:
            sys.setswitchinterval(interval)
            gc.freeze()
            if collecting:
                gc.enable()

    def _tell_app(self, callback: Callable[..., Any], *args: Any) -> None:
        # The user may have quit while the store was loading: then nobody is listening.
        with contextlib.suppress(RuntimeError):
            self.call_from_thread(callback, *args)

    def _load_store(self) -> None:
        started = time.monotonic()
        before = queue_view.store_state(self.opening.store_path)
        try:
            session = self.opening.open_session()
            with session.pinned():
                counts = queue_counts(session, self.specs)
                wanted = set(self._wanted)  # a copy: the UI thread may add to it meanwhile
                for spec in self.specs:
                    if spec.id in wanted:
                        queue_rows(session, spec)
                warm.before_first_commit(session)
            after = queue_view.store_state(self.opening.store_path)
            # The view is "current" only if nothing changed the files while we read them.
            queue_view.save(session, self.specs, state=before if before == after else None,
                            counts=counts)
        except OtqError as exc:
            self._tell_app(self._load_failed, exc)
            return
        self._tell_app(self._loaded, session, counts, time.monotonic() - started)

    def _loaded(self, session: Session, counts: dict[str, int], took: float) -> None:
        self.session = session
        self.counts = counts
        reload: Any = getattr(self.screen, "reload", None)
        if reload is not None:
            reload()
        self.refresh_bindings()
        items = sum(counts.values())
        self._status(f"store opened: {items:,} items, {took:.1f} s")

    def _load_failed(self, exc: OtqError) -> None:
        # A damaged or unreadable store: leave the screen and say why, as `otq` would
        # have before the screen opened (run_tui raises it after the app has exited).
        self.load_error = exc
        self.exit(return_code=1)

    def _status(self, message: str, *, error: bool = False) -> None:
        raise NotImplementedError

    def _handle_exception(self, error: Exception) -> None:
        raise NotImplementedError

    def check_loading_action(self, action: str) -> bool | None:
        """None (greyed out) for a key that needs the store while it is still opening."""
        if self.session is None and action not in BROWSE_ACTIONS:
            return None
        return True
