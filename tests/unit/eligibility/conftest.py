"""Fixtures for the eligibility unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from x12_builders import pyx12_map_dir

from otq.domain.eligibility import EligibilityCodes
from otq.services.eligibility import eligibility_codes


@pytest.fixture(scope="session")
def x279_maps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pyx12's map folder with the 270/271 005010X279A1 maps added."""
    return pyx12_map_dir(tmp_path_factory.mktemp("pyx12"))


@pytest.fixture(scope="session")
def codes() -> EligibilityCodes:
    """The shipped AAA/EB code file."""
    return eligibility_codes()
