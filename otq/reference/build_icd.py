"""Build the compact ICD-10-CM table otq ships: ``python -m otq.reference.build_icd``.

simple-icd-10-cm carries the full CMS tabular list, but importing it costs seconds and
hundreds of MB, so otq never imports it at run time. This script (run by a developer when
a new code set comes out, every 1 October) writes ``icd10cm.tsv.gz`` beside it: one row per
category, subcategory and code, ``CODE<TAB>billable(1/0)<TAB>description``, codes without the
dot, sorted. The file is committed; ``otq.reference.icd`` reads it.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

TABLE = Path(__file__).with_name("icd10cm.tsv.gz")


def rows() -> list[tuple[str, int, str]]:
    """Every ICD-10-CM code from simple-icd-10-cm with its billable flag and description."""
    import simple_icd_10_cm as icd  # slow, big import: only here, never at run time

    out = []
    for code in icd.get_all_codes(False):
        if icd.is_chapter_or_block(code):
            continue
        desc = " ".join(icd.get_description(code).split())  # no tabs or newlines in the TSV
        out.append((icd.remove_dot(code), 1 if icd.is_leaf(code) else 0, desc))
    out.sort()
    return out


def write(path: Path = TABLE) -> int:
    """Write the table (deterministically: fixed gzip mtime) and return its row count."""
    data = "".join(f"{c}\t{b}\t{d}\n" for c, b, d in rows()).encode("utf-8")
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9,
                                               mtime=0, filename="") as fh:
        fh.write(data)
    return data.count(b"\n")


def main() -> int:
    """Command-line entry point."""
    try:
        n = write()
    except ImportError:
        print("build_icd: simple-icd-10-cm is not installed (pip install simple-icd-10-cm)",
              file=sys.stderr)
        return 1
    print(f"wrote {n} ICD-10-CM rows to {TABLE} ({TABLE.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
