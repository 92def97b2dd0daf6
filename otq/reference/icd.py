"""The ICD-10-CM table: valid and billable codes with short descriptions, loaded once.

Reads ``icd10cm.tsv.gz`` (built by ``python -m otq.reference.build_icd`` from
simple-icd-10-cm; see that module). Codes are accepted with or without the dot
(``I69.351`` or ``I69351``) and in any case. Loading takes a fraction of a second and
happens on the first look-up, not at import.
"""

from __future__ import annotations

import gzip
import re
from array import array
from bisect import bisect_left, bisect_right
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
    """ICD-10-CM codes with a billable flag, for validation and for a diagnosis picker.

    The table is kept as its own text, one ``CODE<TAB>0/1<TAB>description`` line per code in
    code order, with an array of where each line starts; a look-up is a binary search. A
    dict of 98,000 rows cost 27 MB in every session that scrubbed a visit; this costs 8 MB.
    """

    def __init__(self, path: Path = TABLE) -> None:
        self.path = path
        self._text = ""
        self._starts: array | None = None
        self._memo: dict[object, tuple[bool, str] | None] = {}  # raw spelling -> row

    def _load(self) -> array:
        if self._starts is None:
            try:
                text = gzip.decompress(self.path.read_bytes()).decode("utf-8")
            except (OSError, EOFError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{self.path}: cannot read the ICD-10-CM table ({exc}); "
                                  "rebuild it with python -m otq.reference.build_icd") from None
            text += "" if text.endswith("\n") or not text else "\n"
            starts, ordered = self._index(text)
            if not ordered:
                # The shipped table is in code order; a user's may not be. A stable sort
                # keeps a repeated code's lines in file order (a look-up takes the last,
                # as a dict built line by line would).
                lines = text.splitlines()
                lines.sort(key=lambda line: line[:line.index("\t")])
                text = "\n".join(lines) + "\n"
                starts, _ordered = self._index(text)
            self._text, self._starts = text, starts
        return self._starts

    def _index(self, text: str) -> tuple[array, bool]:
        """Where each line starts, and whether the codes are in order; checks each line."""
        starts, at, n, last, ordered = array("I"), 0, 0, "", True
        while at < len(text):
            end = text.index("\n", at)
            n += 1
            parts = text[at:end].split("\t")
            if len(parts) != 3 or parts[1] not in ("0", "1"):
                raise ConfigError(f"{self.path}:{n}: expected CODE, 0/1, description")
            ordered = ordered and parts[0] >= last
            last = parts[0]
            starts.append(at)
            at = end + 1
        return starts, ordered

    def load(self) -> None:
        """Read the table now rather than on the first look-up (safe from another thread:
        the text is in place before the line starts that say it is loaded)."""
        self._load()

    def _code_at(self, start: int) -> str:
        return self._text[start:self._text.index("\t", start)]

    def _row_at(self, start: int) -> tuple[bool, str]:
        line = self._text[start:self._text.index("\n", start)]
        _code, flag, description = line.split("\t")
        return flag == "1", description

    def _find(self, code: str) -> int | None:
        starts = self._load()
        i = bisect_right(starts, code, key=self._code_at) - 1
        return starts[i] if i >= 0 and self._code_at(starts[i]) == code else None

    def __len__(self) -> int:
        """How many codes the table has."""
        return sum(1 for _row in self._every())

    def lookup(self, code: object) -> tuple[bool, str] | None:
        """(billable, description) for a code, or None when it is not an ICD-10-CM code."""
        try:
            return self._memo[code]
        except KeyError:
            at = self._find(normalise(code)) if normalise(code) else None
            row = self._row_at(at) if at is not None else None
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
        """(code, billable, description) of every code starting with ``prefix``, in order."""
        starts = self._load()
        i = bisect_left(starts, prefix, key=self._code_at)
        while i < len(starts) and (code := self._code_at(starts[i])).startswith(prefix):
            # a repeated code: only its last line, as ``lookup`` gives
            if i + 1 == len(starts) or self._code_at(starts[i + 1]) != code:
                yield (code, *self._row_at(starts[i]))
            i += 1

    def _every(self):
        yield from self._prefixed("")

    def _words(self, words: list[str], limit: int, billable_only: bool) -> list[tuple[str, str]]:
        """Codes whose description holds every word, in code order: the table's text is
        searched for the first word, and only the lines it is on are read."""
        if not words:
            return []
        starts = self._load()
        text, hits, seen = self._text, [], -1
        for match in re.finditer(re.escape(words[0]), text, re.IGNORECASE):
            start = text.rfind("\n", 0, match.start()) + 1
            if start == seen:
                continue
            seen = start
            code, billable, description = text[start:text.index("\n", start)].split("\t")
            low = description.lower()
            if (billable == "1" or not billable_only) and all(w in low for w in words):
                i = bisect_left(starts, code, key=self._code_at)  # its last line only
                while i + 1 < len(starts) and self._code_at(starts[i + 1]) == code:
                    i += 1
                if starts[i] == start:
                    hits.append((code, description))
                    if len(hits) >= limit:
                        break
        return hits

    def billable_under(self, code: object, limit: int = 10) -> list[str]:
        """Billable codes that start with ``code`` (dotted), e.g. M25.5 -> M25.511, M25.512..."""
        out = []
        for c, billable, _text in self._prefixed(normalise(code)):
            if billable:
                out.append(with_dot(c))
                if len(out) >= limit:
                    break
        return out

    def search(self, text: str, limit: int = 20, billable_only: bool = True) -> list[tuple[str, str]]:
        """(dotted code, description) for a picker: a code prefix, else words in the description."""
        key = normalise(text)
        hits = [(c, d) for c, b, d in self._prefixed(key) if not billable_only or b] if key else []
        if not hits:
            hits = self._words(text.lower().split(), limit, billable_only)
        return [(with_dot(c), d) for c, d in hits[:limit]]


@lru_cache(maxsize=1)
def icd_table() -> IcdTable:
    """The shipped table, shared by the whole process (loaded lazily on first look-up)."""
    return IcdTable()
