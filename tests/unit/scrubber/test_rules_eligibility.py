"""ELIG-INACTIVE, ELIG-UNVERIFIED, AUTH-REQUIRED and AUTH-NEARLY-USED on both sides of their edges."""

from __future__ import annotations

from dataclasses import replace

from otq.domain import Authorization, Coverage, VerificationStatus
from otq.domain.eligibility import Verification, VerificationOutcome
from tests.unit.scrubber.builders import DOS, GOOD_MBI, PAYER_FOR, ids, only, scrub, visit


def _check(outcome=VerificationOutcome.ACTIVE, **kw) -> Verification:
    base = dict(id="ver1", coverage_id="cov-medicare", patient_id="p1", payer_id="pay-mcr",
                method="271", outcome=outcome, verified_on=DOS.subtract(days=2),
                verified_by="ann")
    base.update(kw)
    return Verification(**base)


def _covs(**kw) -> dict[str, Coverage]:
    base = dict(id="cov-medicare", patient_id="p1", payer_id=PAYER_FOR["medicare"],
                member_id=GOOD_MBI, status=VerificationStatus.ACTIVE,
                verified_on=DOS.subtract(days=3))
    base.update(kw)
    return {"cov-medicare": Coverage(**base)}


def test_elig_inactive__active_verification_covering_the_dos_is_clean():
    v = visit()
    assert "ELIG-INACTIVE" not in ids(scrub(v, verifications={"cov-medicare": _check(
        coverage_start=DOS, coverage_end=DOS)}))


def test_elig_inactive__fires_a_day_after_coverage_ended():
    v = visit()
    found = only(scrub(v, verifications={"cov-medicare": _check(
        coverage_end=DOS.subtract(days=1))}), "ELIG-INACTIVE")
    assert found and found[0].is_error


def test_elig_inactive__fires_for_an_inactive_answer():
    v = visit()
    found = scrub(v, verifications={"cov-medicare": _check(VerificationOutcome.INACTIVE)})
    assert "inactive" in only(found, "ELIG-INACTIVE")[0].message


def test_elig_inactive__without_verification_uses_coverage_status_and_dates():
    v = visit()
    assert "ELIG-INACTIVE" in ids(scrub(v, coverages=_covs(status=VerificationStatus.INACTIVE)))
    assert "ELIG-INACTIVE" in ids(scrub(v, coverages=_covs(effective_to=DOS.subtract(days=1))))
    assert "ELIG-INACTIVE" not in ids(scrub(v, coverages=_covs(effective_to=DOS)))


def test_elig_unverified__30_days_before_is_in_window_31_is_not():
    v = visit()
    assert "ELIG-UNVERIFIED" not in ids(scrub(v, coverages=_covs(
        verified_on=DOS.subtract(days=30))))
    found = only(scrub(v, coverages=_covs(verified_on=DOS.subtract(days=31))), "ELIG-UNVERIFIED")
    assert found and not found[0].is_error


def test_elig_unverified__never_verified_warns_and_a_later_271_counts():
    v = visit()
    assert "ELIG-UNVERIFIED" in ids(scrub(v, coverages=_covs(
        verified_on=None, status=VerificationStatus.UNVERIFIED)))
    later = _check(verified_on=DOS.add(days=5))
    assert "ELIG-UNVERIFIED" not in ids(scrub(v, coverages=_covs(verified_on=None),
                                              verifications={"cov-medicare": later}))


def test_auth_required__fires_without_auth_number_and_clears_with_one():
    needs = {"cov-medicare": _check(auth_required=True)}
    assert "AUTH-REQUIRED" in ids(scrub(visit(), verifications=needs))
    assert "AUTH-REQUIRED" not in ids(scrub(visit(auth_number="A123"), verifications=needs))
    assert "AUTH-REQUIRED" not in ids(scrub(visit(), verifications={
        "cov-medicare": _check(auth_required=False)}))


def test_auth_nearly_used__warns_from_80_percent_to_the_last_visit():
    auth = Authorization(id="a1", patient_id="p1", payer_id="pay-mcr", number="A1",
                         visits_authorized=5)
    visits = [visit(vid=f"v{i}", dos=DOS.add(days=i), auth_number="A1") for i in range(6)]

    def flagged(n):  # the n-th visit (1-based) under the authorization
        return "AUTH-NEARLY-USED" in ids(scrub(visits[n - 1], *[x for x in visits if x is not
                                                               visits[n - 1]],
                                               authorizations=(auth,)))

    assert [flagged(n) for n in range(1, 7)] == [False, False, False, True, True, False]


def test_eligibility_rules__never_raise_on_a_visit_without_coverage():
    v = replace(visit(), coverage_id="missing")
    found = scrub(v, verifications={"cov-medicare": _check()})
    assert "LINK-MISSING" in ids(found)  # reported as a broken link, not an exception
