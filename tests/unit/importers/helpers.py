"""Build variants of the sample visit CSV for importer tests."""

from __future__ import annotations

from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "visits_sample.csv"
PAYERS = frozenset({"medicare", "medicaid", "commercial"})


def sample_rows() -> list[list[str]]:
    """The sample file as rows of cells (no quoting is needed in it)."""
    return [line.split(",") for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def column(name: str) -> int:
    """1-based column of ``name`` in the sample header."""
    return sample_rows()[0].index(name) + 1


def build(edits: dict[tuple[int, str], str] | None = None, *, bom: bool = False,
          crlf: bool = False, rows: list[list[str]] | None = None) -> bytes:
    """The sample with cells replaced: ``{(physical line, column name): new text}``."""
    rows = rows or sample_rows()
    header = rows[0]
    for (line, name), value in (edits or {}).items():
        rows[line - 1][header.index(name)] = value
    text = ("\r\n" if crlf else "\n").join(",".join(r) for r in rows) + "\n"
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data
