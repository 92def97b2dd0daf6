"""Everything a rule may look at besides the visit itself. Built by the services layer.

``ScrubContext.build`` precomputes the per-patient indexes the cross-visit rules need
(same-day lines, Medicare KX year-to-date charges, treatment days, authorization use),
once per store state, so scrubbing one visit stays a handful of dictionary look-ups.

An edited visit is judged against the indexes with its stored copy left out (by id), so
re-scrubbing an unsaved edit gives the same answer as scrubbing it after saving.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pendulum

from otq.domain import (
    Authorization,
    Coverage,
    Patient,
    Payer,
    PayerProfile,
    Practice,
    Provider,
    Visit,
    VisitStatus,
)
from otq.domain.codes import CodeInfo
from otq.domain.document import Document, DocumentKind

#: Visits that were actually treated: appointments and voided visits bill nothing.
TREATED = (VisitStatus.UNCODED, VisitStatus.CODED)


def visit_charge(visit: Visit) -> Decimal:
    """A visit's total charge, treating unreadable charges as zero (rules report those)."""
    total = Decimal(0)
    for ln in visit.lines:
        if isinstance(ln.charge, Decimal) and ln.charge.is_finite() and ln.charge > 0:
            total += ln.charge
    return total


@dataclass
class KxYear:
    """Medicare OT charges of one patient in one calendar year, by date, with prefix sums."""

    ordinals: list[int] = field(default_factory=list)
    prefix: list[Decimal] = field(default_factory=list)  # prefix[i] = sum of the first i charges
    by_visit: dict[str, tuple[int, Decimal]] = field(default_factory=dict)


@dataclass
class ScrubContext:
    """The world a visit is judged in. ``today`` is an input: rules never ask the clock."""

    today: pendulum.Date
    codes: dict[str, CodeInfo]
    profiles: dict[str, PayerProfile]
    patients: dict[str, Patient] = field(default_factory=dict)
    coverages: dict[str, Coverage] = field(default_factory=dict)
    payers: dict[str, Payer] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)
    practices: dict[str, Practice] = field(default_factory=dict)
    authorizations: dict[str, Authorization] = field(default_factory=dict)
    visits_by_patient: dict[str, list[Visit]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # rule data: NCCI pairs, MUEs, ICD table
    # Indexes computed by build(); empty when a context is constructed by hand.
    day_visits: dict[tuple[str, int], list[Visit]] = field(default_factory=dict)
    treatment_days: dict[str, list[int]] = field(default_factory=dict)
    kx_years: dict[tuple[str, int], KxYear] = field(default_factory=dict)
    auth_uses: dict[tuple[str, str], list[tuple[int, str]]] = field(default_factory=dict)
    auth_by_number: dict[tuple[str, str], Authorization] = field(default_factory=dict)
    ncci_by_col2: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Documents the office has received, by patient id (requests alone don't count).
    documents: dict[str, tuple[Document, ...]] = field(default_factory=dict)
    # The newest answered eligibility verification per coverage id (domain Verification).
    verifications: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, *, today: pendulum.Date, codes: dict[str, CodeInfo],
              profiles: dict[str, PayerProfile], visits: dict[str, Visit] | None = None,
              **kwargs: Any) -> ScrubContext:
        """A context with every per-patient index computed from ``visits``."""
        ctx = cls(today=today, codes=codes, profiles=profiles, **kwargs)
        by_patient: dict[str, list[Visit]] = defaultdict(list)
        for v in (visits or {}).values():
            by_patient[v.patient_id].append(v)
        for vs in by_patient.values():
            vs.sort(key=lambda v: (v.date_of_service, v.id))
        ctx.visits_by_patient = dict(by_patient)
        ctx._index_visits()
        ctx._index_data()
        return ctx

    def _index_visits(self) -> None:
        day: dict[tuple[str, int], list[Visit]] = defaultdict(list)
        days: dict[str, set[int]] = defaultdict(set)
        kx_rows: dict[tuple[str, int], list[tuple[int, str, Decimal]]] = defaultdict(list)
        auth: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        for pid, vs in self.visits_by_patient.items():
            for v in vs:
                if v.status not in TREATED or not isinstance(v.date_of_service, pendulum.Date):
                    continue
                o = v.date_of_service.toordinal()
                day[(pid, o)].append(v)
                days[pid].add(o)
                profile = self.profile_of(v)
                if profile is not None and profile.kx_threshold is not None:
                    kx_rows[(pid, v.date_of_service.year)].append((o, v.id, visit_charge(v)))
                if v.auth_number:
                    auth[(pid, v.auth_number)].append((o, v.id))
        self.day_visits = dict(day)
        self.treatment_days = {pid: sorted(ds) for pid, ds in days.items()}
        for key, rows in kx_rows.items():
            rows.sort()
            year = KxYear()
            running = Decimal(0)
            year.prefix.append(running)
            for o, vid, charge in rows:
                running += charge
                year.ordinals.append(o)
                year.prefix.append(running)
                year.by_visit[vid] = (o, charge)
            self.kx_years[key] = year
        self.auth_uses = {k: sorted(v) for k, v in auth.items()}
        self.auth_by_number = {(a.patient_id, a.number): a for a in self.authorizations.values()}

    def _index_data(self) -> None:
        by_col2: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for pair in self.data.get("ncci", ()):
            by_col2[pair["column2"]].append(pair)
        self.ncci_by_col2 = dict(by_col2)

    # -- look-ups -------------------------------------------------------------------------

    def payer_of(self, visit: Visit) -> Payer | None:
        """The payer billed for a visit (through its coverage)."""
        cov = self.coverages.get(visit.coverage_id)
        return self.payers.get(cov.payer_id) if cov else None

    def profile_of(self, visit: Visit) -> PayerProfile | None:
        """The payer profile that governs a visit."""
        payer = self.payer_of(visit)
        return self.profiles.get(payer.profile_id) if payer else None

    def same_day_visits(self, visit: Visit) -> list[Visit]:
        """The patient's other treated visits on the visit's date of service."""
        key = (visit.patient_id, visit.date_of_service.toordinal())
        return [v for v in self.day_visits.get(key, ()) if v.id != visit.id]

    def kx_charges_through(self, visit: Visit) -> Decimal:
        """The patient's Medicare OT charges this calendar year on dates up to and including
        the visit's date, not counting the visit itself (its current lines are added by the rule).
        """
        year = self.kx_years.get((visit.patient_id, visit.date_of_service.year))
        if year is None:
            return Decimal(0)
        o = visit.date_of_service.toordinal()
        total = year.prefix[bisect_right(year.ordinals, o)]
        stored = year.by_visit.get(visit.id)
        if stored is not None and stored[0] <= o:
            total -= stored[1]
        return total

    def treatment_days_between(self, visit: Visit, after: int | None, start: int | None) -> int:
        """Distinct treatment dates of the patient in the reporting period ending on the visit's
        date: after ordinal ``after`` (exclusive), else from ``start`` (inclusive). The visit's
        own date always counts."""
        dates = self.treatment_days.get(visit.patient_id, [])
        o = visit.date_of_service.toordinal()
        hi = bisect_right(dates, o)
        if after is not None:
            lo = bisect_right(dates, after)
        elif start is not None:
            lo = bisect_left(dates, start)
        else:
            lo = 0
        count = max(0, hi - lo)
        own_counted = hi > 0 and dates[hi - 1] == o and (after is None or o > after)
        return count if own_counted else count + 1

    def auth_ordinal(self, visit: Visit) -> int:
        """Which use of its authorization this visit is (1 = first), by date then id."""
        uses = self.auth_uses.get((visit.patient_id, visit.auth_number), [])
        me = (visit.date_of_service.toordinal(), visit.id)
        before = bisect_left(uses, me)
        # The stored copy of this visit may sit earlier in the list (its date was edited).
        stale = sum(1 for _, vid in uses[:before] if vid == visit.id)
        return before - stale + 1

    def document_on_file(self, visit: Visit, kind: DocumentKind) -> Document | None:
        """A received document of ``kind`` for the visit: a note for this visit, or a plan,
        recertification or progress report whose period includes its date of service."""
        for doc in self.documents.get(visit.patient_id, ()):
            if doc.kind is not kind or not doc.received:
                continue
            if kind is DocumentKind.TREATMENT_NOTE:
                if visit.id in (doc.visit_id, doc.key):
                    return doc
            elif doc.covers(visit.date_of_service):
                return doc
        return None

    def last_progress_report_on_file(self, visit: Visit) -> pendulum.Date | None:
        """The latest period end of a received progress report on or before the visit's date."""
        best = None
        for doc in self.documents.get(visit.patient_id, ()):
            end = doc.period_end
            if doc.kind is DocumentKind.PROGRESS_REPORT and doc.received and end is not None \
                    and end <= visit.date_of_service and (best is None or end > best):
                best = end
        return best
