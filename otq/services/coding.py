"""Coding a visit: an editable draft with live findings, undo, auto-fixes and a safe save.

The draft lives in the coder's session until saved. Saving is one compare-and-set
commit: if anyone changed the visit since the draft was opened, the save is refused
with who and when, and nothing is overwritten. A clean save marks the visit coded and
creates its claim in the same commit, so the visit moves to ready-to-submit at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

import pendulum

from otq.domain import Finding, Fix, HistoryEntry, ServiceLine, Visit, VisitStatus
from otq.domain.practice import Credential
from otq.errors import OtqError, ValidationError
from otq.scrubber.fixes import apply_fix, preview_fix
from otq.scrubber.units import expected_units, units_working
from otq.services.claims import build_claims
from otq.services.roles import require
from otq.services.scrubbing import findings_for, scrub_context
from otq.services.session import Session
from otq.services.workitems import load_item
from otq.store import Delete, Put, encode

MAX_UNDO = 200


@dataclass
class VisitDraft:
    """A visit being edited. ``version`` is the stored version the edits are based on."""

    session: Session
    original: Visit
    version: int
    visit: Visit
    undo_stack: list[tuple[Visit, str]] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)

    # ------------------------------------------------------------- reading
    @property
    def dirty(self) -> bool:
        """True when the draft differs from what is stored."""
        return self.visit != self.original

    def findings(self) -> list[Finding]:
        """Live findings for the draft as it is now."""
        return findings_for(self.session, self.visit)

    def working(self) -> str:
        """The 8-minute arithmetic for the draft, e.g. '40 timed min -> 3 units: ...'."""
        ctx = scrub_context(self.session)
        return units_working(self.visit, ctx.profile_of(self.visit), ctx.codes)

    # ------------------------------------------------------------- editing
    def _change(self, new: Visit, what: str) -> None:
        if new == self.visit:
            return
        self.undo_stack.append((self.visit, what))
        del self.undo_stack[:-MAX_UNDO]
        self.visit = new

    def undo(self) -> str | None:
        """Undo the last unsaved change; returns what was undone, or None."""
        if not self.undo_stack:
            return None
        self.visit, what = self.undo_stack.pop()
        return what

    def _recompute_units(self, visit: Visit) -> Visit:
        """Units follow the minutes on every timed line not set by hand."""
        ctx = scrub_context(self.session)
        expected = expected_units(visit, ctx.profile_of(visit), ctx.codes)
        seen: set[str] = set()
        lines = []
        for ln in visit.lines:
            if ln.cpt in expected and not ln.units_manual and ln.cpt not in seen:
                ln = replace(ln, units=expected[ln.cpt])
                seen.add(ln.cpt)
            lines.append(ln)
        return replace(visit, lines=tuple(lines))

    def _set_line(self, index: int, what: str, **changes) -> None:
        if not 0 <= index < len(self.visit.lines):
            raise ValidationError(f"there is no line {index + 1}")
        lines = list(self.visit.lines)
        lines[index] = replace(lines[index], **changes)
        new = replace(self.visit, lines=tuple(lines))
        self._change(self._recompute_units(new), what)

    def set_minutes(self, index: int, text: str) -> None:
        """Set a line's minutes; units follow unless set by hand."""
        minutes = _whole(text, "minutes", 0, 600)
        self._set_line(index, f"line {index + 1} minutes", minutes=minutes)

    def set_units(self, index: int, text: str) -> None:
        """Set units by hand; the line is marked manual and a finding explains any difference."""
        if text.strip() == "":
            self._set_line(index, f"line {index + 1} units", units_manual=False)
            return
        units = _whole(text, "units", 0, 99)
        self._set_line(index, f"line {index + 1} units", units=units, units_manual=True)

    def set_cpt(self, index: int, code: str) -> None:
        """Change a line's procedure code."""
        self._set_line(index, f"line {index + 1} code", cpt=code.strip().upper())

    def set_modifiers(self, index: int, text: str) -> None:
        """Set a line's modifiers from 'GO:59' or 'GO 59' text (at most four)."""
        mods = tuple(m for m in text.replace(",", ":").replace(" ", ":").upper().split(":") if m)
        if len(mods) > 4:
            raise ValidationError("a line takes at most four modifiers")
        if any(len(m) != 2 or not m.isalnum() for m in mods):
            raise ValidationError("a modifier is two letters or digits, like GO or 59")
        self._set_line(index, f"line {index + 1} modifiers", modifiers=mods)

    def set_pointers(self, index: int, text: str) -> None:
        """Set diagnosis pointers from '1,2' text."""
        try:
            ptrs = tuple(int(p) for p in text.replace(":", ",").replace(" ", ",").split(",") if p)
        except ValueError:
            raise ValidationError("diagnosis pointers are numbers like 1,2") from None
        self._set_line(index, f"line {index + 1} diagnosis pointers", dx_pointers=ptrs[:4])

    def set_charge(self, index: int, text: str) -> None:
        """Set a line's charge in dollars."""
        try:
            charge = Decimal(text.strip().lstrip("$").replace(",", "")).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise ValidationError("a charge is an amount like 125.00") from None
        self._set_line(index, f"line {index + 1} charge", charge=charge)

    def add_line(self, cpt: str, credential: Credential = Credential.OT) -> None:
        """Add a service line pointing at the first diagnosis."""
        line = ServiceLine(id=str(uuid.uuid4()), cpt=cpt.strip().upper(),
                           dx_pointers=(1,) if self.visit.diagnoses else (),
                           furnished_by=credential)
        new = replace(self.visit, lines=self.visit.lines + (line,))
        self._change(self._recompute_units(new), f"added {line.cpt}")

    def remove_line(self, index: int) -> None:
        """Remove a service line."""
        if not 0 <= index < len(self.visit.lines):
            raise ValidationError(f"there is no line {index + 1}")
        lines = self.visit.lines[:index] + self.visit.lines[index + 1:]
        self._change(self._recompute_units(replace(self.visit, lines=lines)),
                     f"removed line {index + 1}")

    def set_diagnoses(self, text: str) -> None:
        """Replace the visit's diagnosis list from 'I69.351; M62.81' text."""
        codes = tuple(c.strip().upper() for c in text.replace(",", ";").split(";") if c.strip())
        if len(codes) > 12:
            raise ValidationError("a claim carries at most 12 diagnoses")
        self._change(replace(self.visit, diagnoses=codes), "diagnoses")

    def preview(self, fix: Fix) -> list[str]:
        """What a fix would change, in words."""
        return preview_fix(self.visit, fix)

    def apply(self, fix: Fix) -> None:
        """Apply an auto-fix to the draft (undoable)."""
        new = apply_fix(self.visit, fix)
        if any(c.get("op") in ("set_units",) for c in fix.changes):
            self._change(new, fix.description)
        else:
            self._change(self._recompute_units(new), fix.description)

    def acknowledge(self, rule_id: str) -> None:
        """Accept a warning; the save records who accepted it."""
        self.acknowledged.add(rule_id)


def _whole(text: str, what: str, low: int, high: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValidationError(f"{what} must be a whole number") from None
    if not low <= value <= high:
        raise ValidationError(f"{what} must be between {low} and {high}")
    return value


def open_draft(session: Session, visit_id: str) -> VisitDraft:
    """Start editing a stored visit."""
    session.refresh()
    record = session.store.get("visits", visit_id)
    if record is None:
        raise OtqError("that visit no longer exists")
    visit = session.entity("visits", visit_id)
    return VisitDraft(session=session, original=visit, version=record["version"], visit=visit)


@dataclass(frozen=True)
class SaveResult:
    """What a save did."""

    coded: bool
    claim_number: str = ""
    errors: int = 0


def save_draft(draft: VisitDraft) -> SaveResult:
    """Save the draft with compare-and-set. A clean visit becomes coded and gets its claim."""
    session = draft.session
    require(session, "code")
    findings = draft.findings()
    errors = [f for f in findings if f.is_error]
    visit = replace(draft.visit, acknowledged=tuple(sorted(
        set(draft.visit.acknowledged) | draft.acknowledged)))
    changes = []
    counters = None
    claim_number = ""
    item, item_version = load_item(session, "visit", visit.id)
    what = [f"saved: {w}" for _, w in draft.undo_stack] or ["saved"]
    if draft.acknowledged:
        what.append("accepted warnings " + ", ".join(sorted(draft.acknowledged)))
    if not errors and visit.lines and visit.status is VisitStatus.UNCODED:
        visit = replace(visit, status=VisitStatus.CODED)
        seen = session.store.meta.get("counters", {}).get("claim", 0)
        (claim,) = build_claims(session, [visit], seen + 1)
        changes.append(Put("claims", encode(claim)))
        counters = {"claim": (seen, 1)}
        claim_number = claim.patient_control_number
        what.append(f"coded; claim {claim_number} ready to submit")
    changes.insert(0, Put("visits", encode(visit), draft.version))


    now = pendulum.now("UTC").isoformat()
    item = replace(item, history=item.history + tuple(
        HistoryEntry(at=now, by=session.user, what=w) for w in what))
    changes.append(Put("workitems", encode(item), item_version))
    session.store.commit(changes, action="visit.code", counters=counters)
    draft.original = visit
    draft.visit = visit
    draft.version += 1
    draft.undo_stack.clear()
    return SaveResult(coded=bool(claim_number), claim_number=claim_number, errors=len(errors))


def revert_last_save(session: Session, visit_id: str) -> str:
    """Undo the last saved coding of a visit with a new, compensating change.

    The visit goes back to its content before that save, and a claim created by the save
    is withdrawn if it has not been submitted yet. Both land in one commit and in history.
    """
    session.refresh()
    last = None
    for entry in session.store.audit.entries():
        if entry.get("action") == "visit.code" and any(
                c["table"] == "visits" and c["id"] == visit_id for c in entry.get("changes", ())):
            last = entry
    if last is None:
        raise OtqError("this visit has no saved coding to undo")
    before = next(c["before"] for c in last["changes"]
                  if c["table"] == "visits" and c["id"] == visit_id)
    current = session.store.get("visits", visit_id)
    if before is None or current is None:
        raise OtqError("this visit cannot be restored")
    changes = []
    for c in last["changes"]:
        if c["table"] == "claims" and c["before"] is None and c["after"]:
            claim = session.store.get("claims", c["id"])
            if claim is not None:
                if claim.get("status") != "ready":
                    raise OtqError("the claim from that save was already submitted; "
                                   "correct it with a replacement claim instead")
                changes.append(Delete("claims", claim["id"], claim["version"]))
    restored = {k: v for k, v in before.items() if k not in ("version", "changed_by", "changed_at")}
    changes.insert(0, Put("visits", restored, current["version"]))
    item, item_version = load_item(session, "visit", visit_id)
    what = f"undid the save of {last['at'][:19].replace('T', ' ')} by {last['user']}"
    item = replace(item, history=item.history + (
        HistoryEntry(at=pendulum.now("UTC").isoformat(), by=session.user, what=what),))
    changes.append(Put("workitems", encode(item), item_version))
    session.store.commit(changes, action="visit.revert")
    return what
