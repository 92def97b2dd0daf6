"""Read an X12 005010X221A1 835 (health care claim payment/advice) into plain records.

Pure: text in, records out. The delimiters come from the ISA (``segments.tokenize``), so
any separators work. Every payment (one ST..SE) is checked before the caller may post
anything: envelope counts, amounts that parse, and the three balancing rules of the TR3
(facts §10.2):

* line: SVC02 (charge) - the line's CAS amounts = SVC03 (paid)
* claim: CLP03 (charge) - every CAS amount of the claim and its lines = CLP04 (paid)
* payment: BPR02 (total paid) = the sum of CLP04 - the sum of the PLB adjustments

A problem raises :class:`X12ParseError` naming the segment number, id and file line; the
balancing problems of the whole file are listed together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pendulum

from otq.x12.segments import Segment, X12ParseError, tokenize

IMPLEMENTATION = "005010X221A1"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Adjustment:
    """One CAS triplet: group (CO/PR/OA/PI), reason code (CARC), amount, quantity."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass
class ServicePayment:
    """A 2110 service line: what was billed (SVC06 when the payer recoded) and paid."""

    segment_number: int
    line: int
    qualifier: str
    code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    paid: Decimal
    units: Decimal
    date: pendulum.Date | None = None
    control_number: str = ""
    allowed: Decimal | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    rarcs: list[str] = field(default_factory=list)


@dataclass
class ClaimPayment:
    """A 2100 claim payment. ``status`` is CLP02 (1-3 processed, 4 denied, 22 reversal)."""

    segment_number: int
    line: int
    patient_control_number: str
    status: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    filing_indicator: str
    payer_claim_control_number: str
    adjustments: list[Adjustment] = field(default_factory=list)
    rarcs: list[str] = field(default_factory=list)
    services: list[ServicePayment] = field(default_factory=list)
    statement_from: pendulum.Date | None = None

    @property
    def is_reversal(self) -> bool:
        """CLP02 = 22: the payer takes back an earlier payment of this claim."""
        return self.status == "22"

    def all_adjustments(self) -> list[Adjustment]:
        """Claim-level and line-level CAS together."""
        return [*self.adjustments, *(a for s in self.services for a in s.adjustments)]


@dataclass(frozen=True)
class ProviderAdjustment:
    """One PLB reason/amount pair: recoupments, interest... (kept apart from claims)."""

    provider_id: str
    date: pendulum.Date | None
    reason: str
    reference: str
    amount: Decimal


@dataclass
class Payment:
    """One transaction set: a payment (BPR/TRN) and the claims it pays."""

    segment_number: int
    line: int
    amount: Decimal = ZERO
    method: str = ""
    payment_date: pendulum.Date | None = None
    trace_number: str = ""
    payer_trace_id: str = ""  # TRN03, "1" + the payer's TIN
    production_date: pendulum.Date | None = None
    payer_name: str = ""
    payer_id: str = ""  # REF*2U (payer identification), else TRN03
    payee_name: str = ""
    payee_id: str = ""
    claims: list[ClaimPayment] = field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)

    @property
    def remit_date(self) -> pendulum.Date | None:
        """The date the payer issued the remittance (BPR16, else DTM*405)."""
        return self.payment_date or self.production_date


@dataclass
class Remittance:
    """A whole 835 file: its interchange control number and payments."""

    source_name: str
    interchange_control_number: str
    payments: list[Payment] = field(default_factory=list)


# ------------------------------------------------------------------ parsing
class _Reader:
    """Walks the segments of one file, keeping the loop context."""

    def __init__(self, source_name: str, component: str) -> None:
        self.src = source_name
        self.component = component
        self.payment: Payment | None = None
        self.claim: ClaimPayment | None = None
        self.service: ServicePayment | None = None
        self.st_count = 0

    def fail(self, seg: Segment, reason: str) -> X12ParseError:
        return X12ParseError(self.src, seg.number, seg.id, seg.line, reason)

    def amount(self, seg: Segment, pos: int, *, required: bool = True) -> Decimal:
        raw = seg.get(pos).strip()
        if not raw:
            if required:
                raise self.fail(seg, f"{seg.id}{pos:02d} (an amount) is missing")
            return ZERO
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise self.fail(seg, f"{seg.id}{pos:02d} is not an amount") from None
        if not value.is_finite():
            raise self.fail(seg, f"{seg.id}{pos:02d} is not an amount")
        return value

    def date(self, seg: Segment, pos: int) -> pendulum.Date | None:
        raw = seg.get(pos).strip()
        if not raw:
            return None
        try:
            if len(raw) != 8 or not raw.isdigit():
                raise ValueError
            return pendulum.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError:
            raise self.fail(seg, f"{seg.id}{pos:02d} is not a CCYYMMDD date") from None

    def need(self, seg: Segment, what: str, obj: object) -> None:
        if obj is None:
            raise self.fail(seg, f"{seg.id} appears outside {what}")


def parse_835(text: str, source_name: str = "<835>") -> Remittance:
    """Parse and check an 835. Raises :class:`X12ParseError` on any problem.

    Garbage never escapes as another exception: anything unexpected while reading a
    segment is reported as that segment being unreadable (no values, so no PHI).
    """
    cursor: list[Segment] = []
    try:
        return _parse(text, source_name, cursor)
    except X12ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - a reader gap must not become a traceback
        seg = cursor[0] if cursor else Segment(0, 1, ("",))
        raise X12ParseError(source_name, seg.number, seg.id, seg.line,
                            f"segment could not be read ({type(exc).__name__})") from None


def _parse(text: str, source_name: str, cursor: list[Segment]) -> Remittance:
    delims, segments = tokenize(text, source_name=source_name)
    r = _Reader(source_name, delims.component)
    remit: Remittance | None = None
    last: Segment | None = None
    groups = sets_in_group = 0
    cursor.append(Segment(0, 1, ("",)))
    for seg in segments:
        last = cursor[0] = seg
        sid = seg.id.strip().upper()
        if r.payment is not None:
            r.st_count += 1
        if sid == "ISA":
            remit = Remittance(source_name, seg.get(13).strip())
        elif remit is None:
            raise r.fail(seg, "the file must begin with an ISA segment")
        elif sid == "GS":
            if seg.get(1) != "HP":
                raise r.fail(seg, f"GS01 is {seg.get(1) or 'empty'!r}: this is not an 835 "
                             "payment/advice group (HP)")
            if not seg.get(8).startswith("005010X221"):
                raise r.fail(seg, f"GS08 is {seg.get(8)!r}: otq reads 005010X221A1 835s only")
            groups += 1
            sets_in_group = 0
        elif sid == "ST":
            if seg.get(1) != "835":
                raise r.fail(seg, f"transaction set {seg.get(1)!r} is not an 835")
            r.payment = Payment(seg.number, seg.line)
            r.claim = r.service = None
            r.st_count = 1
            sets_in_group += 1
        elif sid == "SE":
            r.need(seg, "a transaction set (ST..SE)", r.payment)
            if seg.get(1).strip() != str(r.st_count):
                raise r.fail(seg, f"SE01 says {seg.get(1)!r} segments, the set has "
                             f"{r.st_count}: the file is cut short or edited")
            remit.payments.append(r.payment)
            r.payment = r.claim = r.service = None
        elif sid == "GE":
            if seg.get(1).strip() != str(sets_in_group):
                raise r.fail(seg, f"GE01 says {seg.get(1)!r} transaction sets, the group "
                             f"has {sets_in_group}")
        elif sid == "IEA":
            if seg.get(1).strip() != str(groups):
                raise r.fail(seg, f"IEA01 says {seg.get(1)!r} groups, the file has {groups}")
            if r.payment is not None:
                raise r.fail(seg, "IEA before the SE of the last transaction set")
            break
        elif r.payment is None:
            raise r.fail(seg, "segment outside a transaction set (ST..SE)")
        else:
            _body(r, seg, sid)
    if remit is None or last is None or last.id.strip().upper() != "IEA":
        where = last or Segment(0, 1, ("",))
        raise X12ParseError(source_name, where.number, where.id, where.line,
                            "the file ends without an IEA: it is cut short")
    if not remit.payments:
        raise X12ParseError(source_name, last.number, last.id, last.line,
                            "the file holds no 835 transaction set")
    problems = balance_problems(remit)
    if problems:
        raise X12ParseError(source_name, problems[0][0], problems[0][1], problems[0][2],
                            problems[0][3], [f"{source_name}: segment {n} ({i}), line {ln}: "
                                             f"{why}" for n, i, ln, why in problems])
    return remit


def _body(r: _Reader, seg: Segment, sid: str) -> None:
    """One segment inside ST..SE."""
    p = r.payment
    assert p is not None
    if sid == "BPR":
        # BPR03 "D": the payer debits the provider's account, so the payment is negative.
        p.amount = -r.amount(seg, 2) if seg.get(3).strip() == "D" else r.amount(seg, 2)
        p.method = seg.get(4)
        p.payment_date = r.date(seg, 16)
    elif sid == "TRN":
        p.trace_number = p.trace_number or seg.get(2).strip()
        p.payer_trace_id = p.payer_trace_id or seg.get(3).strip()
    elif sid == "DTM" and r.claim is None and seg.get(1) == "405":
        p.production_date = r.date(seg, 2)
    elif sid == "N1" and r.claim is None:
        if seg.get(1) == "PR":
            p.payer_name = seg.get(2)
        elif seg.get(1) == "PE":
            p.payee_name, p.payee_id = seg.get(2), seg.get(4)
    elif sid == "REF" and r.claim is None and seg.get(1) == "2U":
        p.payer_id = seg.get(2).strip()
    elif sid == "CLP":
        r.service = None
        r.claim = ClaimPayment(
            seg.number, seg.line, seg.get(1).strip(), seg.get(2).strip(),
            r.amount(seg, 3), r.amount(seg, 4), r.amount(seg, 5, required=False),
            seg.get(6).strip(), seg.get(7).strip())
        if not r.claim.patient_control_number:
            raise r.fail(seg, "CLP01 (the patient control number) is missing")
        p.claims.append(r.claim)
    elif sid == "SVC":
        r.need(seg, "a claim (CLP)", r.claim)
        r.service = _service(r, seg)
        r.claim.services.append(r.service)
    elif sid == "CAS":
        r.need(seg, "a claim (CLP)", r.claim)
        target = r.service.adjustments if r.service else r.claim.adjustments
        target.extend(_cas(r, seg))
    elif sid == "DTM" and r.claim is not None:
        if r.service is not None and seg.get(1) in ("472", "150"):
            r.service.date = r.date(seg, 2)
        elif r.service is None and seg.get(1) == "232":
            r.claim.statement_from = r.date(seg, 2)
    elif sid == "REF" and r.service is not None and seg.get(1) == "6R":
        r.service.control_number = seg.get(2).strip()
    elif sid == "AMT" and r.service is not None and seg.get(1) == "B6":
        r.service.allowed = r.amount(seg, 2)
    elif sid == "LQ" and r.service is not None and seg.get(1) == "HE":
        r.service.rarcs.append(seg.get(2).strip())
    elif sid == "MOA" and r.claim is not None:
        r.claim.rarcs.extend(c.strip() for c in seg.elements[3:8] if c.strip())
    elif sid == "MIA" and r.claim is not None:
        r.claim.rarcs.extend(c.strip() for c in (seg.get(5), *seg.elements[20:25])
                             if c.strip())
    elif sid == "LX":
        r.claim = r.service = None
    elif sid == "PLB":
        r.claim = r.service = None
        p.provider_adjustments.extend(_plb(r, seg))


def _service(r: _Reader, seg: Segment) -> ServicePayment:
    # SVC06 holds the code as billed when the payer paid a different one: match on that.
    billed = seg.get(6) or seg.get(1)
    parts = billed.split(r.component) if r.component else [billed]
    if len(parts) < 2 or not parts[1].strip():
        raise r.fail(seg, "SVC01 has no procedure code")
    units = r.amount(seg, 5, required=False) if seg.get(5).strip() else Decimal(1)
    return ServicePayment(seg.number, seg.line, parts[0], parts[1].strip(),
                          tuple(m for m in parts[2:6] if m), r.amount(seg, 2), r.amount(seg, 3),
                          units)


def _cas(r: _Reader, seg: Segment) -> list[Adjustment]:
    group = seg.get(1).strip()
    if group not in ("CO", "OA", "PI", "PR"):
        raise r.fail(seg, f"CAS01 {group!r} is not a 5010 group code (CO, OA, PI, PR)")
    out = []
    for pos in range(2, 20, 3):
        reason = seg.get(pos).strip()
        if not reason:
            if seg.get(pos + 1).strip():
                raise r.fail(seg, f"CAS{pos + 1:02d} has an amount without a reason code")
            continue
        qty = r.amount(seg, pos + 2, required=False) if seg.get(pos + 2).strip() else None
        out.append(Adjustment(group, reason, r.amount(seg, pos + 1), qty))
    if not out:
        raise r.fail(seg, "CAS has no reason code")
    return out


def _plb(r: _Reader, seg: Segment) -> list[ProviderAdjustment]:
    out = []
    date = r.date(seg, 2)
    for pos in range(3, 15, 2):
        code = seg.get(pos)
        if not code.strip():
            continue
        reason, _, ref = code.partition(r.component)
        out.append(ProviderAdjustment(seg.get(1).strip(), date, reason.strip(), ref.strip(),
                                      r.amount(seg, pos + 1)))
    return out


# ---------------------------------------------------------------- balancing
def balance_problems(remit: Remittance) -> list[tuple[int, str, int, str]]:
    """Every balancing failure as (segment number, segment id, line, reason)."""
    out = []
    for pay in remit.payments:
        for clp in pay.claims:
            for svc in clp.services:
                cas = sum((a.amount for a in svc.adjustments), ZERO)
                if svc.charge - cas != svc.paid:
                    out.append((svc.segment_number, "SVC", svc.line,
                                f"line does not balance: charge {svc.charge} - adjustments "
                                f"{cas} = {svc.charge - cas}, but paid is {svc.paid}"))
            cas = sum((a.amount for a in clp.all_adjustments()), ZERO)
            if clp.charge - cas != clp.paid:
                out.append((clp.segment_number, "CLP", clp.line,
                             f"claim {clp.patient_control_number} does not balance: charge "
                             f"{clp.charge} - adjustments {cas} = {clp.charge - cas}, but paid "
                             f"is {clp.paid}"))
        paid = sum((c.paid for c in pay.claims), ZERO)
        plb = sum((a.amount for a in pay.provider_adjustments), ZERO)
        if pay.amount != paid - plb:
            out.append((pay.segment_number, "ST", pay.line,
                        f"payment does not balance: BPR02 is {pay.amount}, but the claims "
                        f"pay {paid} less provider adjustments {plb} = {paid - plb}"))
    return out


__all__ = ["Adjustment", "ClaimPayment", "Payment", "ProviderAdjustment", "Remittance",
           "ServicePayment", "balance_problems", "parse_835"]
