"""``fast_decode`` makes what ``codec.decode`` makes, also from odd and incomplete records."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

import pendulum
import pytest

from otq.domain import Visit, VisitStatus
from otq.domain.document import DocumentNeed
from otq.services.decoding import fast_decode
from otq.store import decode

VISIT = {"id": "v1", "external_id": "V1", "patient_id": "p", "coverage_id": "c",
         "provider_id": "pr", "practice_id": "pa", "date_of_service": "2026-11-02",
         "lines": [{"id": "l1", "cpt": "97110", "modifiers": ["GO"], "minutes": 38,
                    "units": 3, "dx_pointers": [1], "charge": "90.00", "furnished_by": "OT"}],
         "diagnoses": ["I69.352"], "status": "uncoded", "version": 3}


@pytest.mark.parametrize("changes", [
    {},
    {"date_of_service": "2026-02-30"},  # not a date: the codec's pendulum rule decides
    {"date_of_service": "2026-11-02T10:00:00+00:00"},
    {"poc_start": "", "poc_end": None, "last_progress_report": "garbage"},
    {"external_id": None, "referring_npi": 1234567890, "telehealth": 1},
    {"lines": [{"id": "l1", "cpt": "97110", "charge": "not money", "units": None}]},
    {"lines": None, "diagnoses": None, "acknowledged": [1, "A"]},
])
def test_fast_decode__matches_the_codec(changes):
    record = {**VISIT, **changes}
    fast, slow = fast_decode(Visit, record), decode(Visit, record)
    assert fast == slow
    names = [f.name for f in dataclasses.fields(slow)]
    assert [type(getattr(fast, f)) for f in names] == [type(getattr(slow, f)) for f in names]


def test_fast_decode__fills_defaults_for_fields_the_record_lacks():
    record = {k: VISIT[k] for k in ("id", "external_id", "patient_id", "coverage_id",
                                     "provider_id", "practice_id", "date_of_service")}
    visit = fast_decode(Visit, record)
    assert visit == decode(Visit, record)
    assert (visit.lines, visit.status, visit.place_of_service) == ((), VisitStatus.UNCODED, "11")


def test_fast_decode__a_missing_required_field_or_a_bad_enum_fails_as_the_codec_does():
    incomplete = {k: v for k, v in VISIT.items() if k != "patient_id"}
    with pytest.raises(TypeError):
        decode(Visit, incomplete)
    with pytest.raises(TypeError):
        fast_decode(Visit, incomplete)
    with pytest.raises(ValueError):
        fast_decode(Visit, {**VISIT, "status": "lost"})
    with pytest.raises(ValueError):
        fast_decode(Visit, {**VISIT, "status": ["unhashable"]})


def test_fast_decode__objects_are_frozen_and_share_their_dates_and_money():
    a = fast_decode(Visit, VISIT)
    b = fast_decode(Visit, {**VISIT, "id": "v2"})
    assert a.date_of_service is b.date_of_service
    assert a.date_of_service == pendulum.date(2026, 11, 2)
    assert a.lines[0].charge is b.lines[0].charge == Decimal("90.00")
    with pytest.raises(AttributeError):
        a.id = "x"  # type: ignore[misc]
    assert hash(a.lines[0]) == hash(decode(Visit, VISIT).lines[0])


@dataclass
class _Box:
    name: str
    tags: list = field(default_factory=list)


def test_fast_decode__default_factories_give_each_object_its_own_value():
    a, b = fast_decode(_Box, {"name": "a"}), fast_decode(_Box, {"name": "b"})
    assert a == _Box("a") and a.tags is not b.tags


def test_fast_decode__needs_from_the_cache_file_shape():
    raw = {"id": "n", "patient_id": "p", "payer_id": "medicare", "kind": "referral",
           "key": "k", "needed_since": "2026-09-28", "period_start": None,
           "period_end": "2026-12-13", "ask": "referring physician", "visit_ids": ["v"],
           "on_file_in_ehr": False}
    assert fast_decode(DocumentNeed, raw) == decode(DocumentNeed, raw)


def test_fast_decode__equal_short_code_tuples_are_one_object_and_long_ones_are_not():
    a = fast_decode(Visit, VISIT)
    b = fast_decode(Visit, {**VISIT, "id": "v2", "lines": [{**VISIT["lines"][0], "id": "l2"}]})
    assert a.lines[0].modifiers is b.lines[0].modifiers == ("GO",)
    assert a.lines[0].dx_pointers is b.lines[0].dx_pointers == (1,)
    assert a.diagnoses is b.diagnoses
    ids = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(3)]
    raw = {"id": "n", "patient_id": "p", "payer_id": "medicare", "kind": "referral",
           "key": "k", "needed_since": "2026-09-28", "period_start": None, "period_end": None,
           "ask": "referring physician", "visit_ids": ids}
    first, second = fast_decode(DocumentNeed, raw), fast_decode(DocumentNeed, dict(raw))
    assert first.visit_ids == second.visit_ids == tuple(ids)
    assert first.visit_ids is not second.visit_ids  # visit ids are not codes: not kept
