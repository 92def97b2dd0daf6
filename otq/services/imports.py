"""Importing an EHR visit export into the store: ``otq import visits FILE.csv [--dry-run]``.

The file is parsed and validated first (``otq.importers.visits_csv``); a bad file imports
nothing. A good file becomes ONE store commit, so an import is all or nothing. External
keys make re-importing safe: visits by ``visit_id``, patients by ``patient_id``, providers
and practices by NPI, coverages by patient + payer + member id, authorizations by patient +
payer + number. A visit that is already coded (on a claim) is never changed by an import.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otq.domain import (
    Address,
    Authorization,
    Coverage,
    Credential,
    Patient,
    Practice,
    Provider,
    ServiceLine,
    Visit,
    VisitStatus,
)
from otq.errors import OtqError, ValidationError
from otq.importers.visits_csv import ParsedFile, VisitRow, parse_visits_csv
from otq.services.claims import promote_clean_visits
from otq.services.session import Session
from otq.services.setup import default_practice_id
from otq.store import Put, encode

#: visits in these states belong to the coder or are on a claim: an import leaves them alone
_LOCKED = (VisitStatus.CODED, VisitStatus.VOID)


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do). Counts only: no PHI."""

    dry_run: bool = False
    lines: int = 0
    visits_added: int = 0
    visits_updated: int = 0
    visits_unchanged: int = 0
    visits_skipped: int = 0
    patients_added: int = 0
    patients_updated: int = 0
    providers_added: int = 0
    practices_added: int = 0
    coverages_added: int = 0
    authorizations_added: int = 0
    claims_created: int = 0
    skipped_visit_ids: list[str] = field(default_factory=list)  # EHR visit ids, already coded

    @property
    def changed(self) -> bool:
        """True when the import wrote (or would write) anything."""
        return bool(self.visits_added or self.visits_updated or self.patients_added
                    or self.patients_updated or self.providers_added or self.practices_added
                    or self.coverages_added or self.authorizations_added)

    def summary(self) -> str:
        """One paragraph a biller reads after the import."""
        verb = "would add" if self.dry_run else "added"
        text = (f"{self.lines} service lines: {verb} {self.visits_added} visits, "
                f"updated {self.visits_updated}, unchanged {self.visits_unchanged}, "
                f"skipped {self.visits_skipped} (already coded); "
                f"{self.patients_added} new patients, {self.providers_added} new providers, "
                f"{self.practices_added} new practices, "
                f"{self.coverages_added} new coverages, {self.authorizations_added} new "
                "authorizations")
        if self.skipped_visit_ids:
            text += ". Skipped visit ids: " + ", ".join(self.skipped_visit_ids[:20])
        if not self.dry_run and self.claims_created:
            text += f". {self.claims_created} clean visits became ready claims"
        return text + ("; nothing was written (dry run)." if self.dry_run else ".")


def import_visits(session: Session, path: Path | str, *, dry_run: bool = False) -> ImportResult:
    """Import a visit CSV into the session's store in one commit; see ``visits_csv``.

    Raises ``ValidationError`` listing every problem (``file:line:column: message``) when
    the file is bad, in which case nothing is written.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OtqError(f"cannot read {path}: {exc.strerror or exc}.") from None
    session.refresh()
    payer_ids = {r["id"] for r in session.store.all("payers")}
    parsed = parse_visits_csv(data, source=str(path), payer_ids=payer_ids)
    plan = _Plan(session, parsed, dry_run)
    if not parsed.problems:
        plan.build()
    if parsed.problems:
        raise ValidationError(
            f"{path}: {len(parsed.problems)} problem(s); nothing was imported.",
            parsed.problems)
    result = plan.result
    if plan.changes and not dry_run:
        session.store.commit(plan.changes, action="import.visits")
        result.claims_created = promote_clean_visits(session, action="import.promote")
    return result


class _Plan:
    """Works out the store changes for a parsed file, matching records by external keys."""

    def __init__(self, session: Session, parsed: ParsedFile, dry_run: bool) -> None:
        self.session = session
        self.parsed = parsed
        self.result = ImportResult(dry_run=dry_run)
        self.changes: list[Put] = []
        store = session.store
        self.visits = {r["external_id"]: r for r in store.all("visits") if r.get("external_id")}
        self.patients = {r["external_id"]: r for r in store.all("patients")
                         if r.get("external_id")}
        self.providers = {r["npi"]: r for r in store.all("providers") if r.get("npi")}
        self.practices = {r["npi"]: r for r in store.all("practices") if r.get("npi")}
        self.coverages = {(r["patient_id"], r["payer_id"], r["member_id"]): r
                          for r in store.all("coverages")}
        self.auths = {(r["patient_id"], r["payer_id"], r["number"]): r
                      for r in store.all("authorizations")}
        self.default_practice = default_practice_id(session)

    # ------------------------------------------------------------------ helpers
    def _upsert(self, table: str, index: dict[Any, dict[str, Any]], key: Any,
                make: Callable[[str], Any], counter: str | None = None) -> str:
        """Insert a new record or update a changed one; returns the record id."""
        current = index.get(key)
        record = encode(make(current["id"] if current else str(uuid.uuid4())))
        if current is None:
            self.changes.append(Put(table, record))
            index[key] = {**record, "version": None}
            if counter:
                setattr(self.result, counter, getattr(self.result, counter) + 1)
        elif current.get("version") is not None and _differs(current, record):
            self.changes.append(Put(table, record, current["version"]))
            index[key] = {**record, "version": None}  # changed once per import
            if table == "patients":
                self.result.patients_updated += 1
        return record["id"]

    def _problem(self, row: VisitRow, column: str, message: str) -> None:
        self.parsed.problem(row.line, self.parsed.column_of(column), f"{column}: {message}")

    # --------------------------------------------------------------- per visit
    def build(self) -> None:
        """Plan every visit of the file (problems found here are added to the file's)."""
        for row in self.parsed.visits:
            practice_id = self._practice(row)
            if practice_id is None:
                continue
            self.result.lines += len(row.lines)
            patient_id = self._upsert("patients", self.patients, row["patient_id"],
                                      lambda rid, r=row: _patient(rid, r), "patients_added")
            provider_id = self._upsert(
                "providers", self.providers, row["provider_npi"],
                lambda rid, r=row, p=practice_id: Provider(
                    id=rid, npi=r["provider_npi"], last_name=r["provider_last_name"],
                    first_name=r["provider_first_name"] or "",
                    credential=Credential(r["provider_credential"]), practice_id=p),
                "providers_added")
            coverage_key = (patient_id, row["payer_id"], row["member_id"] or "")
            current_cov = self.coverages.get(coverage_key)
            coverage_id = current_cov["id"] if current_cov else self._upsert(
                "coverages", self.coverages, coverage_key,
                lambda rid, k=coverage_key: Coverage(id=rid, patient_id=k[0], payer_id=k[1],
                                                     member_id=k[2]),
                "coverages_added")
            if row["auth_number"]:
                self._upsert("authorizations", self.auths,
                             (patient_id, row["payer_id"], row["auth_number"]),
                             lambda rid, r=row, p=patient_id: Authorization(
                                 id=rid, patient_id=p, payer_id=r["payer_id"],
                                 number=r["auth_number"], visits_authorized=r["auth_visits"]),
                             "authorizations_added")
            self._visit(row, patient_id, coverage_id, provider_id, practice_id)

    def _practice(self, row: VisitRow) -> str | None:
        npi = row["billing_npi"]
        if not npi:
            if self.default_practice is None:
                self._problem(row, "billing_npi", "blank, and the store has no default "
                              "practice; fill billing_npi or create one with otq init")
            return self.default_practice
        if npi not in self.practices and not row["billing_name"]:
            self._problem(row, "billing_name", "required when billing_npi names a practice "
                          "that is not in the store yet")
            return None
        return self._upsert("practices", self.practices, npi,
                            lambda rid, r=row: _practice(rid, r, self.practices.get(npi)),
                            "practices_added")

    def _visit(self, row: VisitRow, patient_id: str, coverage_id: str, provider_id: str,
               practice_id: str) -> None:
        current = self.visits.get(row.visit_id)
        furnished_by = Credential(row["provider_credential"])
        diagnoses = list(dict.fromkeys(c for ln in row.lines for c in ln.dx_codes))
        old_lines = current.get("lines", []) if current else []
        lines = tuple(
            ServiceLine(
                id=old_lines[i]["id"] if i < len(old_lines) else str(uuid.uuid4()),
                cpt=ln.cpt, modifiers=ln.modifiers, minutes=ln.minutes, units=ln.units,
                dx_pointers=tuple(diagnoses.index(c) + 1 for c in ln.dx_codes),
                charge=ln.charge, furnished_by=furnished_by,
                units_manual=ln.units is not None)
            for i, ln in enumerate(row.lines))
        visit = Visit(
            id=current["id"] if current else str(uuid.uuid4()), external_id=row.visit_id,
            patient_id=patient_id, coverage_id=coverage_id, provider_id=provider_id,
            practice_id=practice_id, date_of_service=row.date_of_service,
            place_of_service=row["place_of_service"], telehealth=row["telehealth"],
            lines=lines, diagnoses=tuple(diagnoses), note_signed=row["note_signed"],
            poc_start=row["poc_start"], poc_end=row["poc_end"],
            last_progress_report=row["last_progress_report"],
            referring_npi=row["referring_npi"] or "", auth_number=row["auth_number"] or "",
            referring_name=referring_name(row["referring_last_name"], row["referring_first_name"]),
        )
        if current is None:
            self.changes.append(Put("visits", encode(visit)))
            self.visits[row.visit_id] = {**encode(visit), "version": None}
            self.result.visits_added += 1
            return
        status = VisitStatus(current.get("status", "uncoded"))
        record = encode(visit)
        # What the coder owns survives an import: recertification date and acknowledgements.
        record["poc_recertified"] = current.get("poc_recertified")
        record["acknowledged"] = current.get("acknowledged", [])
        # A scheduled appointment that now arrives treated joins the coding queue.
        record["status"] = (VisitStatus.UNCODED if status is VisitStatus.SCHEDULED
                            else status).value
        if not _differs(current, record):
            self.result.visits_unchanged += 1
        elif status in _LOCKED:
            self.result.visits_skipped += 1
            self.result.skipped_visit_ids.append(row.visit_id)
        else:
            self.changes.append(Put("visits", record, current["version"]))
            self.result.visits_updated += 1


def _differs(current: dict[str, Any], record: dict[str, Any]) -> bool:
    """True when ``record`` changes any field of the stored record (bookkeeping ignored)."""
    return any(current.get(k) != v for k, v in record.items())


def _patient(rid: str, row: VisitRow) -> Patient:
    return Patient(
        id=rid, external_id=row["patient_id"], last_name=row["patient_last_name"] or "",
        first_name=row["patient_first_name"] or "", dob=row["patient_dob"],
        sex=row["patient_sex"] or "U",
        address=Address(line1=row["patient_address"] or "", city=row["patient_city"] or "",
                        state=row["patient_state"] or "", zip=row["patient_zip"] or ""))


def _practice(rid: str, row: VisitRow, current: dict[str, Any] | None) -> Practice:
    """A practice from the billing columns; blank cells keep what the store has."""
    cur = current or {}
    return Practice(id=rid, npi=row["billing_npi"],
                    name=row["billing_name"] or cur.get("name", ""),
                    tin=row["billing_tin"] or cur.get("tin", ""),
                    taxonomy=cur.get("taxonomy", "225X00000X"),
                    address=Address(**cur["address"]) if cur.get("address") else Address())


def referring_name(last: str | None, first: str | None) -> str:
    """The referring physician as claims carry it: "LAST, FIRST" ("" when no last name)."""
    last, first = (last or "").strip(), (first or "").strip()
    if not last:
        return ""
    return f"{last}, {first}" if first else last
