"""Fixtures for the TUI tests: a small realistic store and an app with a frozen clock."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from builders import CLOCK, build_store, open_session  # noqa: E402

from otq.tui.app import OtqApp  # noqa: E402


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A store with the test practice, at a path whose last two parts are stable."""
    return build_store(tmp_path / "practice" / "otq.json")


@pytest.fixture
def make_app(store_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Build an OtqApp on the test store (colour unless NO_COLOR is set by the test)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(store_path.parent / "state"))

    def make(**kwargs) -> OtqApp:
        kwargs.setdefault("clock", lambda: CLOCK)
        return OtqApp(open_session(store_path), **kwargs)

    return make
