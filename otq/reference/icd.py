"""The ICD-10-CM table: valid and billable codes with short descriptions, loaded once.

Reads ``icd10cm.tsv.gz`` (built by ``python -m otq.reference.build_icd`` from
simple-icd-10-cm; see that module). Codes are accepted with or without the dot
(``I69.351`` or ``I69351``) and in any case. Loading takes a fraction of a second and
happens on the first look-up, not at import.
"""

from __future__ import annotations

import gzip
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

from otq.errors import ConfigError

TABLE = Path(__file__).with_name("icd10cm.tsv.gz")


def normalise(code: object) -> str:
    """A code as the table keys it: upper case, no dot, no spaces ('' for non-strings)."""
    if not isinstance(code, str):
        return ""
    return code.strip().upper().replace(".", "")


def with_dot(code: str) -> str:
    """The written form: a dot after the third character when there is more (M25511 -> M25.511)."""
    code = normalise(code)
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


class IcdTable:
    """ICD-10-CM codes with a billable flag, for validation and for a diagnosis picker."""

    def __init__(self, path: Path = TABLE) -> None:
        self.path = path
        self._rows: dict[str, tuple[bool, str]] | None = None
        self._sorted: list[str] = []
        self._memo: dict[object, tuple[bool, str] | None] = {}  # raw spelling -> row

    def _load(self) -> dict[str, tuple[bool, str]]:
        if self._rows is None:
            rows: dict[str, tuple[bool, str]] = {}
            try:
                with gzip.open(self.path, "rt", encoding="utf-8") as fh:
                    for n, line in enumerate(fh, start=1):
                        parts = line.rstrip("\n").split("\t")
                        if len(parts) != 3 or parts[1] not in ("0", "1"):
                            raise ConfigError(f"{self.path}:{n}: expected CODE, 0/1, description")
                        rows[parts[0]] = (parts[1] == "1", parts[2])
            except (OSError, EOFError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{self.path}: cannot read the ICD-10-CM table ({exc}); "
                                  "rebuild it with python -m otq.reference.build_icd") from None
            self._rows = rows
            self._sorted = sorted(rows)
        return self._rows

    def __len__(self) -> int:
        return len(self._load())

    def lookup(self, code: object) -> tuple[bool, str] | None:
        """(billable, description) for a code, or None when it is not an ICD-10-CM code."""
        try:
            return self._memo[code]
        except KeyError:
            row = self._load().get(normalise(code))
            if len(self._memo) < 100_000:
                self._memo[code] = row
            return row
        except TypeError:  # unhashable junk is simply not a code
            return None

    def is_valid(self, code: object) -> bool:
        """True for any ICD-10-CM category, subcategory or code."""
        return self.lookup(code) is not None

    def is_billable(self, code: object) -> bool:
        """True for a complete (leaf) code that may be billed."""
        row = self.lookup(code)
        return row is not None and row[0]

    def description(self, code: object) -> str:
        """The code's description ('' when unknown)."""
        row = self.lookup(code)
        return row[1] if row else ""

    def _prefixed(self, prefix: str):
        self._load()
        i = bisect_left(self._sorted, prefix)
        while i < len(self._sorted) and self._sorted[i].startswith(prefix):
            yield self._sorted[i]
            i += 1

    def billable_under(self, code: object, limit: int = 10) -> list[str]:
        """Billable codes that start with ``code`` (dotted), e.g. M25.5 -> M25.511, M25.512..."""
        rows = self._load()
        out = []
        for c in self._prefixed(normalise(code)):
            if rows[c][0]:
                out.append(with_dot(c))
                if len(out) >= limit:
                    break
        return out

    def search(self, text: str, limit: int = 20, billable_only: bool = True) -> list[tuple[str, str]]:
        """(dotted code, description) for a picker: a code prefix, else words in the description."""
        rows = self._load()
        key = normalise(text)
        hits = [c for c in self._prefixed(key) if not billable_only or rows[c][0]] if key else []
        if not hits:
            words = text.lower().split()
            hits = [c for c in self._sorted if (not billable_only or rows[c][0])
                    and all(w in rows[c][1].lower() for w in words)] if words else []
        return [(with_dot(c), rows[c][1]) for c in hits[:limit]]


@lru_cache(maxsize=1)
def icd_table() -> IcdTable:
    """The shipped table, shared by the whole process (loaded lazily on first look-up)."""
    return IcdTable()
