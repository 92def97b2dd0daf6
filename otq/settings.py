"""The user's own settings file: theme, key remaps, idle lock, low-bandwidth, ASCII.

It lives at ``otq.paths.settings_path()`` (``$XDG_CONFIG_HOME/otq/settings.toml``) and
is optional: a missing file means every default. A file with a mistake is refused
whole with a ``ConfigError`` that names the file and each bad key, so a typo never
silently falls back to something the user did not ask for. Example::

    theme = "otq-high-contrast"
    idle_lock_minutes = 10
    low_bandwidth = true          # also switched on by OTQ_LOW_BANDWIDTH
    ascii = false                 # also automatic when the locale is not UTF-8

    [keys]                        # binding id = keys, comma-separated
    "table.cursor-down" = "j,down,ctrl+n"
    "queue.filter" = "slash,f"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from otq.errors import ConfigError
from otq.paths import settings_path

# A Textual key name: letters, digits, underscores and "+" for modifiers (ctrl+n, f5).
_KEY = re.compile(r"^[a-z0-9_]+(\+[a-z0-9_]+)*$|^[A-Z]$")
_BINDING_ID = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)+$")
_FIELDS = ("theme", "keys", "idle_lock_minutes", "low_bandwidth", "ascii")


@dataclass(frozen=True)
class Settings:
    """One user's settings; ``None`` means "not set, use the default or the automatic"."""

    theme: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    idle_lock_minutes: int | None = None
    low_bandwidth: bool | None = None
    ascii: bool | None = None
    path: Path | None = None


def load_settings(path: Path | None = None) -> Settings:
    """The settings in ``path`` (the user's settings file by default); defaults if missing.

    Raises ConfigError naming the file and every bad key.
    """
    path = path or settings_path()
    if not path.exists():
        return Settings(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    problems = settings_problems(data)
    if problems:
        raise ConfigError(f"{path} has problems:\n" + "\n".join(
            f"{path}: {p}" for p in problems))
    return Settings(theme=data.get("theme"), keys=dict(data.get("keys", {})),
                    idle_lock_minutes=data.get("idle_lock_minutes"),
                    low_bandwidth=data.get("low_bandwidth"), ascii=data.get("ascii"), path=path)


def settings_problems(data: dict[str, object]) -> list[str]:
    """Every problem in parsed settings, as ``key: what is wrong`` lines."""
    problems = [f"{key}: unknown setting (known: {', '.join(_FIELDS)})"
                for key in data if key not in _FIELDS]
    theme = data.get("theme")
    if theme is not None and (not isinstance(theme, str) or not theme.strip()):
        problems.append("theme: must be a theme name such as \"otq-dark\"")
    minutes = data.get("idle_lock_minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)
                                or not 0 <= minutes <= 24 * 60):
        problems.append("idle_lock_minutes: must be a whole number of minutes from 0 "
                        "(never lock) to 1440")
    for key in ("low_bandwidth", "ascii"):
        if key in data and not isinstance(data[key], bool):
            problems.append(f"{key}: must be true or false")
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        problems.append("keys: must be a table of binding id = \"key,key\"")
        keys = {}
    for binding_id, value in keys.items():
        where = f"keys.{binding_id}"
        if not _BINDING_ID.match(binding_id):
            problems.append(f"{where}: not a binding id (like \"queue.filter\"; "
                            "`otq keys` lists them)")
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: must be a string of keys such as \"j,down\"")
            continue
        bad = [k for k in (part.strip() for part in value.split(",")) if not _KEY.match(k)]
        if bad:
            problems.append(f"{where}: {', '.join(repr(k) for k in bad)} is not a key name "
                            "(use names like j, G, down, pagedown, slash, ctrl+n)")
    return problems
