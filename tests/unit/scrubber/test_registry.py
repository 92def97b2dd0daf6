"""The registry as a whole: ids, documentation, and never raising on bad data."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pendulum

from otq.domain import ServiceLine, Severity, Visit, VisitStatus
from otq.scrubber import CATALOGUE_IDS, RULES, ScrubContext, rule_table, scrub_visit
from otq.services.scrub_report import rules_markdown
from tests.unit.scrubber.builders import REF, TODAY, scrub, timed, visit, world

ISSUE_SEVERITIES = {"DOC-PROGRESS-DUE": Severity.WARNING, "FILING-SOON": Severity.WARNING}


def test_registry__every_catalogue_rule_exists_with_its_severity():
    for rid in CATALOGUE_IDS:
        assert RULES[rid].severity is ISSUE_SEVERITIES.get(rid, Severity.ERROR), rid


def test_registry__every_rule_is_documented_with_a_source():
    for r in rule_table():
        assert r.description and r.source and r.check.__doc__, r.id
    assert len(rule_table()) == len(RULES) >= 40


def test_registry__markdown_table_lists_every_rule():
    md = rules_markdown()
    for rid in RULES:
        assert f"| `{rid}` |" in md


def test_findings__carry_subject_field_and_source():
    f = scrub(visit(note_signed=False))[0]
    assert (f.rule_id, f.subject_id, f.field) == ("DOC-NOTE-UNSIGNED", "v1", "note_signed")
    assert "(source: Pub. 100-02" in f.message


def test_findings__errors_come_before_warnings():
    found = scrub(visit(timed("97150", None, 1), timed("97110", 23, 1), note_signed=False))
    sev = [f.severity for f in found]
    assert sev == sorted(sev, key=lambda s: s is Severity.WARNING)


def test_rules__never_raise_on_garbage_visit():
    junk_line = ServiceLine(id="x", cpt=None, modifiers=(None, 5), minutes="ten", units="2",
                            dx_pointers=("a", -1), charge="12", furnished_by="ghost")
    junk = Visit(id="j", external_id="J", patient_id="nobody", coverage_id="", provider_id="",
                 practice_id="", date_of_service=TODAY, lines=(junk_line,),
                 diagnoses=(None, 42, ""), place_of_service=None, telehealth=True,
                 poc_start=TODAY, poc_end=TODAY.subtract(days=5), auth_number="A",
                 status=VisitStatus.SCHEDULED)
    found = scrub_visit(junk, world(junk))
    assert found and all(f.subject_id == "j" for f in found)


def test_rules__bad_date_of_service_is_reported_not_raised():
    v = replace(visit(), date_of_service="2026-13-45")
    found = scrub_visit(v, ScrubContext.build(today=TODAY, codes=REF.codes, profiles=REF.profiles))
    assert any("malformed" in f.message for f in found)


def test_rules__hand_built_context_without_indexes_still_works():
    ctx = ScrubContext(today=pendulum.date(2026, 3, 2), codes=REF.codes, profiles=REF.profiles)
    assert scrub_visit(visit(timed("97110", 23, 2, charge="0")), ctx)


def test_decimal_builder_sanity():
    assert visit().total_charge == Decimal("60.00")
