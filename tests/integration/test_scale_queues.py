"""Queue counts made without building rows agree with the rows, snoozed items included."""

from __future__ import annotations

import pendulum

from otq.demo.generator import generate_store
from otq.domain import WorkItem
from otq.queue_defs import load_queue_specs
from otq.services.queues import queue_counts, queue_rows
from otq.services.session import Session
from otq.store import Put, encode

TODAY = pendulum.date(2026, 3, 16)


def test_queue_counts__equal_the_row_counts_before_and_after_a_snooze(tmp_path):
    path = tmp_path / "demo.json"
    generate_store(path, visits=400, seed=5, today=TODAY).store.close()
    specs = load_queue_specs()
    counted = queue_counts(Session.open(path, today=TODAY), specs)  # no rows built first
    session = Session.open(path, today=TODAY)
    rows = {s.id: queue_rows(session, s) for s in specs}
    assert counted == {sid: len(r) for sid, r in rows.items()}
    assert all(counted.values())
    first = rows["uncoded"][0]
    item = WorkItem(id="w1", subject_type="visit", subject_id=first.subject_id,
                    snoozed_until=TODAY.add(days=3))
    session.store.commit([Put("workitems", encode(item))], action="test.snooze")
    fresh = Session.open(path, today=TODAY)
    assert queue_counts(fresh, specs)["uncoded"] == counted["uncoded"] - 1
    assert len(queue_rows(fresh, next(s for s in specs if s.id == "uncoded"))) == \
        counted["uncoded"] - 1
