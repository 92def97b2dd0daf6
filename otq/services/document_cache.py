"""Needed documents worked out patient by patient, and kept between commits.

``documents.document_needs`` runs the document rules over every visit of the store: ten
seconds at 100,000 visits, after every commit anyone makes. A need belongs to one patient
(its id is made from the patient id, and its episodes are a patient's coverage), so the
needs of the whole store are the union of each patient's. Here each patient's needs are
kept with the fingerprint of that patient's records (``scrub_cache.patient_keys``) and
worked out again only when it changes. The result is stored under the same session cache
key ``documents.document_needs`` uses, so the documents screens and the missing-documents
queue share one answer per store state. ``<store>.needs-cache`` keeps the per-patient needs
for the next session (derived data, like ``<store>.scrub-cache``: delete it at will).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from otq.domain import Visit
from otq.domain.document import DocumentNeed
from otq.services import scrub_cache as sc
from otq.services.decoding import fast_decode
from otq.services.document_rules import compute_needs, load_requirements
from otq.services.documents import documents
from otq.services.patient_changes import records_of, touched
from otq.services.session import Session
from otq.store.snapshot import Lazy, snapshot_lines


def patient_keys(session: Session) -> dict[str, str]:
    """``scrub_cache.patient_keys`` for the current store state (cached)."""
    return sc.patient_keys(session)


def _shared_key(session: Session, req: Any, rules: str | None) -> str:
    parts = [repr(sorted((pid, p.progress_report_visits)
                         for pid, p in session.reference.profiles.items())),
             rules or f"codes:{id(session.reference.codes)}", repr(req)]
    parts += sorted(f"{r['id']}:{r.get('version')}:{r.get('changed_at')}"
                    for r in session.records("payers").values())
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def document_needs(session: Session) -> dict[str, DocumentNeed]:
    """Every needed document by id, with its stored record merged in (as
    ``documents.document_needs``), recomputing only patients whose records changed."""
    return session.cached("document-needs", lambda: _patched(session) or _build(session))


def needs_of(session: Session, patient_id: str) -> list[str]:
    """The ids of one patient's needed documents (for patching queues patient by patient)."""
    document_needs(session)
    entry = session.lasting("document-needs-memo", dict).get(patient_id)
    return list(entry[1]) if entry is not None else []


def known_need(session: Session, need_id: str) -> DocumentNeed | None:
    """A need as last worked out (None if it never was), without working anything out."""
    return session.lasting("document-needs-last", dict).get("out", {}).get(need_id)


#: what a patient's needs are made of (payers, rules and requirements: the shared key)
NEED_TABLES = frozenset({"visits", "coverages", "documents"})


def _patched(session: Session) -> dict[str, DocumentNeed] | None:
    """The last answer with only the patients touched since worked out again; None when
    that won't do (nothing yet, other rules or payers, or changes not one patient's)."""
    last = session.lasting("document-needs-last", dict)
    if "out" not in last:
        return None
    memo = session.lasting("document-needs-memo", dict)
    patients = touched(session, last["seq"], NEED_TABLES)
    req = load_requirements()
    if patients is None or memo.get("#key") != _shared_key(session, req,
                                                           sc.rules_fingerprint(session)):
        return None
    before = {nid for pid in patients for nid in memo.pop(pid, (None, {}))[1]}
    # Key None: the patient's fingerprint is not worked out here (a whole-store pass); the
    # next full pass sees it differ and works the patient out again before any save.
    _compute(session, memo, patients, dict.fromkeys(patients), req)
    after = {nid for pid in patients for nid in memo[pid][1]}
    out = last["out"]
    if after != before:  # needs came or went: a new dict (one in use must not change size)
        out = {nid: need for nid, need in out.items() if nid not in before}
    # else the same needs, changed: replaced in place (copying 61,000 entries costs 10 ms)
    return _merge(session, out, memo, patients)


def _merge(session: Session, out: dict[str, DocumentNeed], memo: dict,
           patients: Any) -> dict[str, DocumentNeed]:
    """``out`` with the ``patients``' needs added, each with its stored record (asked of
    whom, received); remembered as the answer for this store state."""
    stored = documents(session)
    for pid in patients:
        for nid, need in memo[pid][1].items():
            doc = stored.get(nid)
            out[nid] = replace(need, document=doc) if doc is not None else need
    last = session.lasting("document-needs-last", dict)
    last["seq"], last["out"] = session.store.meta.get("seq", 0), out
    return out


def cache_path(session: Session) -> Path:
    """``<store>.needs-cache`` beside the session's store."""
    p = Path(session.store.path)
    return p.with_name(p.name + ".needs-cache")


def _to_raw(needs: dict[str, DocumentNeed]) -> list[dict[str, Any]]:
    return [{"id": n.id, "patient_id": n.patient_id, "payer_id": n.payer_id,
             "kind": n.kind.value, "key": n.key, "needed_since": _iso(n.needed_since),
             "period_start": _iso(n.period_start), "period_end": _iso(n.period_end),
             "ask": n.ask, "visit_ids": list(n.visit_ids), "on_file_in_ehr": n.on_file_in_ehr}
            for n in needs.values()]


def _iso(d: Any) -> str | None:
    return d.isoformat() if d is not None else None


def _load(session: Session, path: Path, key: str) -> dict[str, tuple[str, dict]]:
    # The file spells out every visit id, patient id and payer again in every need (40 MB
    # at 50,000 visits): make them the store's own strings, and equal texts one object.
    ids = {k: k for table in ("patients", "visits") for k in session.records(table)}
    data = sc.read_cache(path, ids)
    if not isinstance(data, dict) or data.get("format") != 1 or data.get("key") != key:
        return {}
    patients = data.get("patients", {})
    out = {}
    for pid, (pkey, raw) in patients.items():
        out[ids.get(pid, pid)] = (pkey, {r["id"]: fast_decode(DocumentNeed, r) for r in raw})
    return out


def _build(session: Session) -> dict[str, DocumentNeed]:
    req = load_requirements()
    memo = session.lasting("document-needs-memo", dict)  # pid -> (key, needs)
    rules = sc.rules_fingerprint(session)
    key = _shared_key(session, req, rules)
    path = cache_path(session)
    if memo.get("#key") != key:
        memo.clear()
        memo["#key"] = key
        if rules is not None:
            memo.update(_load(session, path, key))
    groups = patient_keys(session)
    stale = {pid for pid, k in groups.items() if memo.get(pid, (None,))[0] != k}
    if stale:
        _compute(session, memo, stale, groups, req)
    for pid in [p for p in memo if p != "#key" and p not in groups]:
        del memo[pid]
    if rules is not None and (len(stale) >= SAVE_AFTER or (stale and not path.exists())):
        # Written a patient at a time: the whole file image (and its copy) would be 77 MB
        # at the moment a first session's memory peaks.
        sc.write_cache(path, snapshot_lines({"format": 1, "key": key, "patients": Lazy(
            (pid, [e[0], _to_raw(e[1])]) for pid, e in memo.items() if pid != "#key")}),
            like=session.store.path)
    return _merge(session, {}, memo, groups)


#: Write the cache file when at least this many patients were worked out afresh.
SAVE_AFTER = 50


def _compute(session: Session, memo: dict, stale: set[str], groups: dict[str, str],
             req: Any) -> None:
    # Decode only the stale patients' visits (reusing objects already decoded).
    decoded = session.peek("entities:visits")
    visits_of: dict[str, list] = defaultdict(list)
    few = len(stale) < 100  # a commit's few patients: their visits from the index
    if few:
        pairs = ((vid, session.store.get("visits", vid)) for pid in stale
                 for vid in records_of(session, "visits", pid))
    else:
        pairs = ((vid, rec) for vid, rec in session.records("visits").items()
                 if rec.get("patient_id") in stale)
    for rid, rec in pairs:
        if rec is None:
            continue
        visits_of[rec.get("patient_id")].append(decoded[rid] if decoded is not None
                                                else fast_decode(Visit, rec))
    payers = session.entities("payers")
    coverages = session.entities("coverages")
    wanted = ({v.coverage_id for vs in visits_of.values() for v in vs} if few
              else coverages)
    payer_of = {}
    for cid in wanted:
        cov = coverages.get(cid)
        payer = payers.get(cov.payer_id) if cov is not None else None
        if payer is not None:
            payer_of[cid] = (payer.id, payer.profile_id)
    every = {pid: p.progress_report_visits for pid, p in session.reference.profiles.items()}
    codes = session.reference.codes
    for pid in stale:
        memo[pid] = (groups[pid], compute_needs(visits_of.get(pid, []), payer_of, codes,
                                                every, req))
