"""Entries of the OT code catalogue."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeInfo:
    """One procedure code otq accepts, with how it is billed."""

    code: str
    description: str
    timed: bool
    kind: str = "treatment"  # evaluation, reevaluation, treatment, group, modality, addon
    unit_minutes: int = 15
    max_units: int | None = None
    addon_to: tuple[str, ...] = ()
    status: str = "U"

    @property
    def is_evaluation(self) -> bool:
        """Evaluations and re-evaluations (97165-97168)."""
        return self.kind in ("evaluation", "reevaluation")
