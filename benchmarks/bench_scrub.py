"""Scrub 20,000 visits in memory and time it: ``python benchmarks/bench_scrub.py``.

Targets (issue #3): a full scrub under 2 s, re-scrubbing one edited visit under 5 ms, on
the 2-core reference machine. Visits have realistic shapes: 2,000 patients over three
payers, 10 visits each across a plan of care, an evaluation first, then 2-4 timed codes,
with a few planted mistakes so the error paths run too. Prints the median of several runs.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pendulum

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from otq.domain import Coverage, Credential, Patient, Payer, Practice, Provider, ServiceLine, Visit  # noqa: E402
from otq.reference import load_reference  # noqa: E402
from otq.scrubber import ScrubContext, scrub_visit  # noqa: E402

TODAY = pendulum.date(2026, 3, 2)
TIMED = ["97110", "97112", "97140", "97530", "97535", "97533", "97129"]
DX = ["I69.351", "M62.81", "R26.81", "M25.511", "G81.91", "M25.5", "S52.501A", "R27.8"]
MBIS = ["1EG4TE5MK73", "2EG4TE5MK73", "1EG4TE5MK7S"]
NPIS = ["1234567893", "1558598797"]


def make_world(n_patients: int = 2000, per_patient: int = 10, seed: int = 7):
    """Entities for n_patients x per_patient visits."""
    rnd = random.Random(seed)
    ref = load_reference()
    payers = {p: Payer(id=p, name=p, x12_payer_id="X", filing_indicator="CI", profile_id=p)
              for p in ("medicare", "medicaid", "commercial")}
    patients, coverages, visits = {}, {}, {}
    for p in range(n_patients):
        pid = f"p{p}"
        patients[pid] = Patient(id=pid, external_id=f"P{p}", last_name="Doe", first_name="Ann",
                                dob=pendulum.date(1940 + p % 50, 1 + p % 12, 1 + p % 28))
        payer = rnd.choice(list(payers))
        coverages[f"c{p}"] = Coverage(id=f"c{p}", patient_id=pid, payer_id=payer,
                                      member_id=rnd.choice(MBIS) if payer == "medicare" else "M1")
        start = TODAY.subtract(days=rnd.randint(20, 200))
        for k in range(per_patient):
            dos = start.add(days=k * 3)
            if k == 0:
                lines = [ServiceLine(id="l0", cpt="97166", modifiers=("GO",), units=1,
                                     dx_pointers=(1,), charge=Decimal("150.00"))]
            else:
                lines = []
                for j, code in enumerate(rnd.sample(TIMED, rnd.randint(2, 4))):
                    m = rnd.randint(5, 40)
                    lines.append(ServiceLine(
                        id=f"l{j}", cpt=code, modifiers=("GO",) if rnd.random() > .03 else (),
                        minutes=m, units=max(1, (m + 7) // 15), dx_pointers=(1, 2),
                        charge=Decimal("45.00"), furnished_by=rnd.choice(
                            [Credential.OT, Credential.OT, Credential.OTA])))
            vid = f"v{p}-{k}"
            visits[vid] = Visit(
                id=vid, external_id=f"E{p}-{k}", patient_id=pid, coverage_id=f"c{p}",
                provider_id="prov", practice_id="prac", date_of_service=dos, lines=tuple(lines),
                diagnoses=tuple(rnd.sample(DX, 2)), note_signed=rnd.random() > .05,
                poc_start=start, poc_end=start.add(days=89), referring_npi=rnd.choice(NPIS),
                auth_number="", last_progress_report=None)
    return ref, dict(
        today=TODAY, codes=ref.codes, profiles=ref.profiles, visits=visits, patients=patients,
        coverages=coverages, payers=payers,
        providers={"prov": Provider(id="prov", npi=NPIS[1], last_name="Lee", first_name="A")},
        practices={"prac": Practice(id="prac", name="Acme", npi=NPIS[0], tin="123456789")},
        authorizations={}, data=ref.extra)


def median_time(fn, runs: int) -> float:
    """Median wall time of fn over runs, in seconds."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    """Run the benchmark and print the medians."""
    ref, kw = make_world()
    visits = kw["visits"]
    ref.extra["icd"].lookup("I69.351")  # the ICD table loads once per process, not per scrub
    build = median_time(lambda: ScrubContext.build(**kw), 3)
    ctx = ScrubContext.build(**kw)
    vs = list(visits.values())
    findings = [0]

    def full():
        findings[0] = sum(len(scrub_visit(v, ctx)) for v in vs)

    scrub_all = median_time(full, 3)
    one = vs[len(vs) // 2]
    edited = replace(one, lines=one.lines[:-1] + (replace(one.lines[-1], units=9),))
    single = median_time(lambda: scrub_visit(edited, ctx), 200)
    print(f"visits: {len(vs)}  findings: {findings[0]}")
    print(f"context build (indexes): {build * 1000:.0f} ms")
    print(f"full scrub: {scrub_all * 1000:.0f} ms (target < 2000 ms); "
          f"with context build: {(scrub_all + build) * 1000:.0f} ms")
    print(f"single-visit re-scrub: {single * 1000:.3f} ms (target < 5 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
