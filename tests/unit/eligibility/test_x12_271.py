"""The 271 reader: loops, traces, AAA at every level; malformed files refused whole."""

from __future__ import annotations

import pytest
from x12_builders import build_271, pyx12_check

from otq.x12.eligibility_270_271 import parse_271
from otq.x12.segments import X12ParseError

ACTIVE = ["TRN*2*aaaa0000bbbb1111cccc2222dddd3333-12*1123456789",
          "NM1*IL*1*OKAFOR*GRACE****MI*1EG4TE5MK73", "DMG*D8*19480302*F",
          "DTP*346*D8*20250101",
          "EB*1*IND*30*MB*MEDICARE PART B",
          "EB*F*IND*AD***24*812.40", "MSG*OT AMOUNT APPLIED TOWARD THERAPY THRESHOLD",
          "EB*B*IND*AD*MB**27*25****N*Y",
          "EB*R**30*OT*MEDIGAP"]
# The pyx12 map of commit a564361 nests LS inside the 2115C loop (a map bug), so the
# 2120C related-entity loop is checked without pyx12.
OTHER_PAYER = ["LS*2120", "NM1*PR*2*KEYSTONE COMMERCIAL HEALTH", "LE*2120"]


def test_parse_271__reads_subscriber_trace_dates_and_raw_eb_rows(x279_maps):
    text = build_271([("MEDICARE PART B", "04412", [ACTIVE])])
    ok, ack = pyx12_check(text, x279_maps)
    assert ok, ack  # the fixture itself is a valid 271
    parsed = parse_271(text, "resp.271")
    (resp,) = parsed.responses
    assert resp.traces == ["aaaa0000bbbb1111cccc2222dddd3333-12"]
    assert (resp.payer_name, resp.payer_x12_id) == ("MEDICARE PART B", "04412")
    assert resp.dates == [("346", "20250101")]
    assert [b.eb01 for b in resp.benefits] == ["1", "F", "B", "R"]
    assert resp.benefits[1].messages == ("OT AMOUNT APPLIED TOWARD THERAPY THRESHOLD",)
    assert resp.benefits[2].auth_required == "N" and resp.benefits[2].in_network == "Y"
    assert parsed.unattached == []


def test_parse_271__ls_loop_names_the_related_entity_of_the_benefit_before_it():
    text = build_271([("MEDICARE PART B", "04412", [ACTIVE + OTHER_PAYER])])
    (resp,) = parse_271(text, "resp.271").responses
    assert resp.benefits[-1].related_entity == "KEYSTONE COMMERCIAL HEALTH"
    assert resp.member_id == "1EG4TE5MK73"  # the subscriber NM1, not the LS one


def test_parse_271__repetition_separator_splits_service_types():
    text = build_271([("P", "1", [["TRN*2*x-1*1", "EB*1**1^33^AD^30"]])])
    (resp,) = parse_271(text, "r.271").responses
    assert resp.benefits[0].service_types == ("1", "33", "AD", "30")


def test_parse_271__aaa_at_each_loop_is_placed_by_loop():
    sub = ["TRN*2*x-1*1", "NM1*IL*1*A*B****MI*1", "AAA*Y**72*C", "EB*1**30",
           "AAA*Y**57*C"]
    text = build_271([("P", "1", [sub])], payer_segments=["AAA*Y**42*R"])
    (resp,) = parse_271(text, "r.271").responses
    assert [(r.loop, r.code, r.follow_up_code) for r in resp.rejections] == [
        ("2100A", "42", "R"), ("2100C", "72", "C"), ("2110C", "57", "C")]


def test_parse_271__provider_level_rejection_without_subscribers_is_unattached():
    text = build_271([("ABC HEALTH", "842610001", [])]).replace(
        "NM1*1P*2*ACME OCCUPATIONAL THERAPY*****XX*1234567893~",
        "NM1*1P*2*ACME OCCUPATIONAL THERAPY*****XX*1234567893~\nAAA*Y**50*N~")
    text = text.replace("SE*7*0001", "SE*8*0001")
    parsed = parse_271(text, "r.271")
    assert parsed.responses == []
    assert [(p, r.loop, r.code) for p, r in parsed.unattached] == [("842610001", "2100B", "50")]


@pytest.mark.parametrize(("mutate", "segment", "reason"), [
    (lambda t: t.replace("\nSE*", "\nSE*99", 1), "SE", "SE01 says"),
    (lambda t: t.replace("GS*HB*", "GS*HP*"), "GS", "GS01 must be HB"),
    (lambda t: t.replace("EB*1*IND*30", "EB**IND*30"), "EB", "EB01 benefit code is missing"),
    (lambda t: t.replace("HL*3*2*22*0", "HL*3*9*22*0"), "HL", "HL numbering is broken"),
    (lambda t: t.rsplit("IEA", 1)[0], "GE", "ends without an IEA"),
    (lambda t: t.replace("TRN*2*aaaa0000bbbb1111cccc2222dddd3333-12", "TRN*2*"), "TRN", "TRN02 trace number is missing"),
])
def test_parse_271__malformed_file_is_refused_naming_the_segment(mutate, segment, reason):
    text = mutate(build_271([("MEDICARE PART B", "04412", [ACTIVE])]))
    with pytest.raises(X12ParseError) as exc:
        parse_271(text, "bad.271")
    assert exc.value.segment_id == segment
    assert reason in exc.value.reason
    assert str(exc.value).startswith(f"bad.271: segment {exc.value.segment_number} ({segment})")
    assert "OKAFOR" not in str(exc.value) and "1EG4TE5MK73" not in str(exc.value)


def test_parse_271__a_270_is_not_a_271():
    text = build_271([("P", "1", [])]).replace("GS*HB", "GS*HS").replace("ST*271", "ST*270")
    with pytest.raises(X12ParseError, match="GS01 must be HB"):
        parse_271(text, "x.271")


def test_parse_271__text_that_is_not_x12_is_refused():
    with pytest.raises(X12ParseError, match="must begin with an ISA"):
        parse_271("appointment_id,date\n", "x.271")
