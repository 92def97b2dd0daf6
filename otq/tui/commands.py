"""Command palette (ctrl+p) providers. Each offers only what makes sense where it opens."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from otq.tui.app import OtqApp

Command = tuple[str, Callable[[], object], str]


class _ListProvider(Provider):
    """A provider over a fixed list of (name, callback, help) commands."""

    def commands(self) -> list[Command]:
        """The commands this provider offers now."""
        raise NotImplementedError

    async def discover(self) -> Hits:
        """Every command, shown when the palette opens."""
        for name, callback, help_text in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Commands matching what the user typed, best first."""
        matcher = self.matcher(query)
        for name, callback, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class AppCommands(_ListProvider):
    """Everywhere: help for this screen, switch theme, quit."""

    def commands(self) -> list[Command]:
        """Help, one entry per otq theme, and quit."""
        app: OtqApp = self.app  # type: ignore[assignment]
        out: list[Command] = [("Help: keys for this screen", app.action_help,
                               "List every key of the current screen")]
        for name in app.otq_themes:
            out.append((f"Theme: {name}", partial(setattr, app, "theme", name),
                        "Switch the colour theme"))
        out.append(("Quit otq", app.exit, "Leave otq (every change is already saved)"))
        return out


class QueueCommands(_ListProvider):
    """On a queue screen: switch to any queue, or filter this one."""

    def commands(self) -> list[Command]:
        """One entry per queue, plus the filter."""
        app: OtqApp = self.app  # type: ignore[assignment]
        screen = self.screen
        out: list[Command] = [
            (f"Queue: {spec.title}", partial(app.switch_queue, spec.id),
             f"{spec.description} (key {spec.key})" if spec.key else spec.description)
            for spec in app.specs
        ]
        if hasattr(screen, "action_filter"):
            out.append(("Filter this queue", screen.action_filter,
                        "payer:medicare age:>30 cpt:97110 mine unassigned or any word"))
        return out
