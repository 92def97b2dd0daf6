"""Payers and the behaviour profiles that make payer rules data, not code."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class PayerProfile:
    """How a payer wants OT billed. Loaded from ``reference/payer_profiles.toml``.

    Several of these facts are unverified or contract-specific (see the facts sheet);
    keeping them here lets a billing team change them without a release.
    """

    id: str
    name: str
    unit_method: str = "cms"  # "cms": pooled 8-minute rule; "ama": per-code midpoint
    discipline_modifier_required: bool = True  # GO on every OT line
    assistant_modifier_required: bool = False  # CO on lines furnished by an OTA
    telehealth_modifier: str = "95"
    telehealth_pos: tuple[str, ...] = ("02", "10")
    filing_limit_days: int = 365
    filing_soon_days: int = 14
    kx_threshold: Decimal | None = None  # Medicare OT therapy threshold for the year
    requires_plan_of_care: bool = False
    progress_report_visits: int = 10
    accepts_frequency_7: bool = True
    appeal_days: int = 120
    verification_window_days: int = 30  # a verification older than this before the DOS is stale
    source: str = ""  # where the profile's numbers come from


@dataclass(frozen=True)
class Payer:
    """An insurer as the practice bills it."""

    id: str
    name: str
    x12_payer_id: str
    filing_indicator: str  # SBR09: MB Medicare Part B, MC Medicaid, CI commercial
    profile_id: str
    address: tuple[str, str, str, str] = field(default=("", "", "", ""))
