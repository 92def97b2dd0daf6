"""A one-line filter box that takes a burst of keys in the order they were typed.

A terminal can deliver several keys at once (fast typing, a paste, a slow SSH link
sending a packet of them). Textual's ``Input`` types printable characters in its own key
handler, but Backspace, Delete, the cursor keys, Enter ... are bindings, which Textual
runs only once the key has bubbled up to the app, after the characters that followed it
have been typed: ``abx⌫c`` gives ``abx``. And the app hands every key of a burst to the
widget that has the focus when the app reads it, so the keys typed after Enter or Esc
reach the box too, before it has given the keyboard back.

``FilterLine`` does all of its editing in its key handler, in arrival order. Enter and
Esc run the screen's actions (``enter_action``, ``escape_action``) at once; when one of
them moved the focus away, the keys that had already reached the box are handed to the
app again, as if just typed, so they reach the focused widget and the screen's bindings.
Screens give the box the focus with ``Screen.set_focus`` (at once), not
``Widget.focus`` (after the keys already waiting), for the same reason.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding
from textual.widgets import Input

#: editing keys (Input's own bindings: backspace, delete, left, home, ctrl+w ...) -> action
_EDIT_ACTIONS: dict[str, str] = {
    binding.key: binding.action
    for binding in Binding.make_bindings(Input.BINDINGS)
    if binding.action != "submit"
}


class FilterLine(Input):
    """An ``Input`` that edits in the order keys arrive; Enter and Esc run screen actions.

    ``enter_action`` and ``escape_action`` are action strings run on Enter and Esc (for
    example ``"screen.clear_filter"``); they normally give the focus back to the rows.
    """

    EDIT_ACTIONS: ClassVar[dict[str, str]] = _EDIT_ACTIONS

    def __init__(self, *, enter_action: str, escape_action: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.enter_action = enter_action
        self.escape_action = escape_action

    async def _on_key(self, event: events.Key) -> None:
        if self.app.focused is not self:
            # The app handed this key on before the box gave the keyboard back (Enter or
            # Esc earlier in the same burst): deal with it as if it had just been typed.
            self._consume(event)
            key = events.Key(event.key, event.character)
            key.set_sender(self.app)
            await self.app.on_event(key)
            return
        if event.key == "enter":
            self._consume(event)
            await self.run_action(self.enter_action)
        elif event.key == "escape":
            self._consume(event)
            await self.run_action(self.escape_action)
        elif event.key in self.EDIT_ACTIONS:
            # Run here, not as a binding once the key has bubbled up to the app.
            # (App.run_action, not Widget.run_action: it says whether the action ran;
            # Ctrl+C with nothing selected goes on to the app's binding.)
            if await self.app.run_action(self.EDIT_ACTIONS[event.key], self):
                self._consume(event)
        # Anything else (printable characters included) as Input does it.

    @staticmethod
    def _consume(event: events.Key) -> None:
        event.stop()
        event.prevent_default()  # not Input._on_key, nor the bindings
