"""Make text from data safe to show in a terminal.

Names, notes and file contents come from outside. They must never act as terminal
commands (escape sequences, C0/C1 controls) or flip text direction (bidi overrides).
Rich-markup safety is the TUI's job (it renders data as plain ``Text``); this module only
removes what is dangerous in any renderer. A leaf module: anyone may import it.
"""

from __future__ import annotations

import re

# C0 controls except nothing (tabs and newlines become spaces), DEL, C1 controls, and the
# Unicode bidi embedding/override/isolate characters.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ESCAPE_SEQ = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def safe_text(value: object, limit: int = 500) -> str:
    """``value`` as one printable line: escape sequences removed, controls replaced, capped."""
    text = "" if value is None else str(value)
    text = _ESCAPE_SEQ.sub("", text)
    text = _UNSAFE.sub(lambda m: " " if m.group() in "\t\n\r" else "\ufffd", text)
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return text


def safe_cell(value: object, limit: int = 32767) -> str:
    """``value`` for a CSV cell: like ``safe_text``, but tabs and line breaks are kept
    (CSV quoting carries them) and the cap is a spreadsheet's cell limit."""
    text = "" if value is None else str(value)
    text = _ESCAPE_SEQ.sub("", text)
    text = _UNSAFE.sub(lambda m: m.group() if m.group() in "\t\n\r" else "\ufffd", text)
    return text[: limit - 1] + "\u2026" if len(text) > limit else text
