"""Remittances in: post an X12 835 to the claims it pays, in one commit.

Nothing is posted unless the whole file parses and balances (``otq.x12.remit_835``).
Claims are matched by CLP01 (our patient control number), lines by REF*6R with a fallback
on procedure code and date. Each payment (TRN trace + payer) is recorded in ``remits``
with the file's hash, so importing the same file twice posts nothing twice. Lines and
claims that match nothing go to ``unmatched_remits``; they are never dropped. Provider
adjustments (PLB) stay on the remit record, apart from the claims.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pendulum

from otq.domain import Claim, ClaimStatus
from otq.errors import ValidationError
from otq.services.posting import post_claim_payment, unmatched_record
from otq.services.session import Session
from otq.store import Put, encode
from otq.x12.remit_835 import ClaimPayment, Payment, parse_835

ZERO = Decimal(0)


@dataclass(frozen=True)
class EraImport:
    """What an 835 import did (or, with ``dry_run``, would do). PHI-free."""

    file: str
    payments: int
    claims_posted: int
    paid: Decimal
    denials: int
    closed_denials: int
    unmatched: int
    provider_adjustments: Decimal
    already_posted: int  # payments skipped because they were posted before
    dry_run: bool
    statuses: dict[str, int]


def read_835(path: Path) -> tuple[str, str]:
    """The file's text and its sha256. Unreadable or non-text files are a ValidationError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path.name}: cannot read the file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path.name}: byte {exc.start} is not text; this is not an "
                              "X12 835 file") from None
    return text, hashlib.sha256(data).hexdigest()


def remit_key(payment: Payment) -> str:
    """A payment's identity: TRN trace number and the payer that sent it."""
    return f"{payment.trace_number}|{payment.payer_id or payment.payer_trace_id}"


def import_era(session: Session, path: Path | str, *, dry_run: bool = False,
               now: pendulum.DateTime | None = None) -> EraImport:
    """Post every payment of an 835 file, all in one commit (or none of it)."""
    path = Path(path)
    text, digest = read_835(path)
    remit = parse_835(text, path.name)  # raises before anything is posted
    session.refresh()
    posted = {r.get("key"): r for r in session.store.all("remits")}
    stamp = (now or pendulum.now("UTC")).isoformat()
    by_pcn: dict[str, list[Claim]] = {}
    for c in session.entities("claims").values():
        by_pcn.setdefault(c.patient_control_number, []).append(c)
    state = _State(session, stamp)
    skipped = 0
    for pay in remit.payments:
        key = remit_key(pay)
        if key in posted:
            skipped += 1
            continue
        remit_id = str(uuid.uuid4())
        remit_date = pay.remit_date or session.today
        first_posting = len(state.postings)
        for clp in pay.claims:
            same = by_pcn.get(clp.patient_control_number, [])
            sent = [c for c in same if state.current(c).status is not ClaimStatus.READY]
            claim = _match_claim(sent, clp, state)
            if claim is None:
                why = ("the claim with this patient control number has not been submitted"
                       if same else "no claim with this patient control number")
                state.unmatched.append(unmatched_record(remit_id, path.name, clp, None, why))
                continue
            post_claim_payment(state, claim, clp, remit_id, remit_date, path.name)
        state.remits.append({
            "id": remit_id, "key": key, "trace_number": pay.trace_number,
            "payer_id": pay.payer_id or pay.payer_trace_id, "payer_name": pay.payer_name,
            "file": path.name, "sha256": digest, "imported_at": stamp,
            "interchange_control_number": remit.interchange_control_number,
            "amount": str(pay.amount), "method": pay.method,
            "payment_date": remit_date.isoformat(), "claims": len(pay.claims),
            "provider_adjustments": [encode(a) for a in pay.provider_adjustments],
            # The store has no postings table: a payment's postings live on its remit.
            "postings": state.postings[first_posting:]})
        posted[key] = state.remits[-1]
    changes = [Put("claims", encode(c), state.versions[c.id]) for c in state.claims.values()]
    changes += [Put("denials", encode(d), state.denial_versions.get(d.id))
                for d in state.denials.values()]
    changes += [Put("remits", r) for r in state.remits]
    changes += [Put("unmatched_remits", u) for u in state.unmatched]
    if changes and not dry_run:
        session.store.commit(changes, action="era.import")
    statuses: dict[str, int] = {}
    for c in state.claims.values():
        statuses[c.status.value] = statuses.get(c.status.value, 0) + 1
    new_denials = sum(1 for d in state.denials.values() if d.id not in state.denial_versions)
    return EraImport(
        path.name, len(remit.payments) - skipped, len(state.postings),
        sum((Decimal(p["paid"]) for p in state.postings), ZERO), new_denials,
        len(state.denials) - new_denials, len(state.unmatched),
        sum((Decimal(a["amount"]) for r in state.remits for a in r["provider_adjustments"]),
            ZERO), skipped, dry_run, statuses)


class _State:
    """What one import changes, keyed by record id so a claim posted twice stays one Put."""

    def __init__(self, session: Session, stamp: str) -> None:
        self.session = session
        self.stamp = stamp
        self.claims: dict[str, Claim] = {}
        self.versions: dict[str, int | None] = {}
        self.denials: dict = {}
        self.denial_versions: dict[str, int | None] = {}
        self.remits: list[dict] = []
        self.postings: list[dict] = []
        self.unmatched: list[dict] = []

    def current(self, claim: Claim) -> Claim:
        """The claim as this import has already changed it."""
        return self.claims.get(claim.id, claim)

    def put_claim(self, claim: Claim) -> None:
        """Stage a changed claim (compare-and-set on the version read first)."""
        if claim.id not in self.versions:
            self.versions[claim.id] = self.session.version("claims", claim.id)
        self.claims[claim.id] = claim


_SETTLED = (ClaimStatus.PAID, ClaimStatus.PARTIAL)


def _match_claim(candidates: list[Claim], clp: ClaimPayment, state: _State) -> Claim | None:
    """The claim a CLP pays: a replacement shares CLP01 with the original (X12 RFI 1945),
    so prefer the one awaiting payment; a reversal takes back from a paid one."""
    if not candidates:
        return None
    current = [state.current(c) for c in candidates if c.status is not ClaimStatus.VOID] \
        or [state.current(c) for c in candidates]

    def rank(c: Claim) -> tuple:
        if clp.is_reversal:
            first = c.status in _SETTLED or c.paid_amount != 0
        else:
            first = c.status is ClaimStatus.SUBMITTED
        return (first, c.submitted_at, c.frequency != "1", c.id)

    return max(current, key=rank)


__all__ = ["EraImport", "import_era", "read_835", "remit_key"]
