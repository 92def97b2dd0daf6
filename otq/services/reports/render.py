"""A report as text: an aligned table, a CSV a spreadsheet cannot be tricked by, or JSON.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) get a leading single quote, the OWASP advice for CSV
injection. Numbers are written as plain numbers (a negative amount is a number, not a
formula, and stays unquoted). Text from data never carries control characters.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pendulum

from otq.services.reports import Column, Report
from otq.text import safe_cell, safe_text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any, kind: str) -> str:
    """One value as a person reads it: money with thousands separators and cents."""
    if value is None:
        return "-" if kind != "text" else ""
    if kind == "money" and isinstance(value, Decimal):
        return f"{value:,.2f}"
    if kind == "pct" and isinstance(value, Decimal):
        return f"{value:.1f}%"
    if isinstance(value, pendulum.Date):
        return value.isoformat()
    return safe_text(str(value))


def _right(kind: str) -> bool:
    return kind in ("int", "money", "pct", "number")


def table_lines(report: Report, columns: tuple[Column, ...] | None = None) -> list[str]:
    """The report as aligned lines: header, rule, rows, rule, totals (ASCII only)."""
    cols = columns or report.columns
    body = [[cell_text(r.get(c.id), c.kind) for c in cols] for r in report.rows]
    total = [cell_text(report.totals.get(c.id), c.kind) if c.id in report.totals else ""
             for c in cols] if report.totals else None
    widths = [max([len(c.title)] + [len(row[i]) for row in body] +
                  ([len(total[i])] if total else [])) for i, c in enumerate(cols)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.rjust(w) if _right(c.kind) else cell.ljust(w)
                         for cell, w, c in zip(cells, widths, cols, strict=True)).rstrip()

    out = [line([c.title for c in cols]), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in body]
    if total is not None:
        out += ["  ".join("-" * w for w in widths), line(total)]
    return out


def to_table(report: Report) -> str:
    """Title, the aligned table and the notes, ready to print."""
    lines = [report.title, "", *table_lines(report)]
    if not report.rows:
        lines.append("(no rows)")
    lines += ["", *(f"note: {n}" for n in report.notes)]
    return "\n".join(lines) + "\n"


def csv_cell(value: Any, kind: str = "text") -> str:
    """A CSV cell: numbers as plain numbers, text without control characters and defused
    when a spreadsheet would run it."""
    if value is None:
        return ""
    if kind == "money" and isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, pendulum.Date):
        return value.isoformat()
    # Escape sequences and control characters go (a CSV is often looked at with cat or
    # less, and a name from an EHR feed may carry them); tabs and line breaks stay.
    text = safe_cell(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(report: Report) -> str:
    """Header of column titles, one line per row, then the totals row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([csv_cell(c.title) for c in report.columns])
    for r in report.rows:
        writer.writerow([csv_cell(r.get(c.id), c.kind) for c in report.columns])
    if report.totals:
        writer.writerow([csv_cell(report.totals.get(c.id), c.kind) for c in report.columns])
    return buf.getvalue()


def to_data(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data (money and dates as strings)."""

    def plain(v: Any) -> Any:
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, pendulum.Date):
            return v.isoformat()
        return v

    return {"report": report.name, "title": report.title,
            "columns": [{"id": c.id, "title": c.title, "kind": c.kind} for c in report.columns],
            "rows": [{c.id: plain(r.get(c.id)) for c in report.columns} for r in report.rows],
            "totals": {k: plain(v) for k, v in report.totals.items()},
            "notes": list(report.notes)}


def to_json(report: Report) -> str:
    """``to_data`` as indented JSON."""
    return json.dumps(to_data(report), indent=2) + "\n"


def render(report: Report, fmt: str) -> str:
    """``fmt`` is table, csv or json."""
    return {"table": to_table, "csv": to_csv, "json": to_json}[fmt](report)
