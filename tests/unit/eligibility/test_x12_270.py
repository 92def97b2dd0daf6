"""The 270 writer: TR3 layout, trace numbers that lead back to coverages, pyx12-valid."""

from __future__ import annotations

import uuid

import pendulum
import pytest
from x12_builders import pyx12_check

from otq.x12.eligibility_270_271 import (
    EligibilityContext,
    EligibilityRequest,
    coverage_from_trace,
    trace_number,
    write_270,
)
from otq.x12.segments import X12ExportError

CTX = EligibilityContext(sender_isa_id="1234567893", receiver_isa_id="CLEARINGHOUSE",
                         interchange_control_number=12, group_control_number=12,
                         created_at=pendulum.datetime(2026, 1, 15, 9, 30),
                         originator_id="1123456789")


def request(payer=("MEDICARE PART B", "04412"), **kw) -> EligibilityRequest:
    base = dict(coverage_id=str(uuid.uuid4()), payer_name=payer[0], payer_x12_id=payer[1],
                receiver_name="ACME OCCUPATIONAL THERAPY", receiver_npi="1234567893",
                last_name="OKAFOR", first_name="GRACE", member_id="1EG4TE5MK73",
                dob=pendulum.date(1948, 3, 2), plan_date=pendulum.date(2026, 1, 20))
    return EligibilityRequest(**{**base, **kw})


def test_write_270__two_payers_make_two_sets_that_pyx12_accepts(x279_maps):
    reqs = [request(), request(last_name="LINDQVIST", first_name="SVEN", member_id="XKC0042"),
            request(payer=("KEYSTONE COMMERCIAL HEALTH", "60054"), member_id="00012345",
                    dob=None)]
    text = write_270(reqs, context=CTX)
    ok, ack = pyx12_check(text, x279_maps)
    assert ok, ack
    assert ack.count("IK5*A") == 2 and "AK9*A*2*2*2" in ack


def test_write_270__subscriber_loop_has_trace_member_dob_plan_date_and_ot_service_types():
    r = request()
    lines = write_270([r], context=CTX).splitlines()
    hl = lines.index("HL*3*2*22*0~")
    assert lines[hl + 1:hl + 7] == [
        f"TRN*1*{trace_number(r.coverage_id, 12)}*1123456789~",
        "NM1*IL*1*OKAFOR*GRACE****MI*1EG4TE5MK73~",
        "DMG*D8*19480302~",
        "DTP*291*D8*20260120~",
        "EQ*AD~",
        "EQ*30~",
    ]
    assert lines[0].split("*")[13] == "000000012" and lines[1].startswith("GS*HS*")
    assert "NM1*PR*2*MEDICARE PART B*****PI*04412~" in lines
    assert "NM1*1P*2*ACME OCCUPATIONAL THERAPY*****XX*1234567893~" in lines


def test_trace_number__round_trips_to_the_coverage_id_and_rejects_foreign_traces():
    cov = str(uuid.uuid4())
    assert coverage_from_trace(trace_number(cov, 7)) == cov
    assert coverage_from_trace("930000000000") is None


def test_write_270__a_delimiter_in_a_name_stops_the_batch_naming_coverage_and_field():
    r = request(last_name="O*KAFOR")
    with pytest.raises(X12ExportError) as exc:
        write_270([r, request(member_id="")], context=CTX)
    assert f"coverage {r.coverage_id}: last name: contains '*', an X12 delimiter" in exc.value.problems
    assert any(p.endswith("member id: is missing") for p in exc.value.problems)
    assert "O*KAFOR" not in str(exc.value)


def test_write_270__an_empty_batch_is_refused():
    with pytest.raises(X12ExportError):
        write_270([], context=CTX)
