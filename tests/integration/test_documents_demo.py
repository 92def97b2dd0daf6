"""The demo practice's paperwork: most documents on file, a modest, explainable few missing."""

from __future__ import annotations

from collections import Counter

import pendulum
import pytest

from otq.demo.generator import generate_with_report
from otq.domain.document import DocumentKind as K
from otq.services.documents import document_needs, missing_documents

TODAY = pendulum.date(2026, 3, 16)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("docs-demo") / "demo.json"
    return generate_with_report(path, visits=600, seed=7, today=TODAY)[0]


def test_demo__most_paperwork_is_on_file_and_only_tens_are_missing(demo):
    needs = list(document_needs(demo).values())
    missing = missing_documents(demo)
    assert len(needs) > 500
    assert 5 <= len(missing) <= 0.06 * len(needs)
    by_kind = Counter(n.kind for n in missing)
    total = Counter(n.kind for n in needs)
    for kind in (K.REFERRAL, K.INSURANCE_CARD, K.AUTHORIZATION, K.PLAN_OF_CARE):
        assert by_kind[kind] <= 0.15 * total[kind], kind


def test_demo__a_missing_plan_of_care_is_recent_and_already_requested(demo):
    for need in missing_documents(demo):
        if need.kind is K.PLAN_OF_CARE and need.document is not None:
            assert (TODAY - need.period_start).days <= 28  # physicians sign within 4 weeks
            assert need.document.last_request.to_whom == "referring physician"


def test_demo__received_documents_are_dated_on_or_before_today_with_a_reference(demo):
    got = [n.document for n in document_needs(demo).values()
           if n.document is not None and n.document.received]
    assert got
    assert all(d.received_on <= TODAY and d.reference for d in got)
    assert {d.kind for d in got} <= {K.REFERRAL, K.PLAN_OF_CARE, K.INSURANCE_CARD,
                                     K.AUTHORIZATION}


def test_demo__no_document_record_hides_a_planted_note_or_plan_mistake(demo):
    """Notes, progress reports and recertifications stay with the EHR fields, so the
    planted DOC-NOTE-UNSIGNED / DOC-POC-EXPIRED mistakes still show as missing paperwork."""
    kinds = {n.kind for n in missing_documents(demo)}
    assert K.TREATMENT_NOTE in kinds
    assert not any(n.document is not None and n.document.received
                   for n in document_needs(demo).values()
                   if n.kind in (K.TREATMENT_NOTE, K.RECERTIFICATION, K.PROGRESS_REPORT))
