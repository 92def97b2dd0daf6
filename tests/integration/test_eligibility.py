"""Pending eligibility end to end on a real store file: schedule in, 270 out, 271 in."""

from __future__ import annotations

import io
import shutil
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
import pyx12
import pyx12.params
import pyx12.x12n_document

from otq.domain import Coverage, VerificationStatus, Visit, VisitStatus
from otq.domain.eligibility import VerificationOutcome
from otq.errors import ConflictError, ValidationError
from otq.services.eligibility import (
    export_eligibility,
    import_appointments,
    import_eligibility,
    latest_verification,
    pending_eligibility,
    verify_manually,
)
from otq.services.setup import init_store
from otq.store import Put, encode
from otq.x12.segments import X12ParseError

TODAY = pendulum.date(2026, 1, 15)
HEADER = ("appointment_id,date,time,patient_id,patient_last_name,patient_first_name,"
          "patient_dob,payer_id,member_id,provider_npi,status")
SCHEDULE = [
    "A1,2026-01-16,09:00,EHR-1,Okafor,Grace,1948-03-02,medicare,1EG4TE5MK73,,scheduled",
    "A2,2026-01-16,10:30,EHR-2,Lindqvist,Sven,1961-11-30,commercial,KCH000123,,scheduled",
    "A3,2026-01-19,08:00,EHR-3,Ruiz,Ana,1955-07-14,medicaid,MA7700112,,scheduled",
    "A4,2026-01-20,13:15,EHR-4,Nguyen,Bao,1972-05-09,commercial,KCH000456,,scheduled",
    "A5,2026-01-30,09:00,EHR-5,Farah,Idil,1980-02-02,commercial,KCH000789,,scheduled",
]
MAPS = Path(__file__).resolve().parents[1] / "data" / "eligibility" / "pyx12_maps"


@pytest.fixture
def session(tmp_path):
    s = init_store(tmp_path / "store.json", practice_name="ACME OCCUPATIONAL THERAPY",
                   practice_npi="1234567893", practice_tin="12-3456789")
    s.today = TODAY
    return s


def write_csv(tmp_path: Path, lines: list[str], name: str = "appts.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def coverage_of(session, external_id: str) -> Coverage:
    patient = next(p for p in session.entities("patients").values()
                   if p.external_id == external_id)
    return next(c for c in session.entities("coverages").values() if c.patient_id == patient.id)


def pending_ids(session) -> list[str]:
    return [p.coverage_id for p in pending_eligibility(session)]


def build_271(subscribers: list[list[str]], payer=("MEDICARE PART B", "04412")) -> str:
    body = ["ST*271*0001*005010X279A1", "BHT*0022*11*R1*20260115*1000", "HL*1**20*1",
            f"NM1*PR*2*{payer[0]}*****PI*{payer[1]}", "HL*2*1*21*1",
            "NM1*1P*2*ACME OCCUPATIONAL THERAPY*****XX*1234567893"]
    for i, segs in enumerate(subscribers, start=3):
        body += [f"HL*{i}*2*22*0", *segs]
    body.append(f"SE*{len(body) + 1}*0001")
    segs = ["ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*1234567893     *260115*1000"
            "*^*00501*000000777*0*P*:", "GS*HB*CLEARINGHOUSE*1234567893*20260115*1000*777*X*"
            "005010X279A1", *body, "GE*1*777", "IEA*1*000000777"]
    return "~\n".join(segs) + "~\n"


def pyx12_ok(text: str, tmp_path: Path) -> tuple[bool, str]:
    maps = tmp_path / "map"
    if not maps.exists():
        shutil.copytree(Path(pyx12.__file__).parent / "map", maps)
        for f in MAPS.glob("*.xml"):
            shutil.copy(f, maps / f.name)
        index = (maps / "maps.xml").read_text().replace(
            '<version icvn="00501">', '<version icvn="00501">'
            '<map vriic="005010X279A1" fic="HS" abbr="270">270.5010.X279.A1.xml</map>'
            '<map vriic="005010X279A1" fic="HB" abbr="271">271.5010.X279.A1.xml</map>', 1)
        (maps / "maps.xml").write_text(index)
    ack = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), ack, None,
                                           map_path=str(maps))
    return bool(ok), ack.getvalue()


def traces(text: str) -> dict[str, str]:
    """member id -> TRN02 from a 270 text."""
    out, trace = {}, ""
    for seg in text.replace("\n", "").split("~"):
        parts = seg.split("*")
        if parts[0] == "TRN":
            trace = parts[2]
        elif parts[0] == "NM1" and parts[1] == "IL":
            out[parts[9]] = trace
    return out


# ------------------------------------------------------------- appointments
def test_import_appointments__creates_patients_unverified_coverages_in_one_commit(session,
                                                                                   tmp_path):
    seq = session.store.meta["seq"]
    result = import_appointments(session, write_csv(tmp_path, SCHEDULE))
    assert (result.created, result.patients_created, result.coverages_created) == (5, 5, 5)
    assert session.store.meta["seq"] == seq + 1
    cov = coverage_of(session, "EHR-2")
    assert (cov.payer_id, cov.member_id, cov.status) == ("commercial", "KCH000123",
                                                         VerificationStatus.UNVERIFIED)


def test_import_appointments__dry_run_and_bad_file_change_nothing(session, tmp_path):
    seq = session.store.meta["seq"]
    assert import_appointments(session, write_csv(tmp_path, SCHEDULE), dry_run=True).created == 5
    bad = write_csv(tmp_path, [*SCHEDULE, "A9,2026-1-20,09:00,EHR-9,X,Y,,medicare,M,,scheduled"])
    with pytest.raises(ValidationError) as exc:
        import_appointments(session, bad)
    assert exc.value.problems == ["appts.csv:7:2: date: not a date in YYYY-MM-DD form"]
    assert session.store.meta["seq"] == seq and session.store.count("appointments") == 0


def test_import_appointments__reimport_updates_time_and_status_and_cancelled_leave_queue(
        session, tmp_path):
    import_appointments(session, write_csv(tmp_path, SCHEDULE))
    assert import_appointments(session, write_csv(tmp_path, SCHEDULE)).unchanged == 5
    newer = [SCHEDULE[0].replace("09:00", "11:45"), SCHEDULE[1].replace("scheduled", "cancelled"),
             *SCHEDULE[2:]]
    result = import_appointments(session, write_csv(tmp_path, newer, "newer.csv"))
    assert (result.updated, result.unchanged, result.created) == (2, 3, 0)
    assert session.store.count("appointments") == 5
    rows = pending_eligibility(session)
    assert coverage_of(session, "EHR-2").id not in [r.coverage_id for r in rows]
    assert rows[0].visit_time == "11:45"


def test_import_appointments__new_member_id_resets_the_coverage_to_unverified(session, tmp_path):
    import_appointments(session, write_csv(tmp_path, SCHEDULE))
    cov = coverage_of(session, "EHR-1")
    verify_manually(session, cov.id, method="portal", reference="P-1", representative="",
                    verified_on=TODAY, active=True)
    changed = [SCHEDULE[0].replace("1EG4TE5MK73", "2FH5UF6NL84"), *SCHEDULE[1:]]
    import_appointments(session, write_csv(tmp_path, changed, "b.csv"))
    cov = coverage_of(session, "EHR-1")
    assert (cov.member_id, cov.status) == ("2FH5UF6NL84", VerificationStatus.UNVERIFIED)


# ------------------------------------------------------------------ pending
def test_pending__window_staleness_and_visit_order(session, tmp_path):
    import_appointments(session, write_csv(tmp_path, SCHEDULE))
    rows = pending_eligibility(session)
    assert [r.visit_date.isoformat() for r in rows] == [
        "2026-01-16", "2026-01-16", "2026-01-19", "2026-01-20"]  # A5 is 15 days out
    assert rows[0].reasons == ("not verified",)
    assert rows[0].visit_time == "09:00" and rows[1].visit_time == "10:30"
    cov = coverage_of(session, "EHR-3")
    verify_manually(session, cov.id, method="phone", reference="C-88", representative="Dee",
                    verified_on=TODAY.subtract(days=40), active=True)
    assert next(r for r in pending_eligibility(session)
                if r.coverage_id == cov.id).reasons == ("last verified 40 days ago",)
    verify_manually(session, cov.id, method="phone", reference="C-89", representative="Dee",
                    verified_on=TODAY.subtract(days=3), active=True)
    assert cov.id not in pending_ids(session)
    assert len(pending_eligibility(session, days=30)) == 4  # A5 now in the window


def test_pending__scheduled_visits_count_as_upcoming_appointments(session, tmp_path):
    import_appointments(session, write_csv(tmp_path, SCHEDULE[4:]))
    cov = coverage_of(session, "EHR-5")
    assert pending_ids(session) == []
    visit = Visit(id="v1", external_id="V1", patient_id=cov.patient_id, coverage_id=cov.id,
                  provider_id="", practice_id="", date_of_service=TODAY.add(days=2),
                  status=VisitStatus.SCHEDULED)
    session.store.commit([Put("visits", encode(visit))], action="test")
    assert pending_ids(session) == [cov.id]


def test_queue_registry__has_the_filter_and_columns_the_queue_file_names(session, tmp_path):
    from otq.services import queues
    import_appointments(session, write_csv(tmp_path, SCHEDULE))
    entity, pred = queues.FILTERS["coverage.pending_eligibility"]
    covs = session.entities("coverages").values()
    assert entity == "coverage" and sum(pred(session, c) for c in covs) == 4
    cov = coverage_of(session, "EHR-1")
    assert queues.COLUMNS["coverage"]["appointment"](session, cov)[0] == "2026-01-16 09:00"
    assert queues.COLUMNS["coverage"]["reason"](session, cov)[0] == "not verified"


# --------------------------------------------------------------- round trip
def test_round_trip__270_is_pyx12_valid_and_271_answers_land_per_patient(session, tmp_path):
    import_appointments(session, write_csv(tmp_path, SCHEDULE))
    out = tmp_path / "elig.270"
    result = export_eligibility(session, out, now=pendulum.datetime(2026, 1, 15, 8, 0))
    assert result.requests == 4 and result.interchange_control_number == 1
    text = out.read_text()
    ok, ack = pyx12_ok(text, tmp_path)
    assert ok and "IK5*R" not in ack and ack.count("IK5*A") == 3, ack  # 3 payers, 3 sets
    assert session.store.meta["counters"]["isa"] == 1
    trn = traces(text)
    resp = build_271([
        [f"TRN*2*{trn['1EG4TE5MK73']}*1123456789", "NM1*IL*1*OKAFOR*GRACE****MI*1EG4TE5MK73",
         "DTP*346*D8*20250101", "EB*1*IND*30*MB*MEDICARE PART B", "EB*A*IND*AD*MB****0.2",
         "EB*C*IND*30***29*257"],
        [f"TRN*2*{trn['KCH000123']}*1123456789", "NM1*IL*1*LINDQVIST*SVEN****MI*KCH000123",
         "DTP*347*D8*20251231", "EB*6*IND*30"],
        [f"TRN*2*{trn['MA7700112']}*1123456789", "NM1*IL*1*RUIZ*ANA****MI*MA7700112",
         "AAA*Y**42*R"],
        [f"TRN*2*{trn['KCH000456']}*1123456789", "NM1*IL*1*NGUYEN*BAO****MI*KCH000456",
         "AAA*Y**75*C"],
    ])
    ok, ack = pyx12_ok(resp, tmp_path)
    assert ok, ack
    path = tmp_path / "resp.271"
    path.write_text(resp)
    seq = session.store.meta["seq"]
    summary = import_eligibility(session, path)
    assert session.store.meta["seq"] == seq + 1
    assert (summary.active, summary.inactive, summary.retry, summary.rejected) == (1, 1, 1, 1)

    grace = coverage_of(session, "EHR-1")
    assert (grace.status, grace.verified_on) == (VerificationStatus.ACTIVE, TODAY)
    assert grace.effective_from == pendulum.date(2025, 1, 1)
    v = latest_verification(session, grace.id)
    assert (v.method, v.verified_by, v.coinsurance, v.deductible_remaining) == (
        "271", session.user, Decimal("0.2"), Decimal("257"))
    assert grace.id not in pending_ids(session)

    sven = coverage_of(session, "EHR-2")
    assert sven.status is VerificationStatus.INACTIVE
    assert sven.effective_to == pendulum.date(2025, 12, 31)

    ana = coverage_of(session, "EHR-3")
    assert ana.status is VerificationStatus.UNVERIFIED  # 42 is not "ineligible"
    assert latest_verification(session, ana.id).outcome is VerificationOutcome.RETRY

    bao = coverage_of(session, "EHR-4")
    assert bao.status is VerificationStatus.UNVERIFIED
    assert latest_verification(session, bao.id).rejections[0].code == "75"

    reasons = {p.coverage_id: p.reasons for p in pending_eligibility(session)}
    assert reasons[sven.id] == ("coverage inactive: find the patient's current insurance",)
    assert "Retry the inquiry later" in reasons[ana.id][0]
    assert reasons[bao.id][0].startswith("AAA 75 subscriber/insured not found")

    again = export_eligibility(session, tmp_path / "again.270")
    assert again.requests == 3 and again.interchange_control_number == 2


@pytest.mark.parametrize(("code", "words"), [
    ("72", "Fix the member id in the patient's details"),
    ("73", "exact name on the card in the patient's details"),
])
def test_import_271__aaa_72_and_73_point_to_the_patient_details(session, tmp_path, code, words):
    import_appointments(session, write_csv(tmp_path, SCHEDULE[:1]))
    export_eligibility(session, tmp_path / "e.270")
    trn = traces((tmp_path / "e.270").read_text())["1EG4TE5MK73"]
    path = tmp_path / "r.271"
    path.write_text(build_271([[f"TRN*2*{trn}*1123456789", f"AAA*N**{code}*C"]]))
    assert import_eligibility(session, path).rejected == 1
    cov = coverage_of(session, "EHR-1")
    rej = latest_verification(session, cov.id).rejections[0]
    assert rej.points_to == "patient" and words in rej.action
    assert words in pending_eligibility(session)[0].reasons[0]


def test_import_271__malformed_file_imports_nothing_and_names_the_segment(session, tmp_path):
    import_appointments(session, write_csv(tmp_path, SCHEDULE[:1]))
    cov = coverage_of(session, "EHR-1")
    from otq.x12.eligibility_270_271 import trace_number
    good = [f"TRN*2*{trace_number(cov.id, 1)}*1123456789", "EB*1**30"]
    text = build_271([good, good]).replace("HL*4*2*22*0", "HL*4*2*22*0~\nEB**IND*30")
    path = tmp_path / "bad.271"
    path.write_text(text)
    seq = session.store.meta["seq"]
    with pytest.raises(X12ParseError) as exc:
        import_eligibility(session, path)
    assert exc.value.segment_id == "EB" and "bad.271: segment" in str(exc.value)
    assert session.store.meta["seq"] == seq and session.store.count("verifications") == 0


def test_import_271__a_response_for_no_known_coverage_refuses_the_file(session, tmp_path):
    import_appointments(session, write_csv(tmp_path, SCHEDULE[:1]))
    cov = coverage_of(session, "EHR-1")
    from otq.x12.eligibility_270_271 import trace_number
    path = tmp_path / "r.271"
    path.write_text(build_271([[f"TRN*2*{trace_number(cov.id, 1)}*1", "EB*1**30"],
                               ["TRN*2*930000000000*9800000004",
                                "NM1*IL*1*DOE*JOHN****MI*00000000001", "EB*1**30"]]))
    with pytest.raises(ValidationError) as exc:
        import_eligibility(session, path)
    assert "matches no coverage" in exc.value.problems[0]
    assert "00000000001" not in str(exc.value)
    assert session.store.count("verifications") == 0


# ---------------------------------------------------------- coverage change
def test_coverage_change__limit_and_auth_bring_the_patient_back_until_reverified(session,
                                                                                 tmp_path):
    import_appointments(session, write_csv(tmp_path, SCHEDULE[1:2]))
    cov = coverage_of(session, "EHR-2")
    from otq.x12.eligibility_270_271 import trace_number
    trn = f"TRN*2*{trace_number(cov.id, 1)}*1123456789"
    first = tmp_path / "first.271"
    first.write_text(build_271([[trn, "EB*1*IND*30**GOLD PPO", "EB*F*IND*AD***22***VS*30*N*W",
                                 "EB*F*IND*AD***29***VS*4*N*W"]], ("KEYSTONE", "60054")))
    import_eligibility(session, first)
    assert pending_ids(session) == []
    later = tmp_path / "later.271"
    later.write_text(build_271([[trn, "EB*1*IND*30**GOLD PPO", "EB*F*IND*AD***22***VS*30*Y*W",
                                 "EB*F*IND*AD***29***VS*0*Y*W"]], ("KEYSTONE", "60054")))
    summary = import_eligibility(session, later)
    assert summary.changed == (cov.id,)
    (row,) = pending_eligibility(session)
    assert row.reasons == ("changed at the last check: OT visit limit reached; prior "
                           "authorization now required",)
    verify_manually(session, cov.id, method="phone", reference="REF-2231",
                    representative="Marisol", verified_on=TODAY, active=True,
                    visits_allowed=30, visits_used=30, auth_required=True)
    assert pending_ids(session) == []


# ------------------------------------------------------------------- manual
def test_verify_manually__records_who_and_the_benefits_and_leaves_the_queue(session, tmp_path):
    import_appointments(session, write_csv(tmp_path, SCHEDULE[:1]))
    cov = coverage_of(session, "EHR-1")
    v = verify_manually(session, cov.id, method="phone", reference="CALL-5521",
                        representative="Jordan", verified_on=TODAY, active=True,
                        plan_name="Medicare Part B", coinsurance=Decimal("0.20"),
                        deductible_remaining=Decimal("0"), auth_required=False,
                        expected_version=session.version("coverages", cov.id))
    assert (v.verified_by, v.method, v.representative) == (session.user, "phone", "Jordan")
    assert latest_verification(session, cov.id) == v
    assert coverage_of(session, "EHR-1").verified_by == session.user
    assert pending_ids(session) == []


def test_verify_manually__refuses_bad_fields_and_stale_versions(session, tmp_path):
    import_appointments(session, write_csv(tmp_path, SCHEDULE[:1]))
    cov = coverage_of(session, "EHR-1")
    with pytest.raises(ValidationError) as exc:
        verify_manually(session, cov.id, method="phone", reference="", representative="",
                        verified_on=TODAY.add(days=1), active=True, coinsurance=Decimal("20"))
    assert exc.value.problems == [
        "reference: the call or portal reference number is required",
        "representative: the name of the person you spoke to is required",
        "verified_on: is in the future",
        "coinsurance: write it as a fraction, e.g. 0.20 for 20%"]
    stale = session.version("coverages", cov.id)
    verify_manually(session, cov.id, method="portal", reference="P1", representative="",
                    verified_on=TODAY, active=True)
    with pytest.raises(ConflictError):
        verify_manually(session, cov.id, method="portal", reference="P2", representative="",
                        verified_on=TODAY, active=False, expected_version=stale)


def test_export__empty_queue_or_missing_folder_writes_nothing_and_keeps_the_number(session,
                                                                                  tmp_path):
    out = tmp_path / "e.270"
    assert export_eligibility(session, out).requests == 0 and not out.exists()
    import_appointments(session, write_csv(tmp_path, SCHEDULE[:1]))
    from otq.errors import OtqError
    with pytest.raises(OtqError, match="does not exist"):
        export_eligibility(session, tmp_path / "nope" / "e.270")
    assert session.store.meta.get("counters", {}).get("isa", 0) == 0
