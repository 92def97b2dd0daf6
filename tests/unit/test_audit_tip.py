"""``AuditLog.tip``: the newest entry's small fields, read without parsing its changes."""

from __future__ import annotations

import orjson

from otq.store.audit import AuditLog, entry_hash


def _log(tmp_path, *entries):
    log = AuditLog(tmp_path / "s.json.audit.jsonl")
    log.path.touch()
    for kwargs in entries:
        log.append(**{"at": "2026-01-01T00:00:00Z", "user": "ann", "action": "x.y",
                      "changes": [], **kwargs})
    return log


def _without_changes(entry):
    return {k: v for k, v in entry.items() if k != "changes"}


def test_tip__is_the_last_entry_without_its_changes(tmp_path):
    log = _log(tmp_path, {"store_seq": 1},
               {"store_seq": 2, "recovered_by": 'bob,"prev":"x', "user": "ann"})
    assert log.tip() == _without_changes(log.last())
    assert log.tip()["seq"] == 2 and log.tip()["store_seq"] == 2
    assert log.tip()["recovered_by"] == 'bob,"prev":"x'


def test_tip__is_not_fooled_by_prev_keys_and_quotes_inside_the_changes(tmp_path):
    tricky = {"id": "r1", "prev": "0" * 64, "hash": "h", "note": ',"prev":"a","hash":"b"}'}
    change = {"table": "visits", "id": "r1", "before": tricky, "after": {**tricky, "n": 2}}
    log = _log(tmp_path, {"store_seq": 7, "changes": [change]})
    assert log.tip() == _without_changes(log.last())
    assert log.tip()["store_seq"] == 7


def test_tip__reads_an_entry_laid_out_otherwise_by_parsing_it_whole(tmp_path):
    # Sorted keys put "changes" before "hash" but "prev" after it: the nested "prev" is last.
    log = _log(tmp_path, {"store_seq": 1})
    entry = {"seq": 2, "action": "a", "at": "t", "user": "u", "prev": log.last()["hash"],
             "store_seq": 2, "changes": [{"table": "t", "id": "i", "before": None,
                                          "after": {"id": "i", "prev": "p"}}]}
    entry["hash"] = entry_hash(entry)
    with log.path.open("ab") as fh:
        fh.write(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS) + b"\n")
    assert log.tip() == _without_changes(entry)
    log.append(at="t", user="u", action="next", changes=[], store_seq=3)
    assert log.verify() == (True, "3 entries, chain intact")


def test_tip__of_an_empty_or_missing_log_is_none(tmp_path):
    assert AuditLog(tmp_path / "none.jsonl").tip() is None
    assert _log(tmp_path).tip() is None


def test_tip__of_a_long_line_reads_its_two_ends(tmp_path):
    big = [{"table": "visits", "id": f"v{i}", "before": None,
            "after": {"id": f"v{i}", "prev": "p", "hash": "h"}} for i in range(20000)]
    log = _log(tmp_path, {"store_seq": 1}, {"store_seq": 2, "changes": big})
    assert log.path.stat().st_size > 4 * (1 << 16)
    assert log.tip() == _without_changes(log.last())
    log.append(at="t", user="u", action="next", changes=[], store_seq=3)
    assert [e["seq"] for e in log.entries()] == [1, 2, 3]
    assert log.verify()[0]


def test_tip__of_a_line_it_cannot_read_is_none_as_last_is(tmp_path):
    log = _log(tmp_path, {"store_seq": 1})
    with log.path.open("ab") as fh:
        fh.write(b'{"seq":2,"at":"t","changes":[}\n\n')
    assert log.tip() is None and log.last() is None
