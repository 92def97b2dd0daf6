"""Load the code catalogue, payer profiles and seed payers from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from otq.domain.codes import CodeInfo
from otq.domain.payer import Payer, PayerProfile
from otq.errors import ConfigError
from otq.paths import reference_dir
from otq.reference.rules_data import load_rule_data


@dataclass(frozen=True)
class Reference:
    """Everything the rules look up that is not patient data."""

    codes: dict[str, CodeInfo]
    profiles: dict[str, PayerProfile]
    seed_payers: dict[str, Payer]
    extra: dict[str, Any] = field(default_factory=dict)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning syntax errors into a ConfigError with file and line."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _codes(path: Path) -> dict[str, CodeInfo]:
    out = {}
    for code, row in read_toml(path).get("codes", {}).items():
        try:
            out[code] = CodeInfo(
                code=code,
                description=str(row["description"]),
                timed=bool(row["timed"]),
                kind=str(row.get("kind", "treatment")),
                unit_minutes=int(row.get("unit_minutes", 15)),
                max_units=row.get("max_units"),
                addon_to=tuple(row.get("addon_to", ())),
                status=str(row.get("status", "U")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: codes.{code}: missing or bad field {exc}") from None
    return out


_PROFILE_FIELDS = {f.name for f in fields(PayerProfile)}


def parse_profile(path: Path, pid: str, row: dict[str, Any]) -> PayerProfile:
    """Build one PayerProfile from its TOML table, refusing unknown keys."""
    unknown = set(row) - _PROFILE_FIELDS
    if unknown:
        raise ConfigError(f"{path}: profiles.{pid}: unknown key(s) {', '.join(sorted(unknown))}")
    data = dict(row)
    if data.get("unit_method", "cms") not in ("cms", "ama"):
        raise ConfigError(f"{path}: profiles.{pid}.unit_method: must be 'cms' or 'ama'")
    if "kx_threshold" in data:
        try:
            data["kx_threshold"] = Decimal(str(data["kx_threshold"]))
        except InvalidOperation:
            raise ConfigError(f"{path}: profiles.{pid}.kx_threshold: not an amount") from None
    if "telehealth_pos" in data:
        data["telehealth_pos"] = tuple(str(p) for p in data["telehealth_pos"])
    try:
        return PayerProfile(id=pid, **data)
    except TypeError as exc:
        raise ConfigError(f"{path}: profiles.{pid}: {exc}") from None


def _payers(path: Path) -> dict[str, Payer]:
    out = {}
    for pid, row in read_toml(path).get("payers", {}).items():
        try:
            out[pid] = Payer(
                id=pid,
                name=str(row["name"]),
                x12_payer_id=str(row["x12_payer_id"]),
                filing_indicator=str(row["filing_indicator"]),
                profile_id=str(row["profile"]),
                address=tuple(row.get("address", ("", "", "", ""))),
            )
        except KeyError as exc:
            raise ConfigError(f"{path}: payers.{pid}: missing key {exc}") from None
    return out


@lru_cache(maxsize=4)
def load_reference(folder: Path | None = None) -> Reference:
    """Load the reference data (cached: the files are read once per process)."""
    folder = folder or reference_dir()
    profiles_path = folder / "payer_profiles.toml"
    profiles = {
        pid: parse_profile(profiles_path, pid, row)
        for pid, row in read_toml(profiles_path).get("profiles", {}).items()
    }
    payers = _payers(folder / "payers.toml")
    for payer in payers.values():
        if payer.profile_id not in profiles:
            raise ConfigError(
                f"{folder / 'payers.toml'}: payers.{payer.id}.profile: "
                f"no profile named {payer.profile_id!r}"
            )
    return Reference(codes=_codes(folder / "codes.toml"), profiles=profiles, seed_payers=payers,
                     extra=load_rule_data(folder))
