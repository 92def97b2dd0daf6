"""The referring physician's name: visit CSV -> visit -> claim -> NM1*DN; missing is refused."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pendulum
import pytest

from otq.domain import Address, ClaimStatus
from otq.services.claims import promote_clean_visits
from otq.services.claims_export import export_claims
from otq.services.imports import import_visits, referring_name
from otq.services.setup import init_store
from otq.store import Put
from otq.x12.segments import X12ExportError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "visits_sample.csv"
TODAY = pendulum.date(2026, 3, 16)


def _csv(tmp_path: Path, *, with_names: bool) -> Path:
    rows = list(csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8-sig"))))
    fields = list(rows[0].keys())
    if with_names:
        fields += ["referring_last_name", "referring_first_name"]
        for r in rows:
            r["referring_last_name"], r["referring_first_name"] = "Whitfield", "Marcus"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path = tmp_path / "visits.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _store(tmp_path: Path, *, with_names: bool):
    session = init_store(tmp_path / "s.json", practice_name="Acme OT", practice_npi="1234567893",
                         practice_tin="123456789",
                         address=Address("100 Main St", "Cherry Hill", "NJ", "08003"))
    session.today = TODAY
    import_visits(session, _csv(tmp_path, with_names=with_names))
    promote_clean_visits(session)
    # A practice named only by the CSV's billing columns has no address yet: give it one.
    for rec in session.store.all("practices"):
        if not rec["address"]["zip"]:
            session.store.commit([Put("practices", {**rec, "address": {
                "line1": "9 Oak Ave", "city": "Camden", "state": "NJ", "zip": "08101"}},
                rec["version"])], action="test")
    (tmp_path / "s.json.edi.toml").write_text('[submitter]\ncontact_phone = "2155550100"\n')
    return session


def test_referring_name__joins_last_and_first():
    assert referring_name(" Whitfield ", "Marcus") == "Whitfield, Marcus"
    assert referring_name("Whitfield", "") == "Whitfield"
    assert referring_name("", "Marcus") == ""


def test_referring__csv_names_reach_the_claim_and_the_837p(tmp_path):
    session = _store(tmp_path, with_names=True)
    visits = session.entities("visits").values()
    assert {v.referring_name for v in visits if v.referring_npi} == {"Whitfield, Marcus"}
    ready = [c for c in session.entities("claims").values() if c.status is ClaimStatus.READY]
    assert ready
    assert all(c.referring_name == "Whitfield, Marcus" for c in ready if c.referring_npi)
    export_claims(session, tmp_path / "b.837")
    assert "NM1*DN*1*Whitfield*Marcus****XX*" in (tmp_path / "b.837").read_text()


def test_referring__medicare_claims_without_names_are_refused_naming_the_field(tmp_path):
    session = _store(tmp_path, with_names=False)
    ready = [c for c in session.entities("claims").values()
             if c.status is ClaimStatus.READY and c.payer_id == "medicare"]
    assert ready
    with pytest.raises(X12ExportError) as err:
        export_claims(session, tmp_path / "b.837")
    assert f"claim {ready[0].patient_control_number}: referring provider name" in str(err.value)
