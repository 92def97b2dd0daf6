"""The ``/`` filter on a 100,000-row queue: right rows, and first results well inside 100 ms."""

from __future__ import annotations

import time

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


def _best_ms(rows: list[QueueRow], text: str) -> tuple[int, float]:
    best, found = float("inf"), 0
    for _ in range(3):
        start = time.perf_counter()
        got, problems = apply_filter(rows, text, "ann")
        best = min(best, (time.perf_counter() - start) * 1000)
        assert not problems
        found = len(got)
    return found, best


@pytest.mark.parametrize(("text", "expected"), [
    ("payer:medicare", N // 3 + 1), ("age:>30", sum(1 for i in range(N) if i % 60 > 30)),
    ("smith", N // 4), ("mine", N // 10), ("payer:medicaid smith", N // 12),
    ("rule:doc age:<1", sum(1 for i in range(N) if i % 60 == 0)),
])
def test_filter_100k_rows__right_rows_well_under_100ms(rows, text, expected):
    found, ms = _best_ms(rows, text)
    assert found == expected
    # The target is first results in 100 ms; a shared CI box gets twice that as margin.
    assert ms < 200, f"{text}: {ms:.0f} ms"
