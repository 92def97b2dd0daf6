"""Claims out: every ready claim (or one payer's) as one X12 837P batch file.

The file and the status change happen together. The batch is written to a temp file in
the target folder and fsynced; then one store commit marks each claim submitted
(compare-and-set on every claim, so a claim changed meanwhile refuses the whole batch),
records the batch and takes the ISA number from the store's ``isa`` counter (shared with
the 270 export, so ISA13 is unique per store); only then is the temp file renamed into
place. A failed commit removes the temp file; a failed write changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pendulum

from otq.domain import Claim, ClaimStatus
from otq.errors import OtqError, StoreWriteError
from otq.services.edi_settings import EdiSettings, load_edi_settings
from otq.services.session import Session
from otq.store import Put, encode
from otq.x12.claim_837p import (
    BatchContext,
    ClaimBundle,
    ReferringProvider,
    validate_837p,
    write_837p,
)
from otq.x12.claim_checks import digits
from otq.x12.segments import X12ExportError


@dataclass(frozen=True)
class ExportPreview:
    """What a batch would hold: claims, total charges, the split by payer, and problems."""

    claims: tuple[Claim, ...]
    total_charge: Decimal
    by_payer: dict[str, tuple[int, Decimal]]  # payer id -> (claims, charges)
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ExportResult:
    """A written (or, with ``dry_run``, checked) batch."""

    path: Path
    batch_id: str
    claims: int
    total_charge: Decimal
    by_payer: dict[str, tuple[int, Decimal]]
    interchange_control_number: int
    dry_run: bool


def ready_claims(session: Session, payer: str | None = None) -> list[Claim]:
    """Claims ready to submit (one payer's when ``payer`` is given), by claim number."""
    claims = [c for c in session.entities("claims").values()
              if c.status is ClaimStatus.READY and (payer is None or c.payer_id == payer)]
    return sorted(claims, key=lambda c: (c.patient_control_number, c.frequency, c.id))


def split_name(name: str) -> tuple[str, str]:
    """("LAST", "FIRST") from "LAST, FIRST" (a name without a comma is all last name)."""
    last, _, first = name.partition(",")
    return last.strip(), first.strip()


def claim_bundles(session: Session, claims: list[Claim]) -> tuple[list[ClaimBundle], list[str]]:
    """The records each claim's loops are written from, and claims whose records are gone."""
    ents = {t: session.entities(t) for t in
            ("patients", "coverages", "payers", "practices", "providers")}
    bundles, problems = [], []
    for c in claims:
        recs = (ents["patients"].get(c.patient_id), ents["coverages"].get(c.coverage_id),
                ents["payers"].get(c.payer_id), ents["practices"].get(c.practice_id),
                ents["providers"].get(c.provider_id))
        names = ("patient", "coverage", "payer", "billing practice", "rendering provider")
        missing = [n for n, r in zip(names, recs, strict=True) if r is None]
        if missing:
            problems.append(f"claim {c.patient_control_number}: {', '.join(missing)}: "
                            "record not found in the store")
            continue
        patient, coverage, payer_rec, practice, provider = recs
        profile = session.reference.profiles.get(payer_rec.profile_id)
        last, first = split_name(c.referring_name)
        referring = ReferringProvider(c.referring_npi, last, first) if last else None
        bundles.append(ClaimBundle(
            claim=c, patient=patient, coverage=coverage, payer=payer_rec, practice=practice,
            provider=provider, referring=referring,
            referring_required=bool(profile and profile.requires_plan_of_care)))
        if c.frequency == "7" and profile is not None and not profile.accepts_frequency_7:
            problems.append(f"claim {c.patient_control_number}: claim frequency (CLM05-3): "
                            f"{profile.name} does not accept replacement claims; ask for a "
                            "reopening instead")
    return bundles, problems


def _split(claims: list[Claim]) -> tuple[Decimal, dict[str, tuple[int, Decimal]]]:
    by_payer: dict[str, tuple[int, Decimal]] = {}
    for c in claims:
        n, t = by_payer.get(c.payer_id, (0, Decimal(0)))
        by_payer[c.payer_id] = (n + 1, t + c.total_charge)
    return sum((c.total_charge for c in claims), Decimal(0)), dict(sorted(by_payer.items()))


def export_preview(session: Session, *, payer: str | None = None) -> ExportPreview:
    """The batch ``export_claims`` would write now, with every reason it would be refused."""
    claims = ready_claims(session, payer)
    bundles, problems = claim_bundles(session, claims)
    if claims:
        problems += validate_837p(bundles)
        problems += _settings_problems(session, load_edi_settings(session.store.path))
    total, by_payer = _split(claims)
    return ExportPreview(tuple(claims), total, by_payer, tuple(problems))


def _settings_problems(session: Session, s: EdiSettings) -> list[str]:
    if len(digits(s.contact_phone)) != 10:
        return [f"settings: submitter contact phone (1000A PER04): set contact_phone (ten "
                f"digits) in {s.path}; `otq export claims --write-settings` writes a template"]
    return []


def batch_context(session: Session, settings: EdiSettings, number: int,
                  now: pendulum.DateTime) -> BatchContext:
    """The envelope for batch ``number``: ids from the settings, else from the practice."""
    practices = sorted(session.entities("practices").values(), key=lambda p: p.id)
    practice = practices[0] if practices else None
    sub_id = settings.submitter_id or (practice.npi if practice else "")
    return BatchContext(
        submitter_name=settings.submitter_name or (practice.name.upper() if practice else ""),
        submitter_id=sub_id, contact_name=settings.contact_name,
        contact_phone=settings.contact_phone, receiver_name=settings.receiver_name,
        receiver_id=settings.receiver_id, sender_isa_id=settings.submitter_isa_id or sub_id,
        receiver_isa_id=settings.receiver_isa_id or settings.receiver_id,
        sender_isa_qualifier=settings.submitter_isa_qualifier,
        receiver_isa_qualifier=settings.receiver_isa_qualifier,
        interchange_control_number=number, group_control_number=number,
        usage_indicator=settings.usage, created_at=now, batch_id=f"B{number:09d}")


def export_claims(session: Session, out: Path | str, *, payer: str | None = None,
                  dry_run: bool = False, now: pendulum.DateTime | None = None) -> ExportResult:
    """Write every ready claim (or one payer's) to ``out`` as one 837P batch.

    Raises ``X12ExportError`` listing every claim and field that can't be sent (nothing
    written, no number used), ``OtqError`` when there is nothing to send, and
    ``ConflictError`` when a claim changed meanwhile (the temp file is removed).
    ``dry_run`` checks and counts without writing or using a control number.
    """
    out = Path(out)
    if not out.parent.is_dir():
        raise OtqError(f"cannot write {out}: the folder {out.parent} does not exist")
    session.refresh()
    claims = ready_claims(session, payer)
    if not claims:
        raise OtqError("no claims are ready to submit" + (f" for payer {payer}" if payer else ""))
    settings = load_edi_settings(session.store.path)
    bundles, problems = claim_bundles(session, claims)
    problems += _settings_problems(session, settings)
    seen = session.store.meta.get("counters", {}).get("isa", 0)
    number = seen + 1
    now = now or pendulum.now("UTC")
    context = batch_context(session, settings, number, now)
    try:
        text = write_837p(bundles, context=context)
    except X12ExportError as exc:
        problems += exc.problems
    if problems:
        raise X12ExportError(f"the batch was not written: {len(problems)} problem(s)",
                             problems, claim=problems[0].partition(":")[0])
    total, by_payer = _split(claims)
    result = ExportResult(out, context.batch_id, len(claims), total, by_payer, number, dry_run)
    if dry_run:
        return result
    data = text.encode("ascii")
    tmp = _write_temp(out, data)
    try:
        stamp = now.isoformat()
        changes = [Put("claims", encode(replace(c, status=ClaimStatus.SUBMITTED,
                                                batch_id=context.batch_id,
                                                submitted_at=stamp)),
                       session.version("claims", c.id)) for c in claims]
        changes.append(Put("batches", {
            "id": str(uuid.uuid4()), "batch_id": context.batch_id, "kind": "837P",
            "interchange_control_number": number, "file": str(out.resolve()),
            "sha256": hashlib.sha256(data).hexdigest(), "created_at": stamp,
            "claim_ids": [c.id for c in claims], "claims": len(claims),
            "total_charge": str(total), "payer": payer or ""}))
        session.store.commit(changes, action="claims.export", counters={"isa": (seen, 1)})
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        os.replace(tmp, out)
        _fsync_dir(out.parent)
    except OSError as exc:
        raise StoreWriteError(f"the claims are marked submitted in batch {context.batch_id}, "
                              f"but {out} could not be put in place ({exc.strerror}); the "
                              f"batch is in {tmp}: rename it by hand") from None
    return result


def _write_temp(out: Path, data: bytes) -> Path:
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreWriteError(f"cannot write {out}: {exc.strerror}; nothing changed") from None
    return tmp


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["ExportPreview", "ExportResult", "batch_context", "claim_bundles", "export_claims",
           "export_preview", "ready_claims", "split_name"]
