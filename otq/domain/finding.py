"""What the scrubber says about a visit or claim."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """``error`` blocks submission; ``warning`` does not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Fix:
    """A named, previewable auto-fix.

    ``changes`` is a list of plain operations the services layer knows how to apply,
    e.g. ``{"op": "set_units", "line": 0, "units": 2}``. Keeping them as data means
    the scrubber stays pure and the preview can be shown before anything is written.
    """

    name: str
    description: str
    changes: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by one rule."""

    rule_id: str
    severity: Severity
    message: str
    field: str
    subject_id: str
    fix: Fix | None = field(default=None, compare=False)

    @property
    def is_error(self) -> bool:
        """True when this finding blocks submission."""
        return self.severity is Severity.ERROR
