"""X12 005010X279A1 eligibility: write a 270 inquiry batch, read 271 responses.

Pure: requests and a context in, text out; text in, plain records out. The loop layout
follows the TR3 as mapped in pyx12 ``270/271.5010.X279.A1.xml`` (facts §9):
2000A information source (payer) -> 2000B receiver (practice) -> 2000C subscriber with a
TRN trace number -> 2110C one EQ per service type. The trace number carries the coverage
id, so each 271 subscriber loop finds its way back to the coverage it answers.

Parsing keeps what the payer sent, raw. What the EB and AAA codes mean is data
(``reference/aaa_codes.toml``), applied by ``otq.domain.eligibility.summarise_benefits``.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pendulum

from otq.domain.eligibility import AaaRejection, BenefitRow
from otq.x12.segments import (
    Delimiters,
    Segment,
    X12ExportError,
    X12ParseError,
    refuse_reason,
    tokenize,
)

IMPLEMENTATION = "005010X279A1"
SERVICE_TYPES = ("AD", "30")  # occupational therapy, then health benefit plan coverage
_TRACE = re.compile(r"^([0-9a-f]{32})-(\d{1,9})$")


# ------------------------------------------------------------------ 270 out
@dataclass(frozen=True)
class EligibilityRequest:
    """One coverage to ask about: who, with which payer, for which visit date."""

    coverage_id: str
    payer_name: str
    payer_x12_id: str
    receiver_name: str  # the practice (2100B)
    receiver_npi: str
    last_name: str
    first_name: str
    member_id: str
    dob: pendulum.Date | None
    plan_date: pendulum.Date  # DTP*291: the appointment date


@dataclass(frozen=True)
class EligibilityContext:
    """The interchange around the requests. Control numbers come from a store counter."""

    sender_isa_id: str
    receiver_isa_id: str
    interchange_control_number: int
    group_control_number: int
    created_at: pendulum.DateTime
    usage_indicator: str = "P"
    originator_id: str = ""  # TRN03: "1" + EIN, or "9" + an id the practice assigns
    sender_isa_qualifier: str = "ZZ"
    receiver_isa_qualifier: str = "ZZ"
    line_break: str = "\n"


def trace_number(coverage_id: str, batch: int) -> str:
    """TRN02 for a coverage in batch ``batch``: the coverage id (hex) and the batch number."""
    return f"{uuid.UUID(coverage_id).hex}-{batch}"


def coverage_from_trace(trace: str) -> str | None:
    """The coverage id a trace number from :func:`trace_number` encodes, else None."""
    m = _TRACE.match(trace.strip().lower())
    return str(uuid.UUID(m[1])) if m else None


def write_270(requests: Sequence[EligibilityRequest], *, context: EligibilityContext) -> str:
    """The whole 270 interchange (ISA..IEA) for ``requests``, one 2000A loop per payer.

    Raises :class:`X12ExportError` listing every field X12 can't carry (naming the coverage
    and the field, never the value); nothing is written then.
    """
    d = Delimiters()
    problems: list[str] = []
    if not requests:
        problems.append("batch: requests: there is nothing to ask about")
    segs: list[list[str]] = []

    def v(value: str, what: str, owner: str, *, required: bool = False, max_len: int = 60) -> str:
        reason = refuse_reason(value, d) or (
            f"is longer than {max_len} characters" if len(value) > max_len else "") or (
            "is missing" if required and not value.strip() else "")
        if reason:
            problems.append(f"{owner}: {what}: {reason}")
        return value

    c = context
    when = c.created_at
    batch = c.interchange_control_number
    segs.append(["ISA", "00", " " * 10, "00", " " * 10, c.sender_isa_qualifier,
                 v(c.sender_isa_id, "sender id", "batch", required=True, max_len=15).ljust(15),
                 c.receiver_isa_qualifier,
                 v(c.receiver_isa_id, "receiver id", "batch", required=True, max_len=15).ljust(15),
                 when.format("YYMMDD"), when.format("HHmm"), d.repetition, "00501",
                 f"{batch:09d}", "0", c.usage_indicator, d.component])
    segs.append(["GS", "HS", c.sender_isa_id, c.receiver_isa_id, when.format("YYYYMMDD"),
                 when.format("HHmm"), str(c.group_control_number), "X", IMPLEMENTATION])
    by_source: dict[tuple[str, str, str, str], list[EligibilityRequest]] = defaultdict(list)
    for r in requests:
        by_source[(r.payer_x12_id, r.payer_name, r.receiver_npi, r.receiver_name)].append(r)
    # One transaction set per payer and practice: the TR3 lets 2000A loops repeat inside a
    # set, but pyx12 (and some payers) only walk the hierarchy forward, so one set each.
    for n, ((payer_id, payer_name, npi, name), reqs) in enumerate(by_source.items(), start=1):
        first = len(segs)
        segs.append(["ST", "270", f"{n:04d}", IMPLEMENTATION])
        segs.append(["BHT", "0022", "13", f"OTQ{batch:09d}-{n}", when.format("YYYYMMDD"),
                     when.format("HHmm")])
        segs.append(["HL", "1", "", "20", "1"])
        segs.append(["NM1", "PR", "2", v(payer_name, "payer name", "payer", required=True),
                     "", "", "", "", "PI", v(payer_id, "payer id", "payer", required=True,
                                             max_len=80)])
        segs.append(["HL", "2", "1", "21", "1"])
        segs.append(["NM1", "1P", "2", v(name, "practice name", "practice", required=True),
                     "", "", "", "", "XX", v(npi, "practice NPI", "practice", required=True)])
        for hl, r in enumerate(reqs, start=3):
            who = f"coverage {r.coverage_id}"
            segs.append(["HL", str(hl), "2", "22", "0"])
            segs.append(["TRN", "1", trace_number(r.coverage_id, batch),
                         v(c.originator_id, "originator id", "batch", required=True,
                           max_len=10)])
            segs.append(["NM1", "IL", "1", v(r.last_name, "last name", who, required=True),
                         v(r.first_name, "first name", who, max_len=35), "", "", "", "MI",
                         v(r.member_id, "member id", who, required=True, max_len=80)])
            if r.dob is not None:
                segs.append(["DMG", "D8", r.dob.format("YYYYMMDD")])
            segs.append(["DTP", "291", "D8", r.plan_date.format("YYYYMMDD")])
            segs.extend(["EQ", code] for code in SERVICE_TYPES)
        segs.append(["SE", str(len(segs) - first + 1), f"{n:04d}"])
    if problems:
        raise X12ExportError(f"the 270 was not written: {problems[0]}", problems)
    segs.append(["GE", str(len(by_source)), str(c.group_control_number)])
    segs.append(["IEA", "1", f"{batch:09d}"])
    lines = []
    for s in segs:
        while len(s) > 1 and s[-1] == "" and s[0] != "ISA":
            s = s[:-1]
        lines.append(d.element.join(s) + d.segment)
    return c.line_break.join(lines) + c.line_break


# ------------------------------------------------------------------- 271 in
@dataclass
class SubscriberResponse:
    """One 2000C subscriber loop (with any 2000D under it) of a 271, as sent."""

    segment_number: int
    line: int
    payer_name: str = ""
    payer_x12_id: str = ""
    traces: list[str] = field(default_factory=list)
    member_id: str = ""  # kept in memory for matching only; never put in messages
    last_name: str = ""
    first_name: str = ""
    rejections: list[AaaRejection] = field(default_factory=list)
    dates: list[tuple[str, str]] = field(default_factory=list)  # 2100C DTP (qualifier, value)
    benefits: list[BenefitRow] = field(default_factory=list)


@dataclass
class Parsed271:
    """A whole 271 file: the subscriber responses and rejections that name no subscriber."""

    responses: list[SubscriberResponse]
    unattached: list[tuple[str, AaaRejection]]  # (payer x12 id, rejection) without a 2000C
    interchange_control_number: str = ""


_LOOPS = {"20": "2100A", "21": "2100B", "22": "2100C", "23": "2100D"}


def parse_271(text: str, source_name: str) -> Parsed271:
    """Read a 271 interchange. A malformed file raises :class:`X12ParseError` naming the
    segment (number, id and line); nothing is returned from it in part."""
    delims, stream = tokenize(text, source_name=source_name)
    segs = list(stream)
    p = _Parser(source_name, delims)
    for seg in segs:
        p.feed(seg)
    p.finish(segs[-1] if segs else None)
    return Parsed271(p.responses, p.unattached, p.isa13)


class _Parser:
    """A small state machine over the 271 loops; checks envelopes and counts as it goes."""

    def __init__(self, source: str, delims: Delimiters) -> None:
        self.source, self.d = source, delims
        self.responses: list[SubscriberResponse] = []
        self.unattached: list[tuple[str, AaaRejection]] = []
        self.isa13 = self.gs06 = self.st02 = ""
        self.groups = self.sets = self.st_count = 0
        self.in_set = self.ended = False
        self.hl_levels: dict[str, str] = {}
        self.level = ""
        self.payer = ("", "")
        self.above: dict[str, list[AaaRejection]] = {"20": [], "21": []}
        self.cur: SubscriberResponse | None = None
        self.in_ls = False
        self.subscribers = 0

    def fail(self, seg: Segment, reason: str) -> None:
        raise X12ParseError(self.source, seg.number, seg.id, seg.line, reason)

    def feed(self, seg: Segment) -> None:
        sid = seg.id
        if not re.fullmatch(r"[A-Z][A-Z0-9]{1,2}", sid):
            self.fail(seg, "not a segment id")
        if self.ended:
            self.fail(seg, "segment after the IEA that ends the interchange")
        if seg.number == 1 and sid != "ISA":
            self.fail(seg, "the file must begin with ISA")
        handler = getattr(self, f"_{sid.lower()}", None)
        if sid in ("ISA", "GS", "GE", "IEA", "ST", "SE"):
            handler(seg)
            return
        if not self.in_set:
            self.fail(seg, "segment outside an ST/SE transaction set")
        self.st_count += 1
        if handler is not None:
            handler(seg)

    def finish(self, last: Segment | None) -> None:
        if not self.ended:
            if last is None:
                raise X12ParseError(self.source, 0, "", 1, "the file holds no segments")
            self.fail(last, "the file ends without an IEA segment (cut short?)")
        self._close_subscriber()

    # envelopes ------------------------------------------------------------
    def _isa(self, seg: Segment) -> None:
        if seg.number != 1:
            self.fail(seg, "a second ISA inside the interchange")
        if len(seg.elements) != 17:
            self.fail(seg, "ISA must have 16 elements")
        self.isa13 = seg.get(13)

    def _gs(self, seg: Segment) -> None:
        if self.in_set or self.gs06:
            self.fail(seg, "GS inside another functional group")
        if seg.get(1) != "HB":
            self.fail(seg, "GS01 must be HB (eligibility response); this is not a 271")
        if not seg.get(8).startswith("005010X279"):
            self.fail(seg, "GS08 must be 005010X279A1")
        self.gs06, self.sets = seg.get(6), 0

    def _st(self, seg: Segment) -> None:
        if not self.gs06 or self.in_set:
            self.fail(seg, "ST outside a functional group or inside another set")
        if seg.get(1) != "271":
            self.fail(seg, "ST01 must be 271")
        self.in_set, self.st02, self.st_count = True, seg.get(2), 1
        self.hl_levels, self.level = {}, ""

    def _se(self, seg: Segment) -> None:
        if not self.in_set:
            self.fail(seg, "SE without ST")
        self.st_count += 1
        if seg.get(1) != str(self.st_count):
            self.fail(seg, f"SE01 says {seg.get(1) or 'nothing'} segments; the set has "
                           f"{self.st_count}")
        if seg.get(2) != self.st02:
            self.fail(seg, "SE02 does not match ST02")
        self._close_subscriber()
        self._flush_payer()
        self.in_set, self.sets = False, self.sets + 1

    def _ge(self, seg: Segment) -> None:
        if self.in_set or not self.gs06:
            self.fail(seg, "GE without a matching GS, or inside a set")
        if seg.get(1) != str(self.sets) or seg.get(2) != self.gs06:
            self.fail(seg, "GE count or control number does not match its GS")
        self.gs06, self.groups = "", self.groups + 1

    def _iea(self, seg: Segment) -> None:
        if self.gs06 or self.in_set:
            self.fail(seg, "IEA before the group or set was closed")
        if seg.get(1) != str(self.groups) or seg.get(2) != self.isa13:
            self.fail(seg, "IEA count or control number does not match the ISA")
        self.ended = True

    # loops ----------------------------------------------------------------
    def _hl(self, seg: Segment) -> None:
        hl_id, parent, code = seg.get(1), seg.get(2), seg.get(3)
        if code not in _LOOPS:
            self.fail(seg, "HL03 must be 20, 21, 22 or 23")
        if not hl_id or hl_id in self.hl_levels or (parent and parent not in self.hl_levels):
            self.fail(seg, "HL numbering is broken (a repeated id or an unknown parent)")
        self.hl_levels[hl_id] = code
        self.level, self.in_ls = code, False
        if code in ("20", "21", "22"):
            self._close_subscriber()
        if code == "20":
            self._flush_payer()
            self.above = {"20": [], "21": []}
        elif code == "21":
            self.above["21"] = []
        elif code == "22":
            self.subscribers += 1
            self.cur = SubscriberResponse(seg.number, seg.line, *self.payer,
                                          rejections=self.above["20"] + self.above["21"])
        elif self.cur is None:
            self.fail(seg, "a dependent loop (HL 23) without a subscriber loop")

    def _flush_payer(self) -> None:
        """Payer- or receiver-level rejections in a 2000A with no subscriber loop under it."""
        if not self.subscribers:
            self.unattached.extend((self.payer[1], r) for r in self.above["20"] + self.above["21"])
        self.above, self.subscribers = {"20": [], "21": []}, 0

    def _close_subscriber(self) -> None:
        if self.cur is not None:
            self.responses.append(self.cur)
            self.cur = None

    def _nm1(self, seg: Segment) -> None:
        if self.level == "20" and seg.get(1) == "PR":
            self.payer = (seg.get(3), seg.get(9))
        elif self.cur is not None and self.in_ls and self.cur.benefits:
            row = self.cur.benefits[-1]
            self.cur.benefits[-1] = _with(row, related_entity=seg.get(3) or seg.get(1))
        elif self.cur is not None and seg.get(1) == "IL":
            self.cur.last_name, self.cur.first_name = seg.get(3), seg.get(4)
            self.cur.member_id = seg.get(9)

    def _trn(self, seg: Segment) -> None:
        if not seg.get(2):
            self.fail(seg, "TRN02 trace number is missing")
        if self.cur is not None:
            self.cur.traces.append(seg.get(2))

    def _aaa(self, seg: Segment) -> None:
        if not seg.get(3):
            self.fail(seg, "AAA03 reject reason code is missing")
        base = _LOOPS.get(self.level, "")
        in_benefit = self.cur is not None and bool(self.cur.benefits) and self.level in ("22", "23")
        loop = base.replace("2100", "2110") if in_benefit else base
        rej = AaaRejection(loop=loop, code=seg.get(3), follow_up_code=seg.get(4))
        if self.level in ("20", "21"):
            self.above[self.level].append(rej)
        elif self.cur is not None:
            self.cur.rejections.append(rej)

    def _dtp(self, seg: Segment) -> None:
        if self.cur is None:
            return
        if self.cur.benefits:
            row = self.cur.benefits[-1]
            self.cur.benefits[-1] = _with(row, dates=(*row.dates, f"{seg.get(1)}={seg.get(3)}"))
        else:
            self.cur.dates.append((seg.get(1), seg.get(3)))

    def _eb(self, seg: Segment) -> None:
        if self.cur is None:
            self.fail(seg, "EB outside a subscriber loop")
        if not seg.get(1):
            self.fail(seg, "EB01 benefit code is missing")
        rep = self.d.repetition
        types = tuple(t for t in (seg.get(3).split(rep) if rep else [seg.get(3)]) if t)
        self.in_ls = False
        self.cur.benefits.append(BenefitRow(
            eb01=seg.get(1), coverage_level=seg.get(2), service_types=types,
            insurance_type=seg.get(4), plan_description=seg.get(5), time_period=seg.get(6),
            amount=seg.get(7), percent=seg.get(8), quantity_qualifier=seg.get(9),
            quantity=seg.get(10), auth_required=seg.get(11), in_network=seg.get(12)))

    def _msg(self, seg: Segment) -> None:
        if self.cur is not None and self.cur.benefits:
            row = self.cur.benefits[-1]
            self.cur.benefits[-1] = _with(row, messages=(*row.messages, seg.get(1)))

    def _ls(self, seg: Segment) -> None:
        self.in_ls = True

    def _le(self, seg: Segment) -> None:
        self.in_ls = False


def _with(row: BenefitRow, **changes: Any) -> BenefitRow:
    return replace(row, **changes)
