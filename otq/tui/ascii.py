"""ASCII mode: nothing but printable ASCII on the wire, for terminals without UTF-8.

Switched on by ``--ascii`` or the ``ascii`` setting, and automatically when the locale
is not UTF-8. otq's own widgets already choose ASCII forms (``...`` in truncated cells,
``enter`` for the Enter key); everything else (Textual's borders, scrollbars, the
command palette's icon, a name with an accent) is caught in one place: each screen's
compositor translates the finished lines, cell for cell, before they are written or
exported as a screenshot. Box drawing becomes ``+ - |``, block elements become ``#``
or blanks, accented letters lose their accents, and anything else becomes ``?``.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

# Characters Textual and otq draw, with the ASCII character that best stands in for them.
_FIXED = {
    "\u2026": ".", "\u00b7": "-", "\u2022": "*", "\u23ce": "<", "\u2191": "^", "\u2193": "v",
    "\u2190": "<", "\u2192": ">", "\u25b2": "^", "\u25bc": "v", "\u25b6": ">", "\u25c0": "<",
    "\u2713": "x", "\u2714": "x", "\u2717": "X", "\u2718": "X", "\u2500": "-", "\u2502": "|",
    "\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u00a0": " ", "\u25cf": "*", "\u25cb": "o", "\u2588": "#", "\u2591": ".", "\u2592": ":",
    "\u2593": "#",
}


@lru_cache(maxsize=4096)
def ascii_char(char: str) -> str:
    """The ASCII stand-in for one character, exactly as many cells wide as ``char``."""
    if char.isascii():
        return char
    width = cell_len(char)
    if width == 0:
        return ""  # combining marks and zero-width joiners vanish with their glyph
    fixed = _FIXED.get(char)
    if fixed is None:
        code = ord(char)
        if 0x2500 <= code <= 0x257F:  # box drawing: corners and joins become "+"
            name = unicodedata.name(char, "")
            fixed = "-" if "HORIZONTAL" in name and "VERTICAL" not in name else (
                "|" if "VERTICAL" in name and "HORIZONTAL" not in name else "+")
        elif 0x2580 <= code <= 0x259F:  # block elements: scrollbar ends become blank
            fixed = " "
        else:
            plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            fixed = plain if plain and cell_len(plain) == width else "?" * width
    return fixed.ljust(width)[:width] if width > 1 else fixed[:1] or "?"


def to_ascii(text: str) -> str:
    """``text`` with every non-ASCII character replaced, keeping its width in cells."""
    if text.isascii():
        return text
    return "".join(map(ascii_char, text))


def ascii_strip(strip: Strip) -> Strip:
    """A copy of ``strip`` with only ASCII text (styles and width unchanged)."""
    segments = [seg if seg.control or seg.text.isascii()
                else Segment(to_ascii(seg.text), seg.style, seg.control)
                for seg in strip]
    return Strip(segments, strip.cell_length)


class AsciiCompositor(Compositor):
    """A compositor whose every rendered line is ASCII (screen updates and screenshots)."""

    def _render_chops(self, crop: Region, is_rendered_line: Callable[[int], bool]
                      ) -> Sequence[Mapping[int, Strip]]:
        chops = super()._render_chops(crop, is_rendered_line)
        for line in chops:
            for cut, strip in line.items():
                if strip is not None and not strip.text.isascii():
                    line[cut] = ascii_strip(strip)  # type: ignore[index]
        return chops


def locale_is_utf8(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the user's locale (LC_ALL, else LC_CTYPE, else LANG) names UTF-8.

    Python itself coerces a C locale to ``LC_CTYPE=C.UTF-8`` at start-up (PEP 538);
    that coerced value says nothing about the terminal, so it is ignored when LANG
    does not name UTF-8 as well.
    """
    env = os.environ if environ is None else environ

    def utf8(value: str) -> bool:
        return "utf-8" in value.lower() or "utf8" in value.lower()

    if env.get("LC_ALL"):
        return utf8(env["LC_ALL"])
    ctype, lang = env.get("LC_CTYPE", ""), env.get("LANG", "")
    if ctype and not (ctype == "C.UTF-8" and not utf8(lang)):
        return utf8(ctype)
    return utf8(lang)


def ascii_wanted(flag: bool | None = None, setting: bool | None = None,
                 environ: Mapping[str, str] | None = None) -> bool:
    """ASCII mode: the ``--ascii`` flag, else the setting, else when the locale isn't UTF-8."""
    if flag is not None:
        return flag
    if setting is not None:
        return setting
    return not locale_is_utf8(environ)


#: ASCII names for keys whose display is a symbol (shown in the footer and help).
KEY_NAMES = {"\u23ce": "enter", "\u2191": "up", "\u2193": "down", "\u2190": "left",
             "\u2192": "right", "\u21e5": "tab", "\u232b": "bksp"}


def ascii_key_display(display: str) -> str:
    """A key as the footer shows it, in ASCII (``⏎`` -> ``enter``)."""
    if display.isascii():
        return display
    for symbol, name in KEY_NAMES.items():
        display = display.replace(symbol, name)
    return to_ascii(display)
