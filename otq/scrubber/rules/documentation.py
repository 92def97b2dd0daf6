"""Documentation, deadlines, charges and authorizations.

Sources: facts sheet §7 (Pub. 100-02 ch. 15 §220: plan of care, recertification, progress
reports), §6.1 (timely filing, per payer profile), §10.1 (line charges), §10.3 (auths).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from otq.domain.document import DocumentKind
from otq.scrubber.registry import ERROR, WARNING, Hit, line_label, rule
from otq.scrubber.subject import Subject

POC_MAX_DAYS = 90  # Pub. 100-02 ch. 15 §220.1.3: certified plan lasts at most 90 calendar days


@rule("DOC-NOTE-UNSIGNED", ERROR, "the treatment note is not signed",
      "Pub. 100-02 ch. 15 §220.3 (documentation of each treatment day), facts §7")
def note_unsigned(s: Subject):
    """An unsigned note does not support the services billed."""
    if not s.visit.note_signed and \
            s.ctx.document_on_file(s.visit, DocumentKind.TREATMENT_NOTE) is None:
        yield Hit("the treatment note is not signed; ask the therapist to sign it before billing",
                  "note_signed")


def _is_treatment(s: Subject) -> bool:
    codes = s.ctx.codes
    return any(not (ln.cpt in codes and codes[ln.cpt].is_evaluation) for ln in s.visit.lines)


@rule("DOC-POC-MISSING", ERROR, "a treatment (non-evaluation) visit for a medicare patient with "
      "no plan of care on file", "Pub. 100-02 ch. 15 §220.1 (certified plan of care), facts §7")
def poc_missing(s: Subject):
    """Medicare pays therapy only under a certified plan of care (evaluations excepted)."""
    if s.profile is None or not s.profile.requires_plan_of_care:
        return
    if s.visit.lines and _is_treatment(s) and s.visit.poc_start is None and \
            s.ctx.document_on_file(s.visit, DocumentKind.PLAN_OF_CARE) is None:
        yield Hit("no plan of care on file for this treatment visit; record the certified "
                  "plan's start and end dates", "poc_start")


@rule("DOC-POC-EXPIRED", ERROR, "the date of service falls outside the plan of care, or more "
      "than 90 days after its start without recertification",
      "Pub. 100-02 ch. 15 §220.1.3 (plans last up to 90 days), facts §7")
def poc_expired(s: Subject):
    """Treatment must fall inside a certified plan; recertify at least every 90 days."""
    v = s.visit
    if v.poc_start is None or not _is_treatment(s):
        return
    dos = v.date_of_service
    if s.ctx.document_on_file(v, DocumentKind.RECERTIFICATION) is not None:
        return  # a signed recertification covering this date is on file
    if dos < v.poc_start:
        yield Hit(f"date of service {dos} is before the plan of care starts ({v.poc_start})",
                  "poc_start")
        return
    if v.poc_end is not None and dos > v.poc_end and \
            (v.poc_recertified is None or v.poc_recertified < v.poc_end):
        yield Hit(f"date of service {dos} is after the plan of care ends ({v.poc_end}); "
                  "a recertification is needed", "poc_end")
        return
    if s.profile is None or not s.profile.requires_plan_of_care:
        return
    anchor = v.poc_recertified if v.poc_recertified and v.poc_recertified >= v.poc_start \
        else v.poc_start
    days = dos.toordinal() - anchor.toordinal()
    if days > POC_MAX_DAYS:
        what = "recertification" if anchor is v.poc_recertified else "plan of care start"
        yield Hit(f"date of service {dos} is {days} days after the {what} ({anchor}); a plan is "
                  f"certified for at most {POC_MAX_DAYS} days, so recertify", "poc_recertified")


@rule("DOC-PROGRESS-DUE", WARNING, "this is the 10th treatment day or later since the last "
      "progress report (or since the start of care)",
      "Pub. 100-02 ch. 15 §220.3 D (progress report every 10 treatment days), facts §7")
def progress_due(s: Subject):
    """A progress report is due at least once every 10 treatment days."""
    limit = s.profile.progress_report_visits if s.profile is not None else 0
    if not limit:
        return
    v = s.visit
    last = v.last_progress_report
    on_file = s.ctx.last_progress_report_on_file(v)
    if on_file is not None and (last is None or on_file > last):
        last = on_file  # a received report counts like one the EHR knows about
    if last is not None:
        days = s.ctx.treatment_days_between(v, last.toordinal(), None)
        since = f"the last progress report ({last})"
    else:
        start = v.poc_start.toordinal() if v.poc_start is not None else None
        days = s.ctx.treatment_days_between(v, None, start)
        since = "the start of care"
    if days >= limit:
        yield Hit(f"this is treatment day {days} since {since}; a progress report is due every "
                  f"{limit} treatment days", "last_progress_report")


def _deadline(s: Subject) -> int:
    return s.visit.date_of_service.toordinal() + s.profile.filing_limit_days


@rule("FILING-LIMIT", ERROR, "today is past the payer's timely-filing limit for the date of service",
      "payer_profiles.toml filing_limit_days (Medicare: 42 CFR 424.44), facts §6.1")
def filing_limit(s: Subject):
    """A claim filed late is denied (CARC 29) and, for Medicare, cannot be appealed."""
    if s.profile is None:
        return
    deadline = _deadline(s)
    late = s.ctx.today.toordinal() - deadline
    if late > 0:
        yield Hit(f"the filing limit for {s.profile.name} ({s.profile.filing_limit_days} days) "
                  f"ended on {date.fromordinal(deadline)}, {late} days ago", "date_of_service")


@rule("FILING-SOON", WARNING, "the filing limit is within 14 days (the profile's filing_soon_days)",
      "payer_profiles.toml filing_limit_days and filing_soon_days, facts §6.1")
def filing_soon(s: Subject):
    """Bill it now: the payer's deadline is close."""
    if s.profile is None:
        return
    deadline = _deadline(s)
    left = deadline - s.ctx.today.toordinal()
    if 0 <= left <= s.profile.filing_soon_days:
        yield Hit(f"the filing limit for {s.profile.name} ends on {date.fromordinal(deadline)}, "
                  f"in {left} days", "date_of_service")


@rule("CHARGE-MISSING", ERROR, "a line with no charge, or a charge of 0 or less",
      "837P SV102 (line charge), facts §10.1")
def charge_missing(s: Subject):
    """Every line is billed at the practice's fee."""
    for i, ln in enumerate(s.visit.lines):
        c = ln.charge
        if not isinstance(c, Decimal) or not c.is_finite():
            yield Hit(f"{line_label(i, ln.cpt)} has no charge; enter the fee", f"lines[{i}].charge")
        elif c <= 0:
            yield Hit(f"{line_label(i, ln.cpt)} has a charge of {c}; charges must be above 0",
                      f"lines[{i}].charge")


@rule("AUTH-EXCEEDED", ERROR, "the visit count under an authorization exceeds its authorized visits",
      "payer prior-authorization terms (837P REF*G1), facts §10.1, §10.3")
def auth_exceeded(s: Subject):
    """Visits past the authorized count are denied; ask the payer for more visits."""
    v = s.visit
    if not v.auth_number:
        return
    auth = s.ctx.auth_by_number.get((v.patient_id, v.auth_number))
    if auth is None or auth.visits_authorized is None:
        return
    n = s.ctx.auth_ordinal(v)
    if n > auth.visits_authorized:
        yield Hit(f"this is visit {n} under authorization {auth.number}, which allows "
                  f"{auth.visits_authorized}; request more visits from the payer", "auth_number")


@rule("AUTH-DATES", ERROR, "the date of service falls outside the authorization's date range",
      "payer prior-authorization terms, facts §10.3")
def auth_dates(s: Subject):
    """An authorization covers a date range; visits outside it are not authorized."""
    v = s.visit
    if not v.auth_number:
        return
    auth = s.ctx.auth_by_number.get((v.patient_id, v.auth_number))
    if auth is None:
        return
    dos = v.date_of_service
    if (auth.start is not None and dos < auth.start) or (auth.end is not None and dos > auth.end):
        yield Hit(f"date of service {dos} is outside authorization {auth.number} "
                  f"({auth.start or 'open'} to {auth.end or 'open'})", "auth_number")
