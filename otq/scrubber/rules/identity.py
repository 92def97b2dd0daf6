"""Who is billed and who billed: links, patient demographics, member id, NPIs, dates.

Sources: facts sheet §5.1 (MBI), §5.2 (NPI), §7 (certifying physician on the claim),
§10.1/§10.3 (what an 837P must carry).
"""

from __future__ import annotations

import re

import pendulum

from otq.scrubber.identifiers import mbi_problem, npi_problem
from otq.scrubber.registry import ERROR, Hit, rule
from otq.scrubber.subject import Subject

_X12_DELIMITERS = "~*:^"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@rule("LINK-MISSING", ERROR, "the visit names a patient, coverage, payer, payer profile, "
      "provider or practice that is not on file", "otq data model; 837P loops 2010AA-2310B, facts §10.3")
def link_missing(s: Subject):
    """Every record a claim is built from must exist."""
    v = s.visit
    if s.patient is None:
        yield Hit(f"patient record {v.patient_id or '(none)'} is not on file", "patient_id")
    if s.coverage is None:
        yield Hit("the visit has no coverage on file; attach the patient's insurance", "coverage_id")
    elif s.payer is None:
        yield Hit(f"the coverage names payer {s.coverage.payer_id!r}, which is not on file",
                  "coverage_id")
    elif s.profile is None:
        yield Hit(f"payer {s.payer.name} names profile {s.payer.profile_id!r}, which is not in "
                  "payer_profiles.toml", "coverage_id")
    if s.provider is None:
        yield Hit("the rendering provider is not on file", "provider_id")
    if s.practice is None:
        yield Hit("the billing practice is not on file", "practice_id")


def _name_problem(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "is missing"
    if any(ch.isdigit() for ch in value):
        return "contains digits"
    if _CONTROL.search(value):
        return "contains control characters"
    bad = [d for d in _X12_DELIMITERS if d in value]
    if bad:
        return f"contains {' '.join(bad)}, which X12 uses as delimiters"
    return None


@rule("PAT-NAME", ERROR, "patient first or last name missing, or contains digits, control "
      "characters or X12 delimiters (~ * : ^)", "837P 2010BA NM1, facts §10.1; CARC/AAA 73")
def patient_name(s: Subject):
    """Names go on the claim exactly as on the card; delimiters would corrupt the 837P."""
    if s.patient is None:
        return
    for attr, label in (("last_name", "last name"), ("first_name", "first name")):
        problem = _name_problem(getattr(s.patient, attr))
        if problem:
            # No PHI in the message: describe the problem, never echo the name.
            yield Hit(f"patient {label} {problem}; use the name as printed on the insurance card",
                      f"patient.{attr}")


@rule("PAT-DOB", ERROR, "DOB missing, unparseable, in the future, after the date of service, "
      "or more than 120 years before it", "837P 2010BA DMG, facts §10.3; CARC/AAA 71")
def patient_dob(s: Subject):
    """A birth date the payer will match: present, plausible and before the treatment."""
    if s.patient is None:
        return
    dob, dos = s.patient.dob, s.visit.date_of_service
    if dob is None:
        yield Hit("patient date of birth is missing", "patient.dob")
    elif not isinstance(dob, pendulum.Date):
        yield Hit("patient date of birth is not a readable date (use YYYY-MM-DD)", "patient.dob")
    elif dob > s.ctx.today:
        yield Hit("patient date of birth is in the future", "patient.dob")
    elif dob > dos:
        yield Hit(f"patient date of birth is after the date of service {dos}", "patient.dob")
    elif (dos.year - dob.year - ((dos.month, dos.day) < (dob.month, dob.day))) > 120:
        yield Hit("patient date of birth is more than 120 years before the date of service; "
                  "check the year", "patient.dob")


@rule("MBR-ID", ERROR, "member id missing; for the medicare profile, not a valid MBI "
      "(11 characters, CMS position rules, no S L O I B Z)", "facts §5.1 (CMS MBI format)")
def member_id(s: Subject):
    """The subscriber id the payer knows the patient by."""
    if s.coverage is None:
        return
    mid = s.coverage.member_id
    if not isinstance(mid, str) or not mid.strip():
        yield Hit("member id is missing on the coverage", "coverage.member_id")
    elif s.is_medicare:
        problem = mbi_problem(mid)
        if problem:
            yield Hit(f"Medicare member id is not a valid MBI: it {problem}", "coverage.member_id")


@rule("NPI", ERROR, "rendering, billing or referring NPI missing where required, or failing "
      "the check digit", "facts §5.2 (CMS NPI check digit), §7 (certifying physician)")
def npis(s: Subject):
    """The billing NPI and the rendering NPI are always needed; Medicare therapy claims also
    need the certifying physician as referring provider. A given NPI must pass the check digit."""
    checks = []
    if s.practice is not None:
        checks.append(("billing", s.practice.npi, "practice.npi"))
    if s.provider is not None:
        checks.append(("rendering", s.provider.npi, "provider.npi"))
    referring = s.visit.referring_npi
    if referring or (s.profile is not None and s.profile.requires_plan_of_care):
        checks.append(("referring (certifying physician)", referring, "referring_npi"))
    for role, npi, where in checks:
        problem = npi_problem(npi)
        if problem:
            yield Hit(f"{role} NPI {problem}", where)


@rule("DOS-FUTURE", ERROR, "the date of service is after today: a treated visit cannot be "
      "billed before it happens", "facts §9.2 (DOS in the future is refused)")
def dos_future(s: Subject):
    """Catches typos in the date of service and appointments imported as treated visits."""
    if s.visit.date_of_service > s.ctx.today:
        yield Hit(f"date of service {s.visit.date_of_service} is after today ({s.ctx.today})",
                  "date_of_service")


@rule("VISIT-NO-LINES", ERROR, "a treated visit with no service lines", "837P 2400 loop, facts §10.1")
def no_lines(s: Subject):
    """A claim needs at least one service line."""
    if not s.visit.lines:
        yield Hit("the visit has no service lines; code what was done or void the visit", "lines")
