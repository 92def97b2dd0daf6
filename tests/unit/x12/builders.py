"""Builders for X12 tests: real-shaped claim bundles, a batch context, and pyx12's verdict."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal

import pendulum
import pyx12.params
import pyx12.x12n_document

from otq.domain import Address, Claim, ClaimLine, Coverage, Patient, Payer, Practice, Provider
from otq.x12.claim_837p import BatchContext, ClaimBundle, ReferringProvider

DOS = pendulum.date(2026, 1, 14)
PRACTICE = Practice(id="pr1", name="ACME OCCUPATIONAL THERAPY", npi="1234567893",
                    tin="123456789", address=Address("100 MAIN ST", "ANYTOWN", "PA", "191030000"))
PROVIDER = Provider(id="prov1", npi="1558598797", last_name="LEE", first_name="ANNA",
                    practice_id="pr1")
MEDICARE = Payer(id="medicare", name="MEDICARE PART B", x12_payer_id="04412",
                 filing_indicator="MB", profile_id="medicare")
COMMERCIAL = Payer(id="commercial", name="KEYSTONE COMMERCIAL", x12_payer_id="60054",
                   filing_indicator="CI", profile_id="commercial")


def patient(last: str = "DOE", first: str = "JOHN", pid: str = "pat1") -> Patient:
    """A Medicare-aged patient with an address."""
    return Patient(id=pid, external_id="P000001", last_name=last, first_name=first,
                   dob=pendulum.date(1950, 1, 1), sex="M",
                   address=Address("1 ELM ST", "ANYTOWN", "PA", "19103"))


def claim(pcn: str = "OTQ0000001", *, lines: int = 2, frequency: str = "1",
          icn: str = "", referring_npi: str = "1245319599", payer: str = "medicare") -> Claim:
    """An OT claim: an evaluation and timed lines, each with its own REF*6R."""
    codes = [("97165", ("GO",), 1, Decimal("150.00")), ("97535", ("GO", "CO"), 2,
             Decimal("100.00")), ("97530", ("GO", "KX"), 1, Decimal("50.00"))]
    out = []
    for n in range(lines):
        cpt, mods, units, charge = codes[n % len(codes)]
        out.append(ClaimLine(control_number=f"{pcn[3:]}L{n + 1:02d}", cpt=cpt, modifiers=mods,
                             units=units, charge=charge, dx_pointers=(1, 2),
                             date_of_service=DOS))
    return Claim(id=f"c-{pcn}", patient_control_number=pcn, patient_id="pat1", payer_id=payer,
                 coverage_id="cov1", practice_id="pr1", provider_id="prov1",
                 visit_ids=("v1",), date_of_service=DOS, lines=tuple(out),
                 diagnoses=("I69.351", "M62.81"), referring_npi=referring_npi,
                 referring_name="SMITH, ROBERT" if referring_npi else "",
                 frequency=frequency, original_icn=icn)


def bundle(c: Claim | None = None, *, pat: Patient | None = None,
           payer: Payer = MEDICARE, referring: bool = True) -> ClaimBundle:
    """A claim with the records its loops are written from."""
    c = c or claim()
    cov = Coverage(id="cov1", patient_id="pat1", payer_id=payer.id, member_id="1EG4TE5MK73")
    ref = ReferringProvider(c.referring_npi, "SMITH", "ROBERT") if referring else None
    return ClaimBundle(claim=c, patient=pat or patient(), coverage=cov, payer=payer,
                       practice=PRACTICE, provider=PROVIDER, referring=ref,
                       referring_required=payer.profile_id == "medicare")


CONTEXT = BatchContext(
    submitter_name="ACME OT BILLING", submitter_id="SUBMITTERID", contact_name="JANE BILLER",
    contact_phone="555-555-0100", receiver_name="MEDICARE MAC", receiver_id="RECEIVERID",
    sender_isa_id="SUBMITTERID", receiver_isa_id="RECEIVERID", interchange_control_number=101,
    group_control_number=101, usage_indicator="T",
    created_at=pendulum.datetime(2026, 1, 15, 9, 30))


def context(**kw) -> BatchContext:
    """The test batch context with some fields changed."""
    return replace(CONTEXT, **kw)


def pyx12_check(text: str) -> tuple[bool, str]:
    """(pyx12's verdict, the 999 it wrote) for an X12 text, through its Python API."""
    ack = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), ack,
                                           None)
    return bool(ok), ack.getvalue()


def pyx12_valid(text: str) -> bool:
    """pyx12's verdict without a 999 (for 835s: pyx12 4.0.0 cannot write a 999 for a
    transaction set without ST03, which the X221A1 835 does not send)."""
    return bool(pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text),
                                                  None, None))
