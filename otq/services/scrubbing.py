"""Run the scrubber against the store: the one place findings are computed for every view."""

from __future__ import annotations

from otq.domain import Finding, Visit, VisitStatus
from otq.scrubber import ScrubContext, scrub_visit
from otq.services.documents import received_by_patient
from otq.services.eligibility import latest_verifications
from otq.services.session import Session


def scrub_context(session: Session) -> ScrubContext:
    """The scrub context for the store as it is now (cached until the next commit)."""

    def build() -> ScrubContext:
        ref = session.reference
        return ScrubContext.build(
            today=session.today,
            codes=ref.codes,
            profiles=ref.profiles,
            visits=session.entities("visits"),
            patients=session.entities("patients"),
            coverages=session.entities("coverages"),
            payers=session.entities("payers"),
            providers=session.entities("providers"),
            practices=session.entities("practices"),
            authorizations=session.entities("authorizations"),
            data=ref.extra,
            documents=received_by_patient(session),
            verifications=latest_verifications(session),
        )

    return session.cached("scrub-context", build)


def findings_for(session: Session, visit: Visit) -> list[Finding]:
    """Every finding for one visit (a visit object, possibly edited and unsaved)."""
    return scrub_visit(visit, scrub_context(session))


def all_findings(session: Session) -> dict[str, list[Finding]]:
    """Findings for every treated visit that is still in billing, by visit id (cached)."""

    def build() -> dict[str, list[Finding]]:
        ctx = scrub_context(session)
        return {
            v.id: scrub_visit(v, ctx)
            for v in session.entities("visits").values()
            if v.status is VisitStatus.UNCODED
        }

    return session.cached("findings", build)


def has_errors(findings: list[Finding]) -> bool:
    """True when any finding blocks submission."""
    return any(f.is_error for f in findings)
