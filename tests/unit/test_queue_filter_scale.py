"""The ``/`` filter on a 100,000-row queue finds exactly the right rows.

Its speed is measured in ``benchmarks/bench_scale.py``, not asserted here (no timed unit
tests: a shared CI box would make them flaky, and a bound loose enough not to be proves
little)."""

from __future__ import annotations

import pytest

from otq.services.queue_filter import apply_filter
from otq.services.queues import QueueRow

N = 100_000
PAYERS = ("medicare", "medicaid", "commercial")
NAMES = ("SMITH, Ann", "JONES, Bo", "NGUYEN, Cy", "GARCIA, Di")


@pytest.fixture(scope="module")
def rows() -> list[QueueRow]:
    out = []
    for i in range(N):
        payer, name = PAYERS[i % 3], NAMES[i % 4]
        cells = ("2026-11-01", name, payer, "1", "DOC-NOTE-UNSIGNED", "Lee", str(i % 60),
                 "ann" if i % 10 == 0 else "")
        out.append(QueueRow("visit", f"v{i}", cells, cells, cells[-1],
                            {"payer": payer, "age": i % 60, "cpt": {"97110"},
                             "rule": {"DOC-NOTE-UNSIGNED"}},
                            " ".join(cells).lower()))
    return out




@pytest.mark.parametrize(("text", "expected"), [
    ("payer:medicare", N // 3 + 1), ("age:>30", sum(1 for i in range(N) if i % 60 > 30)),
    ("smith", N // 4), ("mine", N // 10), ("payer:medicaid smith", N // 12),
    ("rule:doc age:<1", sum(1 for i in range(N) if i % 60 == 0)),
])
def test_filter_100k_rows__finds_exactly_the_matching_rows(rows, text, expected):
    got, problems = apply_filter(rows, text, "ann")
    assert not problems
    assert len(got) == expected
