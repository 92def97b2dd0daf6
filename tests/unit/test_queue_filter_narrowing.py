"""``RowFilter`` (the ``/`` filter typed a key at a time) finds exactly what a fresh
``apply_filter`` finds, whatever was typed before: growing a term, changing its kind
(``payer`` -> ``payer:``, ``min`` -> ``mine``), backspacing, adding terms."""

from __future__ import annotations

import random

import pytest

from otq.services.queue_filter import RowFilter, apply_filter, parse_filter
from otq.services.queues import QueueRow

USER = "ann"


def reference(rows: list[QueueRow], text: str, user: str) -> list[QueueRow]:
    """The filter language as the module docstring states it, one row at a time."""

    def facet_hit(v, value):
        if isinstance(v, (set, frozenset, tuple, list)):
            return any(str(x).lower().startswith(value) for x in v)
        return v is not None and str(v).lower().startswith(value)

    def passes(r: QueueRow, term: str) -> bool:
        low = term.lower()
        if low == "mine":
            return r.assignee == user
        if low == "unassigned":
            return not r.assignee
        if ":" in low and not low.startswith(":"):
            key, _, value = low.partition(":")
            if key in ("owner", "assignee"):
                return r.assignee.lower().startswith(value)
            if key == "age":
                op = value[:1] if value[:1] in "<>" and value else "="
                num = value[1:] if op != "=" else value
                if not num.isdecimal():
                    return True  # a problem, not a test
                v, n = r.facets.get("age"), int(num)
                return isinstance(v, int) and (v > n if op == ">" else v < n if op == "<"
                                               else v == n)
            if key in ("payer", "cpt", "rule", "carc", "group"):
                return facet_hit(r.facets.get(key), value)
            return True  # unknown key: reported, not a test
        return low in r.search_text

    return [r for r in rows if all(passes(r, t) for t in text.split())]


def make_rows() -> list[QueueRow]:
    """Rows with every shape a facet takes: strings, sets, lists, ints, None, missing."""
    rnd = random.Random(7)
    # 1 and True are equal (one dict key) but print as "1" and "True".
    payers = ["medicare", "medicaid", "Commercial", "MEDIGAP", None, 7, ["medicare", "x"], 1,
              True]
    names = ["SMITH, Ann", "Smithers, Bo", "JONES, Cy", "Nguyen, Sam", "mine, Dee"]
    owners = ["", "ann", "Anne", "bob", "ANN"]
    rows = []
    for i in range(400):
        facets: dict = {"payer": rnd.choice(payers), "age": rnd.choice([0, 3, 29, 30, 31, 300,
                                                                        None, "12", True]),
                        "cpt": rnd.choice([{"97110", "97140"}, {"97110"}, set(), ("9711",),
                                           {97110}, frozenset({"G0283"}), {1}, {True}]),
                        "rule": rnd.choice([{"DOC-NOTE"}, {"doc-auth", "PAYER-X"}, set()])}
        if i % 17 == 0:
            del facets["payer"]
        cells = (f"2026-11-{i % 28 + 1:02d}", rnd.choice(names), str(facets.get("payer")),
                 str(i))
        rows.append(QueueRow("visit", f"v{i}", cells, cells, rnd.choice(owners), facets,
                             " ".join(cells).lower()))
    return rows


ROWS = make_rows()

TYPED = [
    "smith", "payer:medicare", "payer:medicaid smith", "mine", "minefield", "unassigned",
    "owner:ann", "assignee:an", "age:>30", "age:<30", "age:30", "age:>3 sm", "cpt:9711",
    "cpt:97110 rule:doc", "rule:payer", "payer:7", "payer:none", ":medicare", "color:red smith",
    "age:²", "payer:t", "payer:1", "cpt:t", "cpt:1", "SMITH  ann", "s m i", "2026-11-0", "payer:me age:<31 owner:a",
]


def typed_then_backspaced(text: str) -> list[str]:
    """What the filter line holds as ``text`` is typed a key at a time, then erased."""
    grow = [text[:i] for i in range(1, len(text) + 1)]
    return grow + grow[-2::-1] + [""]


@pytest.mark.parametrize("text", TYPED)
def test_row_filter__each_key_finds_what_a_fresh_filter_finds(text):
    narrowing = RowFilter()
    for typed in typed_then_backspaced(text):
        got, problems = narrowing.apply(ROWS, typed, USER)
        fresh, fresh_problems = apply_filter(ROWS, typed, USER)
        want = reference(ROWS, typed, USER)
        assert [r.subject_id for r in got] == [r.subject_id for r in want], typed
        assert [r.subject_id for r in fresh] == [r.subject_id for r in want], typed
        assert problems == fresh_problems, typed


def test_row_filter__random_edits_find_what_a_fresh_filter_finds():
    rnd = random.Random(11)
    alphabet = "smithpayer:medcaownun <>30 9711rulegdo"
    narrowing = RowFilter()
    text = ""
    for _ in range(600):
        if text and rnd.random() < 0.3:
            text = text[:-1]
        elif rnd.random() < 0.1:
            text = rnd.choice(TYPED)
        else:
            text += rnd.choice(alphabet)
        got, _ = narrowing.apply(ROWS, text, USER)
        assert got == reference(ROWS, text, USER), text


def test_matches__agrees_with_the_filter_row_by_row():
    for text in TYPED:
        parsed = parse_filter(text, USER)
        want = {r.subject_id for r in reference(ROWS, text, USER)}
        assert {r.subject_id for r in ROWS if parsed.matches(r)} == want, text


def test_row_filter__a_new_list_of_rows_is_searched_afresh():
    narrowing = RowFilter()
    narrowing.apply(ROWS, "smi", USER)
    fewer = [r for r in ROWS if r.assignee]  # a reload: another list, other rows
    got, _ = narrowing.apply(fewer, "smit", USER)
    assert got == reference(fewer, "smit", USER)
    assert any(not r.assignee for r in reference(ROWS, "smit", USER))


def test_row_filter__another_user_is_not_served_the_first_users_mine():
    narrowing = RowFilter()
    narrowing.apply(ROWS, "mine", "ann")
    got, _ = narrowing.apply(ROWS, "mine", "bob")
    assert got and all(r.assignee == "bob" for r in got)


def test_row_filter__returns_a_list_the_caller_may_keep():
    narrowing = RowFilter()
    first, _ = narrowing.apply(ROWS, "", USER)
    first.clear()
    again, _ = narrowing.apply(ROWS, " ", USER)
    assert len(again) == len(ROWS)


def test_age_with_a_digit_int_cannot_read__is_a_problem_not_a_crash():
    got, problems = apply_filter(ROWS, "age:\u00b2", USER)
    assert got == ROWS
    assert problems == ["age:\u00b2: use age:>30, age:<7 or age:14"]
