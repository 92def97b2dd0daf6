"""The 837P writer: pyx12-valid batches, every required piece, refusals naming claim and field."""

from __future__ import annotations

import os
import string
from dataclasses import replace
from decimal import Decimal

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otq.domain import ClaimLine
from otq.x12.claim_837p import money, validate_837p, write_837p
from otq.x12.segments import X12ExportError, tokenize

from .builders import COMMERCIAL, CONTEXT, bundle, claim, context, patient, pyx12_check


def _segments(text: str) -> list[tuple[str, ...]]:
    return [s.elements for s in tokenize(text)[1]]


def test_837p__two_claims_pass_pyx12_with_an_accepted_999():
    text = write_837p([bundle(), bundle(claim("OTQ0000002", lines=3))], context=CONTEXT)
    ok, ack = pyx12_check(text)
    assert ok, ack
    assert "IK5*A~" in ack


def test_837p__pyx12_check_fails_on_a_broken_segment_count():
    text = write_837p([bundle()], context=CONTEXT).replace("SE*32*0001", "SE*31*0001")
    ok, ack = pyx12_check(text)
    assert not ok
    assert "IK5*A~" not in ack


def test_837p__carries_envelope_numbers_and_counts_segments():
    text = write_837p([bundle()], context=context(interchange_control_number=4242,
                                                  group_control_number=17))
    segs = _segments(text)
    assert segs[0][13] == "000004242"
    assert segs[1][6] == "17"
    st_index = next(i for i, s in enumerate(segs) if s[0] == "ST")
    se = next(s for s in segs if s[0] == "SE")
    assert int(se[1]) == len(segs) - st_index - 2  # ST..SE inclusive, without GE/IEA
    assert segs[-1] == ("IEA", "1", "000004242")


def test_837p__claim_has_hi_without_dots_referring_and_lines_with_6r():
    segs = _segments(write_837p([bundle(claim(lines=3))], context=CONTEXT))
    ids = [s[0] for s in segs]
    assert ("HI", "ABK:I69351", "ABF:M6281") in segs
    assert ("NM1", "DN", "1", "SMITH", "ROBERT", "", "", "", "XX", "1245319599") in segs
    assert ("SV1", "HC:97535:GO:CO", "100", "UN", "2", "", "", "1:2") in segs
    assert [s[2] for s in segs if s[:2] == ("REF", "6R")] == [
        "0000001L01", "0000001L02", "0000001L03"]
    assert ids.count("DTP") == 3
    clm = next(s for s in segs if s[0] == "CLM")
    assert clm[2] == "300" and clm[5] == "11:B:1"


def test_837p__clm02_equals_the_sum_of_the_lines():
    c = claim(lines=3)
    segs = _segments(write_837p([bundle(c)], context=CONTEXT))
    clm = next(s for s in segs if s[0] == "CLM")
    sv1 = [Decimal(s[2]) for s in segs if s[0] == "SV1"]
    assert Decimal(clm[2]) == sum(sv1) == c.total_charge


def test_837p__replacement_carries_frequency_7_and_ref_f8():
    c = claim(frequency="7", icn="1260140012345678")
    text = write_837p([bundle(c)], context=CONTEXT)
    segs = _segments(text)
    assert next(s for s in segs if s[0] == "CLM")[5] == "11:B:7"
    assert ("REF", "F8", "1260140012345678") in segs
    assert pyx12_check(text)[0]


def test_837p__void_without_payer_claim_number_is_refused():
    with pytest.raises(X12ExportError) as err:
        write_837p([bundle(claim(frequency="8"))], context=CONTEXT)
    assert err.value.claim == "OTQ0000001"
    assert "REF*F8" in err.value.field


def test_837p__medicare_claim_without_referring_name_is_refused_naming_the_field():
    with pytest.raises(X12ExportError) as err:
        write_837p([bundle(referring=False)], context=CONTEXT)
    assert "claim OTQ0000001: referring provider name (2310A NM103)" in str(err.value)


def test_837p__commercial_claim_without_referring_is_written_without_nm1_dn():
    c = claim(referring_npi="", payer="commercial")
    text = write_837p([bundle(c, payer=COMMERCIAL, referring=False)], context=CONTEXT)
    assert "NM1*DN" not in text
    assert pyx12_check(text)[0]


@pytest.mark.parametrize("bad", ["O*BRIEN", "O~BRIEN", "O:BRIEN", "O^BRIEN", "O\nBRIEN",
                                 "O\tBRIEN", "O\x07BRIEN"])
def test_837p__hostile_patient_name_is_refused_with_claim_and_field_named(bad):
    b = bundle(pat=patient(last=bad))
    with pytest.raises(X12ExportError) as err:
        write_837p([b], context=CONTEXT)
    assert err.value.claim == "OTQ0000001"
    assert err.value.field == "subscriber last name (2010BA NM103)"
    assert bad not in str(err.value)  # the value itself (PHI) is never echoed


def test_837p__every_problem_of_every_claim_is_listed():
    bad_line = ClaimLine("X", "9716", ("GO",), 0, Decimal(0), (7,), pendulum.date(2026, 1, 14))
    c1 = replace(claim(), lines=(bad_line,))
    c2 = replace(claim("OTQ0000002"), diagnoses=())
    problems = validate_837p([bundle(c1), bundle(c2)])
    text = "\n".join(problems)
    for needle in ("claim OTQ0000001: line 1 procedure code", "claim OTQ0000001: line 1 units",
                   "claim OTQ0000001: line 1 charge", "claim OTQ0000001: line 1 diagnosis",
                   "claim OTQ0000002: diagnoses (HI)"):
        assert needle in text


def test_837p__empty_batch_is_refused():
    with pytest.raises(X12ExportError):
        write_837p([], context=CONTEXT)


def test_837p__bad_envelope_is_refused():
    with pytest.raises(X12ExportError) as err:
        write_837p([bundle()], context=context(usage_indicator="X"))
    assert "ISA15" in str(err.value)


def test_money__drops_trailing_zeros():
    assert [money(Decimal(x)) for x in ("150.00", "12.50", "0.01", "7")] == [
        "150", "12.5", "0.01", "7"]


# ------------------------------------------------------------------ properties
_NAME = st.text(alphabet=string.ascii_uppercase + " '-", min_size=1, max_size=20).filter(
    lambda s: s.strip() and s == s.strip())
_CODES = st.sampled_from(["97110", "97112", "97140", "97530", "97535", "97165", "97760"])
_MODS = st.lists(st.sampled_from(["GO", "CO", "KX", "59", "XU", "95"]), max_size=4, unique=True)


@st.composite
def _claims(draw):
    n = draw(st.integers(1, 6))
    dx = tuple(draw(st.lists(st.sampled_from(["I69.351", "M62.81", "R26.89", "S52.501A",
                                               "G56.01", "M19.011"]), min_size=1, max_size=4,
                                              unique=True)))
    lines = tuple(ClaimLine(
        control_number=f"L{i:02d}", cpt=draw(_CODES), modifiers=tuple(draw(_MODS)),
        units=draw(st.integers(1, 8)),
        charge=Decimal(draw(st.integers(1, 99999))) / 100,
        dx_pointers=tuple(draw(st.lists(st.integers(1, len(dx)), min_size=1, max_size=4,
                                        unique=True))),
        date_of_service=pendulum.date(2026, 1, 1).add(days=draw(st.integers(0, 60))))
        for i in range(n))
    pcn = draw(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1,
                       max_size=20))
    c = replace(claim(pcn), lines=lines, diagnoses=dx,
                place_of_service=draw(st.sampled_from(["11", "12", "02", "10"])))
    return bundle(c, pat=patient(draw(_NAME), draw(_NAME)))


# Each example runs pyx12 (about 0.7 s): 25 in CI, 200 in the full run (OTQ_STRESS=1).
@settings(max_examples=200 if os.environ.get("OTQ_STRESS") else 25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_claims(), min_size=1, max_size=3, unique_by=lambda b: b.claim.patient_control_number))
def test_837p__random_valid_claims_pass_pyx12(bundles):
    ok, ack = pyx12_check(write_837p(bundles, context=CONTEXT))
    assert ok, ack
    assert "IK5*A~" in ack


@settings(max_examples=50, deadline=None)
@given(_claims(), st.text(min_size=1, max_size=3, alphabet="~*:^\x00\x1f\r\n\t\x7f"),
       st.sampled_from(["last", "first"]))
def test_837p__hostile_names_are_refused_before_export(b, hostile, which):
    name = f"AB{hostile}CD"
    pat = replace(b.patient, **{f"{which}_name": name})
    with pytest.raises(X12ExportError) as err:
        write_837p([replace(b, patient=pat)], context=CONTEXT)
    assert err.value.claim == b.claim.patient_control_number
    assert f"subscriber {which} name" in err.value.field
