"""Document collection: what each patient needs on file, requests (``Q``) and receipts (``D``).

Needs are derived from the visits and ``reference/document_requirements.toml`` every time
the store changes; only what people did is stored, in the ``documents`` table, one
record per need (same id). A scanned copy is copied under ``<store folder>/documents/``
with the store file's mode and group, through a temp file and a rename, so a crash leaves
either no copy or a whole one.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pendulum

from otq.domain.document import Document, DocumentNeed, DocumentRequest
from otq.errors import OtqError, ValidationError
from otq.services.document_rules import compute_needs, load_requirements
from otq.services.session import Session
from otq.store import Put, decode, encode
from otq.store.storage import install

HOW = ("fax", "portal", "phone", "email", "mail", "in person", "ehr")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def documents(session: Session) -> dict[str, Document]:
    """Every stored document record by id (kept across commits: only changed records are
    decoded again)."""
    return session.kept("documents", "decoded", lambda r: decode(Document, r))


def document_needs(session: Session) -> dict[str, DocumentNeed]:
    """Every needed document by id, with its stored record merged in (cached)."""

    def build() -> dict[str, DocumentNeed]:
        payer_of = {}
        payers = session.entities("payers")
        for cov in session.entities("coverages").values():
            payer = payers.get(cov.payer_id)
            if payer is not None:
                payer_of[cov.id] = (payer.id, payer.profile_id)
        every = {pid: p.progress_report_visits for pid, p in session.reference.profiles.items()}
        needs = compute_needs(list(session.entities("visits").values()), payer_of,
                              session.reference.codes, every, load_requirements())
        stored = documents(session)
        return {nid: replace(n, document=stored.get(nid)) for nid, n in needs.items()}

    return session.cached("document-needs", build)


def missing_documents(session: Session) -> list[DocumentNeed]:
    """The needs nobody has received yet, oldest first."""
    return sorted((n for n in document_needs(session).values() if n.missing),
                  key=lambda n: (n.needed_since, n.id))


def received_by_patient(session: Session) -> dict[str, tuple[Document, ...]]:
    """Received documents by patient id, for the scrubber's documentation rules."""

    def build(stored: dict[str, Document]) -> dict[str, tuple[Document, ...]]:
        out: dict[str, list[Document]] = defaultdict(list)
        for d in stored.values():
            if d.received:
                out[d.patient_id].append(d)
        return {pid: tuple(ds) for pid, ds in out.items()}

    # Worked out again only when a document changed.
    return session.derived("documents-received", documents(session), build)


def _need(session: Session, document_id: str) -> DocumentNeed:
    need = document_needs(session).get(document_id)
    if need is None:
        raise OtqError(f"no needed document {document_id}: the visits no longer call for it, "
                       "or the id is mistyped (see `otq documents list`)")
    return need


def _current(session: Session, need: DocumentNeed) -> tuple[Document, int | None]:
    record = session.store.get("documents", need.id)
    if record is not None:
        return decode(Document, record), record["version"]
    return Document(id=need.id, patient_id=need.patient_id, kind=need.kind, key=need.key,
                    period_start=need.period_start, period_end=need.period_end,
                    visit_id=need.visit_ids[0] if len(need.visit_ids) == 1 else ""), None


def request_document(session: Session, document_id: str, *, to_whom: str, how: str,
                     when: pendulum.Date | None = None) -> Document:
    """Record that somebody asked ``to_whom`` for a document, by ``how``, on ``when``."""
    to_whom, how = to_whom.strip(), how.strip().lower()
    problems = []
    if not to_whom:
        problems.append("to_whom: say whom the document was requested from")
    if how not in HOW:
        problems.append(f"how: '{how}' is not one of {', '.join(HOW)}")
    when = when or session.today
    if when > session.today:
        problems.append(f"when: {when} is in the future")
    if problems:
        raise ValidationError("the request was not recorded", problems=problems)
    need = _need(session, document_id)
    doc, version = _current(session, need)
    doc = replace(doc, requests=doc.requests + (DocumentRequest(when, to_whom, how, session.user),))
    session.store.commit([Put("documents", encode(doc), version)], action="document.request")
    return doc


def receive_document(session: Session, document_id: str, *, received_on: pendulum.Date,
                     reference: str, file_path: Path | str | None = None,
                     period_start: pendulum.Date | None = None,
                     period_end: pendulum.Date | None = None) -> Document:
    """Record a document as on file; copy the scanned ``file_path`` beside the store.

    ``period_start``/``period_end`` override the period the document covers (a plan of
    care's certified dates); by default it covers the need's period.
    """
    reference = reference.strip()
    problems = []
    if received_on > session.today:
        problems.append(f"received_on: {received_on} is in the future")
    if not reference and file_path is None:
        problems.append("reference: give a reference (fax id, letter number) or a scanned file")
    if period_start and period_end and period_end < period_start:
        problems.append("period_end: the period ends before it starts")
    source = Path(file_path).expanduser() if file_path else None
    if source is not None and not source.is_file():
        problems.append(f"file_path: {source} is not a readable file")
    if problems:
        raise ValidationError("the document was not recorded", problems=problems)
    need = _need(session, document_id)
    doc, version = _current(session, need)
    file_name = _copy_scan(session, doc, source) if source is not None else doc.file_name
    doc = replace(doc, received_on=received_on, received_by=session.user, reference=reference,
                  file_name=file_name, period_start=period_start or doc.period_start,
                  period_end=period_end or doc.period_end)
    # If the commit is refused (a conflict), the copy stays: its name depends only on the
    # document, so a retry overwrites it rather than leaving a second file.
    session.store.commit([Put("documents", encode(doc), version)], action="document.receive")
    return doc


def documents_folder(session: Session) -> Path:
    """Where scanned copies live: ``<store folder>/documents``."""
    return session.store.path.parent / "documents"


def _copy_scan(session: Session, doc: Document, source: Path) -> str:
    """Copy ``source`` to ``documents/<kind>-<id8>-<name>`` atomically, with the store's mode.

    The name holds no patient data (only the kind, a short id and the sanitized original
    file name's extension and stem), so a directory listing leaks nothing.
    """
    folder = documents_folder(session)
    store_stat = os.stat(session.store.path)
    mode = store_stat.st_mode & 0o666
    try:
        folder.mkdir(mode=0o770 | (mode & 0o007), exist_ok=True)
        with contextlib.suppress(PermissionError):
            os.chown(folder, -1, store_stat.st_gid)
    except OSError as exc:
        raise OtqError(f"cannot create {folder}: {exc.strerror}") from None
    suffix = _SAFE_NAME.sub("_", source.suffix)[:10]
    name = f"{doc.kind.value}-{doc.id[:8]}{suffix}"
    target = folder / name
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fchmod(out.fileno(), mode)
            with contextlib.suppress(PermissionError):
                os.fchown(out.fileno(), -1, store_stat.st_gid)
            os.fsync(out.fileno())
        install(tmp, target)  # rename, then fsync the folder
        tmp = None
    except OSError as exc:
        raise OtqError(f"could not copy the scanned file to {folder}: {exc.strerror}. "
                       "Nothing was recorded.") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return name
