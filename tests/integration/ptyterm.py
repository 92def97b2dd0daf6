"""Running the real ``otq tui`` in a pseudo-terminal, for the tests that need a real tty
(bytes on the wire, hostile text, crash output, hang-ups)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path


def read_until_opened(fd: int, timeout: float = 60) -> bytes:
    """What ``otq tui`` writes until the store has opened behind the first screen (its
    status line says "store opened"; keys that need rows wait for it), then until idle."""
    out, deadline = b"", time.monotonic() + timeout
    while b"store opened" not in out and time.monotonic() < deadline:
        out += read_idle(fd, 0.2, max(deadline - time.monotonic(), 0))
    return out + read_idle(fd, 0.3, 0.3)


def read_idle(fd: int, idle: float, first: float) -> bytes:
    """What the program writes until ``idle`` seconds pass without output (waiting up to
    ``first`` seconds for the first byte)."""
    out, deadline = b"", time.monotonic() + first
    while True:
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            return out
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            return out
        if not chunk:
            return out
        out += chunk
        deadline = time.monotonic() + idle


def tty_env(**extra: str) -> dict[str, str]:
    """A clean 256-colour UTF-8 terminal environment, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "COLORTERM"}}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.update(extra)
    return env


def spawn_tui(store: Path, env: dict[str, str], *, cols: int = 80, rows: int = 24,
              ignore_hangup: bool = False) -> tuple[int, int]:
    """Start ``otq tui --store STORE`` in a ``cols`` x ``rows`` pty; returns (pid, fd)."""
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        if ignore_hangup:  # inherited across exec, as under su
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        os.execvpe(sys.executable, [sys.executable, "-m", "otq", "tui", "--store", str(store)],
                   env)
    return pid, fd


def kill(pid: int, fd: int | None = None) -> None:
    """End the program (if it still runs) and close the terminal."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass
