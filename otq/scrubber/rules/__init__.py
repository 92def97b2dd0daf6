"""The rule modules. Importing this package registers every rule in ``RULES``."""

from otq.scrubber.rules import (
    coding,
    documentation,
    eligibility,
    identity,
    modifiers,
    sameday,
    units,
)

__all__ = ["coding", "documentation", "eligibility", "identity", "modifiers", "sameday", "units"]
