"""Write an X12 005010X222A1 837P (professional claim) batch.

Pure: domain objects in, text out. The envelope control numbers and the creation time are
parameters (:class:`BatchContext`), so the same claims always produce the same text.
Every claim is checked before anything is written; data X12 can't carry (a delimiter in a
name, a missing NPI) stops the whole batch with one problem line per claim and field.
Loop layout follows the TR3 as mapped in pyx12 ``837.5010.X222.A1.xml`` (facts §10.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pendulum

from otq.domain import Address, Claim, Coverage, Patient, Payer, Practice, Provider
from otq.x12.claim_checks import check_bundle, digits, dx_code
from otq.x12.segments import Delimiters, SegmentWriter, X12ExportError

IMPLEMENTATION = "005010X222A1"


@dataclass(frozen=True)
class BatchContext:
    """Everything about a batch that is not a claim: who sends it, to whom, and its numbers.

    ``interchange_control_number`` (ISA13/IEA02) and ``group_control_number`` (GS06/GE02)
    must be unique and increasing per store; the caller allocates them. ``created_at`` is
    passed in so the writer never asks the clock.
    """

    submitter_name: str
    submitter_id: str  # 1000A NM109 (ETIN given by the receiver)
    contact_name: str
    contact_phone: str  # ten digits
    receiver_name: str
    receiver_id: str  # 1000B NM109
    sender_isa_id: str  # ISA06, at most 15 characters
    receiver_isa_id: str  # ISA08
    interchange_control_number: int
    group_control_number: int
    usage_indicator: str  # "T" test, "P" production
    created_at: pendulum.DateTime
    batch_id: str = ""  # BHT03; defaults to the group control number
    transaction_control_number: int = 1  # ST02/SE02
    sender_isa_qualifier: str = "ZZ"
    receiver_isa_qualifier: str = "ZZ"
    line_break: str = "\n"  # after each terminator: readable, and receivers tolerate it


@dataclass(frozen=True)
class ReferringProvider:
    """2310A referring provider (the certifying physician for Medicare therapy)."""

    npi: str
    last_name: str
    first_name: str = ""


@dataclass(frozen=True)
class ClaimBundle:
    """One claim with the records its 837P loops are written from.

    ``referring`` is required when ``claim.referring_npi`` is set (NM1*DN needs a name),
    and ``referring_required`` says the payer wants the certifying physician on every
    claim (Medicare therapy), so a claim without one is refused rather than sent bare.
    ``payer_responsibility`` (SBR01) is derived from ``coverage.priority`` when left "".
    """

    claim: Claim
    patient: Patient
    coverage: Coverage
    payer: Payer
    practice: Practice
    provider: Provider
    referring: ReferringProvider | None = None
    payer_responsibility: str = ""
    referring_required: bool = False


def money(amount: Decimal | int) -> str:
    """An X12 R amount: two decimals at most, no trailing zeros ("150", "12.5")."""
    q = Decimal(amount).quantize(Decimal("0.01"))
    text = f"{q:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def validate_837p(claims: Sequence[ClaimBundle]) -> list[str]:
    """Every reason the batch can't be written, one ``claim <PCN>: <field>: <why>`` line each.

    Empty when :func:`write_837p` would succeed. Runs the same checks and the same
    delimiter scan as the writer, so a preview can list problems without writing.
    """
    problems: list[str] = []
    if not claims:
        problems.append("batch: claims: there are no claims to export")
    for bundle in claims:
        found = check_bundle(bundle)
        if not found:
            try:
                _claim_segments(SegmentWriter(), bundle, 0)
            except X12ExportError as exc:
                found = exc.problems
        problems.extend(found)
    return problems


def write_837p(claims: Sequence[ClaimBundle], *, context: BatchContext) -> str:
    """The whole 837P interchange for ``claims`` (ISA through IEA) as text.

    Raises :class:`X12ExportError` listing every problem when any claim can't be carried;
    nothing is written in that case.
    """
    problems = validate_837p(claims)
    w = SegmentWriter()
    w.claim = "batch"
    try:
        header = _envelope_head(w, context)
    except X12ExportError as exc:
        problems.extend(exc.problems)
    if problems:
        first = problems[0]
        claim, _, rest = first.partition(": ")
        raise X12ExportError(
            f"{len(problems)} problem(s) stop the export; first: {first}", problems,
            claim=claim.removeprefix("claim "), field=rest.partition(":")[0])
    body = SegmentWriter(w.delims)
    hl = 0
    by_practice: dict[str, list[ClaimBundle]] = {}
    for bundle in claims:
        by_practice.setdefault(bundle.practice.id, []).append(bundle)
    for bundles in by_practice.values():
        hl += 1
        parent = hl
        _billing_provider(body, bundles[0].practice, hl)
        for bundle in bundles:
            hl += 1
            _subscriber(body, bundle, hl, parent)
            _claim_segments(body, bundle, hl)
    st = f"{context.transaction_control_number:04d}"
    seg_count = len(header["st"]) + len(body.segments) + 1
    out = header["isa"] + header["st"] + body.segments + [
        f"SE*{seg_count}*{st}",
        f"GE*1*{context.group_control_number}",
        f"IEA*1*{context.interchange_control_number:09d}",
    ]
    end = w.delims.segment + context.line_break
    return end.join(out) + end


def _envelope_head(w: SegmentWriter, c: BatchContext) -> dict[str, list[str]]:
    d = w.delims
    if c.usage_indicator not in ("T", "P"):
        w.refuse("usage indicator (ISA15)", "must be T or P")
    if not 0 < c.interchange_control_number <= 999_999_999:
        w.refuse("interchange control number (ISA13)", "must be 1-999999999")
    if not 0 < c.group_control_number <= 999_999_999:
        w.refuse("group control number (GS06)", "must be 1-999999999")
    if not 0 < c.transaction_control_number <= 9999:
        w.refuse("transaction set control number (ST02)", "must be 1-9999")
    for qual, name in ((c.sender_isa_qualifier, "ISA05"), (c.receiver_isa_qualifier, "ISA07")):
        if len(qual) != 2 or not qual.isalnum():
            w.refuse(f"ISA id qualifier ({name})", "must be two letters or digits, e.g. ZZ")
    sender = w.value(c.sender_isa_id, "sender ISA id (ISA06)", max_len=15, required=True)
    receiver = w.value(c.receiver_isa_id, "receiver ISA id (ISA08)", max_len=15, required=True)
    when = c.created_at
    isa = d.element.join([
        "ISA", "00", " " * 10, "00", " " * 10,
        c.sender_isa_qualifier, sender.ljust(15), c.receiver_isa_qualifier, receiver.ljust(15),
        when.format("YYMMDD"), when.format("HHmm"), d.repetition, "00501",
        f"{c.interchange_control_number:09d}", "0", c.usage_indicator, d.component,
    ])
    gs = d.element.join([
        "GS", "HC", sender.strip(), receiver.strip(), when.format("YYYYMMDD"),
        when.format("HHmm"), str(c.group_control_number), "X", IMPLEMENTATION,
    ])
    st = SegmentWriter(d)
    st.claim = "batch"
    st.add("ST", "837", f"{c.transaction_control_number:04d}", IMPLEMENTATION)
    batch_id = st.value(c.batch_id or str(c.group_control_number), "batch id (BHT03)",
                        max_len=50)
    st.add("BHT", "0019", "00", batch_id, when.format("YYYYMMDD"), when.format("HHmm"), "CH")
    st.add("NM1", "41", "2", st.value(c.submitter_name, "submitter name (1000A NM103)",
                                      max_len=60, required=True),
           "", "", "", "", "46", st.value(c.submitter_id, "submitter id (1000A NM109)",
                                          max_len=80, required=True))
    phone = digits(c.contact_phone)
    if len(phone) != 10:
        st.refuse("submitter contact phone (1000A PER04)", "must be 10 digits")
    st.add("PER", "IC", st.value(c.contact_name, "submitter contact name (1000A PER02)",
                                 max_len=60, required=True), "TE", phone)
    st.add("NM1", "40", "2", st.value(c.receiver_name, "receiver name (1000B NM103)",
                                      max_len=60, required=True),
           "", "", "", "", "46", st.value(c.receiver_id, "receiver id (1000B NM109)",
                                          max_len=80, required=True))
    return {"isa": [isa, gs], "st": st.segments}


def _address(w: SegmentWriter, addr: Address, loop: str) -> None:
    w.add("N3", w.value(addr.line1, f"{loop} address line (N301)", max_len=55, required=True))
    w.add("N4", w.value(addr.city, f"{loop} city (N401)", max_len=30, required=True),
          w.value(addr.state, f"{loop} state (N402)", max_len=2, required=True),
          digits(addr.zip))


def _billing_provider(w: SegmentWriter, practice: Practice, hl: int) -> None:
    w.claim = f"billing provider {practice.id}"
    w.add("HL", str(hl), "", "20", "1")
    w.add("PRV", "BI", "PXC", w.value(practice.taxonomy, "billing taxonomy (2000A PRV03)",
                                      max_len=50))
    w.add("NM1", "85", "2", w.value(practice.name, "billing provider name (2010AA NM103)",
                                    max_len=60, required=True),
          "", "", "", "", "XX", digits(practice.npi))
    _address(w, practice.address, "billing provider (2010AA)")
    w.add("REF", "EI", digits(practice.tin))


def _subscriber(w: SegmentWriter, b: ClaimBundle, hl: int, parent: int) -> None:
    w.claim = b.claim.patient_control_number
    p, cov = b.patient, b.coverage
    w.add("HL", str(hl), str(parent), "22", "0")
    resp = b.payer_responsibility or {1: "P", 2: "S", 3: "T"}.get(cov.priority, "P")
    w.add("SBR", resp, "18", "", "", "", "", "", "", b.payer.filing_indicator)
    w.add("NM1", "IL", "1",
          w.value(p.last_name, "subscriber last name (2010BA NM103)", max_len=60, required=True),
          w.value(p.first_name, "subscriber first name (2010BA NM104)", max_len=35),
          "", "", "", "MI",
          w.value(cov.member_id, "member id (2010BA NM109)", max_len=80, required=True))
    _address(w, p.address, "subscriber (2010BA)")
    w.add("DMG", "D8", p.dob.format("YYYYMMDD") if p.dob else "", p.sex)
    w.add("NM1", "PR", "2", w.value(b.payer.name, "payer name (2010BB NM103)", max_len=60,
                                    required=True),
          "", "", "", "", "PI", w.value(b.payer.x12_payer_id, "payer id (2010BB NM109)",
                                        max_len=80, required=True))


def _claim_segments(w: SegmentWriter, b: ClaimBundle, hl: int) -> None:
    c = b.claim
    w.claim = c.patient_control_number
    pcn = w.value(c.patient_control_number, "patient control number (CLM01)", max_len=20,
                  required=True)
    w.add("CLM", pcn, money(c.total_charge), "", "",
          w.composite([c.place_of_service, "B", c.frequency]), "Y", "A", "Y", "Y")
    if c.auth_number:
        w.add("REF", "G1", w.value(c.auth_number, "prior authorization (2300 REF*G1)",
                                   max_len=50))
    if c.frequency in ("7", "8"):
        w.add("REF", "F8", w.value(c.original_icn, "payer claim control number (2300 REF*F8)",
                                   max_len=50, required=True))
    codes = [dx_code(d) for d in c.diagnoses]
    w.add("HI", *(w.composite(["ABK" if i == 0 else "ABF", code])
                  for i, code in enumerate(codes)))
    if c.referring_npi and b.referring is not None:
        r = b.referring
        w.add("NM1", "DN", "1",
              w.value(r.last_name, "referring provider last name (2310A NM103)", max_len=60,
                      required=True),
              w.value(r.first_name, "referring provider first name (2310A NM104)", max_len=35),
              "", "", "", "XX", digits(c.referring_npi))
    if digits(b.provider.npi) != digits(b.practice.npi):
        pr = b.provider
        w.add("NM1", "82", "1",
              w.value(pr.last_name, "rendering provider last name (2310B NM103)", max_len=60,
                      required=True),
              w.value(pr.first_name, "rendering provider first name (2310B NM104)",
                      max_len=35),
              "", "", "", "XX", digits(pr.npi))
        w.add("PRV", "PE", "PXC", b.practice.taxonomy)
    for n, line in enumerate(c.lines, start=1):
        mods = [w.value(m, f"line {n} modifier (SV101)", max_len=2) for m in line.modifiers]
        w.add("LX", str(n))
        w.add("SV1", w.composite(["HC", w.value(line.cpt, f"line {n} procedure code (SV101-2)",
                                                max_len=48, required=True), *mods]),
              money(line.charge), "UN", str(line.units), "", "",
              w.composite([str(p) for p in line.dx_pointers]))
        w.add("DTP", "472", "D8", line.date_of_service.format("YYYYMMDD"))
        w.add("REF", "6R", w.value(line.control_number,
                                   f"line {n} line control number (REF*6R)", max_len=50,
                                   required=True))


__all__ = ["BatchContext", "ClaimBundle", "Delimiters", "ReferringProvider", "money",
           "validate_837p", "write_837p"]
