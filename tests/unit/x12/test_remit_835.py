"""The 835 reader: loops, every CAS triplet, RARCs, PLB, reversals, balancing, refusals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pendulum
import pytest

from otq.errors import OtqError
from otq.x12.remit_835 import parse_835
from otq.x12.segments import X12ParseError

from .builders import claim
from .remit_builders import ClaimRemit, build_835, contractual, deny_first_line

PUBLIC = Path(__file__).resolve().parents[2] / "data" / "x12" / "badx12"
D = Decimal


def _fix_se(text: str) -> str:
    """Recount SE01 after a test inserted segments."""
    segs = text.split("~\n")
    st = next(i for i, x in enumerate(segs) if x.startswith("ST*"))
    se = next(i for i, x in enumerate(segs) if x.startswith("SE*"))
    segs[se] = f"SE*{se - st + 1}*0001"
    return "~\n".join(segs)


def _one(**kw):
    return ClaimRemit(claim(lines=3), "1260140012345678", **kw)


def test_835__reads_payment_trace_payer_and_claim_amounts():
    r = parse_835(build_835([_one(line_adjustments=contractual())]), "t.835")
    pay = r.payments[0]
    assert (pay.trace_number, pay.payer_id, pay.amount) == ("EFT0001", "04412", D("240"))
    assert pay.remit_date == pendulum.date(2026, 2, 20)
    clp = pay.claims[0]
    assert (clp.patient_control_number, clp.charge, clp.paid) == ("OTQ0000001", D(300), D(240))
    assert clp.payer_claim_control_number == "1260140012345678"
    assert [s.control_number for s in clp.services] == ["0000001L01", "0000001L02",
                                                        "0000001L03"]
    assert clp.services[1].modifiers == ("GO", "CO")


def test_835__keeps_every_cas_triplet_at_line_and_claim_level():
    text = build_835([_one(line_adjustments=contractual(),
                           claim_adjustments=[("OA", "23", D(5))])]).replace(
        "CAS*CO*45*30~", "CAS*CO*45*20**253*6*1*59*4~", 1)
    clp = parse_835(text).payments[0].claims[0]
    assert [(a.group, a.reason, a.amount, a.quantity) for a in clp.services[0].adjustments] == [
        ("CO", "45", D(20), None), ("CO", "253", D(6), D(1)), ("CO", "59", D(4), None)]
    assert [(a.group, a.reason) for a in clp.adjustments] == [("OA", "23")]
    assert len(clp.all_adjustments()) == 6


def test_835__rarcs_come_from_lq_and_moa():
    text = build_835([_one(line_adjustments=deny_first_line("CO", "97"),
                           line_rarcs=lambda ln: ["M15", "N20"] if ln.control_number.endswith(
                               "L01") else [])])
    text = _fix_se(text.replace("NM1*QC*", "MOA***MA130*N286~\nNM1*QC*", 1))
    clp = parse_835(text).payments[0].claims[0]
    assert clp.services[0].rarcs == ["M15", "N20"]
    assert clp.rarcs == ["MA130", "N286"]


def test_835__plb_is_kept_apart_and_counted_in_the_payment_balance():
    r = parse_835(build_835([_one(line_adjustments=contractual())],
                            plb=[("WO", D("12.50")), ("L6", D("-2.00"))]))
    pay = r.payments[0]
    assert [(a.reason, a.amount) for a in pay.provider_adjustments] == [
        ("WO", D("12.50")), ("L6", D("-2.00"))]
    assert pay.amount == D(240) - D("10.50")


def test_835__reversal_has_negative_amounts_and_balances():
    text = build_835([_one(line_adjustments=contractual(), reversal=True),
                      _one(line_adjustments=contractual())])
    a, b = parse_835(text).payments[0].claims
    assert a.is_reversal and a.paid == D(-240) and not b.is_reversal


def test_835__one_cent_off_in_bpr_is_refused_naming_segment_and_line():
    text = build_835([_one(line_adjustments=contractual())], bpr_delta=D("0.01"))
    with pytest.raises(X12ParseError) as err:
        parse_835(text, "off.835")
    assert err.value.segment_id == "ST" and err.value.line == 3
    assert "BPR02 is 240.01" in str(err.value)


def test_835__line_that_does_not_balance_is_refused_with_its_segment():
    text = build_835([_one(line_adjustments=contractual())]).replace("CAS*CO*45*30~",
                                                                     "CAS*CO*45*29.99~", 1)
    with pytest.raises(X12ParseError) as err:
        parse_835(text, "line.835")
    msgs = "\n".join(err.value.problems)
    assert "segment" in msgs and "(SVC)" in msgs and "(CLP)" in msgs
    assert err.value.segment_id == "SVC"


def test_835__claim_that_does_not_balance_is_refused():
    text = build_835([_one(line_adjustments=contractual())]).replace(
        "CLP*OTQ0000001*1*300*240", "CLP*OTQ0000001*1*300*241", 1)
    with pytest.raises(X12ParseError) as err:
        parse_835(text)
    assert any("claim OTQ0000001 does not balance" in p for p in err.value.problems)


def test_835__wrong_se_count_is_refused():
    text = build_835([_one()])
    seg_count = text.split("SE*")[1].split("*")[0]
    text = text.replace(f"SE*{seg_count}*", f"SE*{int(seg_count) + 1}*")
    with pytest.raises(X12ParseError, match="SE01 says"):
        parse_835(text)


def test_835__cut_short_file_is_refused():
    text = build_835([_one()])
    with pytest.raises(X12ParseError):
        parse_835(text[: len(text) // 2])


def test_835__other_delimiters_and_no_newlines_read_the_same():
    base = build_835([_one(line_adjustments=contractual())], terminator="~")
    odd = base.replace("*", "|").replace(":", ">").replace("~", "\n")
    odd = odd.replace("|^|", "|^|", 1)
    a, b = parse_835(base), parse_835(odd)
    assert a.payments[0].claims[0].services[1].modifiers == \
        b.payments[0].claims[0].services[1].modifiers == ("GO", "CO")
    assert a.payments[0].amount == b.payments[0].amount


def test_835__bad_amount_and_bad_group_code_are_refused():
    good = build_835([_one(line_adjustments=contractual())])
    with pytest.raises(X12ParseError, match="not an amount"):
        parse_835(good.replace("CLP*OTQ0000001*1*300", "CLP*OTQ0000001*1*3O0", 1))
    with pytest.raises(X12ParseError, match="group code"):
        parse_835(good.replace("CAS*CO*45", "CAS*CR*45", 1))


def test_835__an_837_is_refused_as_not_a_payment():
    with pytest.raises(X12ParseError, match="not an 835"):
        parse_835((PUBLIC / "X222-commercial-health-insurance.edi").read_text())


@pytest.mark.parametrize("path", sorted(PUBLIC.glob("*.edi")), ids=lambda p: p.name)
def test_835__public_samples_import_or_are_refused_with_a_reason(path):
    text = path.read_text(errors="replace")
    try:
        r = parse_835(text, path.name)
    except OtqError as exc:
        assert path.name in str(exc) or "X12" in exc.title
        assert not path.name.startswith("X221-"), str(exc)  # the 835 samples all balance
        return
    assert path.name.startswith("X221-")
    assert all(p.claims for p in r.payments)
