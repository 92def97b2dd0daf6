"""The store's EDI settings: who sends claim batches, to whom, and the denial limits.

They live beside the store as ``<store>.edi.toml`` so every biller on a shared store sends
with the same ids. The file is optional: names and ids default from the practice. The
submitter's contact phone has no honest default (1000A PER04 is required), so a batch is
refused until it is set; ``otq export claims --write-settings`` writes a template. Example::

    usage = "P"                      # P production, T test
    [submitter]                      # 1000A, ISA06 / GS02
    name = "ACME OT BILLING"
    id = "ACME01"                    # the ETIN your clearinghouse gave you
    contact_name = "JANE BILLER"
    contact_phone = "215-555-0100"
    isa_qualifier = "ZZ"
    [receiver]                       # 1000B, ISA08 / GS03
    name = "CLEARINGHOUSE"
    id = "CLEARINGHOUSE"
    isa_qualifier = "ZZ"
    [denials]
    write_off_limit = "250.00"       # write-offs above this need a supervisor
    supervisors = ["ann"]            # used when no roles file decides
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from otq.errors import ConfigError

DEFAULT_WRITE_OFF_LIMIT = Decimal("100.00")
_KEYS = {
    "": {"usage", "submitter", "receiver", "denials"},
    "submitter": {"name", "id", "contact_name", "contact_phone", "isa_qualifier", "isa_id"},
    "receiver": {"name", "id", "isa_qualifier", "isa_id"},
    "denials": {"write_off_limit", "supervisors"},
}


@dataclass(frozen=True)
class EdiSettings:
    """Submitter, receiver and limits. Empty strings mean "default from the practice"."""

    submitter_name: str = ""
    submitter_id: str = ""
    contact_name: str = "BILLING OFFICE"
    contact_phone: str = ""
    submitter_isa_qualifier: str = "ZZ"
    submitter_isa_id: str = ""
    receiver_name: str = "CLEARINGHOUSE"
    receiver_id: str = "CLEARINGHOUSE"
    receiver_isa_qualifier: str = "ZZ"
    receiver_isa_id: str = ""
    usage: str = "P"
    write_off_limit: Decimal = DEFAULT_WRITE_OFF_LIMIT
    supervisors: tuple[str, ...] = ()
    path: Path | None = None


def settings_path(store_path: Path) -> Path:
    """Where a store's EDI settings live: ``<store>.edi.toml``."""
    return store_path.with_name(store_path.name + ".edi.toml")


def load_edi_settings(store_path: Path) -> EdiSettings:
    """The settings beside ``store_path`` (all defaults when there is no file).

    Raises ConfigError naming the file and every bad key.
    """
    path = settings_path(Path(store_path))
    if not path.exists():
        return EdiSettings(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    problems = []
    for section, allowed in _KEYS.items():
        table = data.get(section, {}) if section else data
        if not isinstance(table, dict):
            problems.append(f"{path}: [{section}] must be a table")
            continue
        problems += [f"{path}: {section + '.' if section else ''}{k}: unknown key"
                     for k in table if k not in allowed]
        problems += [f"{path}: {section}.{k}: must be text" for k, v in table.items()
                     if section and k not in ("supervisors", "write_off_limit")
                     and not isinstance(v, str)]
    sub, rec = data.get("submitter", {}), data.get("receiver", {})
    den = data.get("denials", {})
    usage = data.get("usage", "P")
    if usage not in ("P", "T"):
        problems.append(f"{path}: usage: must be \"P\" (production) or \"T\" (test)")
    try:
        limit = Decimal(str(den.get("write_off_limit", DEFAULT_WRITE_OFF_LIMIT)))
        if limit < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append(f"{path}: denials.write_off_limit: must be an amount like \"250.00\"")
        limit = DEFAULT_WRITE_OFF_LIMIT
    supervisors = den.get("supervisors", [])
    if not isinstance(supervisors, list) or not all(isinstance(s, str) for s in supervisors):
        problems.append(f"{path}: denials.supervisors: must be a list of user names")
        supervisors = []
    if problems:
        raise ConfigError("\n".join(problems))
    d = EdiSettings()
    return EdiSettings(
        submitter_name=sub.get("name", ""), submitter_id=sub.get("id", ""),
        contact_name=sub.get("contact_name", d.contact_name),
        contact_phone=sub.get("contact_phone", ""),
        submitter_isa_qualifier=sub.get("isa_qualifier", "ZZ"),
        submitter_isa_id=sub.get("isa_id", ""), receiver_name=rec.get("name", d.receiver_name),
        receiver_id=rec.get("id", d.receiver_id),
        receiver_isa_qualifier=rec.get("isa_qualifier", "ZZ"),
        receiver_isa_id=rec.get("isa_id", ""), usage=usage, write_off_limit=limit,
        supervisors=tuple(supervisors), path=path)


def settings_template(practice_name: str, practice_npi: str) -> str:
    """A settings file to fill in, with the practice's name and NPI as the submitter."""
    return (
        "# otq EDI settings for this store (see otq/services/edi_settings.py)\n"
        'usage = "P"\n\n[submitter]\n'
        f'name = "{practice_name.upper()[:60]}"\nid = "{practice_npi}"\n'
        'contact_name = "BILLING OFFICE"\ncontact_phone = ""   # required: ten digits\n\n'
        '[receiver]\nname = "CLEARINGHOUSE"\nid = "CLEARINGHOUSE"\n\n'
        f'[denials]\nwrite_off_limit = "{DEFAULT_WRITE_OFF_LIMIT}"\nsupervisors = []\n')
