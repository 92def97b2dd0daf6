"""Which documents a practice needs on file: the requirements file and the needs it implies.

``reference/document_requirements.toml`` says, per payer profile and visit type, which
kinds of document are needed; this module reads it (every problem names the file and the
key) and walks the treated visits to list each needed document once, with the visits
that wait on it. Records of requests and receipts are merged in by ``otq.services.documents``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pendulum

from otq.domain import Visit, VisitStatus
from otq.domain.codes import CodeInfo
from otq.domain.document import DocumentKind, DocumentNeed
from otq.errors import ConfigError
from otq.paths import reference_dir
from otq.reference.catalogue import read_toml

_NAMESPACE = uuid.UUID("0b8f5a5e-7f0d-4d7e-9c1e-5d3a2b1c0d10")
SCOPES = ("episode", "recertification", "progress", "visit", "coverage", "authorization")
VISIT_TYPES = ("evaluation", "treatment")
TREATED = (VisitStatus.UNCODED, VisitStatus.CODED)


@dataclass(frozen=True)
class KindRule:
    """How one kind of document is needed: its title, whom to ask, its scope."""

    kind: DocumentKind
    title: str
    ask: str
    scope: str
    ehr_field: str = ""


@dataclass(frozen=True)
class Requirements:
    """The requirements file: kinds, settings, and profile -> visit type -> kinds."""

    kinds: dict[DocumentKind, KindRule]
    profiles: dict[str, dict[str, tuple[DocumentKind, ...]]]
    recert_days: int = 90
    plan_days: int = 90


def need_id(patient_id: str, kind: DocumentKind, key: str) -> str:
    """The stable id shared by a need and the record of its requests and receipt."""
    return str(uuid.uuid5(_NAMESPACE, f"{patient_id}|{kind.value}|{key}"))


def _kind(value: object, where: str) -> DocumentKind:
    try:
        return DocumentKind(str(value))
    except ValueError:
        known = ", ".join(k.value for k in DocumentKind)
        raise ConfigError(f"{where}: '{value}' is not a document kind ({known})") from None


@lru_cache(maxsize=4)
def load_requirements(path: Path | None = None) -> Requirements:
    """Read the requirements file (default: the bundled one); ConfigError names file and key."""
    path = path or reference_dir() / "document_requirements.toml"
    data = read_toml(path)
    kinds: dict[DocumentKind, KindRule] = {}
    for name, row in data.get("kinds", {}).items():
        where = f"{path.name}: kinds.{name}"
        kind = _kind(name, where)
        scope = row.get("scope")
        if scope not in SCOPES:
            raise ConfigError(f"{where}.scope: '{scope}' is not one of {', '.join(SCOPES)}")
        kinds[kind] = KindRule(kind, str(row.get("title", name)), str(row.get("ask", "")),
                               scope, str(row.get("ehr_field", "")))
    profiles: dict[str, dict[str, tuple[DocumentKind, ...]]] = {}
    for pid, row in data.get("profiles", {}).items():
        by_type = {}
        for vtype, names in row.items():
            where = f"{path.name}: profiles.{pid}.{vtype}"
            if vtype not in VISIT_TYPES:
                raise ConfigError(f"{where}: visit type must be one of {', '.join(VISIT_TYPES)}")
            listed = tuple(_kind(n, where) for n in names)
            for k in listed:
                if k not in kinds:
                    raise ConfigError(f"{where}: '{k.value}' has no [kinds.{k.value}] table")
            by_type[vtype] = listed
        profiles[pid] = by_type
    settings = data.get("settings", {})
    days = {}
    for key in ("recert_days", "plan_days"):
        value = settings.get(key, 90)
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"{path.name}: settings.{key}: must be a whole number of days")
        days[key] = value
    return Requirements(kinds=kinds, profiles=profiles, **days)


def visit_type(visit: Visit, codes: dict[str, CodeInfo]) -> str:
    """'evaluation' when every line is an evaluation code, else 'treatment'."""
    lines = visit.lines
    if lines and all(ln.cpt in codes and codes[ln.cpt].is_evaluation for ln in lines):
        return "evaluation"
    return "treatment"


class _Collector:
    """Gathers needs by id: the earliest date that needs each and the visits that wait."""

    def __init__(self, req: Requirements) -> None:
        self.req = req
        self.needs: dict[str, dict] = {}

    def add(self, visit: Visit, payer_id: str, kind: DocumentKind, key: str,
            period: tuple[pendulum.Date | None, pendulum.Date | None], ehr: bool,
            since: pendulum.Date | None = None) -> None:
        nid = need_id(visit.patient_id, kind, key)
        day = since or visit.date_of_service
        n = self.needs.get(nid)
        if n is None:
            rule = self.req.kinds[kind]
            self.needs[nid] = {"id": nid, "patient_id": visit.patient_id, "payer_id": payer_id,
                               "kind": kind, "key": key, "needed_since": day,
                               "period_start": period[0], "period_end": period[1],
                               "ask": rule.ask, "visit_ids": [visit.id], "ehr": ehr}
            return
        n["needed_since"] = min(n["needed_since"], day)
        n["visit_ids"].append(visit.id)
        n["ehr"] = n["ehr"] or ehr

    def result(self) -> dict[str, DocumentNeed]:
        out = {}
        for n in self.needs.values():
            out[n["id"]] = DocumentNeed(
                id=n["id"], patient_id=n["patient_id"], payer_id=n["payer_id"], kind=n["kind"],
                key=n["key"], needed_since=n["needed_since"], period_start=n["period_start"],
                period_end=n["period_end"], ask=n["ask"], visit_ids=tuple(n["visit_ids"]),
                on_file_in_ehr=n["ehr"])
        return out


def compute_needs(visits: list[Visit], payer_of: dict[str, tuple[str, str]],
                  codes: dict[str, CodeInfo], progress_every: dict[str, int],
                  req: Requirements) -> dict[str, DocumentNeed]:
    """Every needed document, by id, for the treated ``visits``.

    ``payer_of`` maps a coverage id to (payer id, profile id); ``progress_every`` maps a
    profile id to its progress-report interval in treatment days (0: none).
    """
    col = _Collector(req)
    episodes: dict[tuple[str, str], list[Visit]] = defaultdict(list)
    for v in sorted(visits, key=lambda v: (v.date_of_service, v.id)):
        if v.status not in TREATED or v.coverage_id not in payer_of:
            continue
        payer_id, profile_id = payer_of[v.coverage_id]
        kinds = req.profiles.get(profile_id, {}).get(visit_type(v, codes), ())
        if not kinds:
            continue
        first = episodes[(v.patient_id, v.coverage_id)]
        start = v.poc_start or (first[0].date_of_service if first else v.date_of_service)
        first.append(v)
        for kind in kinds:
            _add_kind(col, req, v, payer_id, kind, start, progress_every.get(profile_id, 0))
    _add_progress(col, req, episodes, payer_of, codes, progress_every)
    return col.result()


def _add_kind(col: _Collector, req: Requirements, v: Visit, payer_id: str, kind: DocumentKind,
              start: pendulum.Date, progress: int) -> None:
    scope = req.kinds[kind].scope
    dos = v.date_of_service
    if scope == "episode":
        end = v.poc_end if v.poc_start and v.poc_end else start.add(days=req.plan_days - 1)
        col.add(v, payer_id, kind, f"{v.coverage_id}:{start.isoformat()}", (start, end), False)
    elif scope == "recertification" and v.poc_start is not None:
        k = (dos - v.poc_start).days // req.recert_days
        if v.poc_end is not None and dos > v.poc_end:
            k = max(k, 1)
        if k >= 1:
            anchor = v.poc_start.add(days=k * req.recert_days)
            if v.poc_end is not None and k == 1:
                anchor = min(anchor, v.poc_end.add(days=1))
            rec = v.poc_recertified
            ehr = rec is not None and abs((rec - anchor).days) < req.recert_days
            col.add(v, payer_id, kind, f"{v.coverage_id}:{v.poc_start.isoformat()}:{k}",
                    (anchor, anchor.add(days=req.recert_days - 1)), ehr, since=dos)
    elif scope == "visit":
        ehr = bool(getattr(v, req.kinds[kind].ehr_field, False)) if req.kinds[kind].ehr_field \
            else False
        col.add(v, payer_id, kind, v.id, (dos, dos), ehr)
    elif scope == "coverage":
        col.add(v, payer_id, kind, v.coverage_id, (start, None), False)
    elif scope == "authorization" and v.auth_number:
        col.add(v, payer_id, kind, f"{v.coverage_id}:{v.auth_number}", (start, None), False)
    # "progress" needs are counted per episode afterwards, over the treatment days.


def _add_progress(col: _Collector, req: Requirements,
                  episodes: dict[tuple[str, str], list[Visit]],
                  payer_of: dict[str, tuple[str, str]], codes: dict[str, CodeInfo],
                  progress_every: dict[str, int]) -> None:
    """One progress report per N treatment days of each episode (day 1 = start of care)."""
    for (_pid, cov), vs in episodes.items():
        payer_id, profile_id = payer_of[cov]
        every = progress_every.get(profile_id, 0)
        wanted = req.profiles.get(profile_id, {})
        if not every or DocumentKind.PROGRESS_REPORT not in wanted.get("treatment", ()):
            continue
        by_episode: dict[pendulum.Date, list[Visit]] = defaultdict(list)
        for v in vs:
            by_episode[v.poc_start or vs[0].date_of_service].append(v)
        for start, evs in by_episode.items():
            days = sorted({v.date_of_service for v in evs})
            reports = sorted({v.last_progress_report for v in evs if v.last_progress_report})
            for j in range(1, len(days) // every + 1):
                due, begin = days[j * every - 1], days[(j - 1) * every]
                ehr = any(begin <= r <= due for r in reports)
                waiting = [v for v in evs if v.date_of_service >= due
                           and (j * every + every > len(days)
                                or v.date_of_service < days[j * every + every - 1])]
                for v in waiting or [next(v for v in evs if v.date_of_service == due)]:
                    col.add(v, payer_id, DocumentKind.PROGRESS_REPORT,
                            f"{cov}:{start.isoformat()}:{j}", (begin, due), ehr, since=due)
