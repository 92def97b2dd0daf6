"""Supervisor reports: each one a pure function of the session returning rows and totals.

Every report module defines ``build(session, params) -> Report`` and is registered here
by name. Nothing here formats text: ``otq.services.reports.render`` turns a ``Report``
into an aligned table, a spreadsheet-safe CSV or plain JSON, and the TUI shows the same
rows (and a chart where the report offers one).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pendulum

from otq.errors import OtqError
from otq.services.session import Session


@dataclass(frozen=True)
class ReportParams:
    """What the user narrowed the report to: a date range and one payer (all optional)."""

    start: pendulum.Date | None = None
    end: pendulum.Date | None = None
    payer: str | None = None

    def in_range(self, day: pendulum.Date | None) -> bool:
        """True when ``day`` lies inside the range (no range: always)."""
        if day is None:
            return self.start is None and self.end is None
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def payer_ok(self, payer_id: str) -> bool:
        """True when no payer was asked for, or this is the one."""
        return not self.payer or payer_id == self.payer


@dataclass(frozen=True)
class Column:
    """A report column. ``kind`` (text, int, money, pct, date, number) drives alignment
    and formatting; ``short`` is the narrow title the TUI uses at 80 columns."""

    id: str
    title: str
    kind: str = "text"
    short: str = ""


@dataclass(frozen=True)
class Chart:
    """What a report would rather show than tell: labels on the x axis, one series each."""

    kind: str  # "bar" (side by side), "stacked" (one total per label, split) or "line"
    title: str
    labels: tuple[str, ...]
    series: dict[str, tuple[float, ...]]
    y_label: str = ""
    in_table: bool = False  # the report's table already holds these numbers


@dataclass
class Report:
    """Rows (dicts keyed by column id) plus a totals row and notes that explain the numbers.

    ``drill`` maps (row index, column id) to the claim ids behind that cell, so the TUI
    can open them as a list; ``subject`` says what those ids are ("claim").
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    chart: Chart | None = None
    drill: dict[tuple[int, str], tuple[str, ...]] = field(default_factory=dict)
    subject: str = "claim"


@dataclass(frozen=True)
class ReportDef:
    """A registered report: its name, a one-line description and its module."""

    name: str
    title: str
    description: str
    module: str


REPORTS: dict[str, ReportDef] = {d.name: d for d in (
    ReportDef("aging", "A/R aging by payer",
              "outstanding claims by days since the date of service: 0-30 ... 120+", "aging"),
    ReportDef("aging-trend", "A/R aging trend",
              "outstanding dollars per age bucket, week by week", "aging_trend"),
    ReportDef("denials", "Denials by CARC, payer and provider",
              "counts, dollars and the share overturned on appeal", "denials"),
    ReportDef("clean-claims", "Clean-claim rate",
              "share of claims accepted on the first submission, per payer and per week",
              "clean_claims"),
    ReportDef("productivity", "Productivity per biller",
              "items closed per queue per day and the median time an item is held",
              "productivity"),
    ReportDef("code-usage", "Code usage per provider",
              "CPT share and units per visit against the practice norm; overuse flagged",
              "code_usage"),
    ReportDef("timely-filing", "Timely-filing risk",
              "visits and claims whose filing limit ends within 30 days", "timely_filing"),
    ReportDef("kx", "KX threshold tracking",
              "Medicare patients near or over the OT therapy threshold this year", "kx"),
    ReportDef("queue-size", "Queue size over time",
              "items waiting in the uncoded, ready, denials and documents queues, by week",
              "queue_size"),
)}


def run_report(session: Session, name: str, params: ReportParams | None = None) -> Report:
    """Build the report called ``name`` (OtqError naming the known reports otherwise)."""
    spec = REPORTS.get(name)
    if spec is None:
        raise OtqError(f"no report '{name}'; reports are: {', '.join(REPORTS)}")
    module = importlib.import_module(f"{__name__}.{spec.module}")
    build: Callable[[Session, ReportParams], Report] = module.build
    return build(session, params or ReportParams())


def share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part/whole`` as a percentage with one decimal (None when ``whole`` is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def payer_names(session: Session) -> dict[str, str]:
    """Payer display names by id."""
    return {p.id: p.name for p in session.entities("payers").values()}


def patient_name(session: Session, patient_id: str) -> str:
    """'LAST, First' or '?' for a broken link."""
    p = session.entity("patients", patient_id)
    return p.display_name if p else "?"
