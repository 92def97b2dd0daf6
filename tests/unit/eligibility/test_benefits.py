"""Reading EB rows and AAA codes into a verification, and spotting coverage changes."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from otq.domain.eligibility import (
    AaaRejection,
    BenefitRow,
    EligibilityCodes,
    Verification,
    VerificationOutcome,
    coverage_changes,
    summarise_benefits,
)
from otq.errors import ConfigError


def eb(eb01: str, types: str = "", **kw) -> BenefitRow:
    return BenefitRow(eb01=eb01, service_types=tuple(t for t in types.split("^") if t), **kw)


# ------------------------------------------------------------------ AAA paths
@pytest.mark.parametrize(("code", "outcome", "retry", "points_to", "words"), [
    ("42", VerificationOutcome.RETRY, True, "", "Retry the inquiry later"),
    ("72", VerificationOutcome.REJECTED, False, "patient", "member id"),
    ("73", VerificationOutcome.REJECTED, False, "patient", "exact name on the card"),
    ("75", VerificationOutcome.REJECTED, False, "patient", "try another payer"),
    ("71", VerificationOutcome.REJECTED, False, "patient", "date of birth"),
    ("43", VerificationOutcome.REJECTED, False, "provider", "NPI"),
])
def test_summarise__subscriber_aaa_records_meaning_and_follow_up(codes, code, outcome, retry,
                                                                 points_to, words):
    s = summarise_benefits([], [], [AaaRejection("2100C", code, "C")], codes)
    assert s.outcome is outcome
    (rej,) = s.rejections
    assert rej.retry is retry and rej.points_to == points_to
    assert words in rej.action and rej.meaning
    assert rej.follow_up == "Please correct and resubmit"


def test_summarise__aaa_42_is_retry_not_inactive_even_at_payer_level(codes):
    s = summarise_benefits([], [], [AaaRejection("2100A", "42", "R")], codes)
    assert s.outcome is VerificationOutcome.RETRY
    assert s.outcome is not VerificationOutcome.INACTIVE


def test_summarise__retry_and_a_data_error_together_is_rejected(codes):
    s = summarise_benefits([], [], [AaaRejection("2100A", "42"), AaaRejection("2100C", "72")],
                           codes)
    assert s.outcome is VerificationOutcome.REJECTED


def test_summarise__unknown_aaa_code_is_kept_with_a_call_the_payer_action(codes):
    (rej,) = summarise_benefits([], [], [AaaRejection("2100C", "ZZ")], codes).rejections
    assert "not in the list" in rej.meaning and "Call the payer" in rej.action


def test_summarise__benefit_level_aaa_does_not_undo_an_active_answer(codes):
    s = summarise_benefits([eb("1", "30")], [], [AaaRejection("2110C", "57")], codes)
    assert s.outcome is VerificationOutcome.ACTIVE and s.rejections[0].loop == "2110C"


# ----------------------------------------------------------------- benefits
def test_summarise__active_plan_with_ot_benefits_fills_every_field(codes):
    rows = [
        eb("1", "30", plan_description="GOLD PPO 500", dates=("346=20250101",)),
        eb("B", "AD", amount="25", in_network="Y"),
        eb("B", "AD", amount="60", in_network="N"),
        eb("A", "AD", percent="0.2", in_network="Y"),
        eb("C", "30", coverage_level="FAM", time_period="29", amount="1800"),
        eb("C", "30", coverage_level="IND", time_period="29", amount="350.75"),
        eb("F", "AD", time_period="22", quantity_qualifier="VS", quantity="30",
           auth_required="N", in_network="W"),
        eb("F", "AD", time_period="29", quantity_qualifier="VS", quantity="12",
           auth_required="N", in_network="W"),
    ]
    s = summarise_benefits(rows, [("347", "20261231")], [], codes)
    assert s.outcome is VerificationOutcome.ACTIVE
    assert s.plan_name == "GOLD PPO 500"
    assert (s.coverage_start, s.coverage_end) == (pendulum.date(2025, 1, 1),
                                                  pendulum.date(2026, 12, 31))
    assert s.copay == Decimal("25") and s.coinsurance == Decimal("0.2")
    assert s.deductible_remaining == Decimal("350.75")
    assert (s.visits_allowed, s.visits_remaining, s.visits_used) == (30, 12, 18)
    assert s.auth_required is False


def test_summarise__auth_required_on_an_ot_row_wins(codes):
    rows = [eb("1", "30", auth_required="N"), eb("1", "AD", auth_required="Y")]
    assert summarise_benefits(rows, [], [], codes).auth_required is True


def test_summarise__inactive_answer_with_plan_range_dates(codes):
    s = summarise_benefits([eb("6", "30")], [("291", "20240101-20251231")], [], codes)
    assert s.outcome is VerificationOutcome.INACTIVE
    assert s.coverage_end == pendulum.date(2025, 12, 31)


def test_summarise__ot_not_covered_on_an_active_plan_is_inactive_for_ot(codes):
    s = summarise_benefits([eb("1", "30"), eb("6", "AD")], [], [], codes)
    assert s.outcome is VerificationOutcome.INACTIVE


def test_summarise__other_payer_and_medicare_therapy_amount(codes):
    rows = [eb("1", "30"), eb("R", "30", related_entity="KEYSTONE COMMERCIAL HEALTH"),
            eb("F", "AD", time_period="24", amount="812.40")]
    s = summarise_benefits(rows, [], [], codes)
    assert s.other_payer == "KEYSTONE COMMERCIAL HEALTH"
    assert s.therapy_amount_used == Decimal("812.40")


def test_summarise__no_eb_and_no_aaa_is_not_taken_as_active(codes):
    s = summarise_benefits([], [], [], codes)
    assert s.outcome is VerificationOutcome.REJECTED
    assert "no benefit information" in s.messages[-1]


def test_codes__a_file_missing_a_table_is_a_config_error():
    with pytest.raises(ConfigError, match="follow_up"):
        EligibilityCodes.from_mapping({"reject_reasons": {}, "benefits": {}}, "x.toml")


# ------------------------------------------------------------------ changes
def ver(outcome=VerificationOutcome.ACTIVE, **kw) -> Verification:
    base = dict(id="v", coverage_id="c", patient_id="p", payer_id="commercial", method="271",
                outcome=outcome, verified_on=pendulum.date(2026, 1, 15), verified_by="ann")
    return Verification(**{**base, **kw})


def test_changes__each_denial_causing_change_is_spelled_out():
    before = ver(visits_allowed=20, visits_used=12, visits_remaining=8, auth_required=False)
    after = ver(visits_allowed=20, visits_used=20, visits_remaining=0, auth_required=True,
                other_payer="MEDICARE PART B")
    assert coverage_changes(before, after) == (
        "another payer is primary: MEDICARE PART B", "OT visit limit reached",
        "prior authorization now required")


def test_changes__active_to_inactive_is_coverage_ended():
    after = ver(VerificationOutcome.INACTIVE, coverage_end=pendulum.date(2025, 12, 31))
    assert coverage_changes(ver(), after) == ("coverage ended (inactive as of 2025-12-31)",)


def test_changes__same_answer_first_answer_and_rejections_change_nothing():
    assert coverage_changes(ver(auth_required=True), ver(auth_required=True)) == ()
    assert coverage_changes(None, ver(VerificationOutcome.INACTIVE)) == ()
    assert coverage_changes(ver(), ver(VerificationOutcome.RETRY)) == ()
