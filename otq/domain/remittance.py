"""Denials posted from 835 remittances."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import pendulum

from otq.domain.workitem import HistoryEntry


class DenialStatus(StrEnum):
    """Where a denial stands."""

    OPEN = "open"
    APPEALED = "appealed"
    RESUBMITTED = "resubmitted"
    WRITTEN_OFF = "written_off"
    BILLED_ELSEWHERE = "billed_elsewhere"
    CLOSED = "closed"


@dataclass(frozen=True)
class Denial:
    """A denied claim or line, with the payer's reason and what to do next."""

    id: str
    claim_id: str
    payer_id: str
    group_code: str  # CO, PR, OA, PI
    carc: str
    amount: Decimal
    denied_on: pendulum.Date
    line_control_number: str = ""
    rarcs: tuple[str, ...] = ()
    payer_claim_control_number: str = ""
    next_action: str = ""
    deadline: pendulum.Date | None = None
    status: DenialStatus = DenialStatus.OPEN
    # Added for 835 posting and the denials workbench (all optional, so old records load):
    remit_id: str = ""  # the remits record that brought the denial
    cpt: str = ""  # the line's procedure code ("" for a claim-level denial)
    why: str = ""  # the playbook's reason for the next action
    appeal_level: int = 0  # 1 redetermination, 2 reconsideration ...
    appealed_on: pendulum.Date | None = None
    closed_on: pendulum.Date | None = None
    resolution: str = ""  # paid, written_off, billed_patient, billed_secondary ...
    history: tuple[HistoryEntry, ...] = ()

    @property
    def is_closed(self) -> bool:
        """Settled: paid later, written off or billed elsewhere."""
        return self.status in (DenialStatus.CLOSED, DenialStatus.WRITTEN_OFF,
                               DenialStatus.BILLED_ELSEWHERE)
