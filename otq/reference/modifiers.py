"""Modifier and place-of-service meanings for the coding screen's pickers.

The codes and their meanings live in ``modifiers.toml`` (facts sheet §3.1 and §3.3) so a
practice can add a payer's own modifiers without a release. Problems are reported with
the file and key, never silently skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from otq.errors import ConfigError
from otq.reference.catalogue import read_toml

MODIFIERS_FILE = Path(__file__).with_name("modifiers.toml")
STATUSES = ("V", "S", "U")


@dataclass(frozen=True)
class CodeMeaning:
    """A two-character modifier or place-of-service code and what it means."""

    code: str
    meaning: str
    status: str = "U"  # facts-sheet tag: V verified, S secondary, U unverified


@dataclass(frozen=True)
class ModifierTable:
    """Every modifier and place of service the pickers offer, in file order."""

    modifiers: dict[str, CodeMeaning]
    places_of_service: dict[str, CodeMeaning]


def _section(path: Path, data: dict, name: str) -> dict[str, CodeMeaning]:
    rows = data.get(name)
    if not isinstance(rows, dict) or not rows:
        raise ConfigError(f"{path}: [{name}] is missing or empty")
    out: dict[str, CodeMeaning] = {}
    problems = []
    for code, row in rows.items():
        where = f"{path}: {name}.{code}"
        if len(code) != 2 or not code.isalnum() or code != code.upper():
            problems.append(f"{where}: a code is two capital letters or digits, like GO or 59")
            continue
        if not isinstance(row, dict) or not isinstance(row.get("meaning"), str) \
                or not row["meaning"].strip():
            problems.append(f"{where}: meaning: missing")
            continue
        status = row.get("status", "U")
        if status not in STATUSES:
            problems.append(f"{where}: status: must be one of {', '.join(STATUSES)}")
            continue
        unknown = set(row) - {"meaning", "status"}
        if unknown:
            problems.append(f"{where}: unknown key {sorted(unknown)[0]}")
            continue
        out[code] = CodeMeaning(code, row["meaning"].strip(), status)
    if problems:
        raise ConfigError("modifier file has problems:\n" + "\n".join(problems))
    return out


def load_modifier_table(path: Path | None = None) -> ModifierTable:
    """Read ``modifiers.toml`` (the shipped file unless ``path`` is given)."""
    path = path or MODIFIERS_FILE
    data = read_toml(path)
    return ModifierTable(modifiers=_section(path, data, "modifiers"),
                         places_of_service=_section(path, data, "places_of_service"))


@lru_cache(maxsize=1)
def modifier_table() -> ModifierTable:
    """The shipped table, read once per process."""
    return load_modifier_table()
