"""The mistakes billers actually meet, planted at realistic rates (a few percent each).

Patient-level mistakes (names, dates of birth, member ids, a lapsed plan of care) spoil every
visit of that patient; visit-level ones spoil one visit. Each planted visit records the
classes planted in it (``Planted``), so tests can check that every class is present.
The rule ids in ``CLASS_RULES`` are the scrubber rules (issue #3) each class must trigger.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pendulum

from otq.demo import ids as I
from otq.demo.clinical import HEADER_OF, units_ama, units_cms
from otq.demo.practice import CarePlan
from otq.demo.visits import is_timed
from otq.domain import Visit

#: mistake class -> the scrubber rule it must trigger
CLASS_RULES = {
    "name-digit": "PAT-NAME", "dob-after-dos": "PAT-DOB", "dob-too-old": "PAT-DOB",
    "mbi-forbidden-letter": "MBR-ID", "member-id-missing": "MBR-ID",
    "missing-go": "MOD-DISCIPLINE", "wrong-units": "UNITS-TIMED",
    "dx-not-billable": "DX-NOT-BILLABLE", "note-unsigned": "DOC-NOTE-UNSIGNED",
    "poc-expired": "DOC-POC-EXPIRED", "duplicate-line": "DUP-LINE",
    "duplicate-visit": "DUP-LINE", "charge-missing": "CHARGE-MISSING",
    "referring-npi-check-digit": "NPI",
}
#: patient-level rates (share of patients) and visit-level rates (share of visits)
PATIENT_RATES = {"name-digit": 0.015, "name-typo": 0.02, "dob-after-dos": 0.008,
                 "dob-too-old": 0.007, "member-id": 0.025, "poc-expired": 0.015}
VISIT_RATES = {"missing-go": 0.03, "wrong-units": 0.03, "dx-not-billable": 0.02,
               "note-unsigned": 0.015, "duplicate-line": 0.012, "charge-missing": 0.012,
               "referring-npi-check-digit": 0.008, "duplicate-visit": 0.005}
_DIGIT_FOR = {"o": "0", "l": "1", "i": "1", "e": "3", "s": "5", "a": "4", "b": "8"}


@dataclass
class Planted:
    """Which mistake classes went where: visit id -> classes, and the showcase visit."""

    by_visit: dict[str, set[str]] = field(default_factory=dict)
    showcase: str = ""

    def mark(self, visit_id: str, cls: str) -> None:
        """Record that ``cls`` was planted in a visit."""
        self.by_visit.setdefault(visit_id, set()).add(cls)

    def classes(self) -> set[str]:
        """Every class planted somewhere."""
        return {c for cs in self.by_visit.values() for c in cs}


def _digit_name(rng: random.Random, name: str) -> str:
    spots = [i for i, ch in enumerate(name) if ch.lower() in _DIGIT_FOR and i > 0]
    i = rng.choice(spots) if spots else len(name) - 1
    return name[:i] + _DIGIT_FOR.get(name[i].lower(), "1") + name[i + 1:]


def _typo(rng: random.Random, name: str) -> str:
    if len(name) < 4:
        return name + name[-1]
    i = rng.randint(1, len(name) - 2)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]  # two letters swapped


def plant_patient_mistakes(rng: random.Random, plans: list[CarePlan], planted: Planted,
                           visits_of: dict[str, list[Visit]]) -> None:
    """Spoil some patients' demographics, member ids and plans of care (in place)."""
    for plan in plans:
        vs = visits_of[plan.patient.id]
        roll = rng.random()
        edge = 0.0
        for cls, rate in PATIENT_RATES.items():
            edge += rate
            if roll < edge:
                _plant_patient(rng, plan, cls, vs, planted)
                break


def _plant_patient(rng: random.Random, plan: CarePlan, cls: str, vs: list[Visit],
                   planted: Planted) -> None:
    p = plan.patient
    first_dos = plan.dates[0]
    if cls == "name-digit":
        plan.patient = replace(p, last_name=_digit_name(rng, p.last_name))
    elif cls == "name-typo":  # undetectable by rule; the payer rejects it later (CO-31)
        plan.patient = replace(p, first_name=_typo(rng, p.first_name))
        return
    elif cls == "dob-too-old" and first_dos.year - p.dob.year > 30:
        plan.patient = replace(p, dob=p.dob.subtract(years=100))  # 19xx typed as 18xx
    elif cls.startswith("dob-"):  # a date near the visits typed into the birth date field
        plan.patient = replace(p, dob=plan.dates[-1].add(days=rng.randint(1, 60)))
        cls = "dob-after-dos"
    elif cls == "member-id":
        if plan.payer_id == "medicare":
            plan.coverage = replace(plan.coverage,
                                    member_id=I.break_mbi(rng, plan.coverage.member_id))
            cls = "mbi-forbidden-letter"
        else:
            plan.coverage = replace(plan.coverage, member_id="")
            cls = "member-id-missing"
    elif cls == "poc-expired":
        if len(vs) < 3:
            return
        # The plan lapsed before the last visits and no recertification came back.
        cut = vs[-rng.randint(1, 2)].date_of_service.subtract(days=rng.randint(1, 6))
        plan.poc_end = cut
        for i, v in enumerate(vs):
            vs[i] = replace(v, poc_end=cut)
        for v in vs:
            if v.date_of_service > cut and _is_treatment(v):
                planted.mark(v.id, cls)
        return
    for v in vs:
        planted.mark(v.id, cls)


def ensure_patient_classes(rng: random.Random, plans: list[CarePlan], planted: Planted,
                           visits_of: dict[str, list[Visit]]) -> None:
    """Plant each patient-level class at least once, even in a small demo."""
    wanted = {"name-digit": ("name-digit", lambda p: True),
              "dob-after-dos": ("dob-after-dos", lambda p: True),
              "dob-too-old": ("dob-too-old", lambda p: p.patient.dob.year < 1990),
              "mbi-forbidden-letter": ("member-id", lambda p: p.payer_id == "medicare"),
              "member-id-missing": ("member-id", lambda p: p.payer_id != "medicare"),
              "poc-expired": ("poc-expired", lambda p: len(p.dates) >= 3)}
    order = list(plans)
    rng.shuffle(order)
    for cls, (how, fits) in wanted.items():
        if cls in planted.classes():
            continue
        spoiled = {v.patient_id for vs in visits_of.values() for v in vs
                   if v.id in planted.by_visit}
        for plan in order:
            if plan.patient.id not in spoiled and plan.dates and fits(plan):
                _plant_patient(rng, plan, how, visits_of[plan.patient.id], planted)
                break


def _is_treatment(v: Visit) -> bool:
    return any(ln.cpt not in ("97165", "97166", "97167", "97168") for ln in v.lines)


def plant_visit_mistakes(rng: random.Random, visits: list[Visit], method_of: dict[str, str],
                         today: pendulum.Date, planted: Planted, ids: I.Ids) -> list[Visit]:
    """Spoil single visits; returns the visits (plus any double-entered duplicates)."""
    out = []
    for v in visits:
        # Notes of the last two days are often still unsigned: therapists sign late.
        if (today - v.date_of_service).days <= 2 and rng.random() < 0.2:
            v = replace(v, note_signed=False)
            planted.mark(v.id, "note-unsigned")
        roll = rng.random()
        edge = 0.0
        for cls, rate in VISIT_RATES.items():
            edge += rate
            if roll < edge:
                new, extra = _plant_visit(rng, v, cls, method_of, ids)
                if new != v or extra is not None:
                    planted.mark(new.id, cls)
                v = new
                if extra is not None:
                    planted.mark(extra.id, cls)
                    out.append(extra)
                break
        out.append(v)
    return out


def ensure_visit_classes(rng: random.Random, visits: list[Visit], method_of: dict[str, str],
                         planted: Planted, ids: I.Ids) -> list[Visit]:
    """Plant each visit-level class at least once, on visits that carry no other mistake."""
    out = list(visits)
    for cls in VISIT_RATES:
        if cls in planted.classes():
            continue
        spoiled = {v.patient_id for v in out if v.id in planted.by_visit}
        choices = [i for i, v in enumerate(out) if v.patient_id not in spoiled
                   and not v.auth_number and any(is_timed(ln.cpt) for ln in v.lines)]
        if not choices:
            continue
        i = rng.choice(choices)
        new, extra = _plant_visit(rng, out[i], cls, method_of, ids)
        out[i] = new
        planted.mark(new.id, cls)
        if extra is not None:
            planted.mark(extra.id, cls)
            out.append(extra)
    return out


def _plant_visit(rng: random.Random, v: Visit, cls: str, method_of: dict[str, str],
                 ids: I.Ids) -> tuple[Visit, Visit | None]:
    if cls == "missing-go":
        return strip_go(v), None
    if cls == "wrong-units":
        return wrong_units(rng, v, method_of.get(v.coverage_id, "cms")), None
    if cls == "dx-not-billable":
        return header_dx(v), None
    if cls == "note-unsigned":
        return replace(v, note_signed=False), None
    if cls == "duplicate-line":
        dup = replace(v.lines[-1], id=ids.new())
        return replace(v, lines=(*v.lines, dup)), None
    if cls == "charge-missing":
        i = rng.randrange(len(v.lines))
        return replace(v, lines=tuple(replace(ln, charge=None) if j == i else ln
                                      for j, ln in enumerate(v.lines))), None
    if cls == "referring-npi-check-digit":
        return replace(v, referring_npi=I.break_npi(v.referring_npi)), None
    # duplicate-visit: the same visit keyed in twice under a new EHR visit id (not under an
    # authorization, where the extra visit would also use up an authorized visit)
    if v.auth_number:
        return v, None
    twin = replace(v, id=ids.new(), lines=tuple(replace(ln, id=ids.new()) for ln in v.lines))
    return v, twin


def strip_go(v: Visit) -> Visit:
    """Every line without GO (the EHR's fee ticket forgot the discipline modifier)."""
    return replace(v, lines=tuple(replace(ln, modifiers=tuple(m for m in ln.modifiers if m != "GO"))
                                  for ln in v.lines))


def wrong_units(rng: random.Random, v: Visit, method: str) -> Visit:
    """One timed line billed a unit off what its minutes support (charge follows units)."""
    timed = [i for i, ln in enumerate(v.lines) if is_timed(ln.cpt) and ln.minutes]
    if not timed:
        return v
    i = rng.choice(timed)
    ln = v.lines[i]
    minutes = {x.cpt: x.minutes or 0 for x in v.lines if is_timed(x.cpt)}
    right = (units_cms if method == "cms" else units_ama)(minutes).get(ln.cpt, ln.units or 1)
    units = right + 1 if right <= 1 or rng.random() < 0.6 else right - 1
    fee = (ln.charge or Decimal(0)) / (ln.units or 1)
    new = replace(ln, units=units, charge=fee * units)
    return replace(v, lines=tuple(new if j == i else x for j, x in enumerate(v.lines)))


def header_dx(v: Visit) -> Visit:
    """The treating diagnosis written as its non-billable category (M25.5 for M25.511)."""
    dx = list(v.diagnoses)
    for i, code in enumerate(dx):
        if code in HEADER_OF:
            dx[i] = HEADER_OF[code]
            return replace(v, diagnoses=tuple(dx))
    dx[0] = dx[0][:-1].rstrip(".") if len(dx[0]) > 3 else dx[0]
    return replace(v, diagnoses=tuple(dx))
