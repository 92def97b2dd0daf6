"""The rule registry: every scrubber rule with its stable id, severity, description and source.

A rule is a pure function ``check(subject) -> Iterable[Hit]``. The registry turns each
``Hit`` into a ``Finding`` carrying the rule's id and severity, with the rule's source
appended to the message, so every finding explains where its rule comes from.

Rule ids are part of otq's interface (queues, CLI output, acknowledgements store them):
never rename or reuse one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from otq.domain import Finding, Fix, Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule found: the problem in words, the field it concerns, an optional fix."""

    message: str
    field: str = ""
    fix: Fix | None = None


@dataclass(frozen=True)
class Rule:
    """One registered rule."""

    id: str
    severity: Severity
    description: str
    source: str
    check: Callable[..., Iterable[Hit]]
    order: int = 0

    def finding(self, hit: Hit, subject_id: str) -> Finding:
        """The finding for one hit, citing this rule's source."""
        return Finding(self.id, self.severity, f"{hit.message} (source: {self.source})",
                       hit.field, subject_id, hit.fix)


#: rule id -> rule, in registration (catalogue) order
RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, description: str, source: str):
    """Register a check function under a stable rule id."""

    def register(fn: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        if rule_id in RULES:
            raise RuntimeError(f"scrubber rule id {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, description, source, fn, len(RULES))
        return fn

    return register


def line_label(index: int, cpt: str) -> str:
    """'line 2 (97110)': how messages name a service line (1-based, as billers count)."""
    return f"line {index + 1} ({cpt})"


def line_span(indexes: Iterable[int]) -> str:
    """'lines 1-3' or 'lines 1, 3' or 'line 2' for a set of 0-based line indexes."""
    nums = sorted(i + 1 for i in indexes)
    if len(nums) == 1:
        return f"line {nums[0]}"
    if nums == list(range(nums[0], nums[-1] + 1)):
        return f"lines {nums[0]}-{nums[-1]}"
    return "lines " + ", ".join(str(n) for n in nums)
