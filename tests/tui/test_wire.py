"""The frame compactor (otq/tui/wire.py): fewer bytes, the very same screen.

Each case feeds the raw frame and the compacted one to pyte (a VT100 emulator whose
erase fills cells with the current style, as a ``bce`` terminal does) and compares every
cell: character, colours and attributes.
"""

from __future__ import annotations

import pyte
from hypothesis import given, settings
from hypothesis import strategies as st

from otq.tui.wire import compact_frame

ROW = "\x1b[38;5;251;48;5;234m"
CURSOR = "\x1b[1;7;38;5;251;48;5;234m"
HEADER = "\x1b[1;4;38;5;231;48;5;234m"
RESET = "\x1b[0m"


def screen_of(*frames: str, cols: int = 40, lines: int = 8) -> list[list[tuple]]:
    """Every cell of a pyte screen after ``frames``: (char, fg, bg, bold, reverse, underline)."""
    screen = pyte.Screen(cols, lines)
    stream = pyte.Stream(screen)
    for frame in frames:
        stream.feed(frame.replace("\n", "\r\n").replace("\r\r\n", "\r\n"))  # the tty's ONLCR
    return [[(c.data, c.fg, c.bg, c.bold, c.reverse, c.underscore)
             for c in (screen.buffer[y][x] for x in range(cols))] for y in range(lines)]


def row(y: int, text: str, style: str = ROW, width: int = 40) -> str:
    """One line as Textual writes it: move, style, text padded to the edge, reset, LF."""
    return f"\x1b[{y};1H{style}{text.ljust(width)}{RESET}\n"


def test_compact__a_page_of_rows_sends_its_style_once_and_erases_the_padding():
    frame = "".join(row(y, f"2026-10-05 Patient {y}") for y in range(2, 8))
    out = compact_frame(frame, 40, 8, erase_eol=True)
    assert out.count(ROW) == 1
    assert out.count("\x1b[K") == 6
    assert len(out) < len(frame) / 2
    assert screen_of(out) == screen_of(frame)


def test_compact__reverse_and_underlined_lines_keep_their_spaces():
    frame = row(1, "DOS  Patient", HEADER) + row(2, "cursor row", CURSOR) + row(3, "plain")
    out = compact_frame(frame, 40, 8, erase_eol=True)
    assert "DOS  Patient" + " " * 28 in out and "cursor row" + " " * 30 in out
    assert out.count("\x1b[K") == 1  # only the plain row
    assert screen_of(out) == screen_of(frame)


def test_compact__without_bce_padding_is_sent_as_spaces():
    frame = row(2, "Anderson, Logan") + row(3, "Armstrong, Debra")
    out = compact_frame(frame, 40, 8, erase_eol=False)
    assert "\x1b[K" not in out
    assert out.count(ROW) == 1
    assert screen_of(out) == screen_of(frame)


def test_compact__spaces_short_of_the_right_edge_are_not_erased():
    frame = f"\x1b[2;1H{ROW}{'name':<20}{RESET}\x1b[2;21H\x1b[38;5;1m{'x' * 20}{RESET}"
    out = compact_frame(frame, 40, 8, erase_eol=True)
    assert "\x1b[K" not in out
    assert screen_of(out) == screen_of(frame)


def test_compact__the_frame_ends_in_the_default_style():
    out = compact_frame(row(2, "a") + row(3, "b"), 40, 8, erase_eol=True)
    assert out.endswith(RESET) or out.endswith(RESET + "\n")


def test_compact__unknown_sequences_and_other_text_pass_through():
    frame = "\x1b[?25l\x1b]0;otq\x07" + row(2, "Diaz") + "\x1b[?2026l"
    out = compact_frame(frame, 40, 8, erase_eol=True)
    assert out.startswith("\x1b[?25l\x1b]0;otq\x07") and out.endswith("\x1b[?2026l")
    assert screen_of(out) == screen_of(frame)


def test_compact__wide_characters_count_as_two_cells():
    text = "\u8a3a\u7642 Diaz"  # 4 cells of CJK + " Diaz"
    frame = f"\x1b[2;1H{ROW}{text}{' ' * (40 - 9)}{RESET}\n"
    out = compact_frame(frame, 40, 8, erase_eol=True)
    assert out.count("\x1b[K") == 1
    assert screen_of(out) == screen_of(frame)


STYLES = [ROW, CURSOR, HEADER, "\x1b[38;5;245;48;5;235m", "\x1b[1m", "\x1b[31;44m", ""]


@st.composite
def frames(draw) -> str:
    """Frames shaped like Textual's: lines of styled segments, some padded to the edge."""
    parts = []
    for y in draw(st.lists(st.integers(1, 8), min_size=1, max_size=8)):
        x = draw(st.integers(1, 30))
        parts.append(f"\x1b[{y};{x}H")
        left = 40 - x + 1
        for _ in range(draw(st.integers(1, 3))):
            if left <= 0:
                break
            text = draw(st.text(st.sampled_from("ab \u00b7"), min_size=1, max_size=left))
            if draw(st.booleans()):
                text = text.ljust(left)
            text = text[:left]
            left -= len(text)
            parts.append(draw(st.sampled_from(STYLES)) + text + RESET)
        if draw(st.booleans()):
            parts.append("\n")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(st.lists(frames(), min_size=1, max_size=3), st.booleans())
def test_compact__any_textual_shaped_frames_leave_the_same_screen(frame_list, bce):
    compacted = [compact_frame(f, 40, 8, erase_eol=bce) for f in frame_list]
    assert screen_of(*compacted) == screen_of(*frame_list)
