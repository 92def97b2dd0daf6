"""Closed work out of the hot path: ``otq archive`` and ``otq search``.

Paid claims, claims whose every denial is settled (written off, billed elsewhere,
closed), their denials, visits and work items move from the store into yearly archive
files (``otq.store.archive``) once their date of service is older than a cut-off. Queues,
refreshes and commits then never read them; ``search`` still finds them.

A move is two steps, both under the store lock: the archive files are written (merged by
record id, atomically), then one audited commit deletes the moved records from the store,
each at the version that was archived. A crash between the two leaves a record in both
places, never in neither; ``search`` shows the store's copy, and the next ``otq archive``
finishes the move. If a biller changed a record in between, the commit is refused as a
conflict and nothing leaves the store.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otq.domain import ClaimStatus, DenialStatus
from otq.errors import OtqError
from otq.services.session import Session
from otq.store import Delete
from otq.store.archive import (
    ArchiveEntry,
    archive_files,
    archive_path,
    merge_into_archive,
    scan_archive,
)

CLOSED_CLAIMS = {ClaimStatus.PAID.value, ClaimStatus.VOID.value}
SETTLED_CLAIMS = {ClaimStatus.DENIED.value, ClaimStatus.PARTIAL.value}
CLOSED_DENIALS = {DenialStatus.WRITTEN_OFF.value, DenialStatus.BILLED_ELSEWHERE.value,
                  DenialStatus.CLOSED.value}


@dataclass
class ArchiveResult:
    """What ``archive_closed`` moved (or would move, on a dry run)."""

    moved: dict[str, int] = field(default_factory=dict)  # table -> records
    years: dict[int, int] = field(default_factory=dict)  # year -> records added
    files: list[Path] = field(default_factory=list)
    dry_run: bool = False

    @property
    def total(self) -> int:
        """Records moved in all."""
        return sum(self.moved.values())


def _closed_groups(store: Any, cutoff: str) -> dict[int, list[ArchiveEntry]]:
    """The records to move, by year of service: closed claims with DOS before ``cutoff``
    and their denials, visits and work items."""
    claims = {r["id"]: r for r in store.all("claims")}
    denials_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in store.all("denials"):
        denials_of[d.get("claim_id", "")].append(d)
    # A claim an open correction replaces stays, so the correction can still find it.
    replaced = {c.get("replaces_claim_id") for c in claims.values()}
    moving: dict[str, dict[str, Any]] = {}
    for cid, c in claims.items():
        dos = str(c.get("date_of_service") or "")
        if not dos or dos >= cutoff or cid in replaced:
            continue
        ds = denials_of.get(cid, [])
        status = c.get("status")
        if status in CLOSED_CLAIMS and all(d.get("status") in CLOSED_DENIALS for d in ds):
            moving[cid] = c
        elif status in SETTLED_CLAIMS and ds and all(d.get("status") in CLOSED_DENIALS for d in ds):
            moving[cid] = c
    claims_of_visit: dict[str, set[str]] = defaultdict(set)
    for cid, c in claims.items():
        for vid in c.get("visit_ids") or ():
            claims_of_visit[vid].add(cid)
    visits = {r["id"]: r for r in store.all("visits")}
    items = defaultdict(list)
    for w in store.all("workitems"):
        items[w.get("subject_id")].append(w)
    out: dict[int, list[ArchiveEntry]] = defaultdict(list)
    for cid, c in moving.items():
        year, pid = int(str(c["date_of_service"])[:4]), c.get("patient_id", "")
        group = out[year]
        group.append(ArchiveEntry("claims", cid, pid, c))
        for vid in c.get("visit_ids") or ():
            # A visit goes only with the last of its claims (a corrected claim shares it).
            if vid in visits and claims_of_visit[vid] <= moving.keys() and \
                    min(claims_of_visit[vid]) == cid:
                group.append(ArchiveEntry("visits", vid, pid, visits[vid]))
        for d in denials_of.get(cid, []):
            group.append(ArchiveEntry("denials", d["id"], pid, d))
        for subject in [cid, *(d["id"] for d in denials_of.get(cid, []))]:
            group += [ArchiveEntry("workitems", w["id"], pid, w) for w in items.get(subject, [])]
    return out


def archive_closed(session: Session, *, older_than_days: int = 365,
                   dry_run: bool = False) -> ArchiveResult:
    """Move closed work whose date of service is more than ``older_than_days`` days before
    ``session.today`` into the yearly archives (see the module docstring)."""
    if older_than_days < 0:
        raise OtqError("--older-than must be 0 or more days")
    store = session.store
    cutoff = session.today.subtract(days=older_than_days).isoformat()
    result = ArchiveResult(dry_run=dry_run)
    with store.lock.hold():
        store.refresh()
        groups = _closed_groups(store, cutoff)
        for year, entries in sorted(groups.items()):
            result.years[year] = len(entries)
            for e in entries:
                result.moved[e.table] = result.moved.get(e.table, 0) + 1
            if not dry_run:
                path = archive_path(store.path, year)
                merge_into_archive(path, year, entries, like=store.path)
                result.files.append(path)
    if dry_run or not groups:
        return result
    deletes = [Delete(e.table, e.id, e.record["version"])
               for entries in groups.values() for e in entries]
    store.commit(deletes, action="archive.move")
    return result


# -------------------------------------------------------------------------- search
@dataclass(frozen=True)
class SearchHit:
    """One record ``search`` found: where it lives and what a biller recognises it by."""

    where: str  # "store" or "archive 2024"
    table: str  # claims, visits, denials
    id: str
    patient: str
    date: str
    status: str
    reference: str  # claim number, EHR visit id, or CARC of a denial


def _patients_matching(session: Session, text: str) -> set[str]:
    low = text.lower()
    squeezed = low.replace(" ", "").replace("-", "")
    pids = set()
    for p in session.records("patients").values():
        name = f"{p.get('first_name', '')} {p.get('last_name', '')}".lower()
        rev = f"{p.get('last_name', '')}, {p.get('first_name', '')}".lower()
        if low in name or low in rev or low == str(p.get("external_id", "")).lower():
            pids.add(p["id"])
    for c in session.records("coverages").values():
        member = str(c.get("member_id", "")).lower().replace(" ", "").replace("-", "")
        if member and member == squeezed:
            pids.add(c.get("patient_id", ""))
    return pids


def _hit(session: Session, where: str, table: str, rec: dict[str, Any], pid: str) -> SearchHit:
    p = session.records("patients").get(pid)
    name = f"{p.get('last_name', '')}, {p.get('first_name', '')}" if p else "?"
    if table == "claims":
        date, ref = rec.get("date_of_service", ""), rec.get("patient_control_number", "")
    elif table == "visits":
        date, ref = rec.get("date_of_service", ""), rec.get("external_id", "")
    else:
        date, ref = rec.get("denied_on", ""), f"{rec.get('group_code', '')}-{rec.get('carc', '')}"
    return SearchHit(where, table, rec["id"], name, str(date or ""), str(rec.get("status", "")),
                     str(ref))


def _exact(rec: dict[str, Any], text: str) -> bool:
    up = text.upper()
    return text in (rec.get("id"), rec.get("claim_id"), rec.get("external_id")) or up in (
        str(rec.get("patient_control_number", "")).upper(),
        str(rec.get("payer_claim_control_number", "")).upper()) or text in (
        rec.get("visit_ids") or ())


def search(session: Session, text: str, *, limit: int = 500) -> list[SearchHit]:
    """Claims, visits and denials, in the store and every archive, matching ``text``: a
    record id, claim number, EHR visit id, payer claim number, patient name or member id.
    Newest first; a record in both the store and an archive is shown once (the store's)."""
    text = text.strip()
    if len(text) < 2:
        raise OtqError("search needs at least 2 characters")
    pids = _patients_matching(session, text)
    hits: dict[tuple[str, str], SearchHit] = {}
    claim_patient = {cid: c.get("patient_id", "") for cid, c in session.records("claims").items()}
    for table in ("claims", "visits", "denials"):
        for rec in session.records(table).values():
            pid = rec.get("patient_id") or claim_patient.get(rec.get("claim_id", ""), "")
            if pid in pids or _exact(rec, text):
                hits[(table, rec["id"])] = _hit(session, "store", table, rec, pid)
    # Only text that looks like an identifier is looked for verbatim in the archives: a
    # name is matched through the patients it names, never by scanning for the word.
    needles = [text, text.upper()] if any(ch.isdigit() for ch in text) and " " not in text \
        else []
    for year, path in archive_files(session.store.path).items():
        for e in scan_archive(path, needles=needles, patient_ids=pids):
            if e.table not in ("claims", "visits", "denials") or (e.table, e.id) in hits:
                continue
            if e.patient_id in pids or _exact(e.record, text):
                hits[(e.table, e.id)] = _hit(session, f"archive {year}", e.table, e.record,
                                             e.patient_id)
    ordered = sorted(hits.values(), key=lambda h: (h.date, h.table, h.id), reverse=True)
    return ordered[:limit]
