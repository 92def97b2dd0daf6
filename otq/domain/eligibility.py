"""Eligibility: upcoming appointments, verification snapshots and what changed between them.

A ``Verification`` is one answer about one coverage, from a 271 response or from a biller
on the phone or a payer portal. Verifications are never edited; each new one is compared
with the previous successful one (:func:`coverage_changes`) and the differences a biller
must act on are spelled out in ``change_summary``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import pendulum

from otq.errors import ConfigError


class AppointmentStatus(StrEnum):
    """An appointment as the practice's scheduling export reports it."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    NO_SHOW = "no-show"


@dataclass(frozen=True)
class Appointment:
    """An upcoming visit from the schedule. ``external_id`` is the scheduler's appointment_id."""

    id: str
    external_id: str
    patient_id: str
    coverage_id: str
    payer_id: str
    date: pendulum.Date
    time: str = ""  # HH:MM, 24-hour, as exported
    provider_npi: str = ""
    status: AppointmentStatus = AppointmentStatus.SCHEDULED


class VerificationOutcome(StrEnum):
    """What a verification established about the coverage."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    REJECTED = "rejected"  # the payer refused the inquiry (AAA); fix data and ask again
    RETRY = "retry"  # the payer could not answer now (AAA 42); ask again later

    @property
    def answered(self) -> bool:
        """True when the payer said whether the coverage is active."""
        return self in (VerificationOutcome.ACTIVE, VerificationOutcome.INACTIVE)


@dataclass(frozen=True)
class AaaRejection:
    """A 271 AAA segment: the payer's reason for not answering, with what to do about it."""

    loop: str  # 2100A payer, 2100B provider, 2100C subscriber, 2110C benefit ...
    code: str  # AAA03 reject reason
    follow_up_code: str = ""  # AAA04
    meaning: str = ""
    action: str = ""  # what the biller does next, from reference/aaa_codes.toml
    follow_up: str = ""  # the AAA04 text
    retry: bool = False  # try again later; says nothing about eligibility
    points_to: str = ""  # "patient", "provider", "payer" or "" : where the fix is made


@dataclass(frozen=True)
class BenefitRow:
    """One EB segment as received, kept raw so nothing a payer sent is lost."""

    eb01: str
    coverage_level: str = ""  # EB02 (IND, FAM ...)
    service_types: tuple[str, ...] = ()  # EB03 repetitions (AD, 30, ...)
    insurance_type: str = ""  # EB04
    plan_description: str = ""  # EB05
    time_period: str = ""  # EB06
    amount: str = ""  # EB07 as sent
    percent: str = ""  # EB08 as sent
    quantity_qualifier: str = ""  # EB09
    quantity: str = ""  # EB10
    auth_required: str = ""  # EB11 Y/N/U
    in_network: str = ""  # EB12 Y/N/W
    dates: tuple[str, ...] = ()  # 2110C DTP as "qualifier=value"
    messages: tuple[str, ...] = ()  # MSG free text
    related_entity: str = ""  # 2120C NM1 name (another payer for EB01=R)


@dataclass(frozen=True)
class Verification:
    """One eligibility check of one coverage. ``method`` is 271, phone, portal or fax."""

    id: str
    coverage_id: str
    patient_id: str
    payer_id: str
    method: str
    outcome: VerificationOutcome
    verified_on: pendulum.Date
    verified_by: str  # the OS user who recorded it (import or manual)
    recorded_at: str = ""  # ISO timestamp, orders verifications made on one day
    reference: str = ""  # call reference or 271 trace number
    representative: str = ""  # who the biller spoke to
    source_file: str = ""  # the 271 file name
    plan_name: str = ""
    coverage_start: pendulum.Date | None = None
    coverage_end: pendulum.Date | None = None
    copay: Decimal | None = None
    coinsurance: Decimal | None = None  # a fraction: 0.20 is 20%
    deductible_remaining: Decimal | None = None
    visits_allowed: int | None = None
    visits_used: int | None = None
    visits_remaining: int | None = None
    auth_required: bool | None = None
    other_payer: str = ""  # a payer the response names as primary or additional
    therapy_amount_used: Decimal | None = None  # Medicare OT dollars toward the KX threshold
    rejections: tuple[AaaRejection, ...] = ()
    benefits: tuple[BenefitRow, ...] = ()
    messages: tuple[str, ...] = ()
    change_summary: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        """True when the payer said active or inactive (not a rejection)."""
        return self.outcome.answered

    @property
    def limit_reached(self) -> bool:
        """True when the OT visit limit is used up."""
        if self.visits_remaining is not None:
            return self.visits_remaining <= 0
        if self.visits_allowed is not None and self.visits_used is not None:
            return self.visits_used >= self.visits_allowed
        return False

    def covers(self, day: pendulum.Date) -> bool:
        """True when ``day`` is inside the verified coverage dates of an active answer."""
        if self.outcome is not VerificationOutcome.ACTIVE:
            return False
        if self.coverage_start is not None and day < self.coverage_start:
            return False
        return self.coverage_end is None or day <= self.coverage_end


def coverage_changes(previous: Verification | None, current: Verification) -> tuple[str, ...]:
    """The changes since the previous answered verification that a biller must act on.

    Only differences count: coverage ended, another payer now primary, the visit limit
    reached, authorization now required. A first verification has nothing to compare with.
    """
    if previous is None or not current.answered:
        return ()
    changes = []
    if previous.outcome is VerificationOutcome.ACTIVE and \
            current.outcome is VerificationOutcome.INACTIVE:
        end = current.coverage_end or current.verified_on
        changes.append(f"coverage ended (inactive as of {end.isoformat()})")
    elif current.coverage_end is not None and current.coverage_end != previous.coverage_end:
        changes.append(f"coverage now ends {current.coverage_end.isoformat()}")
    if current.other_payer and current.other_payer != previous.other_payer:
        changes.append(f"another payer is primary: {current.other_payer}")
    if current.limit_reached and not previous.limit_reached:
        changes.append("OT visit limit reached")
    if current.auth_required is True and previous.auth_required is not True:
        changes.append("prior authorization now required")
    return tuple(changes)


# ------------------------------------------------- reading 271 benefit rows
@dataclass(frozen=True)
class EligibilityCodes:
    """How AAA and EB codes are read; loaded from ``reference/aaa_codes.toml`` (user data)."""

    reasons: dict[str, dict[str, Any]]
    follow_up: dict[str, str]
    benefits: dict[str, Any]

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str) -> EligibilityCodes:
        """Build from the parsed TOML, refusing a file without the tables otq needs."""
        for key in ("reject_reasons", "follow_up", "benefits"):
            if not isinstance(data.get(key), dict):
                raise ConfigError(f"{source}: the [{key}] table is missing")
        missing = [k for k in _BENEFIT_KEYS if k not in data["benefits"]]
        if missing:
            raise ConfigError(f"{source}: benefits: missing key(s) {', '.join(missing)}")
        return cls({str(k): v for k, v in data["reject_reasons"].items()},
                   {str(k): str(v) for k, v in data["follow_up"].items()}, data["benefits"])

    def explain(self, rej: AaaRejection) -> AaaRejection:
        """``rej`` with its meaning, action, follow-up text and retry flag filled in."""
        info = self.reasons.get(rej.code, {})
        return replace(
            rej, meaning=str(info.get("meaning", f"reject reason {rej.code} (not in the list)")),
            action=str(info.get("action", "Call the payer to ask what the code means")),
            follow_up=self.follow_up.get(rej.follow_up_code, ""),
            retry=bool(info.get("retry", False)), points_to=str(info.get("points_to", "")))


_BENEFIT_KEYS = ("active", "inactive", "copay", "coinsurance", "deductible", "limitation",
                 "other_payer", "ot_service_types", "plan_service_types", "remaining_period",
                 "visit_quantity", "year_to_date_period", "plan_begin", "plan_end", "plan_range")


@dataclass(frozen=True)
class BenefitSummary:
    """What a 271 subscriber loop says, in the fields a :class:`Verification` records."""

    outcome: VerificationOutcome
    plan_name: str = ""
    coverage_start: pendulum.Date | None = None
    coverage_end: pendulum.Date | None = None
    copay: Decimal | None = None
    coinsurance: Decimal | None = None
    deductible_remaining: Decimal | None = None
    visits_allowed: int | None = None
    visits_used: int | None = None
    visits_remaining: int | None = None
    auth_required: bool | None = None
    other_payer: str = ""
    therapy_amount_used: Decimal | None = None
    rejections: tuple[AaaRejection, ...] = ()
    messages: tuple[str, ...] = ()


def summarise_benefits(rows: Sequence[BenefitRow], dates: Sequence[tuple[str, str]],
                       rejections: Sequence[AaaRejection],
                       codes: EligibilityCodes) -> BenefitSummary:
    """Read EB rows, subscriber dates and AAA rejections into a :class:`BenefitSummary`.

    A request-level rejection (any loop but 2110) means the payer did not answer: RETRY
    when every such code is a retry code (42), REJECTED otherwise. Benefit-level rows for
    OT (AD) win over plan-level rows (30) when both speak.
    """
    b = codes.benefits
    rejs = tuple(codes.explain(r) for r in rejections)
    messages = tuple(m for r in rows for m in r.messages)
    blocking = [r for r in rejs if not r.loop.startswith("2110")]
    if blocking:
        outcome = (VerificationOutcome.RETRY if all(r.retry for r in blocking)
                   else VerificationOutcome.REJECTED)
        return BenefitSummary(outcome, rejections=rejs, messages=messages)
    ot, plan = set(b["ot_service_types"]), set(b["plan_service_types"])

    def about(row: BenefitRow, kinds: set[str]) -> bool:
        return not row.service_types or bool(kinds & set(row.service_types))

    def pick(eb01: str, *, period: str | None = None, qty: bool = False) -> list[BenefitRow]:
        found = [r for r in rows if r.eb01 == eb01 and (period is None or r.time_period == period)
                 and (not qty or r.quantity_qualifier in b["visit_quantity"])]
        # OT rows first, then in-network or not-applicable rows, then individual level.
        return sorted(found, key=lambda r: (not (ot & set(r.service_types)),
                                            r.in_network not in ("Y", "W", ""),
                                            r.coverage_level not in ("IND", "")))

    active = [r for r in rows if r.eb01 in b["active"]]
    inactive = [r for r in rows if r.eb01 in b["inactive"]]
    if any(about(r, ot) and r.service_types for r in inactive) and \
            not any(ot & set(r.service_types) for r in active):
        outcome = VerificationOutcome.INACTIVE
    elif active:
        outcome = VerificationOutcome.ACTIVE
    elif inactive:
        outcome = VerificationOutcome.INACTIVE
    else:
        return BenefitSummary(VerificationOutcome.REJECTED, rejections=rejs,
                              messages=(*messages, "the response holds no benefit information"))
    source = active or inactive
    plan_rows = [r for r in source if r.plan_description]
    plan_rows.sort(key=lambda r: not (plan & set(r.service_types)))
    start, end = _coverage_dates([*dates, *(tuple(x.split("=", 1)) for r in source
                                            for x in r.dates)], b)
    limits = pick(b["limitation"], qty=True)
    remaining = [r for r in limits if r.time_period == b["remaining_period"] and about(r, ot)]
    allowed = [r for r in limits if r.time_period != b["remaining_period"] and about(r, ot)]
    v_allowed = _int(allowed[0].quantity) if allowed else None
    v_remaining = _int(remaining[0].quantity) if remaining else None
    used = (v_allowed - v_remaining) if v_allowed is not None and v_remaining is not None else None
    auth_flags = [r.auth_required for r in rows if r.auth_required in ("Y", "N")]
    ot_flags = [r.auth_required for r in rows if r.auth_required in ("Y", "N") and about(r, ot)
                and r.service_types]
    flags = ot_flags or auth_flags
    other = [r for r in rows if r.eb01 == b["other_payer"]]
    ytd = [r for r in pick(b["limitation"], period=b["year_to_date_period"])
           if ot & set(r.service_types) and r.amount]
    copay, coins = pick(b["copay"]), pick(b["coinsurance"])
    deduct = pick(b["deductible"], period=b["remaining_period"])
    return BenefitSummary(
        outcome, plan_name=plan_rows[0].plan_description if plan_rows else "",
        coverage_start=start, coverage_end=end,
        copay=_dec(copay[0].amount) if copay else None,
        coinsurance=_dec(coins[0].percent) if coins else None,
        deductible_remaining=_dec(deduct[0].amount) if deduct else None,
        visits_allowed=v_allowed, visits_used=used, visits_remaining=v_remaining,
        auth_required=("Y" in flags) if flags else None,
        other_payer=(other[0].related_entity or other[0].plan_description
                     or "another payer") if other else "",
        therapy_amount_used=_dec(ytd[0].amount) if ytd else None,
        rejections=rejs, messages=messages)


def _coverage_dates(dates: Sequence[tuple[str, ...]], b: dict[str, Any]
                    ) -> tuple[pendulum.Date | None, pendulum.Date | None]:
    start = end = None
    for item in dates:
        if len(item) != 2:
            continue
        qual, value = item
        first, _, last = value.partition("-")
        if qual in b["plan_begin"]:
            start = start or _date(first)
        elif qual in b["plan_end"]:
            end = end or _date(first)
        elif qual in b["plan_range"]:
            start = start or _date(first)
            end = end or (_date(last) if last else None)
    return start, end


def _date(value: str) -> pendulum.Date | None:
    try:
        return pendulum.Date(int(value[:4]), int(value[4:6]), int(value[6:8])) \
            if len(value) == 8 and value.isdigit() else None
    except ValueError:
        return None


def _dec(value: str) -> Decimal | None:
    try:
        out = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return out if out.is_finite() else None


def _int(value: str) -> int | None:
    try:
        return int(Decimal(value))
    except (InvalidOperation, ValueError):
        return None
