"""Where otq finds its store, its bundled data and the user's settings.

A leaf module: anyone may import it. It never creates files on import.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def _config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def default_store_path() -> Path:
    """The store used when ``--store`` is not given: ``$OTQ_STORE``, else the user's data folder."""
    env = os.environ.get("OTQ_STORE")
    if env:
        return Path(env).expanduser()
    return _data_home() / "otq" / "store.json"


def demo_store_path() -> Path:
    """Where ``otq demo`` keeps its generated practice when no store is named."""
    env = os.environ.get("OTQ_STORE")
    if env:
        return Path(env).expanduser()
    return _data_home() / "otq" / "demo.json"


def settings_path() -> Path:
    """The user's settings file (theme, key remaps, idle lock minutes)."""
    return _config_home() / "otq" / "settings.toml"


def bundled_dir(name: str) -> Path:
    """A top-level data folder (``queues`` or ``themes``).

    In a source checkout it is the folder beside the package; in an installed wheel it
    is bundled inside the package as ``otq/_bundled/<name>``.
    """
    inside = PACKAGE_DIR / "_bundled" / name
    if inside.is_dir():
        return inside
    beside = PACKAGE_DIR.parent / name
    if beside.is_dir():
        return beside
    raise FileNotFoundError(f"otq data folder {name!r} is missing from this installation")


def reference_dir() -> Path:
    """Reference data shipped with the package (code catalogue, payer profiles, NCCI pairs)."""
    return PACKAGE_DIR / "reference"
