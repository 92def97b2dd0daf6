"""The saved queue view: what `otq tui` paints before the store has loaded."""

from __future__ import annotations

import os
import stat

import pendulum
import pytest

from otq.demo.generator import generate_store
from otq.domain import WorkItem
from otq.queue_defs import load_queue_specs
from otq.services import queue_view
from otq.services.queues import queue_counts, queue_rows
from otq.services.session import Session
from otq.store import Put, encode

TODAY = pendulum.date(2026, 3, 16)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("view") / "demo.json"
    generate_store(path, visits=300, seed=11, today=TODAY).store.close()
    return path


def _saved(path, specs):
    """A session that built every queue's rows and saved its view."""
    session = Session.open(path, today=TODAY)
    rows = {s.id: queue_rows(session, s) for s in specs}
    state = queue_view.store_state(path)
    assert queue_view.save(session, specs, state=state, counts=queue_counts(session, specs))
    return session, rows


def test_view__gives_back_the_counts_and_rows_the_store_gives(demo):
    specs = load_queue_specs()
    session, rows = _saved(demo, specs)
    view = queue_view.load(demo, specs, TODAY, queue_view.current_rules())
    assert view is not None and view.current
    assert view.counts == queue_counts(session, specs)
    for spec in specs:
        assert view.has_rows(spec.id)
        assert view.rows(spec.id) == rows[spec.id]  # cells, sort values, facets, owner
    visit_rows = view.rows("uncoded")
    assert visit_rows and isinstance(next(iter(visit_rows[0].facets["cpt"])), str)


def test_view__is_stale_after_another_session_commits(demo, tmp_path):
    path = tmp_path / "copy.json"
    generate_store(path, visits=120, seed=3, today=TODAY).store.close()
    specs = load_queue_specs()
    _saved(path, specs)
    other = Session.open(path, today=TODAY)
    visit = next(iter(other.entities("visits")))
    other.store.commit([Put("workitems", encode(WorkItem(
        id="w-stale", subject_type="visit", subject_id=visit, assignee="ann")))],
        action="test.assign")
    view = queue_view.load(path, specs, TODAY, queue_view.current_rules())
    assert view is not None and not view.current
    assert view.rows(specs[0].id) is not None  # still shown, as of when it was saved


@pytest.mark.parametrize("change", ["rules", "queues"])
def test_view__is_not_used_for_other_rules_or_queue_files(demo, change):
    specs = load_queue_specs()
    _saved(demo, specs)
    rules = queue_view.current_rules()
    if change == "rules":
        rules = "other-rules"
    else:
        specs = specs[1:]
    assert queue_view.load(demo, specs, TODAY, rules) is None


def test_view__from_yesterday_is_shown_but_not_current(demo):
    specs = load_queue_specs()
    _saved(demo, specs)
    view = queue_view.load(demo, specs, TODAY.add(days=1), queue_view.current_rules())
    assert view is not None and not view.current
    assert view.rows(specs[0].id) is not None


def test_view__damaged_file_gives_no_view_and_no_error(demo):
    specs = load_queue_specs()
    _saved(demo, specs)
    path = queue_view.view_path(demo)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 50])  # a blob cut short
    view = queue_view.load(demo, specs, TODAY, queue_view.current_rules())
    assert view is not None
    assert view.rows(specs[-1].id) is None  # the cut blob: no rows, no exception
    path.write_bytes(b"{not json\n")
    assert queue_view.load(demo, specs, TODAY, queue_view.current_rules()) is None
    path.unlink()
    assert queue_view.load(demo, specs, TODAY, queue_view.current_rules()) is None


def test_view__holds_phi_so_gets_the_store_files_mode(demo):
    os.chmod(demo, 0o640)
    _saved(demo, load_queue_specs())
    mode = stat.S_IMODE(os.stat(queue_view.view_path(demo)).st_mode)
    assert mode == 0o640


def test_save_if_current__skips_a_session_behind_the_store(tmp_path):
    path = tmp_path / "s.json"
    generate_store(path, visits=120, seed=4, today=TODAY).store.close()
    specs = load_queue_specs()
    mine = Session.open(path, today=TODAY)
    queue_counts(mine, specs)
    assert queue_view.save_if_current(mine, specs)
    assert queue_view.load(path, specs, TODAY, queue_view.current_rules()).current
    other = Session.open(path, today=TODAY)
    visit = next(iter(other.entities("visits")))
    other.store.commit([Put("workitems", encode(WorkItem(
        id="w-behind", subject_type="visit", subject_id=visit, assignee="bob")))],
        action="test.assign")
    before = queue_view.view_path(path).read_bytes()
    assert not queue_view.save_if_current(mine, specs)  # it refreshed: rows are rebuilt later
    assert queue_view.view_path(path).read_bytes() == before
