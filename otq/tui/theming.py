"""Themes are data: ``themes/*.toml`` hold Textual Theme fields plus otq's own variables.

The ``.tcss`` files only name ``$variables``; every colour lives in a theme file, so a
practice can add a theme without touching code. ``otq-mono`` is chosen automatically
under ``NO_COLOR`` and relies on bold, reverse and underline rather than colour.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.theme import Theme

from otq.errors import ConfigError
from otq.paths import bundled_dir

DEFAULT_THEME = "otq-dark"
MONO_THEME = "otq-mono"

_COLOUR_FIELDS = ("primary", "secondary", "accent", "foreground", "background", "surface",
                  "panel", "boost", "success", "warning", "error")
#: The theme that uses the terminal's own 16 colours (the low-bandwidth default).
ANSI_THEME = "otq-ansi"
_OTHER_FIELDS = {"name": str, "dark": bool, "ansi": bool, "luminosity_spread": (int, float),
                 "text_alpha": (int, float), "variables": dict}

#: otq's own theme variables and their fallbacks (a theme file may override any of them).
APP_VARIABLE_DEFAULTS: dict[str, str] = {
    "otq-header-foreground": "$foreground",
    "otq-tab-active-background": "$primary",
    "otq-tab-active-foreground": "$background",
    "otq-status-background": "$panel",
    "otq-status-foreground": "$foreground",
    "otq-message-foreground": "$warning",
    "otq-label-foreground": "$secondary",
    "otq-muted-foreground": "$foreground",
    "otq-finding-error": "$error",
    "otq-finding-warning": "$warning",
}


def load_theme_file(path: Path) -> Theme:
    """One theme file as a Textual ``Theme``, or ConfigError naming the file and key."""
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    problems = []
    for key, value in data.items():
        if key in _COLOUR_FIELDS:
            if not isinstance(value, str):
                problems.append(f"{where}: {key}: must be a colour string like \"#1c1c1c\"")
        elif key in _OTHER_FIELDS:
            if not isinstance(value, _OTHER_FIELDS[key]):
                problems.append(f"{where}: {key}: has the wrong type")
        else:
            problems.append(f"{where}: {key}: unknown theme field")
    if not isinstance(data.get("name"), str) or not data.get("name"):
        problems.append(f"{where}: name: missing")
    if not isinstance(data.get("primary"), str):
        problems.append(f"{where}: primary: missing")
    variables = data.get("variables", {})
    if isinstance(variables, dict):
        for key, value in variables.items():
            if not isinstance(value, str):
                problems.append(f"{where}: variables.{key}: must be a string")
    if problems:
        raise ConfigError("theme file has problems:\n" + "\n".join(problems))
    return Theme(**{k: v for k, v in data.items()})


def load_themes(folder: Path | None = None) -> list[Theme]:
    """Every theme in ``folder`` (the bundled ``themes/`` by default), sorted by name."""
    folder = folder or bundled_dir("themes")
    return sorted((load_theme_file(p) for p in folder.glob("*.toml")), key=lambda t: t.name)


def pick_theme(names: list[str], *, no_color: bool, requested: str | None = None,
               low_bandwidth: bool = False) -> str:
    """The theme to start with: mono under NO_COLOR, else the requested one, else the
    terminal's 16 colours (otq-ansi) in low-bandwidth mode, else dark."""
    if no_color and MONO_THEME in names:
        return MONO_THEME
    if requested and requested in names:
        return requested
    if low_bandwidth and ANSI_THEME in names:
        return ANSI_THEME
    return DEFAULT_THEME if DEFAULT_THEME in names else names[0]


def require_theme(requested: str | None, names: list[str], source: str) -> None:
    """A ConfigError naming ``source`` (file and key, or option) for an unknown theme."""
    if requested and requested not in names:
        raise ConfigError(f"{source}: no theme called {requested!r} "
                          f"(themes: {', '.join(names)})")
