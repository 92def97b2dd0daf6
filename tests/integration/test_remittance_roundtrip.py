"""The revenue loop on a generated 2,000-visit store: 837P out, 835 back, denials queue.

Export the ready claims, answer them with an 835 that pays some and denies others with
CO-97, CO-50, PR-2 and CO-29, import it, and check the open-denials queue holds exactly
those items with the playbook's next actions and deadlines. Reimport is a no-op; one cent
off balance is refused whole.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from x12.builders import pyx12_check, pyx12_valid  # noqa: E402
from x12.remit_builders import CENT, ClaimRemit, build_835, contractual  # noqa: E402
from x12.store_builders import TODAY, copy_store, make_template  # noqa: E402

from otq.domain import ClaimStatus, DenialStatus  # noqa: E402
from otq.queue_defs import load_queue_specs  # noqa: E402
from otq.services.claims_export import export_claims  # noqa: E402
from otq.services.queues import queue_rows  # noqa: E402
from otq.services.remittance import import_era  # noqa: E402
from otq.x12.segments import X12ParseError  # noqa: E402

REMIT_DATE = TODAY.subtract(days=3)


def _deny_first(group, carc):
    def adjust(ln):
        return [(group, carc, ln.charge)] if ln.control_number.endswith("L01") else \
            contractual()(ln)
    return adjust


def _coinsurance(ln):
    allowed = (ln.charge * Decimal("0.8")).quantize(CENT)
    pr = (allowed * Decimal("0.2")).quantize(CENT)
    return [("CO", "45", ln.charge - allowed), ("PR", "2", pr)]


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loop")
    session = copy_store(make_template(folder, visits=2000), folder)
    before = {d.id for d in session.entities("denials").values()}
    result = export_claims(session, folder / "batch.837")
    sent = sorted((c for c in session.entities("claims").values()
                   if c.batch_id == result.batch_id), key=lambda c: c.patient_control_number)
    plan, remits = {}, []
    for i, c in enumerate(sent):
        kind = ("CO-97", "CO-50", "PR-2", "CO-29", "paid")[i % 5]
        if kind == "CO-97" and len(c.lines) < 2:
            kind = "paid"
        icn = f"26075{i:09d}"
        if kind == "CO-97":
            r = ClaimRemit(c, icn, _deny_first("CO", "97"),
                           line_rarcs=lambda ln: ["M15"] if ln.control_number.endswith("L01")
                           else [])
        elif kind in ("CO-50", "CO-29"):
            r = ClaimRemit(c, icn, claim_adjustments=[("CO", kind[3:], c.total_charge)],
                           status="4")
        elif kind == "PR-2":
            r = ClaimRemit(c, icn, _coinsurance)
        else:
            r = ClaimRemit(c, icn, contractual())
        plan[c.id] = kind
        remits.append(r)
    text = build_835(remits, date=REMIT_DATE, trace="EFT20260313")
    era = folder / "remit.835"
    era.write_text(text)
    imported = import_era(session, era)
    return session, before, plan, imported, text, folder


def _new(session, before):
    return [d for d in session.entities("denials").values() if d.id not in before]


def test_roundtrip__the_demo_batch_passes_pyx12_with_an_accepted_999(loop):
    ok, ack = pyx12_check((loop[5] / "batch.837").read_text())
    assert ok and "IK5*A~" in ack and "AK9*A*1*1*1~" in ack


def test_roundtrip__the_built_835_is_valid_for_pyx12(loop):
    assert pyx12_valid(loop[4])
    assert not pyx12_valid(loop[4].replace("CAS*CO*", "CAS*XX*", 1))


def test_roundtrip__claims_become_paid_partial_or_denied(loop):
    session, _, plan, imported, _, _ = loop
    claims = session.entities("claims")
    want = {"CO-97": ClaimStatus.PARTIAL, "CO-50": ClaimStatus.DENIED,
            "PR-2": ClaimStatus.PAID, "CO-29": ClaimStatus.DENIED, "paid": ClaimStatus.PAID}
    assert all(claims[cid].status is want[kind] for cid, kind in plan.items())
    assert imported.claims_posted == len(plan) and imported.unmatched == 0
    paid = [claims[cid] for cid, k in plan.items() if k == "paid"]
    assert all(c.paid_amount == c.total_charge - (c.total_charge * Decimal("0.2")).quantize(
        CENT) or c.paid_amount > 0 for c in paid)
    assert all(claims[cid].original_icn.startswith("26075") for cid in plan)


def test_roundtrip__denials_are_exactly_the_denied_items_with_next_action_and_deadline(loop):
    session, before, plan, _, _, _ = loop
    new = _new(session, before)
    expected = {(cid, k) for cid, k in plan.items() if k != "paid"}
    assert {(d.claim_id, f"{d.group_code}-{d.carc}") for d in new} == expected
    assert len(new) == len(expected)  # PR-2 on several lines is one item per claim
    claims = session.entities("claims")
    profiles = session.reference.profiles
    for d in new:
        profile = profiles[session.entity("payers", d.payer_id).profile_id]
        reason = f"{d.group_code}-{d.carc}"
        if reason == "CO-97":
            line = next(ln for ln in claims[d.claim_id].lines
                        if ln.control_number == d.line_control_number)
            assert d.rarcs == ("M15",) and d.cpt == line.cpt
            if profile.accepts_frequency_7:
                assert d.next_action == "correct_resubmit"
                assert d.deadline == line.date_of_service.add(days=profile.filing_limit_days)
            else:
                assert (d.next_action, d.deadline) == ("reopening", REMIT_DATE.add(days=365))
        elif reason == "CO-50":
            assert (d.next_action, d.deadline) == ("appeal",
                                                   REMIT_DATE.add(days=profile.appeal_days))
            if d.payer_id == "medicare":
                assert d.deadline == REMIT_DATE.add(days=120)
        elif reason == "PR-2":
            assert (d.next_action, d.deadline) == ("bill_patient", REMIT_DATE.add(days=30))
        else:
            assert (d.next_action, d.deadline) == ("write_off", REMIT_DATE.add(days=30))


def test_roundtrip__denials_queue_lists_them_sorted_by_deadline_then_amount(loop):
    session, before, _, _, _, _ = loop
    spec = next(s for s in load_queue_specs() if s.id == "denials")
    rows = queue_rows(session, spec)
    new_ids = {d.id for d in _new(session, before)}
    listed = [r for r in rows if r.subject_id in new_ids]
    assert {r.subject_id for r in listed} == new_ids
    keys = [(r.sort_values[0], -r.sort_values[4]) for r in rows]
    assert keys == sorted(keys)
    aging = [c.id for c in spec.columns].index("aging")
    assert {r.cells[aging] for r in listed} == {"0-30"}


def test_roundtrip__reimporting_the_same_file_posts_nothing(loop):
    session, _, _, _, _, folder = loop
    seq = session.store.meta["seq"]
    again = import_era(session, folder / "remit.835")
    assert (again.already_posted, again.claims_posted, again.denials) == (1, 0, 0)
    assert session.store.meta["seq"] == seq


def test_roundtrip__one_cent_off_balance_is_refused_whole(loop):
    session, _, _, _, text, folder = loop
    off = text.replace("TRN*1*EFT20260313", "TRN*1*EFT20260314")
    bpr = off.split("BPR*I*")[1].split("*")[0]
    off = off.replace(f"BPR*I*{bpr}*", f"BPR*I*{Decimal(bpr) + Decimal('0.01')}*", 1)
    (folder / "off.835").write_text(off)
    seq = session.store.meta["seq"]
    with pytest.raises(X12ParseError, match="payment does not balance"):
        import_era(session, folder / "off.835")
    assert session.store.meta["seq"] == seq


def test_roundtrip__a_later_payment_closes_the_denial(loop):
    session, before, plan, _, _, folder = loop
    cid = next(cid for cid, k in plan.items() if k == "CO-50")
    claim = session.entity("claims", cid)
    text = build_835([ClaimRemit(claim, claim.original_icn, contractual())],
                     date=TODAY, trace="EFT-APPEAL-1")
    (folder / "later.835").write_text(text)
    r = import_era(session, folder / "later.835")
    assert r.closed_denials == 1
    d = next(d for d in _new(session, before) if d.claim_id == cid)
    assert d.status is DenialStatus.CLOSED and d.resolution == "paid"
    assert [h.what.split(":")[0] for h in d.history][-1] == "closed"
    assert session.entity("claims", cid).status is ClaimStatus.PAID
