"""The editing half of the coding screen: the line editor, pickers, auto-fixes and warnings.

Every change goes through the ``VisitDraft`` of ``otq.services.coding``; this module only
turns keys into those calls and shows what they did. Kept apart from ``coding.py`` so
each module stays readable.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from otq.domain import Finding, Fix
from otq.errors import OtqError
from otq.reference.icd import icd_table
from otq.reference.modifiers import modifier_table
from otq.services.coding import VisitDraft
from otq.tui.dialogs import FixModal, FixOption, PickerItem, PickerModal
from otq.tui.widgets.findings_panel import FindingsPanel
from otq.tui.widgets.service_lines import ServiceLinesTable

if TYPE_CHECKING:
    from otq.tui.app import OtqApp

#: The label and setter name of each editable column.
EDITORS = {"cpt": ("code", "set_cpt"), "modifiers": ("modifiers (GO:59)", "set_modifiers"),
           "minutes": ("minutes", "set_minutes"),
           "units": ("units (blank = from minutes)", "set_units"),
           "pointers": ("diagnosis pointers (1,2)", "set_pointers"),
           "charge": ("charge", "set_charge")}
#: Fixes a biller must not apply in bulk: each needs the clinician's documentation first.
JUDGEMENT_FIXES = {("MOD-KX", "add KX"), ("NCCI-PAIR", "add 59")}
MAX_BULK = 20  # a safety stop for "all safe fixes" (fixes settle in two or three rounds)
_DX_FIELD = re.compile(r"diagnoses\[(\d+)\]")


def needs_judgement(finding: Finding) -> bool:
    """True for a fix that must be chosen one at a time, never in "all safe fixes"."""
    return finding.fix is not None and (finding.rule_id, finding.fix.name) in JUDGEMENT_FIXES


def plan_safe_fixes(draft: VisitDraft) -> tuple[list[Fix], list[str]]:
    """The safe fixes that would be applied one after another, and their preview.

    Worked out on a copy of the draft: each fix is applied and the visit re-scrubbed
    before the next is chosen, because a fix (removing a line) renumbers the others.
    """
    trial = replace(draft, undo_stack=[], acknowledged=set(draft.acknowledged))
    fixes: list[Fix] = []
    preview: list[str] = []
    tried: set[tuple[str, str, str]] = set()
    for _ in range(MAX_BULK):
        candidates = [f for f in trial.findings() if f.fix is not None and not needs_judgement(f)
                      and (f.rule_id, f.fix.name, f.field) not in tried]
        if not candidates:
            break
        finding = candidates[0]
        tried.add((finding.rule_id, finding.fix.name, finding.field))
        before = trial.visit
        lines = trial.preview(finding.fix)
        try:
            trial.apply(finding.fix)
        except OtqError:
            continue
        if trial.visit != before:
            fixes.append(finding.fix)
            preview += lines
    return fixes, preview


class CodingEdits:
    """Mixin for ``CodingScreen``: needs ``draft``, ``changed()`` and ``say()``."""

    app: OtqApp
    draft: VisitDraft

    # -------------------------------------------------------------- the editor
    def open_editor(self, row: int, column: str, text: str | None = None) -> None:
        """Edit one cell in place (the code and modifiers cells open their pickers)."""
        if column == "cpt" and text is None:
            self.action_change_code()
            return
        if column == "modifiers" and text is None:
            self.action_modifiers()
            return
        line = self.draft.visit.lines[row]
        current = {"cpt": line.cpt, "modifiers": ":".join(line.modifiers),
                   "minutes": "" if line.minutes is None else str(line.minutes),
                   "units": "" if line.units is None else str(line.units),
                   "pointers": ",".join(map(str, line.dx_pointers)),
                   "charge": "" if line.charge is None else f"{line.charge:.2f}"}[column]
        table = self.query_one(ServiceLinesTable)
        table.focus()
        table.start_edit(row, column, current if text is None else text, fresh=text is None)
        self.say(f"line {row + 1} {EDITORS[column][0]}: enter ok, esc cancels")

    @property
    def editing(self) -> tuple[int, str] | None:
        """(row, column key) of the open cell editor, or None."""
        table = self.query_one(ServiceLinesTable)
        return (table.row, table.column.key) if table.editing else None

    def close_editor(self) -> None:
        """Close the cell editor (the table keeps the keyboard)."""
        self.query_one(ServiceLinesTable).stop_edit()

    def commit_editor(self, value: str) -> None:
        """Apply the edited value; a refused value keeps the editor open with the reason."""
        if self.editing is None:
            return
        row, column = self.editing
        try:
            getattr(self.draft, EDITORS[column][1])(row, value)
        except OtqError as exc:
            self.say(str(exc), error=True)
            return
        self.close_editor()
        self.changed(f"line {row + 1} {EDITORS[column][0].split(' (')[0]} set")

    # ---------------------------------------------------------------- pickers
    def _row(self) -> int | None:
        table = self.query_one(ServiceLinesTable)
        if not self.draft.visit.lines:
            self.say("no service line here: press a to add one", error=True)
            return None
        return table.row

    def _cpt_items(self) -> list[PickerItem]:
        return [PickerItem(c.code, c.description, "timed" if c.timed else c.kind)
                for c in self.app.session.reference.codes.values()]

    def action_change_code(self) -> None:
        """Change the code of the line under the cursor (CPT picker)."""
        row = self._row()
        if row is None:
            return
        line = self.draft.visit.lines[row]

        def chosen(code: str | None) -> None:
            if code:
                self._edit(lambda: self.draft.set_cpt(row, code), f"line {row + 1} code {code}")

        self.app.push_screen(PickerModal(f"Code for line {row + 1} (now {line.cpt})",
                                         self._cpt_items()), chosen)

    def action_add_line(self) -> None:
        """Add a service line (CPT picker); its minutes cell is ready to type into."""
        provider = self.app.session.entity("providers", self.draft.visit.provider_id)

        def chosen(code: str | None) -> None:
            if not code:
                return
            args = (code, provider.credential) if provider else (code,)
            if self._edit(lambda: self.draft.add_line(*args), f"added {code}"):
                table = self.query_one(ServiceLinesTable)
                table.row, table.col = len(self.draft.visit.lines) - 1, 3
                table.refresh()

        self.app.push_screen(PickerModal("Add a service line: code", self._cpt_items()), chosen)

    def action_remove_line(self) -> None:
        """Remove the line under the cursor (u brings it back)."""
        row = self._row()
        if row is not None:
            cpt = self.draft.visit.lines[row].cpt
            self._edit(lambda: self.draft.remove_line(row),
                       f"removed line {row + 1} ({cpt}); u undoes it")

    def action_modifiers(self) -> None:
        """Tick the modifiers of the line under the cursor (modifier picker)."""
        row = self._row()
        if row is None:
            return
        items = [PickerItem(m.code, m.meaning) for m in modifier_table().modifiers.values()]

        def chosen(mods: tuple[str, ...] | None) -> None:
            if mods is not None:
                self._edit(lambda: self.draft.set_modifiers(row, ":".join(mods)),
                           f"line {row + 1} modifiers {':'.join(mods) or 'none'}")

        current = self.draft.visit.lines[row].modifiers
        self.app.push_screen(PickerModal(f"Modifiers for line {row + 1}", items, multi=True,
                                         selected=current), chosen)

    def action_place_of_service(self) -> None:
        """Change the visit's place of service (e.g. 10 for telehealth at home)."""
        items = [PickerItem(p.code, p.meaning)
                 for p in modifier_table().places_of_service.values()]

        def chosen(pos: str | None) -> None:
            if pos:
                fix = Fix(f"POS {pos}", f"place of service -> {pos}",
                          ({"op": "set_pos", "pos": pos},))
                self._edit(lambda: self.draft.apply(fix), f"place of service {pos}")

        self.app.push_screen(PickerModal(
            f"Place of service (now {self.draft.visit.place_of_service})", items), chosen)

    def _dx_target(self) -> int:
        """Which diagnosis ``d`` replaces: the selected finding's, else the first bad one."""
        panel = self.query_one(FindingsPanel)
        ordered = ([panel.current] if panel.current else []) + panel.findings
        for f in ordered:
            m = _DX_FIELD.fullmatch(f.field)
            if m and f.rule_id in ("DX-NOT-BILLABLE", "DX-INVALID"):
                return int(m.group(1))
        return len(self.draft.visit.diagnoses)  # add a new one

    def action_diagnosis(self) -> None:
        """Pick a billable ICD-10-CM code for the diagnosis that needs one (or add one).

        For a category such as M24.54 the picker opens on its billable codes.
        """
        dx = list(self.draft.visit.diagnoses)
        index = self._dx_target()
        replacing = index < len(dx)
        query = dx[index] if replacing else ""
        icd = icd_table()

        def search(text: str) -> list[PickerItem]:
            return [PickerItem(code, description) for code, description in
                    icd.search(text, limit=60)] if text.strip() else []

        def chosen(code: str | None) -> None:
            if not code:
                return
            new = dx[:index] + [code] + dx[index + 1:] if replacing else dx + [code]
            what = (f"diagnosis {index + 1}: {dx[index]} -> {code}" if replacing
                    else f"added diagnosis {index + 1}: {code}")
            self._edit(lambda: self.draft.set_diagnoses("; ".join(new)), what)

        title = (f"Diagnosis {index + 1}: billable code for {query}" if replacing
                 else f"Add diagnosis {index + 1} (billable codes only)")
        self.app.push_screen(PickerModal(title, search, query=query), chosen)

    # ------------------------------------------------------------------ fixes
    def action_fix(self) -> None:
        """Show the fixes on offer (all safe ones, or one finding's) with a preview."""
        panel = self.query_one(FindingsPanel)
        findings = [f for f in panel.findings if f.fix is not None]
        if not findings:
            self.say("no auto-fix on offer here; edit the lines, d for a diagnosis", error=True)
            return
        safe, preview = plan_safe_fixes(self.draft)
        options = [FixOption(f"All safe fixes ({len(safe)})", preview,
                             "" if safe else "Every remaining fix needs your judgement: "
                             "choose it below.")]
        for f in findings:
            caution = ("Apply only when the note documents it; it is never applied in bulk."
                       if needs_judgement(f) else "")
            options.append(FixOption(f"{f.rule_id}: {f.fix.description}",
                                     self.draft.preview(f.fix), caution))
        start = 0
        if panel.has_focus and panel.current in findings:
            start = findings.index(panel.current) + 1

        def chosen(index: int | None) -> None:
            if index is None:
                return
            if index == 0:
                self._apply_all(safe)
            else:
                fix = findings[index - 1].fix
                self._edit(lambda: self.draft.apply(fix), f"applied: {fix.description}")

        self.app.push_screen(FixModal("Auto-fixes", options, start=start), chosen)

    def _apply_all(self, fixes: list[Fix]) -> None:
        """Apply the planned safe fixes as one undo step."""
        if not fixes:
            self.say("no safe fix left to apply", error=True)
            return
        stack = self.draft.undo_stack
        mark = len(stack)
        try:
            for fix in fixes:
                self.draft.apply(fix)
        except OtqError as exc:
            self.say(str(exc), error=True)
        added = stack[mark:]
        if len(added) > 1:  # one u undoes the whole batch
            stack[mark:] = [(added[0][0], f"{len(added)} fixes")]
        self.changed(f"applied {len(added)} fix{'es' if len(added) != 1 else ''}; u undoes "
                     f"{'them' if len(added) != 1 else 'it'}")

    def action_accept_warning(self) -> None:
        """Accept the selected warning (recorded with your name when you save)."""
        panel = self.query_one(FindingsPanel)
        finding = panel.current
        if finding is None or finding.is_error:
            open_warnings = [f for f in panel.findings if not f.is_error
                             and f.rule_id not in self.draft.acknowledged]
            if finding is not None and finding.is_error and len(open_warnings) != 1:
                self.say("errors cannot be accepted; fix them (F) or edit the lines", error=True)
                return
            if len(open_warnings) != 1:
                self.say("select a warning first (tab, then j/k)", error=True)
                return
            finding = open_warnings[0]
        self.draft.acknowledge(finding.rule_id)
        self.changed(f"accepted warning {finding.rule_id}; saved with your name")

    def _edit(self, change, what: str) -> bool:
        """Run one draft change; show a refusal instead of raising."""
        try:
            change()
        except OtqError as exc:
            self.say(str(exc), error=True)
            return False
        self.changed(what)
        return True
