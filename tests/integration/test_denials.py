"""The denials workbench services: resubmit, reopening, appeal + letter, write-off, bill, note."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from x12.remit_builders import ClaimRemit, build_835, contractual  # noqa: E402
from x12.store_builders import TODAY, copy_store, make_template  # noqa: E402

from otq.domain import ClaimStatus, DenialStatus  # noqa: E402
from otq.errors import OtqError, PermissionDeniedError, ValidationError  # noqa: E402
from otq.services import denials as D  # noqa: E402
from otq.services.claims_export import export_claims  # noqa: E402
from otq.services.remittance import import_era  # noqa: E402

REMIT = TODAY.subtract(days=2)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return make_template(tmp_path_factory.mktemp("tpl"))


def _deny(template, tmp_path, payer: str, group: str, carc: str, *, edi: str | None = None,
          rarcs=()):
    """A store where one of ``payer``'s claims came back denied with group-carc."""
    kw = {"edi": edi} if edi else {}
    session = copy_store(template, tmp_path, **kw)
    r = export_claims(session, tmp_path / "b.837", payer=payer)
    claim = min((c for c in session.entities("claims").values() if c.batch_id == r.batch_id),
                key=lambda c: c.patient_control_number)
    remit = ClaimRemit(claim, "25012345678901", claim_adjustments=[(group, carc,
                                                                    claim.total_charge)],
                       status="4")
    text = build_835([remit], date=REMIT)
    if rarcs:
        text = text.replace("NM1*QC*", f"MOA***{'*'.join(rarcs)}~\nNM1*QC*", 1)
        segs = text.split("~\n")
        st = next(i for i, x in enumerate(segs) if x.startswith("ST*"))
        se = next(i for i, x in enumerate(segs) if x.startswith("SE*"))
        segs[se] = f"SE*{se - st + 1}*0001"
        text = "~\n".join(segs)
    (tmp_path / "r.835").write_text(text)
    import_era(session, tmp_path / "r.835")
    d = next(d for d in session.entities("denials").values() if d.claim_id == claim.id)
    return session, d, claim


def test_view__explains_group_carc_rarcs_action_and_aging(template, tmp_path):
    session, d, _ = _deny(template, tmp_path, "medicare", "CO", "16", rarcs=("MA130", "N286"))
    v = D.denial_view(session, d.id)
    assert v.carc_text.startswith("Claim is missing information")
    assert dict(v.rarcs)["N286"].startswith("Referring provider primary identifier")
    assert v.group_text.startswith("Contractual obligation")
    assert (v.action_label, v.age_days, v.bucket) == ("Correct & send a new claim", 2, "0-30")
    assert d.next_action == "new_claim"  # N286 rule: a new claim, not a replacement


@pytest.mark.parametrize("days,bucket", [(0, "0-30"), (30, "0-30"), (31, "31-60"),
                                         (61, "61-90"), (120, "91-120"), (121, "120+")])
def test_aging_bucket__boundaries(days, bucket):
    assert D.aging_bucket(days) == bucket


def test_resubmit__commercial_queues_frequency_7_with_ref_f8(template, tmp_path):
    session, d, claim = _deny(template, tmp_path, "commercial", "CO", "97")
    new = D.resubmit(session, d.id)
    assert (new.frequency, new.original_icn, new.status) == ("7", "25012345678901",
                                                            ClaimStatus.READY)
    after = session.entity("denials", d.id)
    assert after.status is DenialStatus.RESUBMITTED
    assert "replacement" in after.history[-1].what
    with pytest.raises(OtqError, match="already"):
        D.resubmit(session, d.id)


def test_resubmit__new_claim_action_sends_a_new_original_with_a_new_number(template, tmp_path):
    session, d, claim = _deny(template, tmp_path, "medicare", "CO", "16", rarcs=("MA130",))
    new = D.resubmit(session, d.id)
    assert new.frequency == "1" and new.patient_control_number != claim.patient_control_number


def test_resubmit__medicare_refuses_a_replacement_and_records_a_reopening(template, tmp_path):
    session, d, _ = _deny(template, tmp_path, "medicare", "CO", "97")
    assert d.next_action == "reopening"
    with pytest.raises(OtqError, match="reopening"):
        D.resubmit(session, d.id)
    with pytest.raises(ValidationError):
        D.record_reopening(session, d.id, reference=" ")
    done = D.record_reopening(session, d.id, reference="IVR-7781")
    assert done.status is DenialStatus.RESUBMITTED and "IVR-7781" in done.history[-1].what


def test_appeal__records_level_date_deadline_and_writes_a_letter(template, tmp_path):
    session, d, claim = _deny(template, tmp_path, "medicare", "CO", "50")
    assert d.deadline == REMIT.add(days=120)
    r = D.appeal(session, d.id, letter_dir=tmp_path / "letters")
    assert (r.level, r.deadline) == (1, REMIT.add(days=120))
    text = r.letter.read_text()
    for fact in (claim.patient_control_number, "25012345678901", "CO-50", "redetermination",
                 f"{d.amount:,.2f}", claim.referring_name):
        assert fact in text
    rec = session.store.all("appeals")
    assert len(rec) == 1 and rec[0]["level"] == 1 and rec[0]["filed_on"] == TODAY.isoformat()
    assert session.entity("denials", d.id).status is DenialStatus.APPEALED


def test_appeal__after_the_deadline_is_refused(template, tmp_path):
    session, d, _ = _deny(template, tmp_path, "medicare", "CO", "50")
    with pytest.raises(OtqError, match="deadline"):
        D.appeal(session, d.id, filed_on=REMIT.add(days=121), letter_dir=tmp_path)


def test_write_off__needs_reason_and_confirm(template, tmp_path):
    session, d, _ = _deny(template, tmp_path, "commercial", "CO", "29",
                          edi='[submitter]\ncontact_phone="2155550100"\n[denials]\n'
                              'write_off_limit = "100000"\n')
    with pytest.raises(ValidationError, match="reason"):
        D.write_off(session, d.id, reason="because", confirm=True)
    with pytest.raises(ValidationError, match="confirmed"):
        D.write_off(session, d.id, reason="timely", confirm=False)
    done = D.write_off(session, d.id, reason="timely", confirm=True)
    assert done.status is DenialStatus.WRITTEN_OFF and done.is_closed
    assert done.history[-1].what.startswith("written off")
    with pytest.raises(OtqError, match="already"):
        D.write_off(session, d.id, reason="timely", confirm=True)


def test_write_off__over_the_limit_needs_a_supervisor(template, tmp_path):
    edi = '[submitter]\ncontact_phone="2155550100"\n[denials]\nwrite_off_limit = "1.00"\n'
    session, d, _ = _deny(template, tmp_path, "commercial", "CO", "29", edi=edi)
    assert d.amount > Decimal(1)
    with pytest.raises(PermissionDeniedError, match="supervisor"):
        D.write_off(session, d.id, reason="timely", confirm=True)
    (tmp_path / "store.json.edi.toml").write_text(
        edi + f'supervisors = ["{session.user}"]\n')
    assert D.write_off(session, d.id, reason="timely", confirm=True).is_closed


def test_bill__the_patient_closes_a_pr_denial(template, tmp_path):
    session, d, _ = _deny(template, tmp_path, "commercial", "PR", "204")
    assert d.next_action in ("bill_patient", "bill_secondary")
    with pytest.raises(OtqError, match="no secondary coverage"):
        D.bill(session, d.id, to="secondary")
    done = D.bill(session, d.id, to="patient")
    assert done.status is DenialStatus.BILLED_ELSEWHERE and done.resolution == "billed_patient"


def test_bill__a_co_denial_may_not_be_billed_to_the_patient(template, tmp_path):
    session, d, _ = _deny(template, tmp_path, "commercial", "CO", "50")
    with pytest.raises(OtqError, match="may not be billed"):
        D.bill(session, d.id, to="patient")


def test_note__and_history_show_the_whole_path(template, tmp_path):
    session, d, claim = _deny(template, tmp_path, "commercial", "CO", "50")
    D.add_note(session, d.id, "called payer, sent notes")
    D.appeal(session, d.id, letter_dir=tmp_path)
    text = build_835([ClaimRemit(claim, "25012345678901", contractual())], date=TODAY,
                     trace="EFT-PAID")
    (tmp_path / "p.835").write_text(text)
    import_era(session, tmp_path / "p.835")
    steps = [h.what.split(":")[0].split(" ")[0] for h in session.entity("denials", d.id).history]
    assert steps == ["CO-50", "note", "appealed", "closed"]
