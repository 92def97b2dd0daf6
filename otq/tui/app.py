"""The otq Textual app: the composition of queue screens, detail, help and themes.

Each queue is a Textual *mode* with its own ``QueueScreen``, so switching queues keeps
every queue's cursor and filter. A one-second timer picks up other sessions' commits.
Crashes never print local variables: see ``otq.crash``.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from otq.crash import crash_message
from otq.domain import VisitStatus
from otq.errors import OtqError
from otq.queue_defs import QueueSpec, load_queue_specs
from otq.services import queue_view
from otq.services.audit_view import patient_of, record_access
from otq.services.queues import queue_counts
from otq.services.session import Session
from otq.settings import Settings, load_settings
from otq.tui.commands import AppCommands
from otq.tui.keymap import apply_keymap
from otq.tui.loading import Opening, StoreLoading
from otq.tui.screens.coding import CodingScreen
from otq.tui.screens.detail import DetailScreen
from otq.tui.screens.help import HelpScreen, binding_rows
from otq.tui.screens.queue import QueueScreen
from otq.tui.team_app import MASK_BINDING, TeamApp
from otq.tui.terminal import TerminalAdaptation, terminal_hung_up, terminal_options
from otq.tui.theming import APP_VARIABLE_DEFAULTS, load_themes, pick_theme, require_theme
from otq.tui.widgets.status_bar import StatusBar

STYLES = Path(__file__).parent / "styles"


class OtqApp(StoreLoading, TeamApp, TerminalAdaptation, App[None]):
    """The otq work-queue app on one ``Session``.

    With ``session=None`` and an ``opening``, the app paints the saved queue view and opens
    the store in the background (``otq.tui.loading``); ``otq tui`` starts that way.

    ``specs`` defaults to the bundled queue files; ``clock`` (for the status line) and
    ``theme`` are parameters so tests can freeze them. ``NO_COLOR`` selects otq-mono.
    ``settings`` (the user's file; defaults when None) chooses the theme and key remaps;
    ``ascii`` and ``low_bandwidth`` are the command-line flags (None: not given, so the
    environment, the settings and the locale decide; see ``otq.tui.terminal``).
    """

    CSS_PATH = [STYLES / "app.tcss", STYLES / "queue.tcss", STYLES / "detail.tcss",
                STYLES / "help.tcss", STYLES / "coding.tcss", STYLES / "dialogs.tcss",
                STYLES / "team.tcss"]
    TITLE = "otq"
    COMMANDS = {AppCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", id="app.help",
                tooltip="List every key of this screen"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit otq"),
        Binding("ctrl+p", "command_palette", "Commands", key_display="^p",
                id="app.command-palette", tooltip="Open the command palette"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit-now",
                tooltip="Quit otq from anywhere"),
        Binding("ctrl+c", "help_quit", show=False, system=True),
        Binding("r", "reports", "Reports", id="app.reports", show=False,
                tooltip="Supervisor reports: aging, denials, clean claims, productivity..."),
        MASK_BINDING,
    ]

    def __init__(self, session: Session | None, *, opening: Opening | None = None,
                 specs: list[QueueSpec] | None = None,
                 clock: Callable[[], datetime] | None = None, theme: str | None = None,
                 refresh_seconds: float = 1.0, settings: Settings | None = None,
                 ascii: bool | None = None, low_bandwidth: bool | None = None) -> None:
        # Textual removes NO_COLOR from the environment while it starts, so look first.
        no_color = os.environ.get("NO_COLOR") is not None
        specs = list(specs) if specs is not None else load_queue_specs()
        if not specs:
            raise OtqError("no queues are defined (queues/*.toml is empty).")
        # Every queue is a mode; the first queue's mode is the one the app starts in.
        self.DEFAULT_MODE = self._mode(specs[0].id)
        super().__init__()
        if session is None and opening is None:
            raise ValueError("OtqApp needs a session or an opening")
        self.session = session
        self.opening = opening
        self._wanted = set()
        self.specs = specs
        self.clock = clock or datetime.now
        self.refresh_seconds = refresh_seconds
        self.animation_level = "none"
        settings = settings or Settings()
        self.adapt_terminal(terminal_options(ascii=ascii, low_bandwidth=low_bandwidth,
                                             settings=settings, detect_locale=False))
        themes = load_themes()
        for t in themes:
            self.register_theme(t)
        self.otq_themes = [t.name for t in themes]
        require_theme(theme, self.otq_themes, "--theme")
        require_theme(settings.theme, self.otq_themes, f"{settings.path}: theme")
        self.theme = pick_theme(self.otq_themes, no_color=no_color,
                                requested=theme or settings.theme,
                                low_bandwidth=self.low_bandwidth)
        apply_keymap(self, settings.keys, settings.path)
        if session is not None:
            self.counts = queue_counts(session, self.specs)
        else:
            self.counts = dict(opening.view.counts) if opening.view is not None else {}
        self.init_team(settings.idle_lock_minutes)  # role label, masking, idle lock
        # The first queue's screen is the default screen; the others are made on first use.
        for spec in self.specs:
            self.add_mode(self._mode(spec.id), lambda spec=spec: QueueScreen(spec))

    @staticmethod
    def _mode(spec_id: str) -> str:
        return f"queue:{spec_id}"

    def get_default_screen(self) -> Screen:
        """The first queue, so the first paint is already a queue."""
        return QueueScreen(self.specs[0])

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """otq's own theme variables, which theme files may override."""
        return dict(APP_VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        """Start watching the store for other sessions' changes (and, started without a
        session, open the store once the first screen is painted)."""
        self.set_interval(self.refresh_seconds, self.check_store)
        if self.session is None:
            self.call_after_refresh(self.start_loading)

    # -------------------------------------------------------------- refresh
    def check_store(self) -> None:
        """Pick up other sessions' commits; tick the status-line clock; lock when idle;
        end the session when its terminal is gone."""
        if terminal_hung_up():
            # A dropped SSH link whose SIGHUP never reached us (e.g. under su): Textual's
            # input thread spins on the dead tty at full CPU, and a graceful exit can hang
            # restoring a terminal that is gone. End now, as SIGHUP would: this runs on the
            # thread that commits, so no commit is half done (each one is atomic anyway),
            # and an unsaved draft is lost exactly as with a dropped line.
            os._exit(128 + signal.SIGHUP)
        self.check_idle_lock()
        if self.session is None:  # still opening: nothing to refresh yet
            return
        try:
            changed = self.session.refresh()
        except OtqError as exc:
            self._status(str(exc), error=True)
            return
        if changed:
            self.role_label = self.team_role_label()
            self.counts = queue_counts(self.session, self.specs)
            reload = getattr(self.screen, "reload", None)
            if reload is not None:
                reload()
        for bar in self.screen.query(StatusBar):
            bar.tick()

    def _status(self, message: str, *, error: bool = False) -> None:
        for bar in self.screen.query(StatusBar):
            bar.set_message(message, error=error)

    # -------------------------------------------------------------- actions
    def switch_queue(self, spec_id: str) -> None:
        """Show the queue ``spec_id``."""
        if any(s.id == spec_id for s in self.specs):
            self.switch_mode(self._mode(spec_id))

    def action_reports(self) -> None:
        """The reports menu (issue 10)."""
        from otq.tui.screens.reports import ReportsMenu

        if not isinstance(self.screen, ReportsMenu):
            self.push_screen(ReportsMenu())

    def _log_open(self, entity: str, subject_id: str) -> bool:
        """HIPAA: an open of a patient's record is logged before it is shown; when the
        entry can't be written, the record is not shown. (DetailScreen logs its own.)"""
        try:
            record_access(self.session, entity, subject_id,
                          patient_of(self.session, entity, subject_id))
        except OtqError as exc:
            self._status(f"not opened: {exc}", error=True)
            return False
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that need the store wait for it to open; while locked only quit works."""
        if not self.check_loading_action(action):
            return None
        return super().check_action(action, parameters)

    def open_item(self, entity: str, subject_id: str) -> None:
        """Open one queue item: an uncoded visit on the coding screen, others in detail."""
        if self.session is None:
            self._status("the store is still opening; Enter works once it has loaded")
            return
        if entity == "document":  # a needed document: Q requests it, D records it received
            from otq.tui.screens.documents import DocumentScreen

            if self._log_open(entity, subject_id):
                self.push_screen(DocumentScreen(subject_id))
            return
        visit = self.session.entity("visits", subject_id) if entity == "visit" else None
        if visit is not None and visit.status is VisitStatus.UNCODED:
            if not self._log_open(entity, subject_id):
                return
            # The coding screen returns a message ("claim OTQ... ready to submit") for the
            # queue's status line, shown after the queue has reloaded on resume.
            self.push_screen(CodingScreen(subject_id), lambda message: message and
                             self.call_after_refresh(self._status, message))
            return
        if entity == "denial":  # the denials workbench (issue 5)
            from otq.tui.screens.denial import DenialScreen

            if self._log_open(entity, subject_id):
                self.push_screen(DenialScreen(subject_id))
            return
        self.push_screen(DetailScreen(entity, subject_id))

    def action_help(self) -> None:
        """Show every key of the current screen."""
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        title = getattr(getattr(screen, "spec", None), "title", None) or getattr(
            screen, "help_title", None) or (
            "item detail" if isinstance(screen, DetailScreen) else "this screen")
        self.push_screen(HelpScreen(title, binding_rows(screen)))

    # ------------------------------------------------------- crash handling
    def _handle_exception(self, error: Exception) -> None:
        """Exit on an unhandled error without printing locals or record contents.

        Replaces Textual's handler, whose Rich traceback shows local variables (patient
        data). The terminal gets one sentence; the crash log holds types and frames only.
        """
        self._return_code = 1
        if self._exception is None:  # Pilot re-raises this in tests
            self._exception = error
            self._exception_event.set()
        inner = getattr(error, "error", None)  # a WorkerFailed wraps the real error
        cause = inner if isinstance(inner, BaseException) else error
        self._exit_renderables.append(Text(f"otq: {crash_message(cause)}"))
        self._close_messages_no_wait()

    def _fatal_error(self) -> None:
        """Never render Textual's traceback-with-locals; exit quietly instead."""
        self._exit_renderables.append(Text("otq stopped because of an internal error."))
        self._close_messages_no_wait()


def run_tui(session: Session | None = None, *, opening: Opening | None = None,
            specs: list[QueueSpec] | None = None, ascii: bool | None = None,
            low_bandwidth: bool | None = None, theme: str | None = None) -> None:
    """Run the otq TUI on ``session`` (or on the store ``opening`` opens in the
    background) until the user quits, then save the queue view for the next start.

    Reads the user's settings file (a bad one is a ConfigError before the screen
    changes). A store that fails to open is raised as its ``OtqError`` once the screen
    is restored. After a crash (already reported in one line, without patient data) it
    exits with 1.
    """
    settings = load_settings()
    ascii = terminal_options(ascii=ascii, settings=settings).ascii  # the locale decides last
    app = OtqApp(session, opening=opening, specs=specs, settings=settings, theme=theme,
                 ascii=ascii, low_bandwidth=low_bandwidth)
    app.run()
    if app.load_error is not None:
        raise app.load_error
    if app.return_code:
        raise SystemExit(app.return_code)
    if app.session is not None:
        queue_view.save_if_current(app.session, app.specs)
    elif opening is not None:
        # Quit while the store was still loading: the screen is restored and nothing is
        # unsaved, so don't wait for the loading thread (it may hold the interpreter in
        # a long parse for seconds). Stopping it is as safe as a kill (see loading.py).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
