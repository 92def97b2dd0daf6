"""Identifier checks: NPI check digit and Medicare Beneficiary Identifier format.

NPI (facts §5.2): 10 digits whose last digit is a Luhn check digit computed as if the
card-issuer prefix 80840 were in front; python-stdnum's Luhn does the arithmetic.
MBI (facts §5.1): 11 characters following CMS's position rules, never S L O I B Z.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum import luhn

NPI_PREFIX = "80840"

_ALPHA = "AC-HJKMNP-RT-Y"  # the 20 letters CMS uses: no S, L, O, I, B or Z
MBI_RE = re.compile(
    rf"^[1-9][{_ALPHA}][{_ALPHA}0-9][0-9][{_ALPHA}][{_ALPHA}0-9][0-9][{_ALPHA}]{{2}}[0-9]{{2}}$"
)
MBI_FORBIDDEN = frozenset("SLOIBZ")
_MBI_SHAPE = "C A AN N A AN N A A N N".split()


@lru_cache(maxsize=8192)
def npi_problem(npi: object) -> str | None:
    """Why an NPI is not valid, or None when it is (cached: a store has few distinct NPIs)."""
    if not isinstance(npi, str) or not npi.strip():
        return "is missing"
    npi = npi.strip()
    if len(npi) != 10 or not npi.isdigit():
        return f"must be 10 digits (got {len(npi)} characters)"
    if npi[0] not in "12":
        return "must start with 1 (individual) or 2 (organisation)"
    if not luhn.is_valid(NPI_PREFIX + npi):
        expected = luhn.calc_check_digit(NPI_PREFIX + npi[:9])
        return f"fails the check digit (the last digit would be {expected})"
    return None


def normalise_mbi(value: str) -> str:
    """An MBI as systems store it: upper case, without the dashes and spaces of the card."""
    return re.sub(r"[\s-]", "", value).upper()


@lru_cache(maxsize=65536)
def mbi_problem(value: object) -> str | None:
    """Why a member id is not a valid MBI, or None when it is (cached per distinct value)."""
    if not isinstance(value, str) or not value.strip():
        return "is missing"
    mbi = normalise_mbi(value)
    if len(mbi) != 11:
        return f"must be 11 characters (got {len(mbi)})"
    bad = sorted(set(mbi) & MBI_FORBIDDEN)
    if bad:
        return f"contains {', '.join(bad)}, letters an MBI never uses (S L O I B Z)"
    if MBI_RE.match(mbi):
        return None
    for pos, (ch, kind) in enumerate(zip(mbi, _MBI_SHAPE, strict=True), start=1):
        ok = {"C": ch in "123456789", "N": ch.isdigit(), "A": ch.isalpha(),
              "AN": ch.isalnum()}[kind]
        if not ok:
            want = {"C": "a digit 1-9", "N": "a digit", "A": "a letter",
                    "AN": "a letter or digit"}[kind]
            return f"position {pos} must be {want}"
    return "does not follow the MBI format"
