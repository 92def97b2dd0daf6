"""Model check (issue 9): random sequences of team and billing work against a simple model.

A hypothesis ``RuleBasedStateMachine`` drives the real services on a real store file with
three billers (each with their own session, which goes stale the way a real one does
until it refreshes or commits): claim, release, assign, code (``save_draft``), export
(``export_claims``), import (the visits CSV) and restart (every session reopened from
disk). A plain in-memory model predicts each outcome, including the conflicts a stale
session must get, and after every step the store as read fresh from disk must equal the
model: visits and their minutes, claims and their numbers, who holds which item (and the
item's version), the control-number counters, and ``check_store`` must find nothing wrong.

Whether a visit is clean is the scrubber's verdict (tested on its own); the model takes it
as an input and checks everything done with it: numbering, one claim per clean visit,
coded visits left alone by imports, all-or-nothing refusals.

CI runs a short version; ``OTQ_STRESS=1`` runs many more and longer sequences.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from otq.domain import Address, Practice
from otq.errors import ConflictError, OtqError, ValidationError
from otq.services import workitems
from otq.services.claims_export import export_claims
from otq.services.coding import open_draft, save_draft
from otq.services.imports import import_visits
from otq.services.session import Session
from otq.services.setup import init_store
from otq.services.workitems import work_item_id
from otq.store import Put, Store, decode, encode
from otq.store.check import check_store
from otq.x12.segments import X12ExportError

pytestmark = pytest.mark.slow

STRESS = os.environ.get("OTQ_STRESS") == "1"
TODAY = pendulum.date(2026, 3, 16)
USERS = ("ann", "bob", "cy")
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "visits_sample.csv"
EDI = 'usage = "T"\n[submitter]\ncontact_phone = "215-555-0100"\n'
MINUTES = (0, 8, 15, 23, 38, 53)


def _files() -> dict[str, bytes]:
    """The visit exports the import rule picks from (referring names added for the 837P)."""
    rows = [line.split(",") for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    rows[0] += ["referring_last_name", "referring_first_name"]
    for r in rows[1:]:
        r += ["PATEL", "ANIL"]
    minutes = rows[0].index("minutes")
    changed = copy.deepcopy(rows)
    for line in (3, 8, 13, 21):  # a few lines' minutes differ in a later export
        changed[line - 1][minutes] = str(int(changed[line - 1][minutes] or 0) + 7)
    refused = copy.deepcopy(rows)
    refused[11][rows[0].index("patient_last_name")] = "=cmd"

    def text(rs: list[list[str]]) -> bytes:
        return ("\n".join(",".join(r) for r in rs) + "\n").encode("utf-8")

    return {"all": text(rows), "first_half": text(rows[:12]), "minutes_changed": text(changed),
            "refused": text(refused)}


FILES = _files()


@dataclass
class Item:
    """A work item as the model knows it."""

    assignee: str = ""
    version: int | None = None  # None: the record does not exist yet


@dataclass
class Model:
    """What the store must hold."""

    visits: dict[str, str] = field(default_factory=dict)  # EHR visit id -> status
    minutes: dict[str, tuple[int | None, ...]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # EHR visit id -> store id
    items: dict[str, Item] = field(default_factory=dict)  # EHR visit id -> its work item
    claims: dict[int, tuple[frozenset[str], str]] = field(default_factory=dict)
    claim_counter: int = 0
    isa_counter: int = 0


@dataclass
class View:
    """What one biller's session saw when it last read the store (refresh or commit)."""

    visits: frozenset[str]
    items: dict[str, Item]


def _file_minutes(data: bytes) -> dict[str, tuple[int | None, ...]]:
    lines = data.decode().splitlines()
    head = lines[0].split(",")
    out: dict[str, list[int | None]] = {}
    for line in lines[1:]:
        cells = line.split(",")
        m = cells[head.index("minutes")]
        out.setdefault(cells[head.index("visit_id")], []).append(int(m) if m else None)
    return {k: tuple(v) for k, v in out.items()}


class BillingMachine(RuleBasedStateMachine):
    """Three billers working one store; the model says what must happen."""

    @initialize()
    def setup(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="otq-model-"))
        self.path = self.folder / "store.json"
        session = init_store(self.path, practice_name="Schuylkill Valley Occupational Therapy",
                             practice_npi="2567890126", practice_tin="231234567")
        (practice,) = session.entities("practices").values()
        addressed = Practice(**{**practice.__dict__, "address": Address(
            "400 Ridge Pike", "Conshohocken", "PA", "19428")})
        # the sample's second billing practice, already known with its address
        hand = Practice(id=str(uuid.uuid4()), npi="2123456784", tin="234567891",
                        name="Wissahickon Hand & Upper Extremity Therapy",
                        address=Address("1 Main St", "Ambler", "PA", "19002"))
        session.store.commit([Put("practices", encode(addressed),
                                  session.version("practices", practice.id)),
                              Put("practices", encode(hand))], action="test.setup")
        (self.folder / "store.json.edi.toml").write_text(EDI)
        session.store.close()
        self.model = Model()
        self.sessions: dict[str, Session] = {}
        self.views: dict[str, View] = {}
        self.exports = 0
        self._open_all()

    def teardown(self) -> None:
        for s in getattr(self, "sessions", {}).values():
            s.store.close()
        if hasattr(self, "folder"):
            shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------ helpers
    def _open_all(self) -> None:
        for user in USERS:
            self.sessions[user] = Session(store=Store.open(self.path, user=user), today=TODAY)
            self._seen(user)

    def _seen(self, user: str) -> None:
        """``user``'s session has just read the whole store: its view is the model now."""
        self.views[user] = View(frozenset(self.model.visits), copy.deepcopy(self.model.items))

    def _pick(self, keys, index: int) -> str | None:
        keys = sorted(keys)
        return keys[index % len(keys)] if keys else None

    def _item_change(self, user: str, ext: str, new_assignee: str | None) -> None:
        """Predict and check one claim/release (``new_assignee`` None) or assign."""
        session = self.sessions[user]
        view = self.views[user]
        current = self.model.items.get(ext, Item())
        if ext not in view.visits:
            with pytest.raises(OtqError, match="no visit"):
                self._call(session, ext, new_assignee)
            event("stale session: visit not seen yet")
            return
        seen = view.items.get(ext, Item())
        if new_assignee is None:  # the C key: claim, or release what I hold
            if seen.assignee and seen.assignee != user:
                with pytest.raises(ConflictError, match="held by"):
                    self._call(session, ext, None)
                event("claim refused: held by someone else")
                return  # refused before any commit: the view stays as it was
            new_assignee = "" if seen.assignee == user else user
        if seen.version != current.version:  # based on a stale read: must be a conflict
            with pytest.raises(ConflictError):
                self._call(session, ext, new_assignee)
            event("stale write refused")
        else:
            item = self._call(session, ext, new_assignee)
            assert item.assignee == new_assignee
            self.model.items[ext] = Item(new_assignee, (current.version or 0) + 1)
            event("item change saved")
        self._seen(user)  # a commit (or a refused commit) reads the store under the lock

    def _call(self, session: Session, ext: str, to: str | None):
        vid = self.model.ids[ext]
        if to is None:
            return workitems.claim(session, "visit", vid)
        return workitems.assign(session, "visit", vid, to)

    # -------------------------------------------------------------- rules
    @precondition(lambda self: self.model.visits)
    @rule(user=st.sampled_from(USERS), index=st.integers(0, 20))
    def claim(self, user: str, index: int) -> None:
        self._item_change(user, self._pick(self.model.visits, index), None)

    @precondition(lambda self: any(i.assignee for i in self.model.items.values()))
    @rule(index=st.integers(0, 20))
    def release(self, index: int) -> None:
        ext = self._pick([e for e, i in self.model.items.items() if i.assignee], index)
        self._item_change(self.model.items[ext].assignee, ext, None)

    @precondition(lambda self: self.model.visits)
    @rule(user=st.sampled_from(USERS), index=st.integers(0, 20),
          to=st.sampled_from(USERS + ("",)))
    def assign(self, user: str, index: int, to: str) -> None:
        self._item_change(user, self._pick(self.model.visits, index), to)

    @precondition(lambda self: any(s == "uncoded" for s in self.model.visits.values()))
    @rule(user=st.sampled_from(USERS), index=st.integers(0, 20), line=st.integers(0, 3),
          minutes=st.sampled_from(MINUTES), finish=st.booleans())
    def code(self, user: str, index: int, line: int, minutes: int, finish: bool) -> None:
        """Change one line's minutes; with ``finish``, also apply every suggested auto-fix
        and fill missing minutes and charges, as a biller finishing the visit would."""
        ext = self._pick([e for e, s in self.model.visits.items() if s == "uncoded"], index)
        session = self.sessions[user]
        draft = open_draft(session, self.model.ids[ext])
        self._seen(user)  # opening a draft refreshes
        mins = list(self.model.minutes[ext])
        line %= len(draft.visit.lines)
        draft.set_minutes(line, str(minutes))
        mins[line] = minutes
        if finish:
            for _ in range(8):
                fixes = [f.fix for f in draft.findings() if f.fix]
                if not fixes:
                    break
                draft.apply(fixes[0])
            for i, ln in enumerate(draft.visit.lines):
                if ln.minutes is None:
                    draft.set_minutes(i, "23")
                if ln.charge is None:
                    draft.set_charge(i, "95.00")
            # An auto-fix may split or add lines; what is saved must be what the biller saw.
            mins = [ln.minutes for ln in draft.visit.lines]
        clean = not any(f.is_error for f in draft.findings()) and bool(draft.visit.lines)
        result = save_draft(draft)
        assert result.coded == clean
        self.model.minutes[ext] = tuple(mins)
        item = self.model.items.get(ext, Item())
        self.model.items[ext] = Item(item.assignee, (item.version or 0) + 1)
        if clean:
            self.model.claim_counter += 1
            assert result.claim_number == f"OTQ{self.model.claim_counter:07d}"
            self.model.claims[self.model.claim_counter] = (frozenset({ext}), "ready")
            self.model.visits[ext] = "coded"
        event("coded: claim created" if clean else "coded: saved with errors")
        self._seen(user)

    @rule(user=st.sampled_from(USERS), name=st.sampled_from(sorted(FILES)))
    def import_file(self, user: str, name: str) -> None:
        session = self.sessions[user]
        path = self.folder / f"{name}.csv"
        path.write_bytes(FILES[name])
        if name == "refused":
            with pytest.raises(ValidationError):
                import_visits(session, path)
            self._seen(user)  # an import refreshes first
            event("import refused whole")
            return
        uncoded_before_promotion = set()
        for ext, mins in _file_minutes(FILES[name]).items():
            status = self.model.visits.get(ext)
            if status == "coded":
                continue  # a coded visit belongs to its claim: the import leaves it alone
            self.model.visits[ext] = "uncoded"
            self.model.minutes[ext] = mins
            uncoded_before_promotion.add(ext)
        uncoded_before_promotion |= {e for e, s in self.model.visits.items() if s == "uncoded"}
        result = import_visits(session, path)
        disk = Store.open(self.path)
        try:
            stored = {r["external_id"]: r for r in disk.all("visits")}
            for ext in self.model.visits:
                self.model.ids[ext] = stored[ext]["id"]
            promoted = {e for e in uncoded_before_promotion if stored[e]["status"] == "coded"}
            claims = [r for r in disk.all("claims")
                      if int(r["patient_control_number"][3:]) > self.model.claim_counter]
        finally:
            disk.close()
        assert result.claims_created == len(claims)
        numbers = sorted(int(r["patient_control_number"][3:]) for r in claims)
        assert numbers == list(range(self.model.claim_counter + 1,
                                     self.model.claim_counter + 1 + len(claims)))
        covered = set()
        by_id = {v: e for e, v in self.model.ids.items()}
        for r in claims:
            exts = frozenset(by_id[v] for v in r["visit_ids"])
            assert not exts & covered  # one claim per visit
            covered |= exts
            self.model.claims[int(r["patient_control_number"][3:])] = (exts, "ready")
        assert covered == promoted
        for ext in promoted:
            self.model.visits[ext] = "coded"
        self.model.claim_counter += len(claims)
        event(f"import: {len(promoted)} visits promoted")
        self._seen(user)

    @rule(user=st.sampled_from(USERS))
    def export(self, user: str) -> None:
        session = self.sessions[user]
        ready = [n for n, (_, status) in self.model.claims.items() if status == "ready"]
        self.exports += 1
        out = self.folder / f"batch{self.exports}.837"
        if not ready:
            with pytest.raises(OtqError, match="no claims are ready"):
                export_claims(session, out)
            event("export: nothing ready")
        else:
            try:
                result = export_claims(session, out)
            except X12ExportError:
                event("export refused by the 837P checks")  # the model stays as it was
            else:
                assert result.claims == len(ready)
                assert len(re.findall(r"~\s*CLM\*", out.read_text())) == len(ready)
                self.model.isa_counter += 1
                assert result.interchange_control_number == self.model.isa_counter
                for n in ready:
                    self.model.claims[n] = (self.model.claims[n][0], "submitted")
                event("export: batch written")
        self._seen(user)  # an export refreshes first

    @rule(user=st.sampled_from(USERS))
    def refresh(self, user: str) -> None:
        self.sessions[user].refresh()
        self._seen(user)

    @rule()
    def restart(self) -> None:
        for s in self.sessions.values():
            s.store.close()
        self._open_all()

    # ---------------------------------------------------------- invariant
    @invariant()
    def store_on_disk_equals_the_model(self) -> None:
        if not hasattr(self, "model"):
            return
        disk = Store.open(self.path)
        try:
            visits = {r["external_id"]: r for r in disk.all("visits")}
            assert {e: r["status"] for e, r in visits.items()} == self.model.visits
            assert {e: tuple(ln.get("minutes") for ln in r["lines"])
                    for e, r in visits.items()} == self.model.minutes
            by_id = {r["id"]: e for e, r in visits.items()}
            claims = {int(r["patient_control_number"][3:]):
                      (frozenset(by_id[v] for v in r["visit_ids"]), r["status"])
                      for r in disk.all("claims")}
            assert claims == self.model.claims
            items = {}
            for ext, vid in self.model.ids.items():
                rec = disk.get("workitems", work_item_id("visit", vid))
                if rec is not None:
                    items[ext] = Item(decode(workitems.WorkItem, rec).assignee, rec["version"])
            assert items == {e: i for e, i in self.model.items.items() if i.version}
            counters = disk.meta.get("counters", {})
            assert counters.get("claim", 0) == self.model.claim_counter
            assert counters.get("isa", 0) == self.model.isa_counter
        finally:
            disk.close()
        assert check_store(self.path) == []


BillingMachine.TestCase.settings = settings(
    max_examples=400 if STRESS else 25, stateful_step_count=50 if STRESS else 25,
    deadline=None, derandomize=not STRESS,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_model_check__billers_store_and_model_always_agree = BillingMachine.TestCase
