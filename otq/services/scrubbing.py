"""Run the scrubber against the store: the one place findings are computed for every view."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from otq.domain import Finding, Visit, VisitStatus
from otq.scrubber import ScrubContext, scrub_visit
from otq.services import scrub_cache as sc
from otq.services.documents import received_by_patient
from otq.services.eligibility import latest_verifications
from otq.services.patient_changes import records_of, touched
from otq.services.session import Session


def scrub_context(session: Session) -> ScrubContext:
    """The scrub context for the store as it is now (cached until the next commit)."""

    def build() -> ScrubContext:
        ref = session.reference
        return ScrubContext.build(
            today=session.today,
            codes=ref.codes,
            profiles=ref.profiles,
            visits=session.entities("visits"),
            patients=session.entities("patients"),
            coverages=session.entities("coverages"),
            payers=session.entities("payers"),
            providers=session.entities("providers"),
            practices=session.entities("practices"),
            authorizations=session.entities("authorizations"),
            data=ref.extra,
            documents=received_by_patient(session),
            verifications=latest_verifications(session),
        )

    return session.cached("scrub-context", build)


def findings_for(session: Session, visit: Visit) -> list[Finding]:
    """Every finding for one visit (a visit object, possibly edited and unsaved)."""
    return scrub_visit(visit, scrub_context(session))


def all_findings(session: Session) -> dict[str, list[Finding]]:
    """Findings for every treated visit that is still in billing, by visit id (cached).

    Only visits whose patient's records (or the rules, today, or the shared providers,
    practices and payers) changed since they were last scrubbed are scrubbed again; the
    rest come from memory or from ``<store>.scrub-cache`` (see ``otq.services.scrub_cache``).
    After commits that touched only some patients, only those patients' visits are even
    looked at, and the answer is the previous one patched in place: read it, never edit it.
    """
    return session.cached("findings", lambda: _refresh_findings(session))


#: Write the cache file when at least this many visits were scrubbed afresh.
SAVE_AFTER = 200


@dataclass
class _Kept:
    """What ``all_findings`` keeps across commits (``Session.lasting``)."""

    seq: int = -1  # the store state ``out`` is the answer for (-1: none yet)
    key: str = ""  # ``scrub_cache.store_key`` of that state
    rules: str | None = None
    today: Any = None
    reference: Any = None
    #: visit id -> the key it was scrubbed under (its patient's fingerprint, its coverage)
    keys: dict[str, str] = field(default_factory=dict)
    #: visit id -> findings: the answer
    out: dict[str, list[Finding]] = field(default_factory=dict)
    #: coverage id -> visits in ``keys`` naming it that are not its patient's (or it is
    #: missing): a change to it is not a change to those visits' patients' records
    xref: dict[Any, set[str]] = field(default_factory=dict)
    xref_of: dict[str, Any] = field(default_factory=dict)  # visit id -> its key in ``xref``
    full_passes: int = 0  # how many times every visit was looked at (tests count them)


def _refresh_findings(session: Session) -> dict[str, list[Finding]]:
    kept = session.lasting("scrub-findings", _Kept)
    if not _patch(session, kept):
        _full(session, kept)
    return kept.out


def _patch(session: Session, kept: _Kept) -> bool:
    """Bring ``kept`` up to date looking only at what the commits since changed; False
    when that won't do (nothing kept yet, history lost, a shared table, the rules or today
    changed, or a change that is not one patient's): then every visit is looked at.

    A visit's key is its patient's fingerprint and its coverage's stamp; the answer for a
    visit moves only with its key or with whether it is uncoded. So every visit the full
    pass would scrub again is one of: a changed visit; a visit of a patient whose records
    changed (``patient_changes.touched``: before or after the change); or a visit naming a
    changed coverage that is not its own patient's (``kept.xref``). Those are looked at.
    """
    seq = session.store.meta.get("seq", 0)
    if kept.seq < 0 or session.today != kept.today or session.reference is not kept.reference:
        return False
    changed = session.store.changed_since(kept.seq)
    if changed is None or any(t in changed for t in sc.SHARED_TABLES):
        return False
    if not sc.PATIENT_TABLE_NAMES & changed.keys():  # work items, claims...: nothing to do
        kept.seq = seq
        return True
    rules = sc.rules_fingerprint(session)
    patients = touched(session, kept.seq, sc.PATIENT_TABLE_NAMES)
    if patients is None or rules != kept.rules:
        return False
    look = set(changed.get("visits", ()))
    for pid in patients:
        look |= records_of(session, "visits", pid)
    for cid in changed.get("coverages", ()):
        look |= kept.xref.get(cid, set())
    # The few records looked at are read one by one: copying the visits and coverages
    # tables for them cost more than all the rest of the patch.
    stale = _rekey(session, kept, look, _One(session, "visits"), _One(session, "coverages"))
    _finish(session, kept, stale, rules, seq)
    return True


class _One:
    """``get`` of one record of a table, for a few look-ups (see ``_patch``)."""

    def __init__(self, session: Session, table: str) -> None:
        self.store, self.table = session.store, table

    def get(self, rid: Any) -> dict[str, Any] | None:
        return self.store.get(self.table, rid)


def _full(session: Session, kept: _Kept) -> None:
    """Look at every visit; scrub those whose key moved (or read them from the file)."""
    seq = session.store.meta.get("seq", 0)
    rules = sc.rules_fingerprint(session)
    key = sc.store_key(session, rules)
    cached: dict[str, list] = {}
    if kept.key != key:
        kept.keys, kept.out = {}, {}
        if rules is not None:
            cached = sc.load(sc.cache_path(session), key)
    kept.key, kept.rules, kept.today, kept.reference = key, rules, session.today, session.reference
    kept.full_passes += 1
    kept.xref, kept.xref_of = {}, {}
    before_keys, before_out = kept.keys, kept.out
    kept.keys, kept.out = {}, {}
    visits = session.records("visits")
    stale = _rekey(session, kept, visits, visits, session.records("coverages"), before_keys,
                   before_out, cached)
    cached.clear()  # entries of visits no longer uncoded: free them before any scrub
    _finish(session, kept, stale, rules, seq)


def _rekey(session: Session, kept: _Kept, look: Any, visits: Any, coverages: Any,
           before_keys: dict | None = None, before_out: dict | None = None,
           cached: dict | None = None) -> list[str]:
    """Work out the key of every visit in ``look`` and drop those no longer uncoded; the
    ones whose findings are not known under their key (to scrub). ``visits`` and
    ``coverages`` give records by id (``get``)."""
    groups = sc.patient_keys(session)
    keys, out, xref, xref_of = kept.keys, kept.out, kept.xref, kept.xref_of
    before_keys = keys if before_keys is None else before_keys
    before_out = out if before_out is None else before_out
    uncoded = VisitStatus.UNCODED.value
    texts: dict[str, str] = {}
    share = {}.setdefault
    stale = []
    for vid in look:
        old = xref_of.pop(vid, _NONE)
        if old is not _NONE:
            xref[old].discard(vid)
            if not xref[old]:
                del xref[old]
        r = visits.get(vid)
        if r is None or r.get("status") != uncoded:
            keys.pop(vid, None)
            out.pop(vid, None)
            continue
        pid, cid = r.get("patient_id"), r.get("coverage_id")
        cov = coverages.get(cid)
        # The visit's coverage is in its patient's group, unless it (wrongly) names another
        # patient's: then its own stamp keeps the key honest, and ``xref`` finds the visit
        # when that coverage changes.
        k = f"{groups.get(pid, '')}:{_cov_stamp(cov)}"
        k = share(k, k)  # a patient's visits on one coverage: one key object, not one each
        if cov is None or cov.get("patient_id") != pid:
            xref.setdefault(cid, set()).add(vid)
            xref_of[vid] = cid
        if before_keys.get(vid) == k and vid in before_out:
            keys[vid], out[vid] = k, before_out[vid]
        elif cached and _entry(hit := cached.pop(vid, None)) and hit[0] == k:
            keys[vid], out[vid] = k, sc.from_raw(hit[1], vid, texts)
        else:
            keys[vid] = k
            stale.append(vid)
    return stale


_NONE = object()


def _entry(hit: Any) -> bool:
    """True for a well-formed cache file entry, ``[key, [raw finding, ...]]``."""
    return type(hit) is list and len(hit) == 2 and type(hit[1]) is list


def _finish(session: Session, kept: _Kept, stale: list[str], rules: str | None,
            seq: int) -> None:
    """Scrub ``stale``, save the cache file when enough was scrubbed, mark ``kept`` current."""
    if stale:
        _scrub_into(session, kept.out, stale)
    path = sc.cache_path(session)
    if rules is not None and (len(stale) >= SAVE_AFTER or (stale and not path.exists())):
        out = kept.out
        sc.save(path, kept.key, ((vid, (k, sc.to_raw(out[vid]))) for vid, k in kept.keys.items()),
                like=session.store.path)
    kept.seq = seq


def _cov_stamp(cov: dict | None) -> str:
    return f"{cov.get('version')}@{cov.get('changed_at')}" if cov else "-"


#: how many patients' visits a first session scrubs against one context
BATCH_PATIENTS = 500


def _scrub_into(session: Session, out: dict, stale: list[str]) -> None:
    """Scrub the ``stale`` visits, a batch of patients at a time, each batch against a
    context holding only those patients' visits (every cross-visit rule is per patient,
    so the answer is the same as with all).

    A first session scrubs every visit: one context over all 50,000 held 30 MB of indexes
    at the moment memory peaks, and each finding its own copy of a message 700 distinct
    texts make up (9 MB at 55,000 findings). Batches keep one small context alive at a
    time, and equal texts are made one object.
    """
    entities = session.entities("visits")
    by_patient: dict[Any, list[str]] = {}
    for vid in stale:
        by_patient.setdefault(entities[vid].patient_id, []).append(vid)
    if not all(isinstance(pid, str) for pid in by_patient):
        # Visits of no patient are judged together, as one "patient": the whole context.
        _scrub(scrub_context(session), entities, stale, out, {})
        return
    pids = list(by_patient)
    texts: dict[str, str] = {}
    for at in range(0, len(pids), BATCH_PATIENTS):
        batch = pids[at:at + BATCH_PATIENTS]
        ctx = _context_for(session, entities, batch)
        _scrub(ctx, entities, [vid for pid in batch for vid in by_patient[pid]], out, texts)


def _context_for(session: Session, entities: dict[str, Visit], patients: list[str]
                 ) -> ScrubContext:
    """The scrub context with only ``patients``' visits (their indexes are complete)."""
    ref = session.reference
    return ScrubContext.build(
        today=session.today, codes=ref.codes, profiles=ref.profiles,
        visits={vid: entities[vid] for pid in patients
                for vid in records_of(session, "visits", pid)},
        patients=session.entities("patients"), coverages=session.entities("coverages"),
        payers=session.entities("payers"), providers=session.entities("providers"),
        practices=session.entities("practices"),
        authorizations=session.entities("authorizations"), data=ref.extra,
        documents=received_by_patient(session), verifications=latest_verifications(session))


def _scrub(ctx: ScrubContext, entities: dict[str, Visit], vids: list[str], out: dict,
           texts: dict[str, str]) -> None:
    share = texts.setdefault
    for vid in vids:
        out[vid] = [Finding(f.rule_id, f.severity, share(f.message, f.message),
                            share(f.field, f.field), f.subject_id, f.fix)
                    for f in scrub_visit(entities[vid], ctx)]


def warm(session: Session) -> None:
    """Scrub one uncoded visit and throw the answer away, so what every scrub reads (the
    shared tables decoded, the rules' data loaded) is ready before a biller starts, not
    paid for by the first commit another biller makes (about 45 ms at 50k+500k)."""
    for visit in session.entities("visits").values():
        if visit.status is VisitStatus.UNCODED:
            _scrub_into(session, {}, [visit.id])
            return


def has_errors(findings: list[Finding]) -> bool:
    """True when any finding blocks submission."""
    return any(f.is_error for f in findings)
