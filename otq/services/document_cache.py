"""Needed documents worked out patient by patient, and kept between commits.

``documents.document_needs`` runs the document rules over every visit of the store: ten
seconds at 100,000 visits, after every commit anyone makes. A need belongs to one patient
(its id is made from the patient id, and its episodes are a patient's coverage), so the
needs of the whole store are the union of each patient's. Here each patient's needs are
kept with the fingerprint of that patient's records (``scrub_cache.patient_keys``) and
worked out again only when it changes. The result is stored under the same session cache
key ``documents.document_needs`` uses, so the documents screens and the missing-documents
queue share one answer per store state.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace
from typing import Any

from otq.domain.document import DocumentNeed
from otq.services import scrub_cache as sc
from otq.services.document_rules import compute_needs, load_requirements
from otq.services.documents import documents
from otq.services.session import Session


def patient_keys(session: Session) -> dict[str, str]:
    """``scrub_cache.patient_keys`` for the current store state (cached)."""
    return session.cached("patient-keys", lambda: sc.patient_keys(session))


def _shared_key(session: Session, req: Any) -> str:
    parts = [repr(sorted((pid, p.progress_report_visits)
                         for pid, p in session.reference.profiles.items())),
             f"codes:{id(session.reference.codes)}", repr(req)]
    parts += sorted(f"{r['id']}:{r.get('version')}:{r.get('changed_at')}"
                    for r in session.records("payers").values())
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def document_needs(session: Session) -> dict[str, DocumentNeed]:
    """Every needed document by id, with its stored record merged in (as
    ``documents.document_needs``), recomputing only patients whose records changed."""
    return session.cached("document-needs", lambda: _build(session))


def _build(session: Session) -> dict[str, DocumentNeed]:
    req = load_requirements()
    memo = session.lasting("document-needs-memo", dict)  # pid -> (key, needs)
    key = _shared_key(session, req)
    if memo.get("#key") != key:
        memo.clear()
        memo["#key"] = key
    groups = patient_keys(session)
    stale = {pid for pid, k in groups.items() if memo.get(pid, (None,))[0] != k}
    if stale:
        payers = session.entities("payers")
        payer_of = {}
        for cov in session.entities("coverages").values():
            payer = payers.get(cov.payer_id)
            if payer is not None:
                payer_of[cov.id] = (payer.id, payer.profile_id)
        every = {pid: p.progress_report_visits for pid, p in session.reference.profiles.items()}
        visits_of: dict[str, list] = defaultdict(list)
        for v in session.entities("visits").values():
            if v.patient_id in stale:
                visits_of[v.patient_id].append(v)
        codes = session.reference.codes
        for pid in stale:
            memo[pid] = (groups[pid], compute_needs(visits_of.get(pid, []), payer_of, codes,
                                                    every, req))
    for pid in [p for p in memo if p != "#key" and p not in groups]:
        del memo[pid]
    stored = documents(session)
    out: dict[str, DocumentNeed] = {}
    for pid in groups:
        for nid, need in memo[pid][1].items():
            doc = stored.get(nid)
            out[nid] = replace(need, document=doc) if doc is not None else need
    return out
