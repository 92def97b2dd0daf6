"""The claim scrubber: pure rules that say what is wrong with a visit.

Skeleton version: only the checks the walking skeleton needs (lines without units or
without a diagnosis). The full rule catalogue replaces this module's body.
"""

from __future__ import annotations

from otq.domain import Finding, Severity, Visit
from otq.scrubber.context import ScrubContext

__all__ = ["ScrubContext", "scrub_visit"]


def scrub_visit(visit: Visit, ctx: ScrubContext) -> list[Finding]:
    """Every finding for one visit, errors first."""
    out = []
    for i, line in enumerate(visit.lines):
        if line.units is None:
            out.append(Finding("UNITS-MISSING", Severity.ERROR, f"line {i + 1} ({line.cpt}) has no units",
                               f"lines[{i}].units", visit.id))
        if not line.dx_pointers:
            out.append(Finding("DX-MISSING", Severity.ERROR, f"line {i + 1} ({line.cpt}) has no diagnosis",
                               f"lines[{i}].dx_pointers", visit.id))
    return out
