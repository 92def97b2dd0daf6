"""Seeded identifiers for generated data: record UUIDs, NPIs, EINs, MBIs and member ids.

Everything draws from a ``random.Random`` the generator seeds, so the same seed gives the
same store. The identifiers are valid in form (NPI check digit, MBI position rules, EIN
prefixes), which is what billers' systems check; none is meant to be a real one.
"""

from __future__ import annotations

import random
import string
import uuid

from stdnum import luhn

#: facts §5.1: MBIs never use S, L, O, I, B or Z
MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"
MBI_FORBIDDEN = "SLOIBZ"
#: facts §5.4: EIN prefixes that exist
EIN_PREFIXES = tuple(f"{p:02d}" for p in (*range(1, 7), *range(10, 17), *range(20, 28),
                                          *range(30, 49), *range(50, 69), *range(71, 78),
                                          *range(80, 89), *range(90, 96), 98, 99))


class Ids:
    """Record ids from a seeded stream: deterministic UUID4s instead of ``uuid.uuid4()``."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"otq-demo-ids-{seed}")

    def new(self) -> str:
        """A fresh, seeded UUID4 string."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


def npi_check_digit(base9: str) -> str:
    """The NPI check digit: Luhn over the base with the 80840 prefix (facts §5.2)."""
    return luhn.calc_check_digit("80840" + base9)


def make_npi(rng: random.Random, entity_type: int = 1) -> str:
    """A 10-digit NPI with a valid check digit; type 1 individuals, type 2 organisations."""
    base = str(entity_type) + "".join(rng.choice(string.digits) for _ in range(8))
    return base + npi_check_digit(base)


def break_npi(npi: str) -> str:
    """The same NPI with a wrong check digit (a typo a scrubber must catch)."""
    return npi[:9] + str((int(npi[9]) + 1 + int(npi[8]) % 8) % 10)


def make_tin(rng: random.Random) -> str:
    """A 9-digit EIN with a prefix the IRS issues (no check digit exists)."""
    return rng.choice(EIN_PREFIXES) + "".join(rng.choice(string.digits) for _ in range(7))


def make_mbi(rng: random.Random) -> str:
    """A valid-format Medicare Beneficiary Identifier (CMS position rules, facts §5.1)."""
    a, n = MBI_LETTERS, string.digits
    an = a + n
    pattern = (string.digits[1:], a, an, n, a, an, n, a, a, n, n)
    return "".join(rng.choice(chars) for chars in pattern)


def break_mbi(rng: random.Random, mbi: str) -> str:
    """An MBI with a forbidden letter in a letter position (an O for a 0 typo, say)."""
    pos = rng.choice((1, 4, 7, 8))
    return mbi[:pos] + rng.choice(MBI_FORBIDDEN) + mbi[pos + 1:]


def make_medicaid_id(rng: random.Random) -> str:
    """A state Medicaid recipient number: 10 digits, often with leading zeros."""
    return "00" + "".join(rng.choice(string.digits) for _ in range(8))


def make_commercial_id(rng: random.Random, prefix: str) -> str:
    """A commercial member id: a 3-letter plan prefix and 9 digits."""
    return prefix + "".join(rng.choice(string.digits) for _ in range(9))


def auth_number(rng: random.Random) -> str:
    """A payer prior-authorization number."""
    return "PA" + "".join(rng.choice(string.digits) for _ in range(8))
