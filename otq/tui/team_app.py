"""The app-wide side of team work: the role in the status line, PHI masking (``M``) and
the idle lock.

A mixin for ``OtqApp``. The idle lock counts from the last key press or click; after
``idle_minutes`` (the roles file's team limit, which a user's settings may shorten;
0 never locks) it pushes the lock screen, which hides every screen below it until the
user's password checks out with PAM.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import events
from textual.binding import Binding

from otq.errors import OtqError
from otq.services.masking import mask_value
from otq.services.roles import idle_lock_minutes, load_roles, role_for

MASK_BINDING = Binding("M", "toggle_masking", "Mask", show=False, id="app.toggle-masking",
                       tooltip="Mask PHI for screen sharing (initials, birth year, last 4 of ids)")


class TeamApp:
    """Masking, role label and idle lock for an App with ``user`` and ``store_path``."""

    masked: bool = False
    locked: bool = False
    role_label: str = ""
    idle_minutes: int = 0

    def init_team(self, user_idle_minutes: int | None) -> None:
        """Read the role and the idle limit; start the idle clock."""
        self.masked = False
        self.locked = False
        self.role_label = self.team_role_label()
        self.idle_minutes = idle_lock_minutes(self.store_path, user_idle_minutes)
        self.idle_clock: Callable[[], float] = time.monotonic
        self.last_input = self.idle_clock()

    def team_role_label(self) -> str:
        """The user's role for the status line; empty for a store without a roles file."""
        try:
            roles = load_roles(self.store_path)
            return role_for(roles, self.user).label if roles.configured else ""
        except OtqError:
            return "roles file broken"  # the services refuse every change until it is fixed

    async def on_event(self, event: events.Event) -> None:
        """Note the time of every key press and click (the idle lock counts from it)."""
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown,
                              events.MouseScrollUp)) and not event.is_forwarded:
            self.last_input = self.idle_clock()
        await super().on_event(event)

    def check_idle_lock(self) -> None:
        """Lock the screen after ``idle_minutes`` without a key press (0: never).

        (Not named ``check_idle``: that is Textual's own hook, which repaints after a
        batched update such as a queue switch; shadowing it left the screen unpainted.)
        """
        if self.locked or not self.idle_minutes:
            return
        if self.idle_clock() - self.last_input >= self.idle_minutes * 60:
            self.lock_screen()

    def lock_screen(self) -> None:
        """Hide everything behind the lock screen until the user's password unlocks it."""
        from otq.tui.screens.lock import LockScreen

        if self.locked:
            return
        self.locked = True
        self.push_screen(LockScreen(self.user, self.idle_minutes))

    def unlocked(self) -> None:
        """Called by the lock screen once the password checked out."""
        self.locked = False
        self.last_input = self.idle_clock()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While locked, only quitting works (no palette, no masking toggle, no help)."""
        if self.locked and action not in ("quit", "help_quit"):
            return False
        return True

    def shown(self, kind: str, text: str) -> str:
        """``text`` as the screen may show it: masked as PHI of ``kind`` (``name``,
        ``dob``, ``member_id``) while ``M`` is on."""
        return mask_value(kind, text) if self.masked else text

    def action_toggle_masking(self) -> None:
        """``M``: mask PHI everywhere (names, DOB, member ids) or show it again."""
        self.masked = not self.masked
        reload = getattr(self.screen, "reload", None)
        if reload is not None:
            reload()
        self._status("PHI masked (M shows it again)" if self.masked else "PHI shown")
