"""Hostile visit CSVs (issue 9 "CSV visits"): imported exactly right, or refused whole.

A corpus of nasty files (``tests/data/csv_corpus``, with ``expected.toml`` saying what each
must do) and three hypothesis fuzzers: hostile text in a cell (checked against an oracle
that knows what the cell must become), hostile text in a date cell, and random byte
mutations of a good file imported into a real store. A refused file names ``file:line:column``
for every problem and leaves the store's bytes exactly as they were.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import tomllib
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from otq.errors import ValidationError
from otq.importers.visits_csv import MAX_CELL, parse_visits_csv
from otq.services.imports import import_visits
from otq.services.session import Session
from otq.services.setup import init_store
from tests.unit.importers.helpers import PAYERS, build, sample_rows

CORPUS = Path(__file__).resolve().parents[1] / "data" / "csv_corpus"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))
SAMPLE_VISITS, SAMPLE_LINES, SAMPLE_PATIENTS = 10, 20, 6
HEADER = sample_rows()[0]
LOCATION = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \S")
STRESS = os.environ.get("OTQ_STRESS") == "1"  # the full run: many more examples
FUZZ = settings(max_examples=2000 if STRESS else 60, deadline=None, derandomize=not STRESS,
                suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ helpers
@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """An empty practice store, copied for each import (creating one per example is slow)."""
    path = tmp_path_factory.mktemp("tpl") / "store.json"
    init_store(path, practice_name="Schuylkill Valley Occupational Therapy",
               practice_npi="2567890126", practice_tin="231234567")
    return path


def _copy_store(template: Path, folder: Path) -> Session:
    for f in template.parent.glob(template.name + "*"):
        if not f.name.endswith(".lock"):
            shutil.copy2(f, folder / f.name)
    session = Session.open(folder / template.name)
    session.today = pendulum.date(2026, 3, 16)
    return session


def _disk(session: Session) -> dict[str, bytes]:
    """Every file of the store (data, audit log, anything else but the lock), by name."""
    path = session.store.path
    return {f.name: f.read_bytes() for f in sorted(path.parent.glob(path.name + "*"))
            if not f.name.endswith(".lock")}


def _locations(problems: list[str], path: Path) -> set[tuple[int, int]]:
    out = set()
    for p in problems:
        m = LOCATION.match(p)
        assert m, f"problem without file:line:column: {p!r}"
        assert m["file"] == str(path)
        out.add((int(m["line"]), int(m["col"])))
    return out


def _import_refused(session: Session, path: Path) -> ValidationError:
    before = _disk(session)
    with pytest.raises(ValidationError) as err:
        import_visits(session, path)
    assert _disk(session) == before  # never half-imported: not one byte changed
    assert "nothing was imported" in str(err.value.message)
    return err.value


# ------------------------------------------------------------------ corpus
def _stored(session: Session, key: str) -> str:
    """The stored value for a corpus ``"line:column"`` key (the row's patient or visit)."""
    line, column = key.split(":")
    row = sample_rows()[int(line) - 1]
    if column == "date_of_service":
        (visit,) = [v for v in session.entities("visits").values()
                    if v.external_id == row[HEADER.index("visit_id")]]
        return visit.date_of_service.isoformat()
    (patient,) = [p for p in session.entities("patients").values()
                  if p.external_id == row[HEADER.index("patient_id")]]
    field = {"patient_last_name": patient.last_name, "patient_first_name": patient.first_name,
             "patient_address": patient.address.line1}
    return field[column]


def test_corpus__every_file_has_an_expectation_and_every_expectation_a_file():
    files = {p.stem for p in CORPUS.glob("*.csv")}
    assert files == set(EXPECTED)
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus__file_imports_exactly_or_is_refused_whole_at_the_named_places(
        name, template, tmp_path):
    want = EXPECTED[name]
    path = CORPUS / f"{name}.csv"
    session = _copy_store(template, tmp_path)
    if want["expect"] == "ok":
        result = import_visits(session, path)
        assert (result.visits_added, result.lines, result.patients_added) == (
            SAMPLE_VISITS, SAMPLE_LINES, SAMPLE_PATIENTS)
        assert session.store.count("visits") == SAMPLE_VISITS
        for key, value in want.get("values", {}).items():
            assert _stored(session, key) == value, key
        # the same content as the plain sample with the same cells: encoding and quoting
        # (BOM, CRLF, CR, quotes) change nothing else
        edits = {(int(k.split(":")[0]), k.split(":")[1]): v
                 for k, v in want.get("values", {}).items() if "," not in v and '"' not in v}
        if len(edits) == len(want.get("values", {})):
            plain = parse_visits_csv(build(edits), source="plain", payer_ids=PAYERS)
            ours = parse_visits_csv(path.read_bytes(), source="x", payer_ids=PAYERS)
            assert [(v.visit_id, v.values, [ln.__dict__ | {"line": 0} for ln in v.lines])
                    for v in ours.visits] == \
                   [(v.visit_id, v.values, [ln.__dict__ | {"line": 0} for ln in v.lines])
                    for v in plain.visits]
        return
    err = _import_refused(session, path)
    where = _locations(err.problems, path)
    if "at" in want:
        assert where == {tuple(map(int, a.split(":"))) for a in want["at"]}, err.problems
    else:
        assert {tuple(map(int, a.split(":"))) for a in want["at_least"]} <= where
        if "lines" in want:
            assert {line for line, _ in where} <= set(want["lines"]), err.problems
    assert want["says"] in err.problems[0]
    assert all(len(p) < 400 for p in err.problems)  # no 200 KB cell echoed back
    assert session.store.count("visits") == 0


def test_corpus__a_refused_file_then_its_fixed_version_imports(template, tmp_path):
    session = _copy_store(template, tmp_path)
    _import_refused(session, CORPUS / "formula_equals.csv")
    assert import_visits(session, CORPUS / "ok_bom_crlf.csv").visits_added == SAMPLE_VISITS
    again = import_visits(session, CORPUS / "ok_crlf.csv")  # the same visits: nothing new
    assert again.visits_added == 0 and again.visits_unchanged == SAMPLE_VISITS


# ---------------------------------------------------------- hostile cell text
NASTY = [",", '"', "\n", "\r", "\r\n", "\x00", "\x1b[31m", "\x1b]8;;http://x\x07", "\u202e",
         "\u00a0", " ", "\t", "=", "+", "-", "@", "'", "\ufeff", "\x85", "\u2028", "é", "李",
         "[bold]", "\x9b"]
CELL_TEXT = st.one_of(
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=3)), max_size=8).map("".join),
    st.builds(lambda c, n: c * n, st.sampled_from(["A", "Zz", " "]),
              st.integers(MAX_CELL - 3, MAX_CELL + 3)),
)
TEXT_COLUMNS = ["patient_last_name", "patient_first_name", "patient_address", "patient_city"]
PATIENT_ROWS = {"P004902": [12], "P004417": [2, 3, 4, 5, 6, 19, 20]}


def _breaks(text: str) -> int:
    return len(re.findall(r"\r\n|\r|\n", text))


def _write(rows: list[list[str]]) -> tuple[bytes, list[int]]:
    """The rows as a CSV file (quoted only where needed) and each row's first physical line."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)  # quotes any CR or LF
    starts, line = [], 1
    for r in rows:
        starts.append(line)
        line += 1 + sum(_breaks(c) for c in r)
    return out.getvalue().encode("utf-8"), starts


def _oracle(raw: str) -> tuple[str | None, str | None]:
    """What a free-text cell must become: (stored text, None) or (None, refusal phrase)."""
    if "\x00" in raw:
        return None, "NUL"
    if len(raw) > MAX_CELL:
        return None, "longer than"
    value = raw.strip()
    if value.startswith(("=", "+", "-", "@")):
        return None, "formula"
    return value, None


@FUZZ
@given(value=CELL_TEXT, column=st.sampled_from(TEXT_COLUMNS),
       patient=st.sampled_from(sorted(PATIENT_ROWS)))
def test_fuzz__hostile_text_cell_is_kept_exactly_or_refused_at_its_cells(value, column, patient):
    rows = sample_rows()
    col = HEADER.index(column)
    for line in PATIENT_ROWS[patient]:
        assert rows[line - 1][HEADER.index("patient_id")] == patient
        rows[line - 1][col] = value
    data, starts = _write(rows)
    parsed = parse_visits_csv(data, source="f.csv", payer_ids=PAYERS)
    stored, refusal = _oracle(value)
    event("kept" if refusal is None else f"refused: {refusal}")
    if refusal is None:
        assert parsed.problems == []
        got = {v.values[column] for v in parsed.visits if v.values["patient_id"] == patient}
        assert got == {stored}
        assert len(parsed.visits) == SAMPLE_VISITS
    else:
        expected = {(starts[line - 1], col + 1) for line in PATIENT_ROWS[patient]}
        assert _locations(parsed.problems, Path("f.csv")) == expected, parsed.problems
        assert all(refusal in p for p in parsed.problems)


EXCEL_EPOCH = pendulum.date(1899, 12, 30)
DATEISH = st.one_of(
    st.dates(min_value=pendulum.date(1900, 1, 1), max_value=pendulum.date(2099, 12, 31)).flatmap(
        lambda d: st.sampled_from([d.isoformat(), d.strftime("%m/%d/%y"), d.strftime("%m/%d/%Y"),
                                   str((d - EXCEL_EPOCH).days), d.strftime("%Y%m%d"),
                                   f"{d.isoformat()}T00:00", f" {d.isoformat()}\u00a0"])),
    st.text(alphabet="0123456789-/.eE+ ", max_size=12),
)


@FUZZ
@given(value=DATEISH)
def test_fuzz__date_of_service_is_an_iso_date_or_refused_at_its_cell(value):
    rows = sample_rows()
    rows[11][HEADER.index("date_of_service")] = value
    data, _ = _write(rows)
    parsed = parse_visits_csv(data, source="f.csv", payer_ids=PAYERS)
    text = value.strip()
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    try:
        want = pendulum.date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        want = None
    event("date kept" if want is not None else "date refused")
    if want is not None:
        assert parsed.problems == []
        (visit,) = [v for v in parsed.visits if v.visit_id == "V100275"]
        assert visit.date_of_service == want
    else:
        assert _locations(parsed.problems, Path("f.csv")) == {
            (12, HEADER.index("date_of_service") + 1)}, parsed.problems


# ------------------------------------------------------- byte-level mutations
MUTATION_BYTES = list(b',"\n\r\x00\xff\xfe\xef\xbb\xbf=;@-\t\\') + [0xE9, 0xC3, 0x80]
MUTATION = st.tuples(st.sampled_from(["insert", "delete", "replace"]),
                     st.floats(min_value=0, max_value=0.9999),
                     st.one_of(st.sampled_from(MUTATION_BYTES), st.integers(0, 255)))


def _mutate(data: bytes, mutations: list[tuple[str, float, int]]) -> bytes:
    buf = bytearray(data)
    for op, where, byte in mutations:
        i = int(where * len(buf))
        if op == "insert":
            buf.insert(i, byte)
        elif op == "delete" and buf:
            del buf[i]
        elif buf:
            buf[i] = byte
    return bytes(buf)


@settings(max_examples=500 if STRESS else 30, deadline=None, derandomize=not STRESS,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(MUTATION, min_size=1, max_size=6),
       bom=st.booleans(), crlf=st.booleans())
def test_fuzz__mangled_file_imports_whole_or_changes_no_byte_of_the_store(template, mutations,
                                                                         bom, crlf):
    data = _mutate(build(bom=bom, crlf=crlf), mutations)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        session = _copy_store(template, folder)
        path = folder / "visits.csv"
        path.write_bytes(data)
        before = _disk(session)
        try:
            result = import_visits(session, path)
        except ValidationError as exc:
            event("mangled file refused whole")
            assert exc.problems, "a refusal lists its problems"
            lines = data.count(b"\n") + data.count(b"\r") + 2
            assert all(1 <= line <= lines and col >= 1
                       for line, col in _locations(exc.problems, path))
            assert _disk(session) == before
            return
        event("mangled file imported whole")
        parsed = parse_visits_csv(data, source=str(path), payer_ids=PAYERS)
        assert parsed.problems == []
        assert session.store.count("visits") == result.visits_added == len(parsed.visits)
        assert sum(len(v.lines) for v in parsed.visits) == result.lines
