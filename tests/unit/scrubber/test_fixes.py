"""apply_fix: every operation, removal ordering, and bad fixes refused."""

from __future__ import annotations

import pytest

from otq.domain import Fix
from otq.errors import ValidationError
from otq.scrubber import apply_fix, preview_fix
from tests.unit.scrubber.builders import only, scrub, timed, untimed, visit


def _fix(*changes):
    return Fix("t", "test", tuple(changes))


def test_apply_fix__add_and_remove_modifier():
    v = visit(timed("97110", 23, 2, modifiers=("GP",)))
    out = apply_fix(v, _fix({"op": "remove_modifier", "line": 0, "modifier": "GP"},
                            {"op": "add_modifier", "line": 0, "modifier": "go"}))
    assert out.lines[0].modifiers == ("GO",)
    assert v.lines[0].modifiers == ("GP",)  # pure: the original is untouched


def test_apply_fix__add_modifier_is_idempotent():
    v = visit()
    assert apply_fix(v, _fix({"op": "add_modifier", "line": 0, "modifier": "GO"})) == v


def test_apply_fix__move_modifier_between_lines():
    v = visit(timed("97140", 15, 1, modifiers=("GO", "59")), timed("97530", 15, 1))
    out = apply_fix(v, _fix({"op": "move_modifier", "line": 0, "modifier": "59", "to_line": 1}))
    assert out.lines[0].modifiers == ("GO",) and out.lines[1].modifiers == ("GO", "59")


def test_apply_fix__units_code_pos_pointers():
    v = visit(untimed("97014"))
    out = apply_fix(v, _fix({"op": "set_units", "line": 0, "units": 1},
                            {"op": "set_code", "line": 0, "code": "G0283"},
                            {"op": "set_pos", "pos": "10"},
                            {"op": "set_dx_pointers", "line": 0, "pointers": [1, 2]}))
    assert (out.lines[0].cpt, out.place_of_service, out.lines[0].dx_pointers) == \
        ("G0283", "10", (1, 2))


def test_apply_fix__removals_apply_last_so_indexes_stay_valid():
    v = visit(timed("97110", 23, 2), timed("97140", 7, 1), timed("97530", 15, 1))
    out = apply_fix(v, _fix({"op": "remove_line", "line": 1},
                            {"op": "set_units", "line": 2, "units": 5}))
    assert [(ln.cpt, ln.units) for ln in out.lines] == [("97110", 2), ("97530", 5)]


@pytest.mark.parametrize("change", [{"op": "explode"}, {"op": "set_units", "line": 9, "units": 1},
                                    {"op": "set_units", "line": 0, "units": -1},
                                    {"op": "set_dx_pointers", "line": 0, "pointers": [0]}])
def test_apply_fix__bad_operation_raises_validation_error(change):
    with pytest.raises(ValidationError):
        apply_fix(visit(), _fix(change))


def test_apply_fix__every_offered_fix_clears_its_finding():
    cases = [
        visit(timed("97110", 23, 2, modifiers=())),                       # MOD-DISCIPLINE
        visit(timed("97110", 33, 2), timed("97140", 7, 0)),               # UNITS-TIMED
        visit(timed("97110", 33, 2), timed("97140", 7, 1), profile="commercial"),
        visit(untimed("97165", 3)),                                        # UNITS-UNTIMED
        visit(untimed("97014")),                                           # CODE-SUBSTITUTE
        visit(timed("97140", 15, 1), timed("97530", 15, 1)),              # NCCI-PAIR
        visit(timed("97110", 23, 2, modifiers=("GO", "95")), place_of_service="11"),
        visit(timed("97110", 23, 2, dx=())),                               # DX-MISSING
    ]
    for v in cases:
        fixes = [f for f in scrub(v) if f.fix is not None]
        assert fixes, v
        for f in fixes:
            fixed = apply_fix(v, f.fix)
            assert not only(scrub(fixed), f.rule_id), (f.rule_id, preview_fix(v, f.fix))


def test_preview_fix__describes_each_change():
    v = visit(timed("97110", 23, 2, modifiers=()))
    f = only(scrub(v), "MOD-DISCIPLINE")[0]
    assert preview_fix(v, f.fix) == ["line 1 (97110): add modifier GO"]
