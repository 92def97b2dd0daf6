"""A plain-text appeal letter draft, filled in from the claim (template: appeal_letter.txt).

The letter is a document for the payer, so it holds the patient's name and member id; it
is written to a file the biller reviews, never to a log.
"""

from __future__ import annotations

import os
from pathlib import Path
from string import Template

from otq.domain import Denial
from otq.errors import OtqError
from otq.paths import reference_dir
from otq.reference.denial_playbook import load_playbook
from otq.services.session import Session

LEVEL_NAMES = {1: "redetermination", 2: "reconsideration", 3: "ALJ hearing",
               4: "Appeals Council review", 5: "judicial review"}


def letter_text(session: Session, d: Denial, level: int) -> str:
    """The letter for denial ``d`` at appeal ``level``."""
    book = load_playbook()
    claim = session.entity("claims", d.claim_id)
    if claim is None:
        raise OtqError(f"the claim of denial {d.id} is gone")
    ent = session.entity
    patient, payer = ent("patients", claim.patient_id), ent("payers", claim.payer_id)
    cov, practice = ent("coverages", claim.coverage_id), ent("practices", claim.practice_id)
    provider = ent("providers", claim.provider_id)
    lines = [ln for ln in claim.lines
             if not d.line_control_number or ln.control_number == d.line_control_number]
    services = "\n".join(
        f"  {ln.date_of_service.isoformat()}  {ln.cpt}{'-' + '-'.join(ln.modifiers) if ln.modifiers else ''}"
        f"  {ln.units} unit(s)  {ln.charge}" for ln in lines)
    rarcs = "; ".join(f"{r}: {book.rarc_text(r)}" for r in d.rarcs)
    addr = practice.address if practice else None
    values = {
        "today": session.today.format("MMMM D, YYYY"),
        "payer_name": payer.name if payer else d.payer_id,
        "payer_address": ", ".join(x for x in (payer.address if payer else ()) if x),
        "level_name": LEVEL_NAMES.get(level, f"appeal level {level}"),
        "patient_name": patient.display_name if patient else "",
        "member_id": cov.member_id if cov else "",
        "dates_of_service": ", ".join(sorted({ln.date_of_service.isoformat() for ln in lines})),
        "claim_number": claim.patient_control_number,
        "payer_icn": d.payer_claim_control_number or claim.original_icn or "-",
        "amount": f"{d.amount:,.2f}", "denied_on": d.denied_on.isoformat(),
        "group_code": d.group_code, "carc": d.carc, "carc_text": book.carc_text(d.carc),
        "rarc_sentence": f" and remark(s) {rarcs}" if rarcs else "", "services": services,
        "referring": claim.referring_name or "the referring physician",
        "referring_npi": claim.referring_npi or "-",
        "rendering": provider.display_name if provider else "our therapist",
        "practice_name": practice.name if practice else "", "practice_npi":
            practice.npi if practice else "",
        "practice_address": f"{addr.line1}, {addr.city}, {addr.state} {addr.zip}" if addr else "",
    }
    template = Template((reference_dir() / "appeal_letter.txt").read_text(encoding="utf-8"))
    return template.safe_substitute(values)


def write_letter(session: Session, d: Denial, level: int, folder: Path) -> Path:
    """Write the letter draft as ``<claim number>-<carc>-level<N>.txt`` in ``folder``."""
    claim = session.entity("claims", d.claim_id)
    text = letter_text(session, d, level)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{claim.patient_control_number}-{d.carc}-level{level}.txt"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise OtqError(f"cannot write the appeal letter in {folder}: {exc.strerror}") from None
    return path
