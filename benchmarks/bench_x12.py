"""Export 10,000 claims as one 837P and import an 835 paying 10,000 claims; time both.

``python benchmarks/bench_x12.py [--claims N]``. Targets (issue #5): each under 10 s on
the 2-core reference machine, pyx12 validation not counted. The store is built directly
(1,000 patients over three payers, 10,000 ready claims of 3 OT lines each, with referring
physicians), then ``export_claims`` writes the batch (temp file, fsync, one commit marking
every claim submitted, rename) and ``import_era`` posts an 835 that pays most claims,
denies some (CO-97 line, CO-50 claim) and leaves PR-2 coinsurance on others.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pendulum

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from x12.remit_builders import ClaimRemit, build_835, contractual  # noqa: E402

from otq.domain import Address, Claim, ClaimLine, ClaimStatus, Coverage, Patient, Practice, Provider  # noqa: E402
from otq.services.claims_export import export_claims  # noqa: E402
from otq.services.remittance import import_era  # noqa: E402
from otq.services.setup import init_store  # noqa: E402
from otq.store import Put, encode  # noqa: E402

TODAY = pendulum.date(2026, 3, 16)
LINES = [("97110", ("GO",), 2, Decimal("136.00")), ("97530", ("GO", "CO"), 1, Decimal("75.00")),
         ("97535", ("GO",), 1, Decimal("70.00"))]
PAYERS = [("medicare", "1EG4TE5MK73"), ("medicaid", "MA7700112"), ("commercial", "KCH000123")]


def build(path: Path, n_claims: int):
    """A store with ``n_claims`` ready claims."""
    session = init_store(path)
    session.today = TODAY
    practice = Practice(id="prac", name="ACME OCCUPATIONAL THERAPY", npi="1234567893",
                        tin="123456789", address=Address("100 MAIN ST", "ANYTOWN", "PA", "19103"))
    provider = Provider(id="prov", npi="1558598797", last_name="LEE", first_name="ANNA",
                        practice_id="prac")
    changes = [Put("practices", encode(practice)), Put("providers", encode(provider))]
    for i in range(1000):
        payer, member = PAYERS[i % 3]
        changes.append(Put("patients", encode(Patient(
            id=f"pat{i}", external_id=f"P{i:06d}", last_name=f"PATIENT{i}", first_name="TEST",
            dob=pendulum.date(1950, 1, 1).add(days=i), sex="F",
            address=Address(f"{i} ELM ST", "ANYTOWN", "PA", "19103")))))
        changes.append(Put("coverages", encode(Coverage(
            id=f"cov{i}", patient_id=f"pat{i}", payer_id=payer, member_id=member))))
    for n in range(1, n_claims + 1):
        i = n % 1000
        dos = TODAY.subtract(days=1 + n % 60)
        lines = tuple(ClaimLine(f"{n:07d}L{k:02d}", cpt, mods, units, charge, (1, 2), dos)
                      for k, (cpt, mods, units, charge) in enumerate(LINES, start=1))
        changes.append(Put("claims", encode(Claim(
            id=f"claim{n}", patient_control_number=f"OTQ{n:07d}", patient_id=f"pat{i}",
            payer_id=PAYERS[i % 3][0], coverage_id=f"cov{i}", practice_id="prac",
            provider_id="prov", visit_ids=(), date_of_service=dos, lines=lines,
            diagnoses=("I69.351", "M62.81"), referring_npi="1245319599",
            referring_name="SMITH, ROBERT", status=ClaimStatus.READY))))
    session.store.commit(changes, action="bench.seed", counters={"claim": (0, n_claims)})
    path.with_name(path.name + ".edi.toml").write_text(
        '[submitter]\ncontact_phone = "2155550100"\n')
    return session


def remits(claims: list[Claim]) -> list[ClaimRemit]:
    """Pay most, deny a line (CO-97) or the claim (CO-50), leave coinsurance (PR-2)."""
    out = []
    for n, c in enumerate(claims):
        icn = f"26075{n:09d}"
        if n % 10 == 0:
            out.append(ClaimRemit(c, icn, lambda ln: [("CO", "97", ln.charge)]
                                  if ln.control_number.endswith("L01") else contractual()(ln)))
        elif n % 10 == 1:
            out.append(ClaimRemit(c, icn, claim_adjustments=[("CO", "50", c.total_charge)],
                                  status="4"))
        elif n % 10 == 2:
            out.append(ClaimRemit(c, icn, lambda ln: [("CO", "45", ln.charge / 5),
                                                      ("PR", "2", ln.charge / 10)]))
        else:
            out.append(ClaimRemit(c, icn, contractual()))
    return out


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        session = build(folder / "store.json", args.claims)
        print(f"built a store with {args.claims:,} ready claims in "
              f"{time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        r = export_claims(session, folder / "batch.837")
        export_s = time.perf_counter() - t
        size = (folder / "batch.837").stat().st_size
        print(f"export: {r.claims:,} claims, {r.total_charge:,.2f} charged, "
              f"{size / 1e6:.1f} MB in {export_s:.2f} s")
        sent = sorted(session.entities("claims").values(), key=lambda c: c.patient_control_number)
        (folder / "remit.835").write_text(build_835(remits(sent), date=TODAY))
        t = time.perf_counter()
        era = import_era(session, folder / "remit.835")
        import_s = time.perf_counter() - t
        print(f"import: {era.claims_posted:,} claims posted, {era.denials:,} denials, "
              f"paid {era.paid:,.2f} in {import_s:.2f} s")
        t = time.perf_counter()
        again = import_era(session, folder / "remit.835")
        print(f"reimport (no-op, {again.already_posted} payment skipped) in "
              f"{time.perf_counter() - t:.2f} s")
        ok = export_s < 10 and import_s < 10
        print("PASS" if ok else "FAIL", "(target: each under 10 s)")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
