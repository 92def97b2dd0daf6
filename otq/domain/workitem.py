"""Work items: who holds a queue entry, its notes, snooze and history."""

from __future__ import annotations

from dataclasses import dataclass

import pendulum


@dataclass(frozen=True, slots=True)
class Note:
    """A free-text note a biller left on an item."""

    at: str  # ISO timestamp
    by: str
    text: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One thing that happened to an item, in words a biller reads."""

    at: str
    by: str
    what: str


@dataclass(frozen=True, slots=True)
class WorkItem:
    """The team-work state of one queue subject (a visit, claim, denial or patient).

    Queue membership is derived from the subject itself (via the scrubber and statuses);
    a work item only exists once somebody claims, assigns, notes or snoozes the subject.
    """

    id: str
    subject_type: str  # visit, claim, denial, patient
    subject_id: str
    assignee: str = ""
    snoozed_until: pendulum.Date | None = None
    notes: tuple[Note, ...] = ()
    history: tuple[HistoryEntry, ...] = ()

    def is_snoozed(self, today: pendulum.Date) -> bool:
        """True while the snooze date is still in the future."""
        return self.snoozed_until is not None and self.snoozed_until > today
