"""Write the nasty visit-CSV corpus from ``tests/data/visits_sample.csv``.

Run it by hand after changing the sample (``python tests/data/csv_corpus/make_corpus.py``);
the files are committed, and ``expected.toml`` (written by hand) says what each must do.
Line 12 (visit V100275) and line 21 (V100322) are the only rows of their patients, so an
edit there is one problem at one place.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "visits_sample.csv"


def rows() -> list[list[str]]:
    return [line.split(",") for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def col(name: str) -> int:
    return rows()[0].index(name)


def edit(table: list[list[str]], line: int, name: str, value: str) -> list[list[str]]:
    table[line - 1][col(name)] = value
    return table


def plain(table: list[list[str]], nl: str = "\n") -> bytes:
    """Cells joined with commas, no quoting (the caller puts quotes where it wants them)."""
    return (nl.join(",".join(r) for r in table) + nl).encode("utf-8")


def quoted(table: list[list[str]], nl: str = "\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=nl).writerows(table)
    return out.getvalue().encode("utf-8")


def corpus() -> dict[str, bytes]:
    bom = b"\xef\xbb\xbf"
    files = {
        "ok_bom.csv": bom + plain(rows()),
        "ok_crlf.csv": plain(rows(), "\r\n"),
        "ok_bom_crlf.csv": bom + plain(rows(), "\r\n"),
        "ok_cr_only.csv": plain(rows(), "\r"),
        "ok_trailing_blank_lines.csv": plain(rows()) + b"\n\n,,\n\r\n",
        "ok_all_quoted_with_commas.csv": quoted(
            edit(edit(rows(), 12, "patient_address", "9 Elm St, Apt 2"), 12,
                 "patient_last_name", 'O"Brien, Jr')),
        "ok_utf8_names.csv": plain(edit(edit(rows(), 12, "patient_last_name", "Núñez-Zoë"),
                                        21, "patient_first_name", "Đặng 李")),
        "ok_control_chars_kept_verbatim.csv": plain(edit(
            rows(), 12, "patient_last_name", "Red\x1b[31mX\x07\u202eevil")),
        "ok_nbsp_padding_trimmed.csv": plain(edit(rows(), 12, "date_of_service",
                                                  "\u00a02026-03-11\u00a0")),
    }
    files["latin1_name.csv"] = plain(rows()).replace(b"Kowalczyk", "Muñoz".encode("latin-1"))
    files["huge_field_200kb.csv"] = plain(edit(rows(), 12, "patient_address", "A" * 200_000))
    files["missing_header.csv"] = plain(rows()[1:])
    dup = rows()
    dup[0].append("patient_last_name")
    for r in dup[1:]:
        r.append("Smith")
    files["duplicate_header.csv"] = plain(dup)
    files["excel_serial_dates.csv"] = plain(edit(edit(rows(), 12, "date_of_service", "46092"),
                                                 12, "patient_dob", "17250"))
    files["two_digit_years.csv"] = plain(edit(edit(rows(), 12, "date_of_service", "3/11/26"),
                                              21, "patient_dob", "7/4/52"))
    files["scientific_member_ids.csv"] = plain(edit(edit(rows(), 12, "member_id", "5.12E+10"),
                                                    21, "member_id", "7.35e+09"))
    files["formula_equals.csv"] = plain(edit(rows(), 12, "patient_last_name",
                                             '"=HYPERLINK(""http://x.example/"",""open"")"'))
    files["formula_plus.csv"] = plain(edit(rows(), 12, "patient_first_name", "+1+2"))
    files["formula_minus.csv"] = plain(edit(rows(), 12, "patient_address", "-2+3+cmd|' /C calc'!A0"))
    files["formula_at.csv"] = plain(edit(rows(), 12, "patient_city", "@SUM(A1:A9)"))
    files["formula_after_spaces.csv"] = plain(edit(rows(), 21, "patient_last_name", "  =1+1"))
    files["embedded_nul.csv"] = plain(edit(rows(), 12, "patient_first_name", "Jo\x00hn"))
    files["utf16.csv"] = SAMPLE.read_text(encoding="utf-8").encode("utf-16")
    files["empty.csv"] = b""
    files["bom_only.csv"] = bom
    files["header_only.csv"] = plain(rows()[:1])
    files["unterminated_quote.csv"] = plain(edit(rows(), 12, "patient_address", '"9 Elm St'))
    files["unquoted_comma.csv"] = plain(edit(rows(), 12, "patient_address", "9 Elm St, Apt 2"))
    short = rows()
    short[11] = short[11][:-3]
    files["short_row.csv"] = plain(short)
    files["non_ascii_digits.csv"] = plain(edit(edit(rows(), 12, "place_of_service", "١١"),
                                               12, "referring_npi", "１５５８５９８７９７"))
    files["unknown_payer.csv"] = plain(edit(rows(), 21, "payer_id", "aetna"))
    files["binary_garbage.csv"] = bytes(range(256)) * 8
    return files


if __name__ == "__main__":
    for name, data in corpus().items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")
