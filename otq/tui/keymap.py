"""Key remapping by binding id, and the effective keymap that ``otq keys`` prints.

Every otq binding has a stable id (``table.cursor-down``, ``queue.filter``). The user's
settings file remaps them (``[keys] "queue.filter" = "slash,f"``); ``apply_keymap``
checks every id against the bindings that exist and hands the map to Textual's
``App.set_keymap``. An id that does not exist is a ConfigError naming the file and
key, so a typo is reported rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode

from otq.errors import ConfigError


@dataclass(frozen=True)
class KeyBinding:
    """One binding as the user sees it: id, keys, what it does, whether remapped."""

    id: str
    keys: tuple[str, ...]
    description: str
    remapped: bool = False


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def binding_catalogue() -> dict[str, KeyBinding]:
    """Every otq binding that has an id, by id (from the BINDINGS of otq's screens and
    widgets). Loads the app module so every screen is known."""
    import otq.tui.app  # noqa: F401 - imports every screen and widget otq shows

    found: dict[str, KeyBinding] = {}
    for cls in _subclasses(DOMNode):
        if not cls.__module__.startswith("otq."):
            continue
        for item in cls.__dict__.get("BINDINGS", []):
            if not isinstance(item, Binding) or not item.id or item.id in found:
                continue
            keys = tuple(k.strip() for k in item.key.split(","))
            found[item.id] = KeyBinding(item.id, keys, item.tooltip or item.description)
    return dict(sorted(found.items()))


def check_keymap(keys: Mapping[str, str], source: Path | str | None = None) -> None:
    """ConfigError naming ``source`` and ``keys.<id>`` for every id no binding has."""
    known = binding_catalogue()
    where = f"{source}: " if source else ""
    bad = [f"{where}keys.{binding_id}: no binding has this id (`otq keys` lists them)"
           for binding_id in keys if binding_id not in known]
    if bad:
        raise ConfigError("key settings have problems:\n" + "\n".join(bad))


def apply_keymap(app: App, keys: Mapping[str, str], source: Path | str | None = None) -> None:
    """Check ``keys`` (binding id -> "key,key") and make them the app's keymap."""
    if keys:
        check_keymap(keys, source)
        app.set_keymap({k: ",".join(p.strip() for p in v.split(",")) for k, v in keys.items()})


def effective_keymap(keys: Mapping[str, str] | None = None) -> list[KeyBinding]:
    """Every binding with the keys it answers to after the user's remaps, by id."""
    keys = keys or {}
    out = []
    for binding_id, item in binding_catalogue().items():
        if binding_id in keys:
            remapped = tuple(k.strip() for k in keys[binding_id].split(","))
            item = KeyBinding(item.id, remapped, item.description, remapped=True)
        out.append(item)
    return out


def format_keymap(bindings: list[KeyBinding]) -> str:
    """``otq keys`` output: one line per binding, ``*`` marking the user's remaps."""
    width = max((len(b.id) for b in bindings), default=10) + 2
    keys_width = max((len(", ".join(b.keys)) for b in bindings), default=6) + 3
    lines = [f"{'binding id':<{width}}{'keys':<{keys_width}}what it does"]
    for b in bindings:
        mark = "*" if b.remapped else " "
        lines.append(f"{b.id:<{width}}{', '.join(b.keys) + ' ' + mark:<{keys_width}}"
                     f"{b.description}")
    if any(b.remapped for b in bindings):
        lines.append("\n* remapped in your settings file")
    return "\n".join(lines)
