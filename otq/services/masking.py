"""PHI masking for screen sharing (the ``M`` key): names to initials, DOB to the year,
member ids to their last four characters.

Screens keep their data as it is and pass text through these functions just before
showing it, so turning masking off shows the real values again without a reload. The
functions know which queue columns and detail labels hold PHI; free text (notes) is
shown as written, because a name inside a sentence cannot be found reliably.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from otq.services.details import ItemDetail
    from otq.services.queues import QueueRow

#: queue column id -> kind of PHI it shows
PHI_COLUMNS = {"patient": "name", "member_id": "member_id", "dob": "dob", "name": "name"}
#: detail-view label -> kind of PHI it shows
PHI_LABELS = {"name": "name", "patient": "name", "dob": "dob", "date of birth": "dob",
              "member id": "member_id", "patient id": "member_id", "subscriber": "name",
              "insured": "name"}
_DATE = re.compile(r"(\d{4})-\d{2}-\d{2}")


def mask_name(text: str) -> str:
    """``'ALVAREZ, Rosa'`` -> ``'A., R.'``; ``'Rosa Alvarez'`` -> ``'R. A.'``."""
    if not text or text in ("?", "-", "missing"):
        return text
    if "," in text:
        parts = [p.strip() for p in text.split(",", 1)]
        return ", ".join(_initials(p) for p in parts if p)
    return _initials(text)


def _initials(part: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", part) if w]
    return " ".join(f"{_first_letter(w)}." for w in words if _first_letter(w))


def _first_letter(word: str) -> str:
    for ch in word:
        if ch.isalnum():
            return ch.upper()
    return ""


def mask_dob(text: str) -> str:
    """``'1948-05-14'`` -> ``'1948'`` (any other text keeps only a four-digit year)."""
    m = _DATE.search(text or "")
    if m:
        return m.group(1)
    year = re.search(r"\b(19|20)\d{2}\b", text or "")
    return year.group(0) if year else ("****" if text and text != "-" else text)


def mask_member_id(text: str) -> str:
    """``'1EG4TE5MK73'`` -> ``'*******MK73'``: only the last four characters show."""
    if not text or text in ("-", "missing"):
        return text
    return "*" * max(len(text) - 4, 0) + text[-4:]


_MASKERS = {"name": mask_name, "dob": mask_dob, "member_id": mask_member_id}


def mask_value(kind: str, text: str) -> str:
    """Mask ``text`` as PHI of ``kind`` (``name``, ``dob``, ``member_id``)."""
    return _MASKERS[kind](text)


def mask_cells(column_ids: tuple[str, ...] | list[str], cells: tuple[str, ...]) -> tuple[str, ...]:
    """A queue row's cells with the PHI columns masked."""
    return tuple(mask_value(PHI_COLUMNS[c], v) if c in PHI_COLUMNS else v
                 for c, v in zip(column_ids, cells, strict=False))


def mask_rows(rows: list[QueueRow], column_ids: tuple[str, ...] | list[str]) -> list[QueueRow]:
    """Queue rows with the PHI columns masked (and their search text, so a filter on a
    name does not reveal it by matching)."""
    if not any(c in PHI_COLUMNS for c in column_ids):
        return rows
    out = []
    for r in rows:
        cells = mask_cells(column_ids, r.cells)
        out.append(replace(r, cells=cells, search_text=" ".join(cells).lower()))
    return out


def mask_detail(detail: ItemDetail) -> ItemDetail:
    """A detail view with its name, DOB and member-id rows masked; the title too, when it
    names the patient."""
    names = set()
    sections = []
    for title, rows in detail.sections:
        masked = []
        for label, value in rows:
            kind = PHI_LABELS.get(label.lower())
            if kind == "name":
                names.add(value)
            masked.append((label, mask_value(kind, value) if kind else value))
        sections.append((title, masked))
    title = detail.title
    for name in names:
        if name and name in title:
            title = title.replace(name, mask_name(name))
    return replace(detail, title=title, sections=sections)
