"""A generated demo store for claims/remittance integration tests, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pendulum

from otq.demo.generator import generate_store
from otq.services.session import Session

TODAY = pendulum.date(2026, 3, 16)
EDI = 'usage = "T"\n[submitter]\ncontact_phone = "215-555-0100"\n'


def make_template(folder: Path, visits: int = 600) -> Path:
    """Generate the demo once into ``folder``; tests copy it."""
    path = folder / "template.json"
    generate_store(path, visits=visits, seed=7, today=TODAY)
    return path


def copy_store(template: Path, folder: Path, *, edi: str | None = EDI) -> Session:
    """A fresh copy of the template store with its EDI settings, as a new session."""
    path = folder / "store.json"
    shutil.copy(template, path)
    if edi is not None:
        (folder / "store.json.edi.toml").write_text(edi)
    return Session.open(path, today=TODAY)
