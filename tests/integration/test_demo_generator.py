"""The demo generator: deterministic, realistic in shape, and every planted mistake is caught."""

from __future__ import annotations

from collections import Counter

import pendulum
import pytest

from otq.demo.generator import PATIENTS_PER_VISIT, find_showcase_visit, generate_with_report
from otq.demo.history import DENIALS
from otq.demo.mistakes import CLASS_RULES
from otq.domain import ClaimStatus, Credential, VerificationStatus, VisitStatus
from otq.reference.icd import icd_table
from otq.scrubber.identifiers import mbi_problem, npi_problem
from otq.services.scrubbing import all_findings

TODAY = pendulum.date(2026, 3, 16)
VISITS = 600
BOOKKEEPING = {"changed_at", "changed_by", "version"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.json"
    session, planted = generate_with_report(path, visits=VISITS, seed=7, today=TODAY)
    return session, planted


def content(session) -> dict[str, list]:
    """Every table's records without bookkeeping; claim ids (issued by the claims service)
    replaced by their patient control numbers."""
    claim_pcn = {r["id"]: r["patient_control_number"] for r in session.store.all("claims")}
    out = {}
    for table in ("practices", "providers", "payers", "patients", "coverages", "authorizations",
                  "visits", "claims", "denials"):
        rows = []
        for r in session.store.all(table):
            r = {k: v for k, v in r.items() if k not in BOOKKEEPING}
            if table == "claims":
                r["id"] = claim_pcn[r["id"]]
            if table == "denials":
                r["claim_id"] = claim_pcn[r["claim_id"]]
            rows.append(r)
        out[table] = sorted(rows, key=lambda r: str(r.get("patient_control_number", r["id"])))
    return out


def test_generator__same_seed_gives_identical_records(tmp_path):
    a, _ = generate_with_report(tmp_path / "a.json", visits=150, seed=3, today=TODAY)
    b, _ = generate_with_report(tmp_path / "b.json", visits=150, seed=3, today=TODAY)
    c, _ = generate_with_report(tmp_path / "c.json", visits=150, seed=4, today=TODAY)
    assert content(a) == content(b)
    assert content(a)["patients"] != content(c)["patients"]


def test_generator__refuses_to_overwrite_a_store(tmp_path, demo):
    from otq.errors import OtqError

    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(OtqError):
        generate_with_report(tmp_path / "x.json", visits=10, seed=1, today=TODAY)


def test_generator__counts_match_the_request(demo):
    session, planted = demo
    visits = list(session.entities("visits").values())
    twins = sum(1 for cs in planted.by_visit.values() if "duplicate-visit" in cs) // 2
    treated = [v for v in visits if v.status is not VisitStatus.SCHEDULED]
    assert len(treated) == VISITS + twins
    assert all(TODAY.subtract(weeks=8) <= v.date_of_service < TODAY for v in treated)
    n_patients = session.store.count("patients")
    assert VISITS * PATIENTS_PER_VISIT <= n_patients <= VISITS * PATIENTS_PER_VISIT * 1.1
    assert session.store.count("practices") == 2
    payers = Counter(c.payer_id for c in session.entities("coverages").values())
    assert set(payers) == {"medicare", "medicaid", "commercial"}
    assert payers["medicare"] > payers["medicaid"]


def test_generator__practices_and_therapists_have_valid_identifiers(demo):
    session, _ = demo
    practices = list(session.entities("practices").values())
    providers = list(session.entities("providers").values())
    assert len(providers) == 6
    assert {p.credential for p in providers} == {Credential.OT, Credential.OTA}
    assert all(npi_problem(p.npi) is None for p in [*practices, *providers])
    assert all(p.npi.startswith("2") and len(p.tin) == 9 for p in practices)
    assert len({p.name for p in practices}) == 2


def test_generator__clinical_content_is_realistic(demo):
    session, planted = demo
    table = icd_table()
    visits = [v for v in session.entities("visits").values() if v.id not in planted.by_visit]
    treated = [v for v in visits if v.status is not VisitStatus.SCHEDULED]
    assert all(table.is_billable(dx) for v in treated for dx in v.diagnoses)
    codes = Counter(ln.cpt for v in treated for ln in v.lines)
    assert {"97165", "97166", "97167", "97110", "97530", "97535", "97112", "97140"} <= set(codes)
    assert all("GO" in ln.modifiers for v in treated for ln in v.lines)
    ota = [ln for v in treated for ln in v.lines if ln.furnished_by is Credential.OTA]
    assert ota and all("CO" in ln.modifiers for ln in ota)
    assert all(ln.charge and ln.charge > 0 and ln.units >= 1 for v in treated for ln in v.lines)
    assert all(v.poc_start and v.referring_npi for v in treated)
    coverages = session.entities("coverages")
    patients = session.entities("patients")
    for v in treated:
        cov = coverages[v.coverage_id]
        if cov.payer_id == "medicare":
            assert mbi_problem(cov.member_id) is None
            age = v.date_of_service.year - patients[v.patient_id].dob.year
            assert age >= 65


def test_generator__every_planted_class_triggers_its_rule(demo):
    session, planted = demo
    findings = all_findings(session)
    assert set(CLASS_RULES) <= planted.classes()
    for cls, rule in CLASS_RULES.items():
        hits = [vid for vid, cs in planted.by_visit.items()
                if cls in cs and rule in {f.rule_id for f in findings.get(vid, [])}]
        assert hits, f"{cls} planted but {rule} never fired"


def test_generator__visits_without_planted_mistakes_scrub_clean(demo):
    session, planted = demo
    findings = all_findings(session)
    unplanned = {vid: [f.rule_id for f in fs if f.is_error] for vid, fs in findings.items()
                 if vid not in planted.by_visit}
    assert {vid: rules for vid, rules in unplanned.items() if rules} == {}


def test_generator__showcase_visit_has_exactly_the_three_coding_errors(demo):
    session, planted = demo
    visit = find_showcase_visit(session)
    assert visit is not None and visit.id == planted.showcase
    errors = {f.rule_id for f in all_findings(session)[visit.id] if f.is_error}
    assert errors == {"MOD-DISCIPLINE", "UNITS-TIMED", "DX-NOT-BILLABLE"}


def test_generator__claims_history_has_submissions_and_real_denials(demo):
    session, _ = demo
    claims = list(session.entities("claims").values())
    status = Counter(c.status for c in claims)
    assert status[ClaimStatus.READY] and status[ClaimStatus.SUBMITTED] and status[ClaimStatus.DENIED]
    sent = [c for c in claims if c.status is not ClaimStatus.READY]
    assert all(c.batch_id.startswith("B") and c.submitted_at for c in sent)
    known = {(k.group, k.carc) for k in DENIALS}
    by_id = {c.id: c for c in claims}
    for d in session.entities("denials").values():
        assert (d.group_code, d.carc) in known
        assert d.amount > 0 and d.denied_on < TODAY and d.payer_claim_control_number
        assert by_id[d.claim_id].status is ClaimStatus.DENIED
        assert d.deadline > d.denied_on


def test_generator__next_week_has_appointments_with_unverified_coverage(demo):
    session, _ = demo
    visits = list(session.entities("visits").values())
    scheduled = [v for v in visits if v.status is VisitStatus.SCHEDULED]
    assert scheduled and all(not v.lines for v in scheduled)
    assert all(TODAY < v.date_of_service <= TODAY.add(days=7) for v in scheduled)
    coverages = session.entities("coverages")
    unverified = [v for v in scheduled
                  if coverages[v.coverage_id].status is VerificationStatus.UNVERIFIED]
    assert unverified
