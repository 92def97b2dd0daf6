"""Everything a rule may look at besides the visit itself. Built by the services layer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
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
)
from otq.domain.codes import CodeInfo


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

    @classmethod
    def build(cls, *, today: pendulum.Date, codes: dict[str, CodeInfo],
              profiles: dict[str, PayerProfile], visits: dict[str, Visit] | None = None,
              **kwargs: Any) -> ScrubContext:
        """A context with the per-patient visit index computed from ``visits``."""
        by_patient: dict[str, list[Visit]] = defaultdict(list)
        for v in (visits or {}).values():
            by_patient[v.patient_id].append(v)
        for vs in by_patient.values():
            vs.sort(key=lambda v: (v.date_of_service, v.id))
        return cls(today=today, codes=codes, profiles=profiles,
                   visits_by_patient=dict(by_patient), **kwargs)

    def payer_of(self, visit: Visit) -> Payer | None:
        """The payer billed for a visit (through its coverage)."""
        cov = self.coverages.get(visit.coverage_id)
        return self.payers.get(cov.payer_id) if cov else None

    def profile_of(self, visit: Visit) -> PayerProfile | None:
        """The payer profile that governs a visit."""
        payer = self.payer_of(visit)
        return self.profiles.get(payer.profile_id) if payer else None
