"""The shipped ICD-10-CM table: look-ups, picker search, and agreement with simple-icd-10-cm."""

from __future__ import annotations

import gzip
import random

import pytest

from otq.reference.icd import TABLE, IcdTable, icd_table, normalise, with_dot


def test_icd__codes_with_and_without_dot_and_any_case_are_found():
    t = icd_table()
    assert t.is_billable("I69.351") and t.is_billable("i69351") and t.is_billable(" M62.81 ")
    assert t.description("M62.81").startswith("Muscle weakness")


def test_icd__category_is_valid_but_not_billable():
    t = icd_table()
    assert t.is_valid("M25.5") and not t.is_billable("M25.5")
    assert not t.is_valid("M25.599999") and not t.is_valid(None) and not t.is_valid(["x"])


def test_icd__billable_under_lists_leaf_codes_in_order():
    assert icd_table().billable_under("M25.51", 2) == ["M25.511", "M25.512"]


def test_icd__search_by_prefix_and_by_words():
    t = icd_table()
    assert t.search("R26.8")[0][0] == "R26.81"
    assert any(code == "I69.351" for code, _ in t.search("cerebral infarction right dominant", 50))


def test_icd__with_dot_formats_codes():
    assert with_dot("m25511") == "M25.511" and with_dot("R27") == "R27" and normalise(3) == ""


def test_icd__table_is_small_enough_to_commit():
    assert TABLE.stat().st_size < 1_500_000
    assert len(icd_table()) > 90_000


def test_icd__corrupt_table_is_a_config_error(tmp_path):
    from otq.errors import ConfigError
    bad = tmp_path / "icd10cm.tsv.gz"
    bad.write_bytes(gzip.compress(b"A00\tmaybe\tCholera\n"))
    with pytest.raises(ConfigError, match=":1:"):
        IcdTable(bad).lookup("A00")


def test_icd__sample_matches_simple_icd_10_cm():
    icd = pytest.importorskip("simple_icd_10_cm")
    t = icd_table()
    with gzip.open(TABLE, "rt", encoding="utf-8") as fh:
        codes = [line.split("\t", 1)[0] for line in fh]
    for code in random.Random(3).sample(codes, 300):
        dotted = icd.add_dot(code)
        assert icd.is_valid_item(dotted), code
        assert t.is_billable(code) == icd.is_leaf(dotted), code
        assert t.description(code) == " ".join(icd.get_description(dotted).split()), code


def test_icd__a_table_out_of_code_order_is_sorted_and_a_repeated_code_takes_its_last_line(tmp_path):
    path = tmp_path / "icd10cm.tsv.gz"
    path.write_bytes(gzip.compress(
        b"M255\t0\tPain in joint\nA00\t0\tCholera\nM25511\t1\tPain in right shoulder\n"
        b"A000\t1\tOld text\nA000\t1\tCholera due to Vibrio cholerae 01\n"))
    t = IcdTable(path)
    assert t.description("A00.0") == "Cholera due to Vibrio cholerae 01"
    assert t.is_valid("M25.5") and not t.is_billable("M25.5") and t.is_billable("M25.511")
    assert not t.is_valid("A01") and not t.is_valid("") and not t.is_valid("ZZZ")
    assert t.billable_under("M25", 5) == ["M25.511"]
    assert t.search("A00") == [("A00.0", "Cholera due to Vibrio cholerae 01")]
    assert t.search("cholera", billable_only=False) == [
        ("A00", "Cholera"), ("A00.0", "Cholera due to Vibrio cholerae 01")]
    assert len(t) == 4
