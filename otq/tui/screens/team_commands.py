"""The ``:`` command line and the team entries of the command palette.

``:rebalance [--dry-run]`` previews the proposed moves; without ``--dry-run`` the preview
asks before applying them in one commit (which ``u`` undoes). Other commands are the
queue keys by name, for people who prefer typing: ``:assign ann``, ``:claim``,
``:note called the payer``, ``:snooze 3d``, ``:view mine``, ``:board``, ``:audit``,
``:mask``, ``:next``.
"""

from __future__ import annotations

import shlex
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text

from otq.errors import OtqError
from otq.services import workitems
from otq.services.assignment import apply_moves, check_assignee, plan_rebalance
from otq.tui.commands import Command, _ListProvider
from otq.tui.dialogs import ConfirmModal, TextModal

if TYPE_CHECKING:
    from otq.tui.screens.team_actions import TeamActions

HELP = ("commands: rebalance [--dry-run], assign USER, claim, note TEXT, snooze WHEN, "
        "view all|mine|unassigned, next, board, audit, mask")


def rebalance(screen: TeamActions, *, dry_run: bool) -> None:
    """Plan a rebalance, show it, and (unless a dry run) apply it after a yes."""
    app = screen.app
    try:
        moves = plan_rebalance(app.session, app.specs)
    except OtqError as exc:
        screen._status(str(exc), error=True)
        return
    if not moves:
        screen._status("loads are already as even as payer skills allow")
        return
    lines = [m.describe() for m in moves]
    if dry_run:
        app.push_screen(TextModal(f"Rebalance (dry run): {len(moves)} moves",
                                  Text("\n".join(lines))))
        return

    def answer(yes: bool | None) -> None:
        if not yes:
            return
        change = screen._attempt(lambda: apply_moves(app.session, moves), "")
        if change is not None:
            screen._bulk_done(change, "rebalanced")

    app.push_screen(ConfirmModal(f"Rebalance: move {len(moves)} items?", "\n".join(lines),
                                 yes="apply (one step)", no="cancel"), answer)


def run_command(screen: TeamActions, text: str) -> None:
    """Run one ``:`` command on a queue screen."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if not words:
        return
    name, args = words[0].lower().lstrip(":"), words[1:]
    row = screen.table.current_row
    session = screen.app.session
    if name == "rebalance":
        bad = [a for a in args if a not in ("--dry-run", "-n")]
        if bad:
            screen._status(f"rebalance takes only --dry-run, not {' '.join(bad)}", error=True)
            return
        rebalance(screen, dry_run=bool(args))
    elif name == "assign" and len(args) == 1 and row is not None:
        to = "" if args[0] in ("-", "nobody") else args[0]
        screen._attempt(lambda: workitems.assign(session, row.subject_type, row.subject_id,
                                                 check_assignee(session, to)),
                        f"assigned to {to}" if to else "unassigned")
    elif name == "claim":
        screen.action_claim()
    elif name == "note" and args and row is not None:
        screen._attempt(lambda: workitems.add_note(session, row.subject_type, row.subject_id,
                                                   " ".join(args)), "note added")
    elif name == "snooze" and len(args) == 1 and row is not None:
        screen._attempt(lambda: workitems.snooze(session, row.subject_type, row.subject_id,
                                                 workitems.parse_snooze(args[0], session.today)),
                        f"snoozed ({args[0]})")
    elif name == "view" and len(args) == 1 and args[0] in ("all", "mine", "unassigned"):
        screen.view = args[0]
        screen._show_rows()
    elif name in ("next", "board", "audit", "undo"):
        getattr(screen, {"next": "action_next_item", "board": "action_board",
                         "audit": "action_audit", "undo": "action_undo"}[name])()
    elif name == "mask":
        screen.app.action_toggle_masking()
    else:
        screen._status(f"unknown command '{text}'; {HELP}", error=True)


class TeamCommands(_ListProvider):
    """Palette entries for the team actions of a queue screen."""

    def commands(self) -> list[Command]:
        """Rebalance (preview or dry run), the board, the audit log, views and masking."""
        screen: Any = self.screen
        if not hasattr(screen, "check_team_action"):
            return []
        out: list[Command] = []
        if screen.check_team_action("board"):
            out += [("Rebalance: preview and apply", partial(rebalance, screen, dry_run=False),
                     "Even out the billers' loads within their payer skills"),
                    ("Rebalance: dry run", partial(rebalance, screen, dry_run=True),
                     "Show the moves a rebalance would make, change nothing"),
                    ("Supervisor board", screen.action_board,
                     "Open items, money held and pace per biller (B)")]
        out += [("Audit log", screen.action_audit, "Who did what and when (@)"),
                ("Toggle PHI masking", screen.app.action_toggle_masking,
                 "Names to initials, DOB to year, member ids to last 4 (M)")]
        for view in ("all", "mine", "unassigned"):
            out.append((f"View: {view}", partial(run_command, screen, f"view {view}"),
                        "Which items this queue lists (v cycles)"))
        return out
