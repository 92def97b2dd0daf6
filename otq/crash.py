"""Crash reports without PHI.

A crash must never show or save local variables or record contents: those hold patient
names, dates of birth and member ids. The report keeps the exception type and the stack
(file, line, function) only; the exception message is dropped too, since messages can
quote data.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import pendulum


def crash_dir() -> Path:
    """Where crash reports go: ``$XDG_STATE_HOME/otq`` (``~/.local/state/otq``)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "otq"


def write_crash_report(exc: BaseException) -> Path | None:
    """Write a PHI-free crash report and return its path (None if it could not be written)."""
    lines = [f"otq crash at {pendulum.now('UTC').isoformat()}",
             f"exception: {type(exc).__module__}.{type(exc).__qualname__}", "stack:"]
    for frame in traceback.extract_tb(exc.__traceback__):
        lines.append(f"  {frame.filename}:{frame.lineno} in {frame.name}")
    try:
        folder = crash_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"crash-{pendulum.now('UTC').format('YYYYMMDDTHHmmss')}-{os.getpid()}.log"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.chmod(path, 0o600)
        return path
    except OSError:
        return None


def crash_message(exc: BaseException) -> str:
    """The short message shown to the user instead of a traceback."""
    path = write_crash_report(exc)
    where = f" A report without patient data is at {path}." if path else ""
    return f"otq hit an internal error ({type(exc).__name__}) and stopped.{where}"
