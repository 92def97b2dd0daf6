"""Document collection on a real store file: needs, requests, receipts, scans, the scrubber."""

from __future__ import annotations

import os
import stat

import pytest

from otq.domain import VisitStatus
from otq.domain.document import DocumentKind as K
from otq.errors import ConfigError, OtqError, ValidationError
from otq.queue_defs import load_queue_specs
from otq.services.document_rules import load_requirements
from otq.services.documents import (
    document_needs,
    missing_documents,
    receive_document,
    request_document,
)
from otq.services.queues import queue_rows
from otq.services.scrubbing import all_findings
from tests.unit.reports.builders import TODAY, base_records, d, make_session, put, uid, visit


def _visits():
    # Medicare patient m: an evaluation, then 11 treatment days with no plan of care dates
    # (DOC-POC-MISSING fires) and one unsigned note. Commercial patient c: 2 visits, one
    # under an authorization.
    out = [visit("m0", "m", "2026-05-01", [("97165", 1, "210")])]
    for i in range(1, 12):
        out.append(visit(f"m{i}", "m", f"2026-05-{i + 1:02d}", [("97110", 2, "120")],
                         status=VisitStatus.UNCODED, note_signed=(i != 3),
                         referring_npi="1003000126"))
    out.append(visit("c1", "c", "2026-06-01", [("97110", 1, "60")], auth_number="A77"))
    out.append(visit("c2", "c", "2026-06-08", [("97110", 1, "60")]))
    return out


@pytest.fixture
def session(tmp_path):
    os.chmod(tmp_path, 0o770)
    return make_session(tmp_path, base_records({"m": "medicare", "c": "commercial"})
                        + put("visits", *_visits()))


def _need(session, kind, patient_key="m"):
    found = [n for n in document_needs(session).values()
             if n.kind is kind and n.patient_id == uid(patient_key)]
    assert len(found) == 1, found
    return found[0]


def test_needs__medicare_episode_needs_referral_poc_card_notes_and_progress_report(session):
    m_id = _need(session, K.REFERRAL).patient_id
    kinds = sorted((n.kind.value, n.missing) for n in document_needs(session).values()
                   if n.patient_id == m_id)
    assert kinds.count(("treatment_note", False)) == 11  # signed in the EHR
    assert kinds.count(("treatment_note", True)) == 1  # m3's note is not signed
    poc = _need(session, K.PLAN_OF_CARE)
    assert poc.needed_since == d("2026-05-02")  # the first treatment visit (evals don't need one)
    assert (poc.period_start, poc.period_end) == (d("2026-05-01"), d("2026-07-29"))
    assert _need(session, K.REFERRAL).needed_since == d("2026-05-01")
    assert len(_need(session, K.INSURANCE_CARD).visit_ids) == 12
    progress = _need(session, K.PROGRESS_REPORT)  # 10th treatment day (the eval is day 1)
    assert progress.needed_since == d("2026-05-10")
    assert len(progress.visit_ids) == 3  # 05-10, 05-11, 05-12
    assert _need(session, K.AUTHORIZATION, "c").visit_ids == (uid("c1"),)  # c2 has no auth
    assert {n.kind for n in document_needs(session).values()
            if n.patient_id == _need(session, K.AUTHORIZATION, "c").patient_id} == \
        {K.TREATMENT_NOTE, K.INSURANCE_CARD, K.AUTHORIZATION}


def test_request__shows_in_the_missing_documents_queue_with_whom_and_since_when(session):
    spec = next(s for s in load_queue_specs() if s.id == "documents")
    poc = _need(session, K.PLAN_OF_CARE)
    row = next(r for r in queue_rows(session, spec) if r.subject_id == poc.id)
    cells = dict(zip([c.id for c in spec.columns], row.cells, strict=True))
    assert (cells["asked_of"], cells["asked_on"]) == ("(referring physician)", "-")
    request_document(session, poc.id, to_whom="Dr Adams office", how="Fax", when=d("2026-06-20"))
    row = next(r for r in queue_rows(session, spec) if r.subject_id == poc.id)
    cells = dict(zip([c.id for c in spec.columns], row.cells, strict=True))
    assert (cells["since"], cells["asked_of"], cells["asked_on"]) == \
        ("2026-05-02", "Dr Adams office", "2026-06-20")
    assert document_needs(session)[poc.id].document.last_request.by == "ann"


def test_receive__signed_poc_satisfies_doc_poc_missing_and_leaves_the_queue(session, tmp_path):
    poc = _need(session, K.PLAN_OF_CARE)
    assert any(f.rule_id == "DOC-POC-MISSING" for fs in all_findings(session).values() for f in fs)
    scan = tmp_path / "scan of POC.pdf"
    scan.write_bytes(b"%PDF-1.4 signed plan")
    os.chmod(session.store.path, 0o640)
    doc = receive_document(session, poc.id, received_on=TODAY, reference="fax 4411",
                           file_path=scan)
    copy = session.store.path.parent / "documents" / doc.file_name
    assert copy.read_bytes() == b"%PDF-1.4 signed plan"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o640
    assert copy.stat().st_gid == session.store.path.stat().st_gid
    assert doc.file_name.startswith("plan_of_care-") and doc.file_name.endswith(".pdf")
    assert not [p for p in copy.parent.iterdir() if p.name.endswith(".tmp")]
    assert not any(f.rule_id == "DOC-POC-MISSING"
                   for fs in all_findings(session).values() for f in fs)
    assert poc.id not in {n.id for n in missing_documents(session)}


def test_receive__signed_note_satisfies_doc_note_unsigned(session):
    note = next(n for n in document_needs(session).values()
                if n.kind is K.TREATMENT_NOTE and n.missing)
    assert any(f.rule_id == "DOC-NOTE-UNSIGNED" for f in all_findings(session)[note.visit_ids[0]])
    receive_document(session, note.id, received_on=TODAY, reference="EHR addendum")
    assert not any(f.rule_id == "DOC-NOTE-UNSIGNED"
                   for f in all_findings(session)[note.visit_ids[0]])


def test_receive__progress_report_on_file_resets_doc_progress_due(session):
    def due():
        return [vid for vid, fs in all_findings(session).items()
                if any(f.rule_id == "DOC-PROGRESS-DUE" for f in fs)]

    assert uid("m10") in due()
    receive_document(session, _need(session, K.PROGRESS_REPORT).id, received_on=TODAY,
                     reference="PR-1")
    assert uid("m10") not in due()  # the report's period ends on 05-10, day 10


def test_request_and_receive__bad_input_is_refused_with_every_problem(session):
    poc = _need(session, K.PLAN_OF_CARE)
    with pytest.raises(ValidationError) as err:
        request_document(session, poc.id, to_whom=" ", how="pigeon", when=TODAY.add(days=1))
    assert len(err.value.problems) == 3
    with pytest.raises(ValidationError) as err:
        receive_document(session, poc.id, received_on=TODAY, reference="",
                         file_path="/no/such/file.pdf")
    assert any("file_path" in p for p in err.value.problems)
    with pytest.raises(OtqError, match="no needed document"):
        request_document(session, "nope", to_whom="x", how="fax")
    assert session.store.all("documents") == []


def test_requirements__unknown_kind_is_a_config_error_naming_file_and_key(tmp_path):
    bad = tmp_path / "req.toml"
    bad.write_text('[kinds.referral]\nscope = "episode"\n[profiles.medicare]\n'
                   'treatment = ["referral", "xray"]\n')
    with pytest.raises(ConfigError, match=r"req.toml: profiles.medicare.treatment: 'xray'"):
        load_requirements(bad)
