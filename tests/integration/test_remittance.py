"""ERA import details: matching fallbacks, unmatched items kept, reversals, dry run, samples."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from x12.remit_builders import ClaimRemit, build_835, contractual  # noqa: E402
from x12.store_builders import copy_store, make_template  # noqa: E402

from otq.domain import ClaimStatus  # noqa: E402
from otq.errors import OtqError, ValidationError  # noqa: E402
from otq.services.claims_export import export_claims  # noqa: E402
from otq.services.remittance import import_era  # noqa: E402

PUBLIC = Path(__file__).resolve().parents[1] / "data" / "x12" / "badx12"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return make_template(tmp_path_factory.mktemp("tpl"))


@pytest.fixture
def sent(template, tmp_path):
    session = copy_store(template, tmp_path)
    r = export_claims(session, tmp_path / "b.837", payer="commercial")
    claims = sorted((c for c in session.entities("claims").values()
                     if c.batch_id == r.batch_id), key=lambda c: c.patient_control_number)
    return session, claims


def _write(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return tmp_path / name


def test_era__lines_without_ref_6r_match_on_code_and_date(sent, tmp_path):
    session, claims = sent
    c = claims[0]
    path = _write(tmp_path, "a.835", build_835([ClaimRemit(c, "ICN1", contractual(),
                                                           with_6r=False)]))
    r = import_era(session, path)
    assert r.unmatched == 0 and r.claims_posted == 1
    assert session.entity("claims", c.id).status is ClaimStatus.PAID


def test_era__unknown_claim_and_unknown_line_go_to_unmatched_never_dropped(sent, tmp_path):
    session, claims = sent
    c = claims[1]
    stranger = ClaimRemit(c, "ICN2", contractual())
    text = build_835([ClaimRemit(claims[2], "ICN3", contractual()), stranger])
    text = text.replace(f"CLP*{c.patient_control_number}*", "CLP*NOTOURS123*")
    first = claims[2].lines[0]
    text = text.replace(f"SVC*HC:{first.cpt}", "SVC*HC:99213", 1).replace(
        f"REF*6R*{first.control_number}", "REF*6R*UNKNOWN01", 1)
    r = import_era(session, _write(tmp_path, "u.835", text))
    rows = session.store.all("unmatched_remits")
    assert r.unmatched == 2 and len(rows) == 2
    levels = sorted((x["level"], x["patient_control_number"]) for x in rows)
    assert levels == [("claim", "NOTOURS123"), ("line", claims[2].patient_control_number)]
    line = next(x for x in rows if x["level"] == "line")
    assert line["code"] == "99213" and Decimal(line["paid"]) > 0 and line["segment_number"] > 0


def test_era__claim_not_yet_submitted_is_not_paid(sent, tmp_path):
    session, _ = sent
    ready = next(c for c in session.entities("claims").values()
                 if c.status is ClaimStatus.READY)
    r = import_era(session, _write(tmp_path, "r.835",
                                   build_835([ClaimRemit(ready, "ICN9", contractual())])))
    assert r.unmatched == 1 and session.entity("claims", ready.id).status is ClaimStatus.READY
    assert "not been submitted" in session.store.all("unmatched_remits")[0]["reason"]


def test_era__reversal_takes_the_payment_back_and_a_correction_reposts(sent, tmp_path):
    session, claims = sent
    c = claims[3]
    import_era(session, _write(tmp_path, "p.835", build_835([ClaimRemit(c, "ICN4",
                                                                        contractual())])))
    paid = session.entity("claims", c.id).paid_amount
    assert paid > 0
    text = build_835([ClaimRemit(c, "ICN4", contractual(), reversal=True),
                      ClaimRemit(c, "ICN4B", contractual(Decimal("0.5")))], trace="EFT2")
    import_era(session, _write(tmp_path, "rev.835", text))
    after = session.entity("claims", c.id)
    assert after.paid_amount == c.total_charge - sum(
        (ln.charge * Decimal("0.5")).quantize(Decimal("0.01")) for ln in c.lines)
    assert after.status is ClaimStatus.PAID and after.original_icn == "ICN4B"


def test_era__dry_run_posts_nothing(sent, tmp_path):
    session, claims = sent
    seq = session.store.meta["seq"]
    r = import_era(session, _write(tmp_path, "d.835",
                                   build_835([ClaimRemit(claims[0], "I", contractual())])),
                   dry_run=True)
    assert r.dry_run and r.claims_posted == 1 and session.store.meta["seq"] == seq


def test_era__same_payment_in_a_different_file_is_not_posted_twice(sent, tmp_path):
    session, claims = sent
    text = build_835([ClaimRemit(claims[0], "I", contractual())])
    import_era(session, _write(tmp_path, "one.835", text))
    again = import_era(session, _write(tmp_path, "two.835", text.replace("~\n", "~")))
    assert again.already_posted == 1 and again.claims_posted == 0
    assert session.entity("claims", claims[0].id).paid_amount == \
        claims[0].total_charge * Decimal("0.8")


def test_era__binary_file_is_refused_with_its_name(sent, tmp_path):
    session, _ = sent
    path = tmp_path / "junk.835"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ValidationError, match="junk.835"):
        import_era(session, path)


@pytest.mark.parametrize("path", sorted(PUBLIC.glob("*.edi")), ids=lambda p: p.name)
def test_era__public_samples_import_as_unmatched_or_are_refused_never_crash(sent, path):
    session, _ = sent
    try:
        r = import_era(session, path)
    except OtqError as exc:
        assert path.name in str(exc)
        assert not path.name.startswith("X221-")
        return
    # Their claims are not ours: everything lands in the unmatched list.
    assert r.claims_posted == 0 and r.unmatched >= 1
