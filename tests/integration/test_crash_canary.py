"""A real crash prints no PHI (issue 9 "Crash output").

The store holds a canary patient, "Zzcanary Qqtest" (DOB 1951-02-03, member id
ZZCANARY99). A small runner starts the real ``otq`` command line after making one function
blow up with the canary in its message, its locals and its chained cause:

* in the TUI: the detail screen's body builder, once it has built the canary's detail,
  run in a pseudo-terminal at 80x24 and opened with Enter;
* on the command line: ``otq scrub``, once it has scrubbed the store.

Everything the process prints after it leaves the full screen, every byte on the command
line, and the crash log are grepped for the canary: it must be absent, and the output must
name the crash log.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import stat
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.integration.ptyterm import read_idle, read_until_opened

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from builders import TODAY, build_store, open_session, uid  # noqa: E402

from otq.store import Put  # noqa: E402

CANARY = ("Zzcanary", "Qqtest", "ZZCANARY99", "1951-02-03", "cannot show")
ROOT = Path(__file__).resolve().parents[2]

RUNNER = r'''
import sys
where = sys.argv[1]
if where == "tui":
    from otq.tui.screens import detail
    real = detail.DetailBody.build
    def build(self, found):
        text = real(self, found)  # the canary's detail, built
        patient = "Zzcanary Qqtest, DOB 1951-02-03, member ZZCANARY99"
        try:
            {}["ZZCANARY99"]
        except KeyError as cause:
            raise RuntimeError(f"cannot show {patient}: {text.plain}") from cause
    detail.DetailBody.build = build
else:
    from otq.services import scrub_report
    real = scrub_report.scrub_store
    def scrub_store(session, visit=None):
        rows = real(session, visit)
        names = [p.last_name + " " + p.first_name for p in session.entities("patients").values()]
        raise ValueError(f"cannot show {names}")
    scrub_report.scrub_store = scrub_store
from otq.cli import main
sys.exit(main(sys.argv[2:]))
'''


@pytest.fixture
def store(tmp_path) -> Path:
    path = build_store(tmp_path / "practice" / "otq.json")
    session = open_session(path)
    rec = session.store.get("patients", uid("p5"))  # on the first queue (pending eligibility)
    cov = session.store.get("coverages", uid("cov-p5"))
    session.store.commit([
        Put("patients", {**rec, "last_name": "Zzcanary", "first_name": "Qqtest",
                         "dob": "1951-02-03"}, rec["version"]),
        Put("coverages", {**cov, "member_id": "ZZCANARY99"}, cov["version"])],
        action="test.canary")
    session.store.close()
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "COLORTERM", "TEXTUAL"}}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               PYTHONPATH=str(ROOT))
    return env


def _crash_logs(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "state" / "otq").glob("crash-*.log"))


def _assert_clean_log(tmp_path: Path, exception: str, frame: str) -> Path:
    (log,) = _crash_logs(tmp_path)
    report = log.read_text()
    assert exception in report and frame in report  # useful to a developer
    for word in CANARY:
        assert word not in report, word
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    for other in (tmp_path / "state").rglob("*"):  # nothing else written holds PHI either
        if other.is_file():
            assert not any(w.encode() in other.read_bytes() for w in CANARY), other
    return log


def test_crash_in_the_tui__terminal_after_exit_and_crash_log_hold_no_phi(store, tmp_path):
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.execvpe(sys.executable, [sys.executable, "-c", RUNNER, "tui", "tui", "--store",
                                    str(store), "--today", TODAY.isoformat()], _env(tmp_path))
    status = None
    try:
        stream = read_until_opened(fd)
        assert b"Zzcanary" in stream  # the canary is on screen: the crash has PHI to leak
        os.write(fd, b"\r")  # open its detail: the body builder blows up
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            stream += read_idle(fd, 0.2, 0.5)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        stream += read_idle(fd, 0.1, 0.3)
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert status is not None, "otq did not exit after the crash"
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1

    after = stream.rsplit(b"\x1b[?1049l", 1)[-1].decode("utf-8", "replace")  # left full screen
    assert "otq hit an internal error (RuntimeError)" in after
    log = _assert_clean_log(tmp_path, "builtins.RuntimeError", "in build")
    assert str(log) in re.sub(r"\s*\r?\n\s*", "", after)  # the message names the log (wrapped)
    for word in CANARY:
        assert word not in after, word
    text = stream.decode("utf-8", "replace")
    assert "Traceback" not in text and "cannot show" not in text  # never, not even on screen


def test_crash_on_the_command_line__output_and_crash_log_hold_no_phi(store, tmp_path):
    done = subprocess.run([sys.executable, "-c", RUNNER, "cli", "scrub", "--store", str(store),
                           "--today", TODAY.isoformat()], capture_output=True, text=True,
                          env=_env(tmp_path), timeout=60, cwd=tmp_path)
    assert done.returncode == 70
    output = done.stdout + done.stderr
    assert "otq hit an internal error (ValueError)" in done.stderr
    log = _assert_clean_log(tmp_path, "builtins.ValueError", "in scrub_store")
    assert str(log) in done.stderr
    assert "Traceback" not in output
    for word in CANARY:
        assert word not in output, word
