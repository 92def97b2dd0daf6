"""The idle lock: a full screen that hides every other screen until the password is given.

The screen shows no patient data and no store contents, only the user's name. The
password goes to PAM (``otq.services.pam_check``) in a worker thread, so a slow PAM
(failure delays) never freezes the terminal, and is never kept. Without PAM there is no
way to check it, so the session ends instead and the user reopens otq (work is always
saved already). Five wrong passwords end the session too.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from otq.services import pam_check
from otq.text import safe_text

if TYPE_CHECKING:
    from otq.tui.app import OtqApp

MAX_TRIES = 5


class LockScreen(Screen, inherit_bindings=False):
    """Locked after ``minutes`` idle. Enter the password to go back where you were."""

    app: OtqApp
    help_title = "locked screen"
    COMMANDS: set = set()
    BINDINGS = [Binding("enter", "end_session", "End session", show=False,
                        id="lock.end-session", tooltip="End the session (no PAM to unlock)")]

    def __init__(self, user: str, minutes: int) -> None:
        super().__init__(name="lock")
        self.user = user
        self.minutes = minutes
        self.can_unlock = pam_check.pam_available()
        self.tries = 0
        self.checking = False

    def compose(self) -> ComposeResult:
        """A box in the middle: who, why, and the password line (or how to reopen)."""
        with Center(id="lock-center"), Vertical(id="lock-box"):
            yield Static(Text("otq is locked"), id="lock-title")
            minutes = f"{self.minutes} minute{'' if self.minutes == 1 else 's'}"
            yield Static(Text(f"{safe_text(self.user)}: no key was pressed for {minutes}, "
                              "so patient information is hidden."), id="lock-why")
            if self.can_unlock:
                yield Input(password=True, placeholder="your password", compact=True,
                            id="lock-password")
                yield Static(Text("enter: unlock"), id="lock-hint")
            else:
                yield Static(Text("This system cannot check passwords (no PAM), so the "
                                  "session ends. Your work is saved. Press Enter, then "
                                  "start otq again."), id="lock-hint")

    def on_mount(self) -> None:
        """The password line takes the keyboard."""
        if self.can_unlock:
            field = self.query_one(Input)
            field.cursor_blink = False
            field.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter ends the session only when there is no way to unlock."""
        if action == "end_session":
            return not self.can_unlock
        return True

    def action_end_session(self) -> None:
        """End the session (the terminal is cleared as otq exits)."""
        self.app.exit(message="otq: the locked session ended; start otq again to go on.")

    @on(Input.Submitted, "#lock-password")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.checking or not event.value:
            return
        password, event.input.value = event.value, ""
        self.checking = True
        self._hint("checking...")
        self.run_worker(self._check(password), exclusive=True, group="unlock")

    async def _check(self, password: str) -> None:
        ok = await asyncio.to_thread(pam_check.check_password, self.user, password)
        self.checking = False
        if ok:
            self.app.unlocked()
            self.dismiss()
            return
        self.tries += 1
        if self.tries >= MAX_TRIES:
            self.app.exit(message=f"otq: {MAX_TRIES} wrong passwords; the locked session ended.")
            return
        self._hint(f"that password was not right ({MAX_TRIES - self.tries} tries left)",
                   error=True)

    def _hint(self, text: str, *, error: bool = False) -> None:
        hint = self.query_one("#lock-hint", Static)
        hint.set_class(error, "lock--error")
        hint.update(Text(text))

    def reload(self) -> None:
        """Other sessions' changes wait until the screen is unlocked."""
