"""Denials posted from 835 remittances."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import pendulum


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
