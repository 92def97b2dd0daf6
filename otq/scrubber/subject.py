"""The visit under scrutiny together with everything it links to, resolved once per scrub."""

from __future__ import annotations

from dataclasses import dataclass

from otq.domain import Coverage, Patient, Payer, PayerProfile, Practice, Provider, Visit
from otq.scrubber.context import ScrubContext


@dataclass(slots=True)
class Subject:
    """A visit plus its patient, coverage, payer, profile, provider and practice (any may be
    None when the link is broken; LINK-MISSING reports that and other rules skip)."""

    visit: Visit
    ctx: ScrubContext
    patient: Patient | None
    coverage: Coverage | None
    payer: Payer | None
    profile: PayerProfile | None
    provider: Provider | None
    practice: Practice | None
    _same_day: list[Visit] | None = None

    @classmethod
    def of(cls, visit: Visit, ctx: ScrubContext) -> Subject:
        """Resolve a visit's links through the context."""
        cov = ctx.coverages.get(visit.coverage_id)
        payer = ctx.payers.get(cov.payer_id) if cov else None
        profile = ctx.profiles.get(payer.profile_id) if payer else None
        return cls(visit, ctx, ctx.patients.get(visit.patient_id), cov, payer, profile,
                   ctx.providers.get(visit.provider_id), ctx.practices.get(visit.practice_id))

    def same_day(self) -> list[Visit]:
        """The patient's other treated visits on this date (looked up once per scrub)."""
        if self._same_day is None:
            self._same_day = self.ctx.same_day_visits(self.visit)
        return self._same_day

    @property
    def profile_id(self) -> str:
        """The payer profile id ('' when unknown); Medicare-only rules key on 'medicare'."""
        return self.profile.id if self.profile is not None else ""

    @property
    def is_medicare(self) -> bool:
        """True when the visit is billed under the ``medicare`` profile."""
        return self.profile_id == "medicare"
