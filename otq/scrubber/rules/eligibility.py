"""Eligibility results the scrubber acts on: coverage, verification age, authorizations.

Sources: facts sheet §9 (270/271: what a verification returns) and §10.3 (authorizations).
A verification is the newest answered 271 or phone/portal check of the visit's coverage
(``ctx.verifications``); stores without one fall back to the coverage's own status and
``verified_on`` date, which is what intake recorded.
"""

from __future__ import annotations

from otq.domain import VerificationStatus
from otq.scrubber.registry import ERROR, WARNING, Hit, rule
from otq.scrubber.subject import Subject

AUTH_WARN_SHARE = 0.8  # warn when this share of an authorization's visits is used


@rule("ELIG-INACTIVE", ERROR, "the date of service falls outside verified coverage",
      "271 EB01 active/inactive and coverage dates (DTP*346/347), facts §9.1")
def eligibility_inactive(s: Subject):
    """A visit outside verified coverage is denied (CARC 27); bill the right payer."""
    cov, dos = s.coverage, s.visit.date_of_service
    if cov is None:
        return
    check = s.ctx.verifications.get(cov.id)
    if check is not None:
        if not check.covers(dos):
            span = f"{check.coverage_start or 'open'} to {check.coverage_end or 'open'}"
            state = "inactive" if check.outcome.value == "inactive" else f"active {span}"
            yield Hit(f"the {check.verified_on} verification ({check.method}) found the coverage "
                      f"{state}; {dos} is not covered: verify again or bill the right payer",
                      "coverage_id")
        return
    if cov.status is VerificationStatus.INACTIVE:
        yield Hit("the coverage was verified inactive; verify again or bill the right payer",
                  "coverage_id")
    elif (cov.effective_from and dos < cov.effective_from) or \
            (cov.effective_to and dos > cov.effective_to):
        yield Hit(f"{dos} is outside the coverage dates ({cov.effective_from or 'open'} to "
                  f"{cov.effective_to or 'open'})", "coverage_id")


@rule("ELIG-UNVERIFIED", WARNING, "no eligibility verification in the window around the visit "
      "(the profile's verification_window_days before the date of service, or later)",
      "payer_profiles.toml verification_window_days, facts §9.1")
def eligibility_unverified(s: Subject):
    """Unverified coverage is the most common cause of denials that can't be fixed later."""
    cov = s.coverage
    if cov is None or s.profile is None:
        return
    check = s.ctx.verifications.get(cov.id)
    last = check.verified_on if check is not None else cov.verified_on
    window = s.profile.verification_window_days
    if last is None or (s.visit.date_of_service - last).days > window:
        when = f"last verified {last}" if last else "never verified"
        yield Hit(f"coverage {when}; verify eligibility within {window} days before the visit "
                  "(270/271 or phone/portal, key V in the eligibility queue)", "coverage_id")


@rule("AUTH-REQUIRED", ERROR, "the payer requires prior authorization and the visit has none",
      "271 EB11 (authorization required), facts §9.1, §10.3")
def auth_required(s: Subject):
    """Without the authorization number the payer denies the visit (CARC 197)."""
    cov = s.coverage
    check = s.ctx.verifications.get(cov.id) if cov is not None else None
    if check is not None and check.auth_required and not s.visit.auth_number:
        yield Hit(f"the {check.verified_on} verification says prior authorization is required; "
                  "enter the authorization number (REF*G1) or request one", "auth_number")


@rule("AUTH-NEARLY-USED", WARNING, "80% or more of an authorization's visits are used by this visit",
      "payer prior-authorization terms, facts §10.3")
def auth_nearly_used(s: Subject):
    """Ask for more visits before the authorization runs out, not after the denial."""
    v = s.visit
    if not v.auth_number:
        return
    auth = s.ctx.auth_by_number.get((v.patient_id, v.auth_number))
    if auth is None or not auth.visits_authorized:
        return
    n = s.ctx.auth_ordinal(v)
    if AUTH_WARN_SHARE * auth.visits_authorized <= n <= auth.visits_authorized:
        yield Hit(f"visit {n} of {auth.visits_authorized} under authorization {auth.number}; "
                  "request more visits now if care continues", "auth_number")
