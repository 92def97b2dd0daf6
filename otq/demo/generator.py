"""Generate the demo practice: ``otq demo`` and ``otq generate --visits N --seed S``.

Seeded and deterministic for (seed, today, visits): every record id the generator makes
comes from the seed, so two stores generated alike differ only in commit timestamps and in
the ids of the ready claims, which the claims service issues.

What it writes, in four commits: the seeded payers; two practices, 6 therapists (OTs and
OTAs; more for very large demos), about 0.15 patients per visit (300 for the default 2,000
visits) with coverage and commercial authorizations, ``visits`` treated visits over the 8
weeks before ``today`` with realistic mistakes planted, next week's appointments; then the
claims the real services make from clean visits; then billing history (submitted batches,
denials with real CARCs).
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pendulum

from otq.demo import mistakes as M
from otq.demo.documents import file_demo_documents
from otq.demo.history import age_claims, schedule_next_week, scheduled_visit, unverified
from otq.demo.ids import Ids
from otq.demo.practice import (
    CarePlan,
    add_authorization,
    allocate,
    make_plans,
    make_staff,
    scale_for,
    weekdays,
)
from otq.demo.visits import VisitBuilder, add_kx, is_timed
from otq.domain import Credential, Visit
from otq.errors import OtqError
from otq.services.claims import promote_clean_visits
from otq.services.session import Session
from otq.services.setup import init_store
from otq.store import Put, encode

DEFAULT_VISITS = 2000
DEFAULT_SEED = 7
PATIENTS_PER_VISIT = 0.15
WEEKS = 8


def generate_store(path: Path | str, *, visits: int = DEFAULT_VISITS, seed: int = DEFAULT_SEED,
                   today: pendulum.Date) -> Session:
    """Create a demo store at ``path`` (which must not exist) and return a session on it."""
    return generate_with_report(path, visits=visits, seed=seed, today=today)[0]


def generate_with_report(path: Path | str, *, visits: int = DEFAULT_VISITS,
                         seed: int = DEFAULT_SEED, today: pendulum.Date
                         ) -> tuple[Session, M.Planted]:
    """``generate_store``, also returning which mistakes were planted in which visits."""
    if visits < 1:
        raise OtqError("the demo needs at least 1 visit (--visits).")
    rng = random.Random(f"otq-demo-{seed}")
    ids = Ids(seed)
    session = init_store(path)
    session.today = today
    world = _World(session, rng, ids, visits, today)
    world.build()
    session.store.commit(world.changes(), action="demo.generate")
    promote_clean_visits(session, action="demo.promote")
    world.age_history()
    file_demo_documents(session, random.Random(f"otq-demo-docs-{seed}"))
    return session, world.planted


class _World:
    """The generated practice, assembled step by step."""

    def __init__(self, session: Session, rng: random.Random, ids: Ids, visits: int,
                 today: pendulum.Date) -> None:
        self.session, self.rng, self.ids, self.today = session, rng, ids, today
        self.n_visits = visits
        ref = session.reference
        self.payers = session.entities("payers")
        self.profiles = {pid: ref.profiles[p.profile_id] for pid, p in self.payers.items()}
        self.method = {pid: prof.unit_method for pid, prof in self.profiles.items()}
        self.ncci = ref.extra.get("ncci", [])
        self.planted = M.Planted()
        self.plans: list[CarePlan] = []
        self.visits: list[Visit] = []

    def build(self) -> None:
        """Plan patients, build and spoil visits, and schedule next week."""
        rng, ids, today = self.rng, self.ids, self.today
        window_start = today.subtract(weeks=WEEKS)
        self.staff = make_staff(rng, ids, scale_for(self.n_visits))
        n_patients = max(8, round(self.n_visits * PATIENTS_PER_VISIT))
        self.plans = make_plans(rng, ids, self.staff, n_patients, today, window_start)
        allocate(rng, self.plans, self.n_visits, window_start, today.subtract(days=1))
        for plan in self.plans:
            add_authorization(rng, ids, plan, extra=rng.choice((0, 2, 4, 4, 6, 8)))
        builder = VisitBuilder(rng, ids, self.method, self.ncci)
        visits_of = {p.patient.id: builder.visits_for(p) for p in self.plans}
        M.plant_patient_mistakes(rng, self.plans, self.planted, visits_of)
        M.ensure_patient_classes(rng, self.plans, self.planted, visits_of)
        treated = [v for p in self.plans for v in visits_of[p.patient.id]]
        method_of = {p.coverage.id: self.method[p.payer_id] for p in self.plans}
        treated = M.plant_visit_mistakes(rng, treated, method_of, today, self.planted, ids)
        treated = M.ensure_visit_classes(rng, treated, method_of, self.planted, ids)
        treated = self._showcase(treated, method_of)
        payer_of = {p.coverage.id: p.payer_id for p in self.plans}
        for pid, prof in self.profiles.items():
            treated = add_kx(treated, payer_of, prof.kx_threshold, {pid})
        scheduled, reverify = schedule_next_week(rng, ids, self.plans, today)
        referrals = self._referrals(n_patients)
        for plan in [*reverify, *referrals]:
            plan.coverage = unverified(plan.coverage)
        for plan in referrals:
            scheduled.append(scheduled_visit(ids, plan, plan.poc_start, evaluation=True))
        self.plans += referrals
        self.visits = _number(treated + scheduled, {p.patient.id: p.patient.external_id
                                                    for p in self.plans})

    def _showcase(self, visits: list[Visit], method_of: dict[str, str]) -> list[Visit]:
        """One recent Medicare visit with exactly three coding mistakes for the coding demo:
        no GO, one line's units wrong for its minutes, and a non-billable diagnosis."""
        spoiled = {v.patient_id for v in visits if v.id in self.planted.by_visit}
        payer_of = {p.coverage.id: p.payer_id for p in self.plans}
        by_id = {p.id: p for p in self.staff.providers}
        for i in sorted(range(len(visits)), key=lambda i: (visits[i].date_of_service, i),
                        reverse=True):
            v = visits[i]
            if (method_of.get(v.coverage_id) == "cms" and payer_of.get(v.coverage_id) == "medicare"
                    and v.patient_id not in spoiled and v.note_signed
                    and by_id[v.provider_id].credential is Credential.OT
                    and sum(1 for ln in v.lines if is_timed(ln.cpt)) >= 2
                    and (self.today - v.date_of_service).days >= 3):
                bad = M.header_dx(M.wrong_units(self.rng, M.strip_go(v), "cms"))
                for cls in ("missing-go", "wrong-units", "dx-not-billable"):
                    self.planted.mark(v.id, cls)
                self.planted.showcase = v.id
                return [*visits[:i], bad, *visits[i + 1:]]
        return visits

    def _referrals(self, n_patients: int) -> list[CarePlan]:
        """New referrals evaluated next week: coverage not yet verified, no plan of care."""
        days = weekdays(self.today.add(days=1), self.today.add(days=7))
        n = max(2, round(n_patients * 0.05))
        plans = make_plans(self.rng, self.ids, self.staff, n, self.today, self.today,
                           first_number=10001 + n_patients)
        for plan in plans:
            start = self.rng.choice(days)
            plan.new, plan.poc_start, plan.poc_end, plan.dates = True, start, start, []
        return plans

    def changes(self) -> list[Put]:
        """Every record of the practice, as one commit's changes."""
        out = [Put("practices", encode(p)) for p in self.staff.practices]
        out += [Put("providers", encode(p)) for p in self.staff.providers]
        for plan in self.plans:
            out.append(Put("patients", encode(plan.patient)))
            out.append(Put("coverages", encode(plan.coverage)))
            if plan.authorization is not None:
                out.append(Put("authorizations", encode(plan.authorization)))
        out += [Put("visits", encode(v)) for v in self.visits]
        return out

    def age_history(self) -> None:
        """Submit older claims in daily batches and post some denials (one commit)."""
        session = self.session
        claims = list(session.entities("claims").values())
        appeal = {pid: prof.appeal_days for pid, prof in self.profiles.items()}
        changed, denials = age_claims(self.rng, self.ids, claims, self.today, appeal)
        if not changed:
            return
        puts = [Put("claims", encode(c), session.version("claims", c.id)) for c in changed]
        puts += [Put("denials", encode(d)) for d in denials]
        session.store.commit(puts, action="demo.history")


def _number(visits: list[Visit], patient_ext: dict[str, str]) -> list[Visit]:
    """EHR visit ids in date order, as the practice's EHR would have issued them."""
    ordered = sorted(visits, key=lambda v: (v.date_of_service, patient_ext[v.patient_id], v.id))
    return [replace(v, external_id=f"V{200001 + i}") for i, v in enumerate(ordered)]


def find_showcase_visit(session: Session) -> Visit | None:
    """The coding-screen demo visit: its only errors are MOD-DISCIPLINE (no GO), UNITS-TIMED
    and DX-NOT-BILLABLE. None when the store has no such visit."""
    from otq.services.scrubbing import all_findings

    wanted = {"MOD-DISCIPLINE", "UNITS-TIMED", "DX-NOT-BILLABLE"}
    visits = session.entities("visits")
    for vid, findings in sorted(all_findings(session).items()):
        if {f.rule_id for f in findings if f.is_error} == wanted:
            return visits[vid]
    return None
