"""Readying a freshly opened session for the commits other billers will make.

Several things a session derives are made on first use: the index of each record's
patient, the shared tables a scrub decodes, the rules' data and the ICD-10-CM table. Left
to first use, the first commit another biller makes pays for them all on the screen's
thread (1.9 to 3.1 s at 50,000 open items, where later commits cost 25 ms). ``otq tui``'s
loading thread calls ``before_first_commit`` instead, while the biller already sees rows.
"""

from __future__ import annotations

from otq.reference.icd import icd_table
from otq.services import patient_changes, scrubbing
from otq.services.session import Session


def before_first_commit(session: Session) -> None:
    """Index the patients, scrub one visit (and throw the answer away), read the ICD table."""
    patient_changes.prepare(session)
    scrubbing.warm(session)
    icd_table().load()
