"""Claims export end to end on a generated store: 837P batches, control numbers, atomicity."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from x12.builders import pyx12_check  # noqa: E402
from x12.store_builders import copy_store, make_template  # noqa: E402

from otq.domain import ClaimStatus  # noqa: E402
from otq.errors import ConflictError, OtqError, StoreWriteError  # noqa: E402
from otq.services import claims_export  # noqa: E402
from otq.services.claim_corrections import queue_replacement, void_claim  # noqa: E402
from otq.services.claims_export import export_claims, export_preview  # noqa: E402
from otq.store import Put, encode  # noqa: E402
from otq.x12.segments import X12ExportError  # noqa: E402


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return make_template(tmp_path_factory.mktemp("tpl"))


@pytest.fixture
def session(template, tmp_path):
    return copy_store(template, tmp_path)


def _ready(session):
    return [c for c in session.entities("claims").values() if c.status is ClaimStatus.READY]


def _isa(session) -> int:
    return session.store.meta.get("counters", {}).get("isa", 0)


def test_export__every_ready_claim_in_one_pyx12_valid_batch_then_submitted(session, tmp_path):
    ready = _ready(session)
    assert len(ready) > 20
    out = tmp_path / "batch.837"
    r = export_claims(session, out)
    ok, ack = pyx12_check(out.read_text())
    assert ok and "IK5*A~" in ack
    assert r.claims == len(ready) and r.total_charge == sum(c.total_charge for c in ready)
    assert out.read_text().count("CLM*") == len(ready)
    after = session.entities("claims")
    assert {after[c.id].status for c in ready} == {ClaimStatus.SUBMITTED}
    assert {after[c.id].batch_id for c in ready} == {r.batch_id}
    batch = session.store.all("batches")
    assert len(batch) == 1 and batch[0]["claims"] == len(ready)
    assert not _ready(session)
    assert not list(tmp_path.glob(".*.tmp"))


def test_export__isa_numbers_increase_and_are_shared_with_the_270_counter(session, tmp_path):
    before = _isa(session)
    a = export_claims(session, tmp_path / "a.837", payer="medicare")
    b = export_claims(session, tmp_path / "b.837", payer="commercial")
    assert (a.interchange_control_number, b.interchange_control_number) == (before + 1,
                                                                          before + 2)
    assert _isa(session) == before + 2
    assert f"*000000{before + 2:03d}*" in (tmp_path / "b.837").read_text()
    assert {c.payer_id for c in _ready(session)} == {"medicaid"}


def test_export__dry_run_writes_nothing_and_uses_no_number(session, tmp_path):
    before, ready = _isa(session), len(_ready(session))
    r = export_claims(session, tmp_path / "x.837", dry_run=True)
    assert r.dry_run and r.claims == ready
    assert not (tmp_path / "x.837").exists() and _isa(session) == before
    assert len(_ready(session)) == ready


def test_export__preview_lists_claims_total_and_payer_split(session):
    p = export_preview(session)
    assert sum(n for n, _ in p.by_payer.values()) == len(p.claims)
    assert sum(t for _, t in p.by_payer.values()) == p.total_charge
    assert p.problems == ()


def _break_patient(session, last_name: str):
    claim = _ready(session)[0]
    rec = session.store.get("patients", claim.patient_id)
    session.store.commit([Put("patients", {**rec, "last_name": last_name}, rec["version"])],
                         action="test")
    return claim


@pytest.mark.parametrize("hostile", ["O*BRIEN", "SMITH~", "A:B", "X^Y", "TAB\tNAME"])
def test_export__hostile_name_stops_the_whole_batch_naming_claim_and_field(session, tmp_path,
                                                                          hostile):
    claim = _break_patient(session, hostile)
    before, ready = _isa(session), len(_ready(session))
    with pytest.raises(X12ExportError) as err:
        export_claims(session, tmp_path / "x.837")
    text = str(err.value)
    assert f"claim {claim.patient_control_number}: subscriber last name (2010BA NM103)" in text
    assert hostile not in text
    assert not (tmp_path / "x.837").exists() and _isa(session) == before
    assert len(_ready(session)) == ready


def test_export__medicare_claim_without_referring_name_is_refused_not_dropped(session, tmp_path):
    claim = next(c for c in _ready(session) if c.payer_id == "medicare")
    session.store.commit([Put("claims", encode(replace(claim, referring_name="")),
                              session.version("claims", claim.id))], action="test")
    with pytest.raises(X12ExportError) as err:
        export_claims(session, tmp_path / "x.837")
    assert f"claim {claim.patient_control_number}: referring provider name" in str(err.value)


def test_export__without_contact_phone_is_refused_naming_the_settings_file(template, tmp_path):
    session = copy_store(template, tmp_path, edi=None)
    with pytest.raises(X12ExportError) as err:
        export_claims(session, tmp_path / "x.837")
    assert "store.json.edi.toml" in str(err.value) and "contact_phone" in str(err.value)


def test_export__failed_commit_removes_the_temp_file_and_changes_nothing(session, tmp_path,
                                                                        monkeypatch):
    ready = len(_ready(session))

    def refuse(*a, **k):
        raise ConflictError("changed by someone else")

    monkeypatch.setattr(session.store, "commit", refuse)
    with pytest.raises(ConflictError):
        export_claims(session, tmp_path / "x.837")
    assert list(tmp_path.glob("*.837")) == [] and list(tmp_path.glob(".*.tmp")) == []
    monkeypatch.undo()
    assert len(_ready(session)) == ready


def test_export__failed_write_changes_nothing(session, tmp_path, monkeypatch):
    before, ready = _isa(session), len(_ready(session))

    def broken(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(claims_export.os, "fsync", broken)
    with pytest.raises(StoreWriteError, match="nothing changed"):
        export_claims(session, tmp_path / "x.837")
    monkeypatch.undo()
    assert _isa(session) == before and len(_ready(session)) == ready
    assert list(tmp_path.glob("*.837")) == [] and list(tmp_path.glob(".*.tmp")) == []


def test_export__claim_changed_by_another_session_refuses_the_batch(session, tmp_path,
                                                                   monkeypatch):
    other = type(session).open(session.store.path, today=session.today)
    claim = _ready(session)[0]
    real = session.store.commit

    def racing(changes, **kw):
        rec = other.store.get("claims", claim.id)
        other.store.commit([Put("claims", {**rec, "auth_number": "X1"}, rec["version"])],
                           action="test")
        return real(changes, **kw)

    monkeypatch.setattr(session.store, "commit", racing)
    with pytest.raises(ConflictError):
        export_claims(session, tmp_path / "x.837")
    assert not (tmp_path / "x.837").exists() and not list(tmp_path.glob(".*.tmp"))


def test_export__nothing_ready_is_a_clear_error(session, tmp_path):
    with pytest.raises(OtqError, match="no claims are ready"):
        export_claims(session, tmp_path / "x.837", payer="no-such-payer")


def _adjudicated(session, payer: str, icn: str = "24060112345678A"):
    claim = next(c for c in session.entities("claims").values() if c.payer_id == payer
                 and c.status is ClaimStatus.READY)
    done = replace(claim, status=ClaimStatus.DENIED, original_icn=icn,
                   submitted_at="2026-03-01T16:00:00+00:00", batch_id="B1")
    session.store.commit([Put("claims", encode(done), session.version("claims", claim.id))],
                         action="test")
    return done


def test_replacement__frequency_7_with_ref_f8_exports_and_passes_pyx12(session, tmp_path):
    done = _adjudicated(session, "commercial")
    new = queue_replacement(session, done.id)
    assert (new.frequency, new.original_icn, new.replaces_claim_id) == ("7", done.original_icn,
                                                                       done.id)
    assert new.patient_control_number == done.patient_control_number
    export_claims(session, tmp_path / "r.837", payer="commercial")
    text = (tmp_path / "r.837").read_text()
    assert f"REF*F8*{done.original_icn}~" in text and ":B:7*" in text
    assert pyx12_check(text)[0]


def test_replacement__refused_for_medicare_which_takes_a_reopening(session):
    done = _adjudicated(session, "medicare")
    with pytest.raises(OtqError, match="reopening"):
        queue_replacement(session, done.id)


def test_void__frequency_8_repeats_the_original_charges(session, tmp_path):
    done = _adjudicated(session, "medicaid")
    void = void_claim(session, done.id)
    assert void.frequency == "8" and void.total_charge == done.total_charge
    with pytest.raises(OtqError, match="already waiting"):
        void_claim(session, done.id)
    export_claims(session, tmp_path / "v.837", payer="medicaid")
    text = (tmp_path / "v.837").read_text()
    assert ":B:8*" in text and pyx12_check(text)[0]
