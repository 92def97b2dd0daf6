"""The scrub_report service on a real store: what `otq scrub` prints."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from otq.domain import VisitStatus
from otq.errors import NotFoundError
from otq.services.scrub_report import (
    any_errors,
    findings_json,
    format_finding_line,
    rules_markdown,
    scrub_store,
)
from otq.services.setup import init_store
from otq.store import Put, encode
from tests.unit.scrubber.builders import TODAY, timed, visit, world


@pytest.fixture
def session(tmp_path):
    s = init_store(tmp_path / "store.json")
    s.today = TODAY
    ctx = world(visit())
    payer = s.entities("payers")["medicare"]
    cov = replace(ctx.coverages["cov-medicare"], payer_id=payer.id)
    clean = visit(vid="clean")
    bad = visit(timed("97110", 33, 3), vid="bad", note_signed=False,
                dos=clean.date_of_service.subtract(days=2))
    done = visit(timed("97110", 7, 1), vid="done", status=VisitStatus.CODED,
                 dos=clean.date_of_service.subtract(days=1))
    changes = [Put("patients", encode(next(iter(ctx.patients.values())))),
               Put("coverages", encode(cov)),
               Put("providers", encode(ctx.providers["prov1"])),
               Put("practices", encode(ctx.practices["prac1"]))]
    changes += [Put("visits", encode(v)) for v in (clean, bad, done)]
    s.store.commit(changes, action="test.seed")
    return s


def test_scrub_store__reports_only_uncoded_visits_by_external_id(session):
    rows = scrub_store(session)
    assert {v.external_id for v, _ in rows} == {"EHR-bad"}
    assert {f.rule_id for _, f in rows} == {"UNITS-TIMED", "DOC-NOTE-UNSIGNED"}
    assert any_errors(rows)


def test_scrub_store__one_visit_by_external_id_and_unknown_id_is_not_found(session):
    assert scrub_store(session, "EHR-clean") == []
    assert scrub_store(session, "EHR-done")  # named explicitly, even when coded
    with pytest.raises(NotFoundError):
        scrub_store(session, "nope")


def test_format_finding_line__is_visit_rule_severity_message(session):
    v, f = scrub_store(session)[0]
    line = format_finding_line(v, f)
    assert line.startswith(f"EHR-bad: {f.rule_id}: error: ") and "\n" not in line


def test_findings_json__has_finding_fields_and_visit_id(session):
    out = findings_json(scrub_store(session))
    json.dumps(out)
    units = next(d for d in out if d["rule_id"] == "UNITS-TIMED")
    assert units["visit_id"] == "EHR-bad" and units["severity"] == "error"
    assert units["field"] == "lines[0].units"
    assert units["fix"]["changes"] == [{"op": "set_units", "line": 0, "units": 2}]


def test_rules_markdown__is_a_table():
    lines = rules_markdown().splitlines()
    assert lines[0] == "| id | severity | checks | source |" and len(lines) > 40
