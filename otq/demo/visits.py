"""Turning care plans into treated visits with correctly coded service lines.

Correct here means what a careful biller produces: GO on every line, CO when an assistant
treated, 95 and POS 10 on telehealth, units by the payer's method, 59 on the column-2 code
of an NCCI pair that allows a bypass, a progress report at least every 10 treatment days,
and KX once a Medicare patient's year passes the therapy threshold (added after the
mistakes are planted, as a billing system would). The mistakes come afterwards
(``otq.demo.mistakes``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pendulum

from otq.demo.clinical import FEES, UNTIMED, timed_minutes, units_ama, units_cms
from otq.demo.ids import Ids
from otq.demo.practice import CarePlan
from otq.domain import Credential, Provider, ServiceLine, Visit, VisitStatus

#: codes a therapist cannot deliver over video
_HANDS_ON = frozenset({"97140", "97018", "97760", "97763"})
_EVAL_MINUTES = {"97165": 30, "97166": 45, "97167": 60}


class VisitBuilder:
    """Builds the visits of every plan; ``unit_method`` maps payer id to 'cms' or 'ama'."""

    def __init__(self, rng: random.Random, ids: Ids, unit_method: dict[str, str],
                 ncci: list[dict[str, Any]]) -> None:
        self.rng = rng
        self.ids = ids
        self.unit_method = unit_method
        # Pairs a careful biller bypasses with 59 (indicator 1) or avoids (indicator 0).
        self.bypass = {(p["column1"], p["column2"]) for p in ncci
                       if p.get("modifier_indicator") == 1 and p.get("deleted") is None}
        self.never = {(p["column1"], p["column2"]) for p in ncci
                      if p.get("modifier_indicator") == 0 and p.get("deleted") is None}

    def visits_for(self, plan: CarePlan) -> list[Visit]:
        """Every treated visit of one plan, in date order."""
        rng = self.rng
        out = []
        last_report: pendulum.Date | None = None
        since = 0
        if not plan.new and plan.poc_start < plan.dates[0].subtract(days=14):
            last_report = plan.dates[0].subtract(days=rng.randint(1, 10))
        for n, dos in enumerate(plan.dates):
            evaluation = plan.new and n == 0
            therapist = plan.evaluator if evaluation else (
                plan.therapists[0] if rng.random() < 0.75 else plan.therapists[-1])
            telehealth = (not evaluation and plan.condition.name != "pediatric"
                          and rng.random() < 0.04)
            if since >= 7 and not evaluation:
                last_report, since = dos, 0  # the OT writes the progress report today
            lines = self._lines(plan, therapist, evaluation, telehealth, n)
            out.append(Visit(
                id=self.ids.new(), external_id="", patient_id=plan.patient.id,
                coverage_id=plan.coverage.id, provider_id=therapist.id,
                practice_id=plan.practice.id, date_of_service=dos,
                place_of_service="10" if telehealth else (
                    "12" if plan.condition.name == "debility" and rng.random() < 0.15 else "11"),
                telehealth=telehealth, lines=lines, diagnoses=plan.diagnoses, note_signed=True,
                poc_start=plan.poc_start, poc_end=plan.poc_end, last_progress_report=last_report,
                referring_npi=plan.referring_npi, referring_name=plan.referring_name,
                auth_number=plan.authorization.number if plan.authorization else "",
                status=VisitStatus.UNCODED))
            since += 1
        return out

    # ------------------------------------------------------------------ lines
    def _lines(self, plan: CarePlan, therapist: Provider, evaluation: bool, telehealth: bool,
               n: int) -> tuple[ServiceLine, ...]:
        rng = self.rng
        cond = plan.condition
        minutes: dict[str, int] = {}
        untimed: dict[str, int | None] = {}
        if evaluation:
            code = rng.choices(("97165", "97166", "97167"), (2, 5, 3))[0]
            untimed[code] = _EVAL_MINUTES[code]
            if cond.orthosis and rng.random() < 0.6:
                minutes["97760"] = rng.choice((15, 20, 23, 25))
            elif rng.random() < 0.5:
                minutes["97535"] = rng.choice((10, 15, 18, 23))
        else:
            minutes = self._treatment_minutes(plan, telehealth, n)
            if cond.modality and not telehealth and rng.random() < 0.25:
                untimed[cond.modality] = 10
            if not plan.new and n > 0 and rng.random() < 0.015 and not telehealth:
                untimed["97168"] = 30  # re-evaluation after a change in status
        codes = set(untimed) | set(minutes)
        # Pairs that can never be billed together are left off; on telehealth visits so
        # are bypassable ones (GO, CO, 95 and 59 would leave no room for KX).
        avoid = self._avoid(telehealth)
        untimed = {c: m for c, m in untimed.items() if not any((a, c) in avoid for a in codes)}
        minutes = {c: m for c, m in minutes.items() if not any((a, c) in avoid for a in codes)}
        units = self._units(plan.payer_id, minutes)
        lines = [(code, m, 1) for code, m in untimed.items()]
        lines += [(code, m, units[code]) for code, m in minutes.items() if units[code]]
        codes = {c for c, _, _ in lines}
        return tuple(self._line(plan, therapist, telehealth, codes, *ln) for ln in lines)

    def _treatment_minutes(self, plan: CarePlan, telehealth: bool, n: int) -> dict[str, int]:
        cond = plan.condition
        if telehealth:
            cond = replace(cond, codes=tuple((c, w) for c, w in cond.codes if c not in _HANDS_ON)
                           or (("97535", 1),))
        for _ in range(20):
            k = self.rng.choices((1, 2, 3), (1, 6, 4))[0]
            minutes = timed_minutes(self.rng, cond, k)
            if cond.orthosis and 1 <= n <= 4 and not telehealth and self.rng.random() < 0.3:
                minutes["97763"] = self.rng.choice((10, 15, 20))
            # A careful biller never leaves a documented code at 0 units.
            avoid = self._avoid(telehealth)
            clash = any((a, b) in avoid for a in minutes for b in minutes)
            if not clash and all(self._units(plan.payer_id, minutes).values()):
                return minutes
        return {"97530": 45}

    def _avoid(self, telehealth: bool) -> set[tuple[str, str]]:
        return self.never | (self.bypass if telehealth else set())

    def _units(self, payer_id: str, minutes: dict[str, int]) -> dict[str, int]:
        method = self.unit_method.get(payer_id, "cms")
        return units_cms(minutes) if method == "cms" else units_ama(minutes)

    def _line(self, plan: CarePlan, therapist: Provider, telehealth: bool, codes: set[str],
              code: str, minutes: int | None, units: int) -> ServiceLine:
        mods = ["GO"]
        if therapist.credential is Credential.OTA:
            mods.append("CO")
        if any((other, code) in self.bypass for other in codes):
            mods.append("59")  # documented as a separate, distinct time block
        if telehealth:
            mods.append("95")
        pointers = (1, 2) if len(plan.diagnoses) > 1 and self.rng.random() < 0.6 else (1,)
        return ServiceLine(id=self.ids.new(), cpt=code, modifiers=tuple(mods), minutes=minutes,
                           units=units, dx_pointers=pointers, charge=FEES[code] * units,
                           furnished_by=therapist.credential)


def add_kx(visits: list[Visit], payer_of: dict[str, str], threshold: Decimal | None,
           kx_payers: set[str]) -> list[Visit]:
    """KX on every line of a Medicare visit that takes the year's OT charges over the threshold."""
    if threshold is None:
        return visits
    running: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    out = []
    for v in sorted(visits, key=lambda v: (v.date_of_service, v.id)):
        if payer_of.get(v.coverage_id) not in kx_payers:
            out.append(v)
            continue
        key = (v.patient_id, v.date_of_service.year)
        running[key] += v.total_charge
        if running[key] > threshold:
            v = replace(v, lines=tuple(
                ln if "KX" in ln.modifiers else replace(ln, modifiers=_with_kx(ln.modifiers))
                for ln in v.lines))
        out.append(v)
    return out


def _with_kx(mods: tuple[str, ...]) -> tuple[str, ...]:
    """KX after the discipline/assistant modifiers; never more than four."""
    return (*mods, "KX")[:4] if len(mods) < 4 else mods


def is_timed(code: str) -> bool:
    """Timed codes are billed in units of minutes (the demo's own short list)."""
    return code not in UNTIMED
