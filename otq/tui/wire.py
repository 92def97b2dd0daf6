"""Fewer bytes on the wire: a lossless rewrite of each frame Textual sends to the terminal.

Textual writes every changed line as ``CUP, SGR, text, SGR-reset, CR LF`` and pads lines
with spaces to the right edge. Over SSH on a slow link those bytes are the lag a biller
feels. ``compact_frame`` rewrites a frame the way curses has always done it, without
changing what the screen shows:

* a reset followed (after only cursor motion) by the very same style is dropped, so a
  page of rows in one style sends its colour once, not once per row;
* a line break followed by an absolute cursor move is dropped (the move makes it moot);
* a run of trailing spaces that reaches the right edge becomes "erase to end of line"
  (``CSI K``) when the terminal fills erased cells with the current background (terminfo
  ``bce``) and the style has nothing that shows on a blank (reverse, underline, strike,
  overline). Other runs are sent as they are.

Anything the rewriter does not recognise passes through unchanged, and the frame always
ends in the style state Textual left it in, so the next frame starts from a known state.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual.drivers.linux_driver import LinuxDriver

#: CSI sequences, OSC strings, other two-byte escapes, and runs of plain text.
_TOKEN = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?|[^\x1b]+",
                    re.DOTALL)
_CUP = re.compile(r"\x1b\[(\d+);(\d+)H\Z")
_SGR = re.compile(r"\x1b\[([0-9;:]*)m\Z")
#: SGR parameters that paint a blank cell (so its spaces can't become an erase).
_SHOWS_ON_BLANK = {"4", "7", "9", "21", "53", "5", "6"}
_MIN_RUN = 4  # "\x1b[K" is 3 bytes: shorter runs are not worth it


def _visible_on_blank(params: str | None) -> bool:
    """True when the SGR ``params`` include an attribute that shows on a blank cell."""
    if not params:
        return False
    codes = params.split(";")
    i = 0
    while i < len(codes):
        code = codes[i].split(":")[0]
        if code in ("38", "48", "58"):  # extended colour: skip its 5;n or 2;r;g;b arguments
            i += 3 if codes[i + 1:i + 2] == ["5"] else 5 if codes[i + 1:i + 2] == ["2"] else 1
            continue
        if code in _SHOWS_ON_BLANK:
            return True
        i += 1
    return False


def _line_ends_after(tokens: list[str], start: int) -> bool:
    """True when nothing but style changes come between ``start`` and a CR LF, an
    absolute cursor move or the end of the frame (a bare LF counts only when a move or
    the end follows it: without the tty's CR it would keep the column)."""
    bare_lf = False
    for token in tokens[start:]:
        if _SGR.match(token):
            continue
        if _CUP.match(token):
            return True
        if token == "\n" and not bare_lf:
            bare_lf = True
            continue
        return token.startswith("\r\n") and not bare_lf
    return True


def compact_frame(data: str, width: int, height: int, *, erase_eol: bool) -> str:
    """``data`` (one frame of terminal output for a ``width`` x ``height`` screen),
    rewritten to fewer bytes that leave the screen exactly as ``data`` would."""
    tokens = _TOKEN.findall(data)
    out: list[str] = []
    active: str | None = None  # SGR parameters in force; None = default style
    reset_pending = False  # a reset seen but not yet sent
    newline_pending: str | bool = False  # a line break seen but not yet sent
    col: int | None = None  # 1-based cursor column, None when unknown
    line: int | None = None  # 1-based cursor line, None when unknown

    def flush() -> None:
        nonlocal reset_pending, newline_pending, active
        if reset_pending:
            out.append("\x1b[0m")
            reset_pending, active = False, None
        if newline_pending:
            out.append(newline_pending)
            newline_pending = False

    for i, token in enumerate(tokens):
        if (sgr := _SGR.match(token)) is not None:
            params = sgr.group(1)
            if params in ("", "0"):
                if newline_pending:  # keep the order: CR LF was sent before this reset
                    flush()
                reset_pending = True
            elif reset_pending and not newline_pending and params == active:
                reset_pending = False  # reset + same style again: neither is needed
            else:
                stacked = not reset_pending and active is not None
                flush()
                out.append(token)
                # Attributes stacked on attributes: never treat as equal to anything.
                active = "\x00" if stacked else params
            continue
        if (cup := _CUP.match(token)) is not None:
            # An absolute move makes a pending line break moot (one is only held back
            # when it cannot scroll the screen). A pending reset stays pending.
            newline_pending = False
            out.append(token)
            line, col = int(cup.group(1)), int(cup.group(2))
            continue
        if token.startswith("\x1b"):  # any other control sequence: send everything first
            flush()
            out.append(token)
            col = line = None  # it may have moved the cursor
            continue
        if token in ("\r\n", "\n") and not newline_pending:
            if line is None or line >= height:  # a break on the last line scrolls: keep it
                flush()
                out.append(token)
                line = None
            else:
                newline_pending = token  # (the tty turns a bare LF into CR LF)
                line += 1
            col = 1
            continue
        flush()
        text = token
        if "\r" in text or "\n" in text or "\t" in text or "\b" in text:
            out.append(text)
            col = line = None
            continue
        if col is not None and col > width:  # at the edge: this text wraps to a new line
            col = line = None
        stripped = text.rstrip(" ")
        run = len(text) - len(stripped)
        end = col + cell_len(text) - 1 if col is not None else None
        if (erase_eol and run >= _MIN_RUN and end == width
                and not _visible_on_blank(active) and _line_ends_after(tokens, i + 1)):
            out.append(stripped + "\x1b[K")
        else:
            out.append(text)
        if end is None or end > width:
            col = line = None
        else:
            col = end + 1  # width + 1: at the right edge, the line is still known
    flush()
    return "".join(out)


def terminal_has_bce() -> bool:
    """True when terminfo says erased cells take the current background colour."""
    try:
        import curses

        curses.setupterm()
        return curses.tigetflag("bce") == 1
    except Exception:  # no terminfo entry, no TERM, not a terminal: play safe
        return False


class CompactDriver(LinuxDriver):
    """Textual's Linux driver with each frame rewritten by ``compact_frame``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._erase_eol = terminal_has_bce()

    def write(self, data: str) -> None:
        """Send ``data``, compacted (frames only; small control writes pass through)."""
        if len(data) > 64:
            size = self._app.size
            data = compact_frame(data, size.width, size.height, erase_eol=self._erase_eol)
        super().write(data)
