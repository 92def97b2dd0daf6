"""The 835 reader never crashes: garbage and reader gaps become X12ParseError."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otq.x12 import remit_835
from otq.x12.remit_835 import parse_835
from otq.x12.segments import X12ParseError

PUBLIC = Path(__file__).resolve().parents[2] / "data" / "x12" / "badx12"
SAMPLE = (PUBLIC / "X221-secondary-payments.edi").read_text()
NOISE = "~*:^>\n\r\x00AZ09.-"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.sampled_from(["del", "ins", "set"]),
                          st.sampled_from(list(NOISE))), min_size=1, max_size=6),
       st.integers(1, len(SAMPLE)))
def test_835__mangled_sample_is_read_or_refused_never_crashes(edits, cut):
    text = list(SAMPLE)
    for pos, op, ch in edits:
        pos = min(pos, len(text) - 1)
        if op == "del":
            del text[pos]
        elif op == "ins":
            text.insert(pos, ch)
        else:
            text[pos] = ch
    try:
        parse_835("".join(text)[:cut], "mangled.835")
    except X12ParseError as exc:
        assert exc.source_name == "mangled.835" and exc.line >= 1


def test_835__unexpected_reader_error_becomes_a_parse_error_naming_the_segment(monkeypatch):
    def broken(r, seg, sid):
        if sid == "CLP":
            raise KeyError("SECRET-MEMBER-ID")
    monkeypatch.setattr(remit_835, "_body", broken)
    with pytest.raises(X12ParseError) as info:
        parse_835(SAMPLE, "gap.835")
    assert info.value.segment_id == "CLP"
    assert "could not be read (KeyError)" in str(info.value)
    assert "SECRET" not in str(info.value)


def test_835__debit_payment_bpr03_d_is_negative_and_must_balance():
    # Turn the sample into a recoupment: BPR03 D and negated claim amounts.
    text = (SAMPLE.replace("BPR*I*1222*C*", "BPR*I*1222*D*")
            .replace("CLP*L0004828311*2*10323.64*912*", "CLP*L0004828311*22*-10323.64*-912*")
            .replace("CAS*OA*23*9411.64", "CAS*OA*23*-9411.64")
            .replace("CLP*0001000053*2*751.50*310*220*", "CLP*0001000053*22*-751.50*-310*-220*")
            .replace("SVC*HC:12345:26*166.5*30**1", "SVC*HC:12345:26*-166.5*-30**1")
            .replace("CAS*OA*23*136.50", "CAS*OA*23*-136.50")
            .replace("SVC*HC:66543:26*585*280*220*1", "SVC*HC:66543:26*-585*-280*220*1")
            .replace("CAS*PR*1*150**2*70", "CAS*PR*1*-150**2*-70")
            .replace("CAS*CO*42*85", "CAS*CO*42*-85"))
    pay = parse_835(text, "debit.835").payments[0]
    assert pay.amount == Decimal("-1222")
    assert all(c.is_reversal for c in pay.claims)
