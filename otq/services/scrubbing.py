"""Run the scrubber against the store: the one place findings are computed for every view."""

from __future__ import annotations

from otq.domain import Finding, Visit, VisitStatus
from otq.scrubber import ScrubContext, scrub_visit
from otq.services import scrub_cache as sc
from otq.services.documents import received_by_patient
from otq.services.eligibility import latest_verifications
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
    """
    return session.cached("findings", lambda: _refresh_findings(session))


#: Write the cache file when at least this many visits were scrubbed afresh.
SAVE_AFTER = 200


def _refresh_findings(session: Session) -> dict[str, list[Finding]]:
    rules = sc.rules_fingerprint(session)
    key = sc.store_key(session, rules)
    memo = session.lasting("scrub-memo", dict)  # vid -> (visit key, raw, findings)
    path = sc.cache_path(session)
    if memo.get("#key") != key:
        memo.clear()
        memo["#key"] = key
        if rules is not None:
            memo.update({vid: (k, raw, None) for vid, (k, raw) in sc.load(path, key).items()})
    groups = sc.patient_keys(session)
    visits = session.records("visits")
    coverages = session.records("coverages")
    uncoded = VisitStatus.UNCODED.value
    # The visit's coverage is in its patient's group, unless it (wrongly) names another
    # patient's: then its own stamp keeps the key honest.
    wanted = {vid: f"{groups.get(r.get('patient_id'), '')}:{_cov_stamp(coverages, r)}"
              for vid, r in visits.items() if r.get("status") == uncoded}
    stale = [vid for vid, k in wanted.items() if vid not in memo or memo[vid][0] != k]
    if stale:
        _scrub_into(session, memo, stale, wanted)
    for vid in [v for v in memo if v != "#key" and v not in wanted]:
        del memo[vid]
    if rules is not None and (len(stale) >= SAVE_AFTER or (stale and not path.exists())):
        sc.save(path, key, {vid: (e[0], e[1] if e[1] is not None else sc.to_raw(e[2]))
                            for vid, e in memo.items() if vid != "#key"},
                like=session.store.path)
    out = {}
    texts: dict[str, str] = {}
    for vid in wanted:
        k, raw, found = memo[vid]
        if found is None:
            found = sc.from_raw(raw, vid, texts)
        if raw is not None:  # keep one form, the findings: a save rebuilds the other
            memo[vid] = (k, None, found)
        out[vid] = found
    return out


def _cov_stamp(coverages: dict, visit: dict) -> str:
    cov = coverages.get(visit.get("coverage_id"))
    return f"{cov.get('version')}@{cov.get('changed_at')}" if cov else "-"


def _scrub_into(session: Session, memo: dict, stale: list[str], wanted: dict[str, str]) -> None:
    """Scrub the ``stale`` visits against a context holding only their patients' visits
    (every cross-visit rule is per patient, so the answer is the same as with all)."""
    entities = session.entities("visits")
    patients = {entities[vid].patient_id for vid in stale}
    if len(patients) * 2 > len(session.records("patients")):
        ctx = scrub_context(session)
    else:
        ref = session.reference
        ctx = ScrubContext.build(
            today=session.today, codes=ref.codes, profiles=ref.profiles,
            visits={vid: v for vid, v in entities.items() if v.patient_id in patients},
            patients=session.entities("patients"), coverages=session.entities("coverages"),
            payers=session.entities("payers"), providers=session.entities("providers"),
            practices=session.entities("practices"),
            authorizations=session.entities("authorizations"), data=ref.extra,
            documents=received_by_patient(session), verifications=latest_verifications(session))
    for vid in stale:
        found = scrub_visit(entities[vid], ctx)
        memo[vid] = (wanted[vid], sc.to_raw(found), found)


def has_errors(findings: list[Finding]) -> bool:
    """True when any finding blocks submission."""
    return any(f.is_error for f in findings)
