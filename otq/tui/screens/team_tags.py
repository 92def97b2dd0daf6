"""Tags and bulk actions of the queue screens: ``space`` and ``T`` tag rows, ``;`` makes the
next ``A``/``C``/``N``/``S`` apply to every tagged row (after a preview, in one commit),
and ``u`` undoes that commit in one step.

A mixin under ``TeamActions``, which supplies ``_status``, ``_attempt``, ``_changed`` and
``_row``; the table draws the tag marks (``QueueTable.marked``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from otq.services.assignment import BulkChange, undo_bulk
from otq.services.queues import QueueRow

if TYPE_CHECKING:
    from otq.tui.app import OtqApp


class TagsAndBulk:
    """Tagged rows (``tags``, subject ids), the armed ``;`` and the last bulk change."""

    app: OtqApp
    bulk_armed: bool = False
    last_change: BulkChange | None = None

    def _targets(self) -> list[tuple[str, str]]:
        return [(r.subject_type, r.subject_id) for r in self.all_rows if r.subject_id in self.tags]

    def _labels(self) -> dict[str, str]:
        rows = self.decorate([r for r in self.all_rows if r.subject_id in self.tags])
        return {r.subject_id: "  ".join(r.cells[:2]) for r in rows}

    def _bulk_or_row(self) -> tuple[bool, QueueRow | None] | None:
        """What the action applies to: ``(True, None)`` after ``;`` with rows tagged,
        ``(False, row)`` for the row under the cursor, None when there is nothing."""
        if self._take_bulk():
            return (True, None) if self.tags else None
        row = self._row()
        return None if row is None else (False, row)

    def _take_bulk(self) -> bool:
        """True (and disarmed) when ``;`` armed this action and rows are tagged."""
        if not self.bulk_armed:
            return False
        self.bulk_armed = False
        if not self.tags:
            self._status("no rows are tagged (space tags a row, T tags what the filter shows)",
                         error=True)
            return True  # consumed: do not fall through to the single-row action
        return True

    def _bulk_done(self, change: BulkChange | None, verb: str) -> None:
        if change is None:
            return
        self.last_change = change
        self.tags.clear()
        self._changed(f"{verb} {change.count} items in one step; u undoes it")

    def action_tag(self) -> None:
        """``space``: tag or untag the row and move down."""
        row = self.table.current_row
        if row is None:
            return
        self.tags.symmetric_difference_update({row.subject_id})
        self._show_rows()
        self.table.action_cursor_down()
        self._status(f"{len(self.tags)} tagged; ; then A assigns them all")

    def action_tag_filtered(self) -> None:
        """``T``: tag every row shown; if all are tagged already, untag them."""
        shown = {r.subject_id for r in self.table.rows}
        if shown and shown <= self.tags:
            self.tags -= shown
        else:
            self.tags |= shown
        self._show_rows()
        self._status(f"{len(self.tags)} tagged")

    def action_arm_bulk(self) -> None:
        """``;``: the next A, C, N or S applies to every tagged row."""
        if not self.tags:
            self._status("tag rows first: space tags one, T tags what the filter shows",
                         error=True)
            return
        self.bulk_armed = True
        self._status(f"; {len(self.tags)} tagged: A assign  C claim  N note  S snooze")

    def action_undo(self) -> None:
        """``u``: undo the last bulk change or rebalance, in one compensating commit."""
        change = self.last_change
        if change is None:
            return
        if self._attempt(lambda: undo_bulk(self.app.session, change),
                         f"undone: {change.description}") is not None:
            self.last_change = None
            self.refresh_bindings()
