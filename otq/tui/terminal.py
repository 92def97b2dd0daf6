"""How otq adapts to the terminal and the link: ASCII mode and low-bandwidth mode.

``TerminalOptions`` is decided once at start-up (flags, then environment, then the
settings file, then automatic detection). ``TerminalAdaptation`` is mixed into the app:

* ASCII mode gives every screen an ``AsciiCompositor`` and shows symbolic keys by name;
* low-bandwidth mode (``--low-bandwidth``, ``OTQ_LOW_BANDWIDTH``, or the setting) draws
  in 16 colours (the terminal's own palette through the otq-ansi theme, and Rich's
  16-colour output for anything else), keeps a quiet footer (no bold or coloured key
  caps, so fewer style changes), and paints once when a held key stops;
* always: no animation and no blinking cursors, which would send bytes while idle, and
  each frame compacted on the way out (``wire.py``: no repeated styles, erase to end of
  line instead of padding).
"""

from __future__ import annotations

import errno
import os
import sys
import termios
from collections.abc import Mapping
from dataclasses import dataclass, replace

from rich.color import ColorSystem
from textual import events
from textual.binding import Binding
from textual.drivers.linux_driver import LinuxDriver
from textual.screen import Screen

from otq.tui.ascii import AsciiCompositor, ascii_key_display, ascii_wanted
from otq.tui.wire import CompactDriver

ANSI_THEME = "otq-ansi"
LOW_BANDWIDTH_CLASS = "-low-bandwidth"
_OFF = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class TerminalOptions:
    """The rendering choices for this run."""

    ascii: bool = False
    low_bandwidth: bool = False


def low_bandwidth_wanted(flag: bool | None = None, setting: bool | None = None,
                         environ: Mapping[str, str] | None = None) -> bool:
    """Low-bandwidth: the flag, else ``OTQ_LOW_BANDWIDTH`` (any value but 0/false/no/off),
    else the setting, else off."""
    env = os.environ if environ is None else environ
    if flag is not None:
        return flag
    if "OTQ_LOW_BANDWIDTH" in env:
        return env["OTQ_LOW_BANDWIDTH"].strip().lower() not in _OFF
    return bool(setting)


def terminal_options(*, ascii: bool | None = None, low_bandwidth: bool | None = None,
                     settings: object = None, environ: Mapping[str, str] | None = None,
                     detect_locale: bool = True) -> TerminalOptions:
    """Combine flags (None = not given), the settings file and the environment.

    ``detect_locale=False`` leaves ASCII mode off unless asked for (the app object
    does this, so tests and embedded use don't depend on the machine's locale;
    ``run_tui`` detects it for a real terminal).
    """
    ascii_setting = getattr(settings, "ascii", None)
    return TerminalOptions(
        ascii=ascii_wanted(ascii, ascii_setting, environ) if detect_locale
        else bool(ascii if ascii is not None else ascii_setting),
        low_bandwidth=low_bandwidth_wanted(low_bandwidth,
                                           getattr(settings, "low_bandwidth", None), environ))


class TerminalAdaptation:
    """App mixin: applies ``TerminalOptions``. Call ``adapt_terminal`` after App.__init__."""

    ascii_mode: bool = False
    low_bandwidth: bool = False

    # A quiet footer in low-bandwidth mode: key caps in the description's style, so a
    # footer repaint is one style run instead of two per key.
    CSS = """
    .-low-bandwidth Footer FooterKey .footer-key--key {
        text-style: none;
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def adapt_terminal(self, options: TerminalOptions) -> None:
        """Switch the modes on for this app (before it runs)."""
        self.ascii_mode = options.ascii
        self.low_bandwidth = options.low_bandwidth
        self.animation_level = "none"  # type: ignore[assignment]
        if options.low_bandwidth:
            # Rich downsamples any colour to the 16 ANSI ones: short SGR codes on the wire.
            self.console._color_system = ColorSystem.STANDARD  # type: ignore[attr-defined]
            self.add_class(LOW_BANDWIDTH_CLASS)  # type: ignore[attr-defined]

    def get_driver_class(self):  # noqa: ANN201 - same signature as App.get_driver_class
        """On a real Linux terminal, the driver that compacts each frame (``wire.py``);
        ``OTQ_RAW_OUTPUT=1`` sends Textual's output untouched (for comparison)."""
        found = super().get_driver_class()  # type: ignore[misc]
        if found is LinuxDriver and os.environ.get("OTQ_RAW_OUTPUT", "").lower() in _OFF:
            return CompactDriver
        return found

    def get_screen(self, screen):  # noqa: ANN001, ANN201 - same signature as App.get_screen
        """Every screen (queues, dialogs, the palette) gets the ASCII compositor if asked."""
        found = super().get_screen(screen)  # type: ignore[misc]
        if self.ascii_mode and isinstance(found, Screen) and not found.is_running \
                and not isinstance(found._compositor, AsciiCompositor):
            found._compositor = AsciiCompositor()
        return found

    def get_key_display(self, binding: Binding) -> str:
        """Keys as the footer shows them; in ASCII mode ``⏎`` is ``enter``."""
        shown = super().get_key_display(binding)  # type: ignore[misc]
        if self.ascii_mode and not shown.isascii():
            plain = super().get_key_display(replace(binding, key_display=None))  # type: ignore[misc]
            shown = ascii_key_display(plain)
        return shown

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """No blinking cursor anywhere: each blink would be bytes sent on an idle link."""
        if getattr(event.widget, "cursor_blink", False):
            event.widget.cursor_blink = False  # type: ignore[attr-defined]


def terminal_hung_up(fd: int | None = None) -> bool:
    """True when our terminal has hung up (its SSH session or tmux pane is gone).

    Linux answers any ioctl on a hung-up tty with EIO. Not a terminal at all (tests,
    pipes) is never a hang-up.
    """
    try:
        termios.tcgetattr(sys.__stdin__.fileno() if fd is None else fd)
    except termios.error as exc:
        return exc.args[0] in (errno.EIO, errno.ENXIO)
    except (OSError, ValueError, AttributeError):
        return False
    return False
