"""Build real-shaped 005010X221A1 835s for claims otq exported: pay, adjust, deny, reverse.

Amounts always balance unless a test unbalances them on purpose. Used by the unit and
integration tests and by benchmarks/bench_x12.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pendulum

from otq.domain import Claim, ClaimLine

Adj = tuple[str, str, Decimal]  # group, CARC, amount
CENT = Decimal("0.01")
REMIT_DATE = pendulum.date(2026, 2, 20)


def _m(d: Decimal) -> str:
    q = d.quantize(CENT)
    text = f"{q:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class ClaimRemit:
    """One CLP loop to write: the claim, per-line adjustments, claim-level ones, RARCs."""

    claim: Claim
    icn: str
    line_adjustments: Callable[[ClaimLine], list[Adj]] = lambda ln: []
    claim_adjustments: list[Adj] = field(default_factory=list)
    line_rarcs: Callable[[ClaimLine], list[str]] = lambda ln: []
    status: str = "1"
    reversal: bool = False
    with_6r: bool = True

    def segments(self) -> tuple[list[str], Decimal]:
        """The CLP loop's segments and its CLP04."""
        sign = Decimal(-1) if self.reversal else Decimal(1)
        body, paid, pr = [], Decimal(0), Decimal(0)
        claim_cas = sum((a for _, _, a in self.claim_adjustments), Decimal(0))
        pr += sum((a for g, _, a in self.claim_adjustments if g == "PR"), Decimal(0))
        for ln in self.claim.lines:
            adjs = self.line_adjustments(ln)
            line_paid = ln.charge - sum((a for _, _, a in adjs), Decimal(0))
            pr += sum((a for g, _, a in adjs if g == "PR"), Decimal(0))
            paid += line_paid
            code = ":".join(["HC", ln.cpt, *ln.modifiers])
            body.append(f"SVC*{code}*{_m(sign * ln.charge)}*{_m(sign * line_paid)}**{ln.units}")
            body.append(f"DTM*472*{ln.date_of_service.format('YYYYMMDD')}")
            for g, r, a in adjs:
                body.append(f"CAS*{g}*{r}*{_m(sign * a)}")
            if self.with_6r:
                body.append(f"REF*6R*{ln.control_number}")
            for rarc in self.line_rarcs(ln):
                body.append(f"LQ*HE*{rarc}")
        paid -= claim_cas
        status = "22" if self.reversal else self.status
        head = [f"CLP*{self.claim.patient_control_number}*{status}*"
                f"{_m(sign * self.claim.total_charge)}*{_m(sign * paid)}*{_m(sign * pr)}*MB*"
                f"{self.icn}*11*1"]
        head += [f"CAS*{g}*{r}*{_m(sign * a)}" for g, r, a in self.claim_adjustments]
        head += ["NM1*QC*1*DOE*JOHN****MI*1EG4TE5MK73",
                 f"DTM*232*{self.claim.date_of_service.format('YYYYMMDD')}"]
        return head + body, sign * paid


def build_835(remits: Sequence[ClaimRemit], *, trace: str = "EFT0001", payer_id: str = "04412",
              payer_name: str = "MEDICARE PART B", date: pendulum.Date = REMIT_DATE,
              plb: Sequence[tuple[str, Decimal]] = (), bpr_delta: Decimal = Decimal(0),
              control: str = "000000777", terminator: str = "~\n") -> str:
    """A whole 835 interchange paying ``remits``; ``bpr_delta`` unbalances BPR02 on purpose."""
    body: list[str] = []
    total = Decimal(0)
    for n, r in enumerate(remits, start=1):
        if n == 1 or n % 1000 == 1:
            body.append(f"LX*{n}")
        segs, paid = r.segments()
        body += segs
        total += paid
    total -= sum((a for _, a in plb), Decimal(0))
    ymd = date.format("YYYYMMDD")
    st = [
        "ST*835*0001",
        f"BPR*I*{_m(total + bpr_delta)}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*"
        f"999988880*DA*98765*{ymd}",
        f"TRN*1*{trace}*1512345678",
        f"DTM*405*{ymd}",
        f"N1*PR*{payer_name}",
        "N3*PO BOX 3000",
        "N4*MECHANICSBURG*PA*17055",
        f"REF*2U*{payer_id}",
        "PER*BL*PROVIDER SERVICES*TE*8005550100",
        "N1*PE*ACME OCCUPATIONAL THERAPY*XX*1234567893",
        *body,
    ]
    if plb:
        pairs = "*".join(f"{code}:{ref}*{_m(a)}" for (code, a), ref in
                         zip(plb, (f"REF{i}" for i in range(len(plb))), strict=True))
        st.append(f"PLB*1234567893*{date.year}1231*{pairs}")
    st.append(f"SE*{len(st) + 1}*0001")
    segs = [f"ISA*00*          *00*          *ZZ*04412          *ZZ*SUBMITTERID    *"
            f"{date.format('YYMMDD')}*1200*^*00501*{control}*0*P*:",
            f"GS*HP*04412*SUBMITTERID*{ymd}*1200*777*X*005010X221A1", *st,
            "GE*1*777", f"IEA*1*{control}"]
    return terminator.join(segs) + terminator


def contractual(ratio: Decimal = Decimal("0.2")) -> Callable[[ClaimLine], list[Adj]]:
    """Pay each line in full less a CO-45 write-down of ``ratio`` of the charge."""
    return lambda ln: [("CO", "45", (ln.charge * ratio).quantize(CENT))]


def deny_first_line(group: str, carc: str) -> Callable[[ClaimLine], list[Adj]]:
    """Deny the first line in full; pay the others less CO-45."""
    def adjust(ln: ClaimLine) -> list[Adj]:
        if ln.control_number.endswith("L01"):
            return [(group, carc, ln.charge)]
        return contractual()(ln)
    return adjust
