"""Stores for the scale benchmarks: ``otq generate --size 100k`` and ``--size 50k+500k``.

* ``100k``: 100,000 open items in one queue: treated visits in the coding queue, each
  with at least one scrubber error (an unsigned note when nothing else is wrong: the
  usual reason a billing service's coding backlog grows).
* ``50k+500k``: 50,000 such open visits in the hot store, and 500,000 closed items
  (450,000 paid claims and 50,000 written-off denials, with their claims and visits) in
  yearly archive files beside it, never in the hot store.

Building 100,000 visits one by one through the demo's planner, the codec and several
commits takes many minutes, so the practice is planned once at demo size (realistic
mistakes, authorizations, next week's appointments), encoded once, and then copied as
plain store records: each copy of a patient gets new ids, a new chart number and a new
first name, and keeps its care plan's dates and codes. Everything lands in ONE commit.
Closed work is copied the same way from claims the real claim builder made, moved into
the past three years, and streamed straight into the archives.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pendulum

from otq.demo.generator import _World
from otq.demo.ids import Ids
from otq.demo.names import FEMALE_FIRST, MALE_FIRST
from otq.domain import ClaimStatus, DenialStatus, VisitStatus
from otq.errors import OtqError
from otq.scrubber import ScrubContext, scrub_visit
from otq.services.claims import build_claims
from otq.services.session import Session
from otq.services.setup import init_store
from otq.store import Put, encode
from otq.store.archive import ArchiveEntry, archive_path, write_archive

#: --size name -> (open items in the hot store, closed items in the archives)
SIZES = {"100k": (100_000, 0), "50k+500k": (50_000, 500_000)}
BASE_VISITS = 3000  # the planned practice every copy is taken from
PAID_SHARE = 0.9  # of closed items; the rest are written-off denials
ARCHIVE_YEARS = 3  # closed work spreads over the three years before this one


@dataclass
class ScaleReport:
    """What ``generate_scale`` wrote."""

    open_visits: int = 0
    patients: int = 0
    closed_items: int = 0
    archives: dict[int, int] = field(default_factory=dict)  # year -> records


@dataclass
class _Group:
    """One planned patient as store records: the copy template."""

    patient: dict[str, Any]
    coverage: dict[str, Any]
    authorization: dict[str, Any] | None
    treated: list[dict[str, Any]]


def generate_scale(path: Path | str, *, size: str, seed: int, today: pendulum.Date,
                   shape: tuple[int, int] | None = None) -> tuple[Session, ScaleReport]:
    """Create a scale store at ``path`` (which must not exist) for the ``size`` shape.

    ``shape`` = (open items, closed items) overrides the size (tests use small ones).
    """
    if shape is None and size not in SIZES:
        raise OtqError(f"unknown --size '{size}'; sizes are: {', '.join(SIZES)}")
    open_n, closed_n = shape or SIZES[size]
    path = Path(path)
    rng = random.Random(f"otq-scale-{seed}")
    ids = Ids(seed)
    session = init_store(path)
    session.today = today
    world = _World(session, rng, ids, BASE_VISITS, today)
    world.build()
    clean = _make_all_open(world)
    groups, extra = _groups(world)
    report = ScaleReport()
    new_id = _id_maker(rng)
    first_number = 200001 + len(world.visits)  # after the planned practice's visit numbers
    records = extra + list(_copies(groups, open_n, new_id, first_number, report))
    # Claim numbers 1..closed_n belong to the archived claims: the counter moves past them.
    session.store.commit([Put(t, r) for t, r in records], action="demo.generate-scale",
                         counters={"claim": (0, closed_n)} if closed_n else None)
    # Fold that one huge commit into the snapshot: every session that opens the store then
    # parses one snapshot instead of replaying (and checking) a 140 MB journal record.
    session.store.checkpoint()
    if closed_n:
        _write_closed(session, world, clean, closed_n, rng, new_id, report)
    return session, report


def _id_maker(rng: random.Random) -> Callable[[], str]:
    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return new_id


def _context(world: _World) -> ScrubContext:
    ref = world.session.reference
    plans = world.plans
    return ScrubContext.build(
        today=world.today, codes=ref.codes, profiles=ref.profiles,
        visits={v.id: v for v in world.visits},
        patients={p.patient.id: p.patient for p in plans},
        coverages={p.coverage.id: p.coverage for p in plans},
        payers=world.payers, providers={p.id: p for p in world.staff.providers},
        practices={p.id: p for p in world.staff.practices},
        authorizations={p.authorization.id: p.authorization for p in plans
                        if p.authorization is not None},
        data=ref.extra)


def _make_all_open(world: _World) -> list:
    """Leave every treated visit with an error: the clean ones wait for a signed note.

    Returns the visits that were clean, as the closed work's templates."""
    ctx = _context(world)
    clean = []
    visits = []
    for v in world.visits:
        if v.status is VisitStatus.UNCODED and not any(f.is_error for f in scrub_visit(v, ctx)):
            clean.append(v)
            v = replace(v, note_signed=False)
        visits.append(v)
    world.visits = visits
    return clean


def _groups(world: _World) -> tuple[list[_Group], list[tuple[str, dict[str, Any]]]]:
    """Per-patient templates, and the records that are not copied (staff, appointments)."""
    extra: list[tuple[str, dict[str, Any]]] = [("practices", encode(p))
                                               for p in world.staff.practices]
    extra += [("providers", encode(p)) for p in world.staff.providers]
    treated: dict[str, list[dict[str, Any]]] = {}
    for v in world.visits:
        if v.status is VisitStatus.UNCODED:
            treated.setdefault(v.patient_id, []).append(encode(v))
        else:  # next week's appointments stay as the practice planned them
            extra.append(("visits", encode(v)))
    groups = []
    for plan in world.plans:
        vs = treated.get(plan.patient.id, [])
        auth = encode(plan.authorization) if plan.authorization is not None else None
        if not vs:  # a new referral: no treated visits, only the appointment
            extra += [("patients", encode(plan.patient)), ("coverages", encode(plan.coverage))]
            if auth:
                extra.append(("authorizations", auth))
            continue
        groups.append(_Group(encode(plan.patient), encode(plan.coverage), auth, vs))
    return groups, extra


def _copies(groups: list[_Group], wanted: int, new_id: Callable[[], str], first_number: int,
            report: ScaleReport) -> Iterator[tuple[str, dict[str, Any]]]:
    """The planned patients as they are, then copies of them, until ``wanted`` treated
    visits exist. A copy gets new ids, chart and visit numbers and first name."""
    made = 0
    copy = 0
    number = first_number
    while made < wanted:
        for g in groups:
            if made >= wanted:
                break
            report.patients += 1
            treated = g.treated[:wanted - made]
            made += len(treated)
            if copy == 0:
                yield "patients", g.patient
                yield "coverages", g.coverage
                if g.authorization is not None:
                    yield "authorizations", g.authorization
                yield from (("visits", v) for v in treated)
                continue
            pid, cid = new_id(), new_id()
            pool = FEMALE_FIRST if g.patient.get("sex") == "F" else MALE_FIRST
            yield "patients", {**g.patient, "id": pid,
                               "external_id": f"P{100000 + report.patients:07d}",
                               "first_name": pool[(copy * 7 + report.patients) % len(pool)]}
            yield "coverages", {**g.coverage, "id": cid, "patient_id": pid}
            if g.authorization is not None:
                yield "authorizations", {**g.authorization, "id": new_id(), "patient_id": pid}
            for v in treated:
                lines = [{**ln, "id": new_id()} for ln in v["lines"]]
                yield "visits", {**v, "id": new_id(), "external_id": f"V{number}",
                                 "patient_id": pid, "coverage_id": cid, "lines": lines}
                number += 1
        copy += 1
    report.open_visits = made


# ------------------------------------------------------------------ closed work
def _write_closed(session: Session, world: _World, clean: list, closed_n: int,
                  rng: random.Random, new_id: Callable[[], str], report: ScaleReport) -> None:
    """Stream ``closed_n`` paid claims and written-off denials into yearly archives."""
    coverages = session.store.all("coverages")
    by_payer: dict[str, list[dict[str, Any]]] = {}
    for c in coverages:
        by_payer.setdefault(c["payer_id"], []).append(c)
    templates = []
    for claim in build_claims(session, clean, 1):
        visits = [encode(v) for v in clean if v.id in set(claim.visit_ids)]
        templates.append((orjson.dumps(encode(claim)), [orjson.dumps(v) for v in visits]))
    if not templates:
        raise OtqError("the planned practice has no clean visit to copy closed work from")
    stamp = {"version": 1, "changed_by": session.user,
             "changed_at": pendulum.now("UTC").isoformat()}
    first_year = world.today.year - ARCHIVE_YEARS
    per_year = [closed_n // ARCHIVE_YEARS + (1 if i < closed_n % ARCHIVE_YEARS else 0)
                for i in range(ARCHIVE_YEARS)]
    number = 1
    for i, count in enumerate(per_year):
        year = first_year + i
        gen = _closed_year(year, count, number, templates, by_payer, rng, new_id, stamp)
        report.archives[year] = write_archive(archive_path(session.store.path, year), year,
                                              gen, like=session.store.path)
        number += count
    report.closed_items = closed_n


def _closed_year(year: int, count: int, number: int, templates: list,
                 by_payer: dict[str, list[dict[str, Any]]], rng: random.Random,
                 new_id: Callable[[], str], stamp: dict[str, Any]) -> Iterator[ArchiveEntry]:
    start = pendulum.date(year, 1, 2).toordinal()
    for n in range(count):
        claim_raw, visit_raws = templates[(number + n) % len(templates)]
        claim = orjson.loads(claim_raw)
        cov_pool = by_payer.get(claim["payer_id"]) or next(iter(by_payer.values()))
        cov = cov_pool[rng.randrange(len(cov_pool))]
        dos = pendulum.Date.fromordinal(start + (n * 360) // max(count, 1)).isoformat()
        pid = cov["patient_id"]
        visits = []
        for raw in visit_raws:
            v = orjson.loads(raw)
            v.update(id=new_id(), external_id=f"V{year}{n:07d}", patient_id=pid,
                     coverage_id=cov["id"], date_of_service=dos, status="coded",
                     note_signed=True, **stamp)
            visits.append(v)
        pcn = f"OTQ{number + n:07d}"
        charge = sum(Decimal(ln["charge"]) for ln in claim["lines"])
        denied = rng.random() >= PAID_SHARE
        for k, ln in enumerate(claim["lines"]):
            ln.update(date_of_service=dos, control_number=f"{number + n:07d}L{k + 1:02d}")
        claim.update(id=new_id(), patient_control_number=pcn, patient_id=pid,
                     coverage_id=cov["id"], visit_ids=[v["id"] for v in visits],
                     date_of_service=dos, batch_id=f"B{dos.replace('-', '')}-01",
                     submitted_at=f"{dos}T16:00:00+00:00",
                     status=ClaimStatus.DENIED.value if denied else ClaimStatus.PAID.value,
                     paid_amount="0" if denied else str((charge * Decimal("0.8")).quantize(
                         Decimal("0.01"))), **stamp)
        yield ArchiveEntry("claims", claim["id"], pid, claim)
        for v in visits:
            yield ArchiveEntry("visits", v["id"], pid, v)
        if denied:
            d = {"id": new_id(), "claim_id": claim["id"], "payer_id": claim["payer_id"],
                 "group_code": "CO", "carc": "45", "amount": str(charge), "denied_on": dos,
                 "status": DenialStatus.WRITTEN_OFF.value, "closed_on": dos,
                 "resolution": "written_off", "next_action": "write_off", **stamp}
            yield ArchiveEntry("denials", d["id"], pid, d)
