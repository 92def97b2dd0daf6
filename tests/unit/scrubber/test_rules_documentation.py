"""Documentation, filing limits, charges and authorizations."""

from __future__ import annotations

import pendulum

from otq.domain import Authorization
from tests.unit.scrubber.builders import DOS, TODAY, only, scrub, timed, untimed, visit


def test_doc_note_unsigned__unsigned_note_fails():
    assert only(scrub(visit(note_signed=False)), "DOC-NOTE-UNSIGNED")


def test_doc_poc_missing__medicare_treatment_without_poc_fails_eval_passes():
    assert only(scrub(visit(poc_start=None, poc_end=None)), "DOC-POC-MISSING")
    assert not only(scrub(visit(untimed("97165"), poc_start=None, poc_end=None)), "DOC-POC-MISSING")
    assert not only(scrub(visit(profile="commercial", poc_start=None, poc_end=None)),
                    "DOC-POC-MISSING")


def test_doc_poc_expired__day_90_passes_day_91_fails():
    assert not only(scrub(visit(poc_start=DOS.subtract(days=90), poc_end=None)), "DOC-POC-EXPIRED")
    found = only(scrub(visit(poc_start=DOS.subtract(days=91), poc_end=None)), "DOC-POC-EXPIRED")
    assert "91 days" in found[0].message


def test_doc_poc_expired__recertification_restarts_the_90_days():
    v = visit(poc_start=DOS.subtract(days=120), poc_end=None,
              poc_recertified=DOS.subtract(days=30))
    assert not only(scrub(v), "DOC-POC-EXPIRED")


def test_doc_poc_expired__outside_plan_dates_fails_any_payer():
    assert only(scrub(visit(profile="commercial", poc_start=DOS.add(days=1), poc_end=None)),
                "DOC-POC-EXPIRED")
    assert only(scrub(visit(profile="commercial", poc_start=DOS.subtract(days=20),
                            poc_end=DOS.subtract(days=1))), "DOC-POC-EXPIRED")


def _series(n, start):
    """n earlier treatment days for p1 on consecutive days before DOS."""
    return [visit(vid=f"s{i}", dos=DOS.subtract(days=n - i)) for i in range(n)]


def test_doc_progress_due__9th_day_passes_10th_warns():
    report = DOS.subtract(days=20)
    nine = _series(8, report)  # 8 earlier days + this one = 9
    assert not only(scrub(visit(last_progress_report=report), *nine), "DOC-PROGRESS-DUE")
    ten = _series(9, report)
    found = only(scrub(visit(last_progress_report=report), *ten), "DOC-PROGRESS-DUE")
    assert "treatment day 10" in found[0].message and not found[0].is_error


def test_doc_progress_due__counts_from_start_of_care_without_a_report():
    v = visit(poc_start=DOS.subtract(days=9))
    assert only(scrub(v, *_series(9, None)), "DOC-PROGRESS-DUE")
    assert not only(scrub(v, *_series(8, None)), "DOC-PROGRESS-DUE")


def test_doc_progress_due__days_on_or_before_the_report_do_not_count():
    others = _series(12, None)
    assert not only(scrub(visit(last_progress_report=DOS.subtract(days=3)), *others),
                    "DOC-PROGRESS-DUE")


def test_filing_limit__day_n_passes_day_n_plus_1_fails():
    dos = pendulum.date(2025, 3, 1)
    v = visit(dos=dos, poc_start=dos, poc_end=None)
    assert not only(scrub(v, today=dos.add(days=365)), "FILING-LIMIT")
    assert only(scrub(v, today=dos.add(days=366)), "FILING-LIMIT")


def test_filing_soon__within_14_days_warns_15_does_not():
    dos = pendulum.date(2025, 3, 1)
    v = visit(dos=dos, poc_start=dos, poc_end=None, profile="commercial")
    assert only(scrub(v, today=dos.add(days=90 - 14)), "FILING-SOON")
    assert not only(scrub(v, today=dos.add(days=90 - 15)), "FILING-SOON")
    assert not only(scrub(v, today=dos.add(days=91)), "FILING-SOON")


def test_charge_missing__none_zero_and_negative_fail():
    for charge in (None, "0", "-5.00"):
        assert only(scrub(visit(timed("97110", 23, 2, charge=charge))), "CHARGE-MISSING")
    assert not only(scrub(visit(timed("97110", 23, 2, charge="0.01"))), "CHARGE-MISSING")


def _auth(n, **kw):
    return Authorization(id="a1", patient_id="p1", payer_id="pay-mcr", number="AUTH1",
                         visits_authorized=n, **kw)


def test_auth_exceeded__visit_over_the_count_fails_last_allowed_passes():
    earlier = [visit(vid=f"e{i}", dos=DOS.subtract(days=i + 1), auth_number="AUTH1")
               for i in range(2)]
    v = visit(auth_number="AUTH1")
    assert not only(scrub(v, *earlier, authorizations=(_auth(3),)), "AUTH-EXCEEDED")
    assert "visit 3" in only(scrub(v, *earlier, authorizations=(_auth(2),)),
                             "AUTH-EXCEEDED")[0].message


def test_auth_dates__outside_range_fails():
    a = _auth(10, start=DOS.add(days=1), end=DOS.add(days=30))
    assert only(scrub(visit(auth_number="AUTH1"), authorizations=(a,)), "AUTH-DATES")


def test_today_is_an_input_not_the_clock():
    assert TODAY == pendulum.date(2026, 3, 2)
