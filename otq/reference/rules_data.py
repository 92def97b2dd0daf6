"""Loaders for the scrubber's rule data: NCCI pairs, MUE limits, payer code edits, ICD-10-CM.

``load_rule_data(folder)`` returns the dict that becomes ``Reference.extra`` and, through the
services layer, ``ScrubContext.data``: ``{"ncci": [...], "mue": {...}, "code_edits": {...},
"icd": IcdTable}``. Each file is validated; a bad row raises ``ConfigError`` naming the file
and the row.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pendulum

from otq.errors import ConfigError
from otq.reference.icd import TABLE, IcdTable, icd_table


def _date(path: Path, where: str, value: Any) -> pendulum.Date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return pendulum.Date(value.year, value.month, value.day)
    try:
        return pendulum.Date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{path}: {where}: not a date (use YYYY-MM-DD)") from None


def load_ncci(path: Path) -> list[dict[str, Any]]:
    """NCCI PTP pairs: column1, column2, modifier_indicator (0/1/9), effective, deleted, source."""
    from otq.reference.catalogue import read_toml  # late: catalogue imports this module

    out = []
    for n, row in enumerate(read_toml(path).get("pairs", []), start=1):
        where = f"pairs[{n}]"
        try:
            pair = {"column1": str(row["column1"]), "column2": str(row["column2"]),
                    "modifier_indicator": int(row["modifier_indicator"]),
                    "source": str(row["source"]), "status": str(row.get("status", "U"))}
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: {where}: missing or bad field {exc}") from None
        if pair["modifier_indicator"] not in (0, 1, 9):
            raise ConfigError(f"{path}: {where}.modifier_indicator: must be 0, 1 or 9")
        pair["effective"] = _date(path, f"{where}.effective", row.get("effective"))
        pair["deleted"] = _date(path, f"{where}.deleted", row.get("deleted"))
        out.append(pair)
    return out


def load_mue(path: Path) -> dict[str, dict[str, Any]]:
    """MUE limits by code: units, mai (1/2/3), source."""
    from otq.reference.catalogue import read_toml

    out = {}
    for code, row in read_toml(path).get("codes", {}).items():
        try:
            entry = {"units": int(row["units"]), "mai": int(row["mai"]), "source": str(row["source"])}
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: codes.{code}: missing or bad field {exc}") from None
        if entry["mai"] not in (1, 2, 3) or entry["units"] < 0:
            raise ConfigError(f"{path}: codes.{code}: mai must be 1, 2 or 3 and units >= 0")
        out[code] = entry
    return out


def load_code_edits(path: Path) -> dict[str, list[dict[str, str]]]:
    """Payer code edits: [[substitutions]] (profile, code, use) and [[bundled]] (profile, code)."""
    from otq.reference.catalogue import read_toml

    data = read_toml(path)
    out: dict[str, list[dict[str, str]]] = {}
    for table, keys in (("substitutions", ("profile", "code", "use", "source")),
                        ("bundled", ("profile", "code", "source"))):
        rows = []
        for n, row in enumerate(data.get(table, []), start=1):
            missing = [k for k in keys if k not in row]
            if missing:
                raise ConfigError(f"{path}: {table}[{n}]: missing {', '.join(missing)}")
            rows.append({k: str(row[k]) for k in keys})
        out[table] = rows
    return out


def load_rule_data(folder: Path) -> dict[str, Any]:
    """Everything ``ScrubContext.data`` carries, from the files in ``folder``.

    A file that is absent is skipped (its rules then have nothing to check), so a trimmed
    reference folder in a test still loads.
    """
    out: dict[str, Any] = {}
    for key, name, loader in (("ncci", "ncci_pairs.toml", load_ncci), ("mue", "mue.toml", load_mue),
                              ("code_edits", "code_edits.toml", load_code_edits)):
        if (folder / name).exists():
            out[key] = loader(folder / name)
    if (folder / TABLE.name) == TABLE:
        out["icd"] = icd_table()
    elif (folder / TABLE.name).exists():
        out["icd"] = IcdTable(folder / TABLE.name)
    return out
