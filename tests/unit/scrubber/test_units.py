"""Minutes to units: the CMS pooled 8-minute rule and the AMA per-code rule (facts §2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otq.scrubber.units import (
    ama_units,
    cms_units,
    expected_units,
    midpoint_units,
    pooled_units,
    units_working,
)
from tests.unit.scrubber.builders import REF, timed, visit


@pytest.mark.parametrize("minutes, units", [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2),
                                            (38, 3), (52, 3), (53, 4), (127, 8)])
def test_units__pooled_table_boundaries(minutes, units):
    assert pooled_units(minutes) == units
    assert cms_units({"97110": minutes}) == {"97110": units}
    assert ama_units({"97110": minutes}) == {"97110": units}


def test_units__transmittal_1019_example_cms_gives_extra_unit_to_larger_remainder():
    assert cms_units({"97110": 33, "97140": 7}) == {"97110": 2, "97140": 1}


def test_units__ama_rounds_each_code_alone_for_the_same_minutes():
    assert ama_units({"97110": 33, "97140": 7}) == {"97110": 2, "97140": 0}


def test_units__cms_caps_total_by_pooled_minutes_18_13_10_8():
    got = cms_units({"97110": 18, "97140": 13, "97116": 10, "97035": 8})
    assert got == {"97110": 1, "97140": 1, "97116": 1, "97035": 0}
    assert sum(ama_units({"97110": 18, "97140": 13, "97116": 10, "97035": 8}).values()) == 4


def test_units__cms_two_short_services_give_one_unit_to_the_longer():
    assert cms_units({"97110": 5, "97140": 4}) == {"97110": 1, "97140": 0}


def test_units__cms_full_15_minutes_always_earn_a_unit():
    assert cms_units({"97110": 15, "97530": 15, "97535": 7}) == {"97110": 1, "97530": 1,
                                                                 "97535": 0}


def test_units__thirty_minute_code_needs_16_minutes():
    assert midpoint_units(15, 30) == 0
    assert midpoint_units(16, 30) == 1


def test_units__expected_follows_profile_method():
    v = visit(timed("97110", 33, 2), timed("97140", 7, 1))
    assert expected_units(v, REF.profiles["medicare"], REF.codes) == {"97110": 2, "97140": 1}
    assert expected_units(v, REF.profiles["commercial"], REF.codes) == {"97110": 2, "97140": 0}


def test_units__expected_caps_once_a_day_code_at_max_units():
    v = visit(timed("97129", 30, 2))
    assert expected_units(v, REF.profiles["medicare"], REF.codes) == {"97129": 1}


def test_units__working_text_shows_the_arithmetic():
    v = visit(timed("97110", 33, 2), timed("97140", 7, 1))
    assert units_working(v, REF.profiles["medicare"], REF.codes) == \
        "40 timed min -> 3 units: 97110 x2, 97140 x1"
    assert units_working(v, REF.profiles["commercial"], REF.codes) == \
        "per code: 97110 33 min -> 2, 97140 7 min -> 0"


minutes_maps = st.dictionaries(st.sampled_from(["97110", "97112", "97140", "97530", "97535",
                                                "97533"]),
                               st.integers(min_value=0, max_value=120), min_size=1, max_size=6)


@given(minutes_maps)
def test_units__cms_total_matches_closed_form(minutes):
    total = sum(minutes.values())
    assert sum(cms_units(minutes).values()) == ((total + 7) // 15 if total >= 8 else 0)


@given(minutes_maps)
def test_units__cms_each_code_gets_its_full_units_and_at_most_one_more(minutes):
    got = cms_units(minutes)
    for code, m in minutes.items():
        assert m // 15 <= got[code] <= m // 15 + 1
        if m == 0:
            assert got[code] == 0


@given(minutes_maps)
def test_units__cms_extra_units_go_to_largest_remainders(minutes):
    got = cms_units(minutes)
    extra = {c for c in minutes if got[c] > minutes[c] // 15}
    rest = set(minutes) - extra
    if extra and rest:
        assert min(minutes[c] % 15 for c in extra) >= max(minutes[c] % 15 for c in rest)


@given(minutes_maps)
def test_units__ama_matches_independent_ceiling_formula(minutes):
    # Independent form: a unit for every full 15 minutes, plus one when 8+ minutes are left.
    for code, m in minutes.items():
        assert ama_units(minutes)[code] == m // 15 + (1 if m % 15 >= 8 else 0)


@given(st.integers(min_value=0, max_value=500))
def test_units__single_code_cms_equals_ama(m):
    assert cms_units({"97110": m}) == ama_units({"97110": m})
