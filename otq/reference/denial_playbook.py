"""The denial playbook and the CARC/RARC texts: what an 835 adjustment means, what to do next.

Data lives in ``carc.toml``, ``rarc.toml`` and ``denial_playbook.toml`` beside this module,
so a billing office changes a next action or a deadline without a release. Deciding is
pure: the remittance date and date of service are parameters, never the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pendulum

from otq.domain.payer import PayerProfile
from otq.errors import ConfigError
from otq.paths import reference_dir
from otq.reference.catalogue import load_reference, read_toml

EITHER = "bill_secondary_or_patient"  # resolved by whether a secondary coverage exists
BASES = ("appeal", "filing", "remit")
_RULE_KEYS = {"carc", "group", "rarc", "profile", "action", "why"}
_ACTION_KEYS = {"label", "deadline", "days", "post_only"}


@dataclass(frozen=True)
class PlaybookAction:
    """A next action: its label, how its deadline is counted, and whether it is work."""

    id: str
    label: str
    deadline: str  # appeal | filing | remit
    days: int = 0
    post_only: bool = False


@dataclass(frozen=True)
class PlaybookRule:
    """Match (carc, and optionally group, rarc, profile) -> action, with the reason why."""

    carc: str
    action: str
    why: str = ""
    group: str = ""
    rarc: str = ""
    profile: str = ""

    def matches(self, group: str, carc: str, rarcs: tuple[str, ...], profile: str) -> bool:
        """True when every field the rule names fits."""
        return (self.carc == carc and self.group in ("", group)
                and (not self.rarc or self.rarc in rarcs) and self.profile in ("", profile))

    @property
    def specificity(self) -> int:
        """How many optional fields the rule names (more wins)."""
        return bool(self.group) + bool(self.rarc) * 2 + bool(self.profile)


@dataclass(frozen=True)
class Decision:
    """What to do about one adjustment, by when, and why."""

    action: str
    label: str
    deadline: pendulum.Date
    why: str
    post_only: bool = False


@dataclass(frozen=True)
class Playbook:
    """The loaded playbook and code texts."""

    actions: dict[str, PlaybookAction]
    rules: tuple[PlaybookRule, ...]
    default_action: str
    pr_default_action: str
    carcs: dict[str, str]
    rarcs: dict[str, str]
    groups: dict[str, str]

    def carc_text(self, code: str) -> str:
        """The plain-English meaning of a CARC."""
        return self.carcs.get(code, f"CARC {code} (not in carc.toml)")

    def rarc_text(self, code: str) -> str:
        """The plain-English meaning of a RARC."""
        return self.rarcs.get(code, f"RARC {code} (not in rarc.toml)")

    def group_text(self, group: str) -> str:
        """What a group code means for who pays."""
        return self.groups.get(group, f"group {group}")

    def rule_for(self, group: str, carc: str, rarcs: tuple[str, ...],
                 profile: str) -> tuple[str, str]:
        """(action id, why) of the most specific matching rule, else the default."""
        best: PlaybookRule | None = None
        for rule in self.rules:
            if rule.matches(group, carc, rarcs, profile) and (
                    best is None or rule.specificity > best.specificity):
                best = rule
        if best is not None:
            return best.action, best.why
        if group == "PR":
            return self.pr_default_action, "Patient responsibility"
        return self.default_action, "No playbook rule for this code: review it"

    def decide(self, group: str, carc: str, rarcs: tuple[str, ...], profile: PayerProfile,
               *, has_secondary: bool, remit_date: pendulum.Date,
               service_date: pendulum.Date) -> Decision:
        """The next action for one adjustment and its deadline."""
        action, why = self.rule_for(group, carc, rarcs, profile.id)
        if action == EITHER:
            action = "bill_secondary" if has_secondary else "bill_patient"
        if action == "correct_resubmit" and not profile.accepts_frequency_7:
            action = "reopening"
            why += f" ({profile.name} takes corrections as a reopening, not frequency 7)"
        act = self.actions[action]
        if act.deadline == "appeal":
            deadline = remit_date.add(days=profile.appeal_days)
        elif act.deadline == "filing":
            deadline = service_date.add(days=profile.filing_limit_days)
        else:
            deadline = remit_date.add(days=act.days)
        return Decision(action, act.label, deadline, why, act.post_only)


@lru_cache(maxsize=4)
def load_playbook(folder: Path | None = None) -> Playbook:
    """Read the playbook and code texts (cached). Raises ConfigError naming file and key."""
    folder = folder or reference_dir()
    book_path = folder / "denial_playbook.toml"
    book = read_toml(book_path)
    carc = read_toml(folder / "carc.toml")
    rarc = read_toml(folder / "rarc.toml")
    problems = []
    actions = {}
    for aid, row in book.get("actions", {}).items():
        bad = set(row) - _ACTION_KEYS
        if bad or row.get("deadline") not in BASES or "label" not in row:
            problems.append(f"{book_path}: actions.{aid}: needs label and deadline "
                            f"({'/'.join(BASES)}); unknown keys: {sorted(bad) or 'none'}")
            continue
        actions[aid] = PlaybookAction(aid, str(row["label"]), row["deadline"],
                                      int(row.get("days", 0)), bool(row.get("post_only")))
    known = set(actions) | {EITHER}
    rules = []
    for n, row in enumerate(book.get("rules", []), start=1):
        bad = set(row) - _RULE_KEYS
        if bad or "carc" not in row or row.get("action") not in known:
            problems.append(f"{book_path}: rules[{n}]: needs carc and a known action; "
                            f"unknown keys: {sorted(bad) or 'none'}")
            continue
        rules.append(PlaybookRule(str(row["carc"]), row["action"], str(row.get("why", "")),
                                  str(row.get("group", "")), str(row.get("rarc", "")),
                                  str(row.get("profile", ""))))
    default = book.get("default", {})
    for key in ("action", "pr_action"):
        if default.get(key) not in known:
            problems.append(f"{book_path}: default.{key}: must name a known action")
    for needed in ("reopening", "bill_secondary", "bill_patient"):
        if needed not in actions:
            problems.append(f"{book_path}: actions.{needed}: is required")
    if problems:
        raise ConfigError("\n".join(problems))
    return Playbook(actions, tuple(rules), default["action"], default["pr_action"],
                    {str(k): str(v) for k, v in carc.get("codes", {}).items()},
                    {str(k): str(v) for k, v in rarc.get("codes", {}).items()},
                    {str(k): str(v) for k, v in carc.get("groups", {}).items()})


def next_action(carc: str, group: str, profile_id: str, *, rarcs: tuple[str, ...] = (),
                has_secondary: bool = False, folder: Path | None = None) -> tuple[str, int]:
    """(action id, days) for one adjustment under a payer profile, without any dates.

    ``days`` counts from the remittance date for appeal and remit deadlines, and from the
    date of service for filing deadlines (``load_playbook().actions[action].deadline`` says
    which). Callers with the dates in hand should use :meth:`Playbook.decide`.
    """
    profiles = load_reference(folder).profiles
    if profile_id not in profiles:
        raise ConfigError(f"payer_profiles.toml: no profile named {profile_id!r}")
    profile = profiles[profile_id]
    day0 = pendulum.date(2000, 1, 1)  # any date: only the distance matters
    decision = load_playbook(folder).decide(group, carc, rarcs, profile,
                                            has_secondary=has_secondary, remit_date=day0,
                                            service_date=day0)
    return decision.action, (decision.deadline - day0).days
