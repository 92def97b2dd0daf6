"""X12 segments: a delimiter-agnostic tokenizer and a checking writer.

Reading: the ISA segment declares the delimiters (element separator right after "ISA",
repetition separator in ISA11, component separator in ISA16, segment terminator right
after ISA16). Files differ, so nothing here assumes ``*``, ``:`` or ``~``; newlines after
terminators are tolerated and counted, so every segment knows its file line.

Writing: a value that contains a delimiter or a control character would corrupt the
interchange. The writer refuses it with :class:`X12ExportError`, naming the claim and the
field, and never strips it silently (a silently changed name is a wrong claim).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from otq.errors import ValidationError


class X12ExportError(ValidationError):
    """Data that X12 can't carry, or a missing required field, stopped an export.

    ``problems`` holds one line per problem (``claim <PCN>: <field>: <why>``); ``claim``
    and ``field`` name the first one. Messages never contain the offending value, since
    it may be PHI.
    """

    title = "Export refused"

    def __init__(self, message: str, problems: list[str] | None = None, *,
                 claim: str = "", field: str = "") -> None:
        super().__init__(message, problems)
        self.claim = claim
        self.field = field


class X12ParseError(ValidationError):
    """An X12 file is malformed or does not balance; nothing from it may be posted.

    Names the file, the 1-based segment number, the segment id and the file line.
    """

    title = "X12 file refused"

    def __init__(self, source_name: str, segment_number: int, segment_id: str, line: int,
                 reason: str, problems: list[str] | None = None) -> None:
        where = f"{source_name}: segment {segment_number} ({segment_id or '?'}), line {line}"
        super().__init__(f"{where}: {reason}", problems)
        self.source_name = source_name
        self.segment_number = segment_number
        self.segment_id = segment_id
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Delimiters:
    """The four separators an interchange uses. ``repetition`` is "" when not declared."""

    element: str = "*"
    repetition: str = "^"
    component: str = ":"
    segment: str = "~"

    @property
    def all(self) -> str:
        """Every delimiter character, for value checks."""
        return self.element + self.repetition + self.component + self.segment


@dataclass(frozen=True)
class Segment:
    """One segment: ``elements[0]`` is the segment id; ``number`` and ``line`` are 1-based."""

    number: int
    line: int
    elements: tuple[str, ...]

    @property
    def id(self) -> str:
        """The segment id (``CLP``, ``SVC`` ...)."""
        return self.elements[0]

    def get(self, position: int) -> str:
        """Element at X12 position (``CLP01`` is ``get(1)``); "" when absent."""
        return self.elements[position] if position < len(self.elements) else ""


def read_delimiters(text: str, *, source_name: str = "<text>") -> tuple[Delimiters, int]:
    """The delimiters declared by the ISA at the start of ``text``, and where the ISA starts.

    Raises :class:`X12ParseError` when the text does not begin with an ISA segment.
    """
    start = 0
    while start < len(text) and text[start] in "\ufeff \t\r\n":
        start += 1
    if text[start:start + 3] != "ISA" or len(text) < start + 4:
        raise X12ParseError(source_name, 1, text[start:start + 3].strip(), 1,
                            "not an X12 file: it must begin with an ISA segment")
    element = text[start + 3]
    if element.isalnum() or element.isspace():
        raise X12ParseError(source_name, 1, "ISA", 1, "ISA has no usable element separator")
    # Walk to the 16th element separator rather than trusting the fixed 106-character
    # layout: hand-edited files often lose the ISA padding.
    pos = start + 3
    for _ in range(15):
        pos = text.find(element, pos + 1)
        if pos < 0:
            raise X12ParseError(source_name, 1, "ISA", 1, "ISA segment has fewer than 16 elements")
    if pos + 2 >= len(text):
        raise X12ParseError(source_name, 1, "ISA", 1, "ISA segment is cut short after ISA16")
    component = text[pos + 1]
    segment = text[pos + 2]
    isa = text[start:pos].split(element)
    repetition = isa[11] if len(isa) > 11 and len(isa[11]) == 1 else ""
    if repetition.isalnum():  # 004010 puts the standards id "U" in ISA11
        repetition = ""
    if not segment or segment.isalnum() or segment in (element, component) or segment == " ":
        raise X12ParseError(source_name, 1, "ISA", 1, "ISA segment has no segment terminator "
                            "after ISA16")
    if component.isalnum() or component == element:
        raise X12ParseError(source_name, 1, "ISA", 1, "ISA16 component separator is not usable")
    return Delimiters(element, repetition, component, segment), start


def tokenize(text: str, *, source_name: str = "<text>") -> tuple[Delimiters, Iterator[Segment]]:
    """Split an interchange into segments, using the delimiters its ISA declares.

    Returns the delimiters and an iterator of :class:`Segment` with 1-based segment
    numbers (counted over the whole file) and the file line each segment starts on.
    """
    delims, start = read_delimiters(text, source_name=source_name)
    return delims, _segments(text, start, delims)


def _segments(text: str, start: int, delims: Delimiters) -> Iterator[Segment]:
    line = 1 + text.count("\n", 0, start)
    number = 0
    newline_is_terminator = delims.segment == "\n"
    for chunk in text[start:].split(delims.segment):
        body = chunk.strip("\r\n\t ")
        if body:
            lead = chunk.find(body[0])
            number += 1
            yield Segment(number, line + chunk.count("\n", 0, lead),
                          tuple(body.split(delims.element)))
        line += chunk.count("\n") + (1 if newline_is_terminator else 0)


# ---------------------------------------------------------------- writing

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def refuse_reason(value: str, delims: Delimiters) -> str:
    """Why ``value`` can't travel in X12 with these delimiters, or "" when it can."""
    for ch in delims.all:
        if ch and ch in value:
            return f"contains {ch!r}, an X12 delimiter"
    if _CONTROL.search(value):
        return "contains a control character (tab, newline or similar)"
    if _NON_ASCII.search(value):
        return "contains a character outside plain ASCII"
    return ""


class SegmentWriter:
    """Builds segments for one claim at a time, refusing values X12 can't carry.

    ``claim`` names the claim (its patient control number) in every error. Trailing empty
    elements are dropped, as X12 requires.
    """

    def __init__(self, delims: Delimiters | None = None) -> None:
        self.delims = delims or Delimiters()
        self.claim = ""
        self.segments: list[str] = []

    def value(self, value: str, field: str, *, max_len: int | None = None,
              required: bool = False) -> str:
        """Check one data value; raises :class:`X12ExportError` naming claim and field."""
        reason = refuse_reason(value, self.delims)
        if not reason and max_len is not None and len(value) > max_len:
            reason = f"is longer than the {max_len} characters X12 allows"
        if not reason and required and not value.strip():
            reason = "is missing"
        if reason:
            self.refuse(field, reason)
        return value

    def refuse(self, field: str, reason: str) -> None:
        """Raise :class:`X12ExportError` for ``field`` of the current claim."""
        raise X12ExportError(f"claim {self.claim or '?'}: {field} {reason}",
                             [f"claim {self.claim or '?'}: {field}: {reason}"],
                             claim=self.claim, field=field)

    def composite(self, parts: Sequence[str]) -> str:
        """Join already-checked components with the component separator."""
        items = list(parts)
        while items and items[-1] == "":
            items.pop()
        return self.delims.component.join(items)

    def add(self, seg_id: str, *elements: str) -> None:
        """Append a segment built from already-checked element values."""
        items = list(elements)
        while items and items[-1] == "":
            items.pop()
        self.segments.append(self.delims.element.join((seg_id, *items)))
