"""The snapshot's line layout: any JSON reader reads it, and the batch reader never reads
anything a whole parse would read differently (or not at all)."""

from __future__ import annotations

import random

import orjson
import pytest

from otq.store import snapshot
from otq.store.snapshot import dump_snapshot, load_snapshot

DATA = {
    "format": 1,
    "key": "k,\n}",
    "_meta": {"meta": {"id": "meta", "schema": 1, "seq": 4}},
    "visits": {f"v{i}": {"id": f"v{i}", "provider_id": "pr-1", "note": 'a "quoted",\n }{',
                         "lines": [{"id": f"l{i}", "cpt": "97110"}]} for i in range(7)},
    "claims": {},
    "patients": {"p1": {"id": "p1", "name": "Ann"}},
    "scrubbed": {"v1": ["key-1", [["RULE", "error", "provider pr-1", "f", "v1", None]]]},
    "last": [1, 2],
}
TABLES = {k: v for k, v in DATA.items() if isinstance(v, dict)}


def _whole(raw: bytes):
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return "invalid"


@pytest.mark.parametrize("batch", [1, 2, 3, 2000])
def test_load_snapshot__reads_what_dump_snapshot_wrote_in_any_batch_size(monkeypatch, batch):
    monkeypatch.setattr(snapshot, "SNAPSHOT_BATCH", batch)
    raw = dump_snapshot(DATA)
    assert orjson.loads(raw) == DATA == load_snapshot(raw)
    assert raw.count(b"\n") == 2 + len(DATA) + len(TABLES) + sum(len(t) for t in TABLES.values())


def test_load_snapshot__shares_equal_strings_but_not_record_ids():
    got = load_snapshot(dump_snapshot(DATA))
    a, b = got["visits"]["v0"], got["visits"]["v1"]
    assert a["provider_id"] is b["provider_id"] and a["lines"][0]["cpt"] is b["lines"][0]["cpt"]
    assert got["scrubbed"]["v1"][1][0][2][-4:] == "pr-1"
    memo = {"pr-1": "pr-1"}
    got = load_snapshot(dump_snapshot(DATA), memo)
    assert got["visits"]["v3"]["provider_id"] is memo["pr-1"]


def test_load_snapshot__leaves_a_compact_snapshot_to_the_whole_parse():
    assert load_snapshot(orjson.dumps(DATA)) is None


def test_load_snapshot__never_reads_a_damaged_file_otherwise_than_a_whole_parse(monkeypatch):
    monkeypatch.setattr(snapshot, "SNAPSHOT_BATCH", 2)
    raw = dump_snapshot(DATA)
    rng = random.Random(7)
    cases = [raw[:n] for n in range(len(raw))]  # every truncation
    for _ in range(3000):  # and bytes changed, dropped or doubled
        i = rng.randrange(len(raw))
        ch = bytes([rng.choice(b'{}[],:"\n x1')])
        cases += [raw[:i] + ch + raw[i + 1:], raw[:i] + raw[i + 1:], raw[:i] + ch + raw[i:]]
    accepted = 0
    for case in cases:
        got = load_snapshot(case)
        if got is not None:
            accepted += 1
            assert got == _whole(case), case
    assert accepted > 0  # some edits (inside strings, blank space) still read


def test_read_cache__reads_both_layouts_and_shares_strings(tmp_path):
    from otq.services.scrub_cache import read_cache

    compact, lines = tmp_path / "compact", tmp_path / "lines"
    compact.write_bytes(orjson.dumps(DATA))
    lines.write_bytes(dump_snapshot(DATA))
    for path in (compact, lines):
        memo = {"pr-1": "pr-1"}
        got = read_cache(path, memo)
        assert got == DATA
        assert got["visits"]["v2"]["provider_id"] is memo["pr-1"]
    (tmp_path / "bad").write_bytes(b"{\n\"format\":1,\n")
    assert read_cache(tmp_path / "bad") is None and read_cache(tmp_path / "none") is None


def test_snapshot_lines__a_lazy_table_is_written_as_its_dict_would_be():
    from otq.store.snapshot import Lazy, snapshot_lines

    data = {"format": 1, "key": "k", "empty": {}, "visits": {"v1": [1, ["x"]], "v2": [2, []]}}
    lazy = {**data, "empty": Lazy(iter(())), "visits": Lazy(iter(data["visits"].items()))}
    assert b"".join(snapshot_lines(lazy)) == dump_snapshot(data)
    assert load_snapshot(dump_snapshot(data)) == data
